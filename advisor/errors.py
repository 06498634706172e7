"""The project's one error type, the problems it carries and the exit codes.

Every module below the CLI reports bad input by raising :class:`InputError` with one
:class:`Problem` per thing that is wrong; only the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

from advisor.records import Frozen

# Problems printed per file before the rest are summed up in one line. A person fixes
# a file from its first problems, and a generated file with 70,000 unknown keys must
# not become 70,000 lines; 100 still shows every problem of any hand-written file.
MAX_PROBLEMS_PER_FILE = 100


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
            self.problems = capped(problems)
            self.text = "\n".join(str(p) for p in self.problems)
        super().__init__(self.text)

    def lines(self) -> list[str]:
        """One line per problem, ready for stderr."""
        return self.text.splitlines()


def capped(problems: Iterable[Problem], limit: int = MAX_PROBLEMS_PER_FILE) -> tuple[Problem, ...]:
    """The first ``limit`` problems of each file, in order, then one that counts the rest.

    The summary ``... and N more problems`` sits where the first left-out problem was,
    right after that file's last kept one.
    """
    out: list[Problem] = []
    seen: dict[str, int] = {}
    summary: dict[str, int] = {}  # file -> index in ``out`` of its summary line
    for problem in problems:
        count = seen[problem.file] = seen.get(problem.file, 0) + 1
        if count <= limit:
            out.append(problem)
        elif count == limit + 1:
            summary[problem.file] = len(out)
            out.append(problem)  # replaced below, once the count is known
    for file, index in summary.items():
        first = out[index]
        more = seen[file] - limit
        out[index] = Problem(
            file, first.line, first.column, "", f"... and {more} more problem{'s' * (more != 1)}"
        )
    return tuple(out)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
