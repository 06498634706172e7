"""What the start-up cache saves: commands with no cache, a cold one and a warm one.

Each command runs as the installed ``dbadvisor`` script in three states: with
``DBADVISOR_NO_CACHE=1``; with an empty cache folder (a cold run, which also writes the
entries); and with a folder one earlier run filled (a warm run, what users see on every
run after the first). The baseline is ``startup.py``'s: a minimal typer app that
imports the same dependencies, parses the workload and prints JSON. CPU time is the
figure to read on a shared machine; ``--instructions`` counts instructions under
valgrind instead (the same count on every run).

Usage: python benchmarks/cache.py [--runs N] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import MINIMAL_APP, console_script, count_instructions, cpu_and_wall

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ecommerce.yaml"
STATES = ("no cache", "cold", "warm")
ENV = {
    k: v
    for k, v in os.environ.items()
    if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("DBADVISOR_")
}


def prepared(state: str, command: list[str], folder: Path) -> dict[str, str]:
    """The environment for one run of ``command`` in ``state``, with ``folder`` set up."""
    shutil.rmtree(folder, ignore_errors=True)
    if state == "no cache":
        return {**ENV, "DBADVISOR_NO_CACHE": "1"}
    env = {**ENV, "DBADVISOR_CACHE_DIR": str(folder)}
    if state == "warm":
        subprocess.run(command, env=env, check=True, capture_output=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under valgrind instead"
    )
    args = parser.parse_args()
    script = console_script()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal.py"
        app.write_text(MINIMAL_APP)
        folder = Path(tmp) / "cache"
        runs = {("baseline (minimal app)", "-"): [sys.executable, str(app), str(EXAMPLE)]}
        for output in ("json", "markdown"):
            command = [str(script), "recommend", "--format", output, str(EXAMPLE)]
            runs.update({(f"recommend --format {output}", state): command for state in STATES})
        subprocess.run(runs[next(iter(runs))], env=ENV, check=True, capture_output=True)
        if args.instructions:
            for (name, state), command in runs.items():
                env = prepared(state, command, folder)
                print(f"{name} [{state}]: {count_instructions(command, env):,} instructions")
            return
        cpu: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
        wall: dict[tuple[str, str], list[float]] = {key: [] for key in runs}
        for _ in range(args.runs):  # rounds interleave the commands: load hits all alike
            for key, command in runs.items():
                used, took = cpu_and_wall(command, prepared(key[1], command, folder))
                cpu[key].append(used)
                wall[key].append(took)
    base = statistics.median(cpu[next(iter(runs))])
    for key in runs:
        median = statistics.median(cpu[key])
        print(
            f"{key[0]} [{key[1]}]: CPU median {median * 1000:.1f} ms ({median / base:.3f}x), "
            f"wall median {statistics.median(wall[key]) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
