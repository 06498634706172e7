"""The project's one error type, the problems it carries and the exit codes.

Every module below the CLI reports bad input by raising :class:`InputError` with one
:class:`Problem` per thing that is wrong; only the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

from advisor.records import Frozen


class ExitCode(enum.IntEnum):
    """Process exit codes fixed by SPEC section 2."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class Problem(Frozen):
    """One thing wrong with one input, located as precisely as we know."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __lt__(self, other: Problem) -> bool:
        """Problems sort by file, position, path and message: the order they are printed."""
        return _order(self) < _order(other)

    def __str__(self) -> str:
        """Render as ``file:line:col: field.path: problem`` (path omitted when empty)."""
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, str | int]:
        """The JSON form used by ``validate --format json``."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


def _order(problem: Problem) -> tuple[str, int, int, str, str]:
    return (problem.file, problem.line, problem.column, problem.path, problem.message)


class AdvisorError(Exception):
    """Base of every error the CLI turns into a one-line message and an exit code."""

    exit_code: ExitCode = ExitCode.FAILURE


class InputError(AdvisorError):
    """Bad input: an unreadable or invalid file, a bad option, a refused overwrite."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        """Carry one or more problems; a plain string is a problem without a location."""
        if isinstance(problems, str):
            self.problems: tuple[Problem, ...] = ()
            self.text = problems
        else:
            self.problems = tuple(problems)
            self.text = "\n".join(str(p) for p in self.problems)
        super().__init__(self.text)

    def lines(self) -> list[str]:
        """One line per problem, ready for stderr."""
        return self.text.splitlines()


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
