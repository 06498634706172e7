"""Ctrl-C at any point of start-up: ``dbadvisor: interrupted``, exit 130, never a traceback.

The in-process tests raise KeyboardInterrupt where main() meets it; the subprocess tests
deliver a real SIGINT at chosen points of a real run (while cli.py imports typer, while
typer builds and parses the command line, in a command's lazy import) and at a spread
of delays after start-up began, so none of them depends on the machine's speed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from typer.testing import Result

import advisor.cli as cli_module
from tests.support import EXAMPLES, ROOT

Cli = Callable[..., Result]
INTERRUPTED = "dbadvisor: interrupted\n"
EXAMPLE = str(EXAMPLES[0])


def _interrupt(*args: Any, **kwargs: Any) -> NoReturn:
    raise KeyboardInterrupt


def test_main_turns_an_interrupt_outside_typer_into_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_module, "app", _interrupt)
    with pytest.raises(SystemExit) as done:
        cli_module.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == INTERRUPTED


def test_main_says_why_when_typer_ends_a_parse_with_a_silent_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer.core

    monkeypatch.setattr(typer.core.TyperGroup, "parse_args", _interrupt)
    monkeypatch.setattr(sys, "argv", ["dbadvisor", "validate", EXAMPLE])
    with pytest.raises(SystemExit) as done:
        cli_module.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == INTERRUPTED


def test_an_interrupt_in_a_command_is_said_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import advisor.workload

    monkeypatch.setattr(advisor.workload, "load_workload", _interrupt)
    monkeypatch.setattr(sys, "argv", ["dbadvisor", "validate", EXAMPLE])
    with pytest.raises(SystemExit) as done:
        cli_module.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == INTERRUPTED


def test_recommend_interrupted_while_scoring(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.engine import Engine

    monkeypatch.setattr(Engine, "score", _interrupt)
    result = cli("recommend", EXAMPLE, "--format", "json")
    assert result.exit_code == 130
    assert result.stderr == INTERRUPTED
    assert result.stdout == ""


# A real SIGINT, raised in the process itself at one point of start-up. ``STAGE`` is a
# module whose first import is interrupted, or "get_command" / "parse" for typer's steps.
HARNESS = """
import signal, sys, threading, time

stage, delay = sys.argv[1], float(sys.argv[2])
sys.argv = ["dbadvisor", *sys.argv[3:]]


def interrupt():
    signal.raise_signal(signal.SIGINT)
    time.sleep(10)  # KeyboardInterrupt is raised here at the latest


def later():
    timer = threading.Timer(delay, signal.raise_signal, [signal.SIGINT])
    timer.daemon = True
    timer.start()


class Trap:
    def find_spec(self, name, path=None, target=None):
        if name == stage.removeprefix("after:"):
            sys.meta_path.remove(self)
            later() if stage.startswith("after:") else interrupt()


if stage == "get_command":
    import typer.main

    build = typer.main.get_command
    typer.main.get_command = lambda app: (interrupt(), build(app))[1]
elif stage == "parse":
    import typer.core

    typer.core.TyperGroup.parse_args = lambda self, ctx, args: interrupt()
else:
    sys.meta_path.insert(0, Trap())
from advisor.cli import main

main()
"""


def _run(stage: str, *args: str, delay: float = 0.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, stage, str(delay), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("stage", "args", "code"),
    [
        # While cli.py imports typer: Python ends the process by SIGINT (a shell's 130).
        ("typer", ["validate", EXAMPLE], -signal.SIGINT),
        ("get_command", ["validate", EXAMPLE], 130),
        ("parse", ["validate", EXAMPLE], 130),
        ("advisor.workload", ["validate", EXAMPLE], 130),
        ("advisor.engine", ["recommend", EXAMPLE, "--format", "json"], 130),
    ],
)
def test_a_real_sigint_at_each_step_of_start_up(stage: str, args: list[str], code: int) -> None:
    run = _run(stage, *args)
    assert (run.returncode, run.stderr, run.stdout) == (code, INTERRUPTED, "")


@pytest.mark.parametrize("delay", [0.0, 0.002, 0.005, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15])
def test_a_real_sigint_any_time_after_start_up_began(delay: float) -> None:
    # A long run (many files) so that the signal lands while it works, not while Python
    # shuts down; whether it ends normally or interrupted, it never shows a traceback.
    run = _run("after:typer", "validate", *[EXAMPLE] * 1000, delay=delay)
    assert run.returncode in (0, 130, -signal.SIGINT), run.stderr
    assert run.stderr == ("" if run.returncode == 0 else INTERRUPTED)


# A Ctrl-C inside a finaliser, where Python cannot raise it: the run goes on unless the
# advisor sends it again. Run in its own process, since a real SIGINT must not reach the
# test runner's workers.
LATE = """
import sys
import advisor.workload

load = advisor.workload.load_workload


class RaisesInterruptWhenCollected:
    def __del__(self):
        raise KeyboardInterrupt


def interrupted_inside(*args, **kwargs):
    RaisesInterruptWhenCollected()
    return load(*args, **kwargs)


advisor.workload.load_workload = interrupted_inside
sys.argv = ["dbadvisor", "validate", *sys.argv[1:]]
from advisor.cli import main
main()
"""


def test_a_ctrl_c_python_could_not_raise_is_raised_again() -> None:
    # A SIGINT that lands while C code calls back into Python (pydantic-core building a
    # validator in a command's imports) was printed as "Exception ignored ... Traceback"
    # and the run went on; it is now sent again and ends the run as any Ctrl-C does.
    run = subprocess.run(
        [sys.executable, "-c", LATE, *[EXAMPLE] * 3],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    # The first files may be validated before the signal, sent again, arrives.
    assert (run.returncode, run.stderr) == (130, INTERRUPTED), run.stdout
