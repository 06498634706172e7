"""Scoring 1,000 workload files in one call against ``yaml.safe_load`` of the same files.

Both sides run in a fresh interpreter, so each pays its own start-up: the baseline is a
Python process that reads and ``yaml.safe_load``s every file, the measured one is
``dbadvisor recommend --format json`` on all of them (JSON Lines). Target: 1.5x.

Usage: python benchmarks/batch.py [--files 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = """
import sys
import yaml

for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as handle:
        yaml.safe_load(handle)
"""


def make_files(folder: Path, count: int) -> list[str]:
    """``count`` workload files, cycling through the shipped examples."""
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    paths = []
    for i in range(count):
        source = examples[i % len(examples)]
        path = folder / f"{i:04d}-{source.name}"
        shutil.copyfile(source, path)
        paths.append(str(path))
    return paths


# Both sides run as installed code does: with byte-code caches (pip writes them on install).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` over ``runs`` runs (after one warm-up)."""
    subprocess.run(command, env=ENV, check=True, capture_output=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=ENV, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_files(folder, args.files)
        script = folder / "baseline.py"
        script.write_text(BASELINE, encoding="utf-8")
        baseline = timed([sys.executable, str(script), *paths], args.runs)
        took = timed(
            [sys.executable, "-m", "advisor", "recommend", "--format", "json", *paths], args.runs
        )
    print(f"yaml.safe_load of {args.files} files: {baseline:.2f} s")
    print(f"dbadvisor recommend --format json: {took:.2f} s, ratio {took / baseline:.2f}x")


if __name__ == "__main__":
    main()
