"""The project's one error type, the problems it carries and the exit codes.

Every module below the CLI reports bad input by raising :class:`InputError` with one
:class:`Problem` per thing that is wrong; only the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Problem:
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
        """Render as ``file:line:col: field.path: problem`` (path omitted when empty).

        The text is always one line: control, format and line-separator characters in
        the file name, path or message (a key with a newline, an escape sequence) are
        escaped by :func:`visible`, so a problem can never pose as several lines.
        """
        where = f"{visible(self.file)}:{self.line}:{self.column}"
        message = visible(self.message)
        return f"{where}: {visible(self.path)}: {message}" if self.path else f"{where}: {message}"

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
        """One line per problem, ready for stderr (a plain message is escaped to one line)."""
        if self.problems:
            return [str(p) for p in self.problems]
        return [visible(self.text)]


# Characters a terminal may act on or that change how a line reads: C0 and C1 controls
# (ESC, BEL, NEL), format characters (bidi overrides and isolates, zero-width ones),
# lone surrogates, and the line and paragraph separators U+2028 and U+2029.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Except the zero-width joiner and non-joiner: they neither move the cursor nor reorder a
# line, and emoji sequences and Persian or Indic names need them to read right.
_JOINERS = frozenset("\u200c\u200d")


def visible(value: object) -> str:
    r"""``value`` as text with every control, format or separator character escaped.

    Each such character becomes a visible escape (``\x1b``, ``\u202e``, ``\n``) rather
    than disappearing, so a reader sees that something was there and nothing reaches
    the terminal that it would act on. Everything else, including non-ASCII letters,
    is kept as it is.
    """
    text = str(value)
    if text.isprintable():  # the common case, without importing unicodedata
        return text
    import unicodedata

    return "".join(
        _escape(char) if _hidden(char, unicodedata.category(char)) else char for char in text
    )


def _hidden(char: str, category: str) -> bool:
    return category in _HIDDEN and char not in _JOINERS


def _escape(char: str) -> str:
    return ascii(char)[1:-1]  # \n, \x1b, \u202e: Python's own escapes, unquoted


_NOT_PLAIN_ASCII = re.compile(r"[^\n\x20-\x7e]")


def visible_json(text: str) -> str:
    r"""JSON text with the characters :func:`visible` escapes written as ``\u`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but writes DEL, C1
    controls, bidi overrides and U+2028 as they are; they can only occur inside
    strings, where ``\uXXXX`` means the same character, so the data is unchanged.
    """

    def escape(match: re.Match[str]) -> str:
        import unicodedata

        char = match.group()
        if not _hidden(char, unicodedata.category(char)):
            return char
        code = ord(char)
        if code > 0xFFFF:  # JSON spells astral characters as a surrogate pair
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _NOT_PLAIN_ASCII.sub(escape, text)


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
