"""The repository stands alone, and the command line's own conveniences work.

The README and the docs link only to files of the repository (nothing outside it, no
internal design documents); shell completion scripts are printed and complete commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from typer.testing import Result


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m advisor`` in a child process (completion reads its own environment)."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_help_offers_completion(cli: Callable[..., Result]) -> None:
    out = cli("--help").stdout
    assert "--install-completion" in out
    assert "--show-completion" in out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_shells_script(shell: str) -> None:
    # Without shell detection (a CI runner has no login shell) the shell is named.
    result = _run("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert result.returncode == 0, result.stderr
    assert "_DBADVISOR_COMPLETE" in result.stdout
    assert "dbadvisor" in result.stdout
    if shell == "bash":
        assert "complete -o default -F _dbadvisor_completion dbadvisor" in result.stdout
    if shell == "zsh":
        assert "#compdef dbadvisor" in result.stdout


def test_completion_completes_commands_and_choices() -> None:
    words = _run(_DBADVISOR_COMPLETE="complete_bash", COMP_WORDS="dbadvisor va", COMP_CWORD="1")
    assert words.stdout.split() == ["validate"]
    formats = _run(
        _DBADVISOR_COMPLETE="complete_bash",
        COMP_WORDS="dbadvisor recommend --format ",
        COMP_CWORD="3",
    )
    assert sorted(formats.stdout.split()) == ["adr", "json", "markdown", "text"]
