"""Hostile sizes and special files: every limit answers with exit 2 and one line, no hang.

These are the attacks of the hardening issue (items 4, 5 and 9), each as a test. They
assert behaviour only (exit codes, line counts, finiteness), never timings: the
timings are in the commit messages that removed the slow paths.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

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
