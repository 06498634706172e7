"""Start-up cost of dbadvisor commands against a minimal app, measured in one run.

Both sides are Python scripts run the same way: the baseline as ``python minimal.py``,
dbadvisor as the ``dbadvisor`` console script that pip installs next to the interpreter
(what users type). ``python -m advisor`` also goes through runpy, which costs a few
milliseconds more; one line shows it for comparison.

On a shared machine the neighbours' load moves wall and CPU times by 10-20 % from one
run to the next, and a load that slows every command alike pulls the ratios towards 1.
``--instructions`` counts the instructions each command executes instead, under
valgrind's cachegrind with a fixed hash seed: the same count on every run, to the last
few hundred. It is a proxy (it leaves out waiting for the disk and cache misses), but
the one that does not move with the neighbours.

Usage: python benchmarks/startup.py [--runs N] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "session-store.yaml"

# The baseline the start-up goal is measured against: a minimal typer app that imports the
# same dependencies as dbadvisor (typer, rich, PyYAML, Jinja2), parses the workload and
# prints it as JSON. dbadvisor's own overhead is what the ratio shows.
MINIMAL_APP = """
import json
import sys

import jinja2
import rich
import typer
import yaml

app = typer.Typer()


@app.command()
def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    sys.stdout.write(json.dumps(data, indent=2, default=str))


app()
"""


# Both sides run as installed code does: with byte-code caches (pip writes them on install).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BASELINE = "baseline (minimal typer app: same imports, parse, print JSON)"


class Timing(NamedTuple):
    """One command's figures over all rounds, in seconds."""

    wall: float  # median wall time
    cpu: float  # median CPU time (user + system)
    best: float  # fastest wall time: the run the machine disturbed least


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, Timing]:
    """Wall and CPU seconds of each command over ``runs`` rounds.

    Rounds interleave the commands, so a change in machine load hits all of them alike.
    On a shared machine the medians still drift with the neighbours' load; the fastest
    run of each command (as ``timeit`` advises) is the steadiest lower bound. One
    warm-up round comes first.
    """
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            used, took = cpu_and_wall(command, ENV)
            if round_:
                wall[name].append(took)
                cpu[name].append(used)
    return {
        name: Timing(statistics.median(wall[name]), statistics.median(cpu[name]), min(wall[name]))
        for name in wall
    }


def cpu_and_wall(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU (user + system) and wall seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=False, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def count_instructions(command: list[str], env: dict[str, str]) -> int:
    """Instructions one run of ``command`` executes, counted by valgrind's cachegrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("--instructions needs valgrind (apt-get install -y valgrind)")
    env = {**env, "PYTHONHASHSEED": "0"}  # same hashes, same dict layouts, same count
    done = subprocess.run(
        [
            valgrind,
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            *command,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        sys.exit(f"no instruction count from valgrind for {command}:\n{done.stderr}")
    return int(found[1].replace(",", ""))


def instructions(commands: dict[str, list[str]]) -> dict[str, int]:
    """Instructions each command executes (after one run that writes its .pyc files)."""
    counts = {}
    for name, command in commands.items():
        subprocess.run(command, env=ENV, check=True, capture_output=True)
        counts[name] = count_instructions(command, ENV)
    return counts


def console_script() -> str:
    """The installed ``dbadvisor`` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("dbadvisor")
    if not script.exists():
        sys.exit(f"{script} not found: pip install -e . first")
    return str(script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under valgrind instead"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal.py"
        app.write_text(MINIMAL_APP)
        advisor = [console_script()]
        example = str(EXAMPLE)
        commands = {
            BASELINE: [sys.executable, str(app), example],
            "validate": [*advisor, "validate", example],
            "recommend --format json": [*advisor, "recommend", "--format", "json", example],
            "recommend --format markdown": [*advisor, "recommend", "--format", "markdown", example],
            "python -m advisor recommend --format json": [
                sys.executable,
                "-m",
                "advisor",
                "recommend",
                "--format",
                "json",
                example,
            ],
        }
        if args.instructions:
            report_instructions(instructions(commands))
        else:
            report_times(timed(commands, args.runs))


def report_instructions(counts: dict[str, int]) -> None:
    """Print each command's instruction count and its ratio to the baseline's."""
    base = counts.pop(BASELINE)
    print(f"{BASELINE}: {base:,} instructions")
    for name, count in counts.items():
        print(f"{name}: {count:,} instructions, ratio {count / base:.3f}x")


def report_times(results: dict[str, Timing]) -> None:
    """Print each command's median and fastest times and their ratios to the baseline's."""
    base = results.pop(BASELINE)
    print(
        f"{BASELINE}: median {base.wall * 1000:.1f} ms wall, {base.cpu * 1000:.1f} ms CPU; "
        f"fastest {base.best * 1000:.1f} ms"
    )
    for name, got in results.items():
        print(
            f"{name}: median {got.wall * 1000:.1f} ms, ratio {got.wall / base.wall:.2f}x "
            f"(CPU {got.cpu / base.cpu:.2f}x); fastest {got.best * 1000:.1f} ms, "
            f"ratio {got.best / base.best:.2f}x"
        )


if __name__ == "__main__":
    main()
