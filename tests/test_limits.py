"""Hostile sizes and special files: every limit answers with exit 2 and one line, no hang.

These are the attacks of the hardening issue (items 4, 5 and 9), each as a test. They
assert behaviour only (exit codes, line counts, finiteness), never timings: the
timings are in the commit messages that removed the slow paths.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from advisor.kb import MAX_POINTS
from tests.support import ROOT

LEADERBOARD = ROOT / "examples" / "leaderboard.yaml"
# Generous for a slow shared machine: a hang is what this catches, not slowness.
HANG_TIMEOUT = 60

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process, so a hang fails the test instead of blocking it."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        env={**os.environ, "DBADVISOR_RULES": "", "NO_COLOR": "1"},
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str] | Result) -> str:
    """The single stderr line of a failed run (asserting exit 2 and no traceback)."""
    code = (
        result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    )
    assert code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --- item 9: special files ------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("command", ["validate", "recommend", "scaffold"])
def test_fifo_workload_is_refused(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "workload.yaml"
    os.mkfifo(fifo)
    extra = ["--db", "mongodb", "-o", str(tmp_path / "out")] if command == "scaffold" else []
    line = one_line(run(command, str(fifo), *extra))
    assert line == f"{fifo}:1:1: is a FIFO (named pipe), not a regular file"


@needs_fifo
def test_fifo_rules_overlay_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "overlay.yaml"
    os.mkfifo(fifo)
    line = one_line(run("recommend", "--rules", str(fifo), str(LEADERBOARD)))
    assert line == f"{fifo}:1:1: is a FIFO (named pipe), not a regular file"


@needs_fifo
def test_fifo_in_overlay_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    os.mkfifo(folder / "late.yaml")
    line = one_line(run("rules", "validate", str(folder)))
    assert line == f"{folder / 'late.yaml'}:1:1: is a FIFO (named pipe), not a regular file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_character_device_is_refused(device: str, cli: Callable[..., Result]) -> None:
    # /dev/zero never ends and /dev/null looks empty: neither is a workload file.
    line = one_line(cli("validate", device))
    assert line == f"{device}:1:1: is a character device, not a regular file"


def test_directory_as_rules_overlay_file_is_expanded_not_read(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    # A folder overlay is a documented form; an empty one adds nothing.
    result = cli("rules", "validate", str(tmp_path))
    assert result.exit_code == 0, result.output


# --- item 5: rule points --------------------------------------------------------------


def overlay(rules: list[tuple[str, str, float]]) -> str:
    """An overlay of ``when: {}`` rules, each giving ``points`` to one database or category."""
    lines = ["rules:"]
    for rule_id, target, points in rules:
        kind = "categories" if target in ("document", "relational") else "databases"
        lines += [
            f"  - id: {rule_id}",
            "    when: {}",
            # YAML 1.1 reads 1e308 as a string: a float needs the dot and the exponent's sign.
            f"    points: {{{kind}: {{{target}: {points:.6e}}}}}",
            "    why: An overlay rule that tests the bounds on points.",
            "    sources: [https://example.com/limits]",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("points", "shown"),
    [(-20000.0, "-20000"), (1.0e308, "1e+308"), (MAX_POINTS + 0.5, "100.5")],
)
def test_points_out_of_bounds_are_refused_at_load(
    points: float, shown: str, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.big", "mongodb", points)]))
    line = one_line(cli("recommend", "--rules", str(path), str(LEADERBOARD)))
    assert line == (
        f"{path}:4:35: rules[0].points.databases.mongodb: "
        f"points must be between -100 and 100, got {shown}"
    )


def test_category_points_are_bounded_too(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.big", "document", -101.0)]))
    line = one_line(cli("rules", "validate", str(path)))
    assert line.startswith(f"{path}:4:")
    assert "rules[0].points.categories.document: points must be between" in line


def test_the_bound_itself_is_allowed(
    cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    path = write("overlay.yaml", overlay([("x.max", "mongodb", -MAX_POINTS)]))
    result = cli("rules", "validate", str(path))
    assert result.exit_code == 0, result.output


def finite_everywhere(value: object) -> bool:
    """Whether every number in a JSON value is finite."""
    if isinstance(value, dict):
        return all(finite_everywhere(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_everywhere(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_many_max_value_rules_keep_every_score_finite(
    sign: float, cli: Callable[..., Result], write: Callable[[str, str | bytes], Path]
) -> None:
    # Thousands of rules at the bound: the total is far past what exp() takes directly.
    rules = [(f"x.r{i}", "mongodb", sign * MAX_POINTS) for i in range(3000)]
    rules += [(f"x.c{i}", "relational", sign * MAX_POINTS) for i in range(1000)]
    path = write("overlay.yaml", overlay(rules))
    result = cli("recommend", "--rules", str(path), str(LEADERBOARD), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert finite_everywhere(report)
    ranking = {e["database"]: e for e in report["components"][0]["ranking"]}
    assert math.isfinite(ranking["mongodb"]["points"])
    # The shipped rules move the total by a few points either way.
    assert abs(ranking["mongodb"]["points"]) > 2900 * MAX_POINTS
    assert ranking["mongodb"]["score"] == (100.0 if sign > 0 else 0.0)
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout
