"""Start-up cost of dbadvisor commands against a minimal typer app, measured in one run.

Usage: python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
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


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command over ``runs`` rounds (after one warm-up round).

    Rounds interleave the commands, so a change in machine load hits all of them alike.
    """
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=ENV, check=False, capture_output=True)
            if round_:
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal.py"
        app.write_text(MINIMAL_APP)
        advisor = [sys.executable, "-m", "advisor"]
        commands = {
            "baseline (minimal typer app)": [sys.executable, str(app), str(EXAMPLE)],
            "validate": [*advisor, "validate", str(EXAMPLE)],
            "recommend --format json": [*advisor, "recommend", "--format", "json", str(EXAMPLE)],
            "recommend --format markdown": [
                *advisor,
                "recommend",
                "--format",
                "markdown",
                str(EXAMPLE),
            ],
        }
        results = timed(commands, args.runs)
    baseline = results.pop("baseline (minimal typer app)")
    print(f"baseline (minimal typer app): {baseline * 1000:.1f} ms")
    for name, took in results.items():
        print(f"{name}: {took * 1000:.1f} ms, ratio {took / baseline:.2f}x")


if __name__ == "__main__":
    main()
