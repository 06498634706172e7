"""Start-up cost of dbadvisor commands against a minimal typer app, measured in one run.

Both sides are Python scripts run the same way: the baseline as ``python minimal.py``,
dbadvisor as the ``dbadvisor`` console script that pip installs next to the interpreter
(what users type). ``python -m advisor`` also goes through runpy, which costs a few
milliseconds more; one line shows it for comparison.

Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "session-store.yaml"

MINIMAL_APP = """
import typer

app = typer.Typer()


@app.command()
def main(path: str) -> None:
    print(path)


app()
"""


# Both sides run as installed code does: with byte-code caches (pip writes them on install).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
BASELINE = "baseline (minimal typer app)"


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (user + system) seconds of each command over ``runs`` rounds.

    Rounds interleave the commands, so a change in machine load hits all of them alike;
    CPU time is the steadier figure on a shared machine. One warm-up round comes first.
    """
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, env=ENV, check=False, capture_output=True)
            took = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if round_:
                wall[name].append(took)
                used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                cpu[name].append(used)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in wall}


def console_script() -> str:
    """The installed ``dbadvisor`` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("dbadvisor")
    if not script.exists():
        sys.exit(f"{script} not found: pip install -e . first")
    return str(script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
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
        results = timed(commands, args.runs)
    base_wall, base_cpu = results.pop(BASELINE)
    print(f"{BASELINE}: {base_wall * 1000:.1f} ms wall, {base_cpu * 1000:.1f} ms CPU")
    for name, (wall, cpu) in results.items():
        print(
            f"{name}: {wall * 1000:.1f} ms wall, ratio {wall / base_wall:.2f}x; "
            f"CPU ratio {cpu / base_cpu:.2f}x"
        )


if __name__ == "__main__":
    main()
