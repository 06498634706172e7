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


def timed(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` over ``runs`` runs (after one warm-up)."""
    subprocess.run(command, env=ENV, check=False, capture_output=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=ENV, check=False, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "minimal.py"
        app.write_text(MINIMAL_APP)
        baseline = timed([sys.executable, str(app), str(EXAMPLE)], args.runs)
        cases = {
            "validate": ["validate", str(EXAMPLE)],
            "recommend --format json": ["recommend", "--format", "json", str(EXAMPLE)],
            "recommend --format markdown": ["recommend", "--format", "markdown", str(EXAMPLE)],
        }
        print(f"baseline (minimal typer app): {baseline * 1000:.1f} ms")
        for name, argv in cases.items():
            took = timed([sys.executable, "-m", "advisor", *argv], args.runs)
            print(f"{name}: {took * 1000:.1f} ms, ratio {took / baseline:.2f}x")


if __name__ == "__main__":
    main()
