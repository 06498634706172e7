"""The interactive interview (``dbadvisor interview``): answers in, a valid workload out.

The wording, one-line help, longer details and choices of every question come from
``rules/questions.yaml``, the data the JSON Schema takes its descriptions from, and every
answer is checked with the workload model's own types and constraints (the same
:class:`~advisor.typed.Structurer` that validates files), so the interview cannot accept
what ``dbadvisor validate`` would reject.

The core is I/O-agnostic: a :class:`Prompter` reads answers, one per line, from any text
stream and writes prompts and help to another (stderr in the CLI, so stdout stays clean
for the YAML or the report). Tests drive it with strings; the CLI with the terminal or a
pipe. The answers become a plain dict in the format's order, then YAML text that is parsed back
with :func:`~advisor.workload.parse_workload` before anyone writes it.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
import textwrap
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import yaml

from advisor.amounts import parse_amount, plain, unit_of
from advisor.errors import InputError, did_you_mean, visible
from advisor.questions import Question, QuestionBook, question_book
from advisor.typed import INVALID, Structurer, choices
from advisor.workload import (
    ANSWER_FIELDS,
    FORMAT_VERSION,
    GROUPABLE_TYPES,
    AccessPattern,
    Component,
    Context,
    Entity,
    FieldType,
    Scale,
    Workload,
    WorkloadFile,
    implied_needs,
    parse_workload,
    retention_source,
)
from advisor.yamlload import Document

if typing.TYPE_CHECKING:
    from advisor.engine import Engine

WIDTH = 78
SKIP = "-"
HELP = "?"
CONTEXT_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Context))
SCALE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Scale))

INTRO = (
    "Answer each question and press Enter. For a choice, type its number or its value "
    "(several, separated by commas, where a list is asked). Enter keeps the [default], "
    f"'{SKIP}' answers 'no preference', '{HELP}' explains what the answer changes. "
    "Ctrl-C stops without writing anything."
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d+")


class EndOfInput(InputError):
    """The answers ran out before the interview was complete."""


class Reject(Exception):
    """An answer that does not fit its question; the message says why."""


class Kind(Protocol):
    """How the answers of one kind of question are read, checked and shown."""

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """The numbered choices (value, short meaning); empty for open questions."""

    def parse(self, text: str) -> Any:
        """The answer typed as ``text`` as a plain value; raise :class:`Reject` if invalid."""

    def show(self, value: Any) -> str:
        """A default answer as the prompt shows it."""


def _check(model: Any, value: Any, meta: Mapping[str, Any]) -> None:
    """Validate ``value`` with the workload model's rules; reject with the model's message."""
    structurer = Structurer(Document("<answer>", value))
    if structurer.structure(model, value, (), meta) is INVALID:
        raise Reject(structurer.problems[0].message)


def _pick(
    text: str, options: Sequence[tuple[str, str]], aliases: Mapping[str, str] | None = None
) -> str:
    """Resolve a choice typed as its number, its value (case-insensitively) or an alias."""
    values = [value for value, _ in options]
    alias = (aliases or {}).get(text.lower())
    if alias is not None and alias in values:
        return alias
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(values):
            return values[number - 1]
        raise Reject(f"{text} is not a number from 1 to {len(values)}")
    if text in values:
        return text
    folded = [value for value in values if value.lower() == text.lower()]
    if len(folded) == 1:
        return folded[0]
    return text


def _not_one_of(text: str, values: Sequence[str]) -> Reject:
    return Reject(f"'{text}' is not one of {', '.join(values)}{did_you_mean(text, values)}")


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a closed set; ``model`` is the model's type (None for names in the file)."""

    options: tuple[tuple[str, str], ...]
    model: Any = None
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def parse(self, text: str) -> Any:
        """The chosen value."""
        value = _pick(text, self.options, self.aliases)
        if self.model is not None:
            _check(self.model, value, {})
        elif value not in [v for v, _ in self.options]:
            raise _not_one_of(value, [v for v, _ in self.options])
        return value

    def show(self, value: Any) -> str:
        """The value itself."""
        return str(value)


@dataclass(frozen=True, slots=True)
class Multi:
    """Any number of values of a closed set, separated by commas or spaces."""

    options: tuple[tuple[str, str], ...]
    model: Any = None
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def parse(self, text: str) -> Any:
        """The chosen values, in the order given."""
        tokens = [token for token in re.split(r"[,\s]+", text) if token]
        values = [_pick(token, self.options, self.aliases) for token in tokens]
        if self.model is not None:
            _check(self.model, values, self.meta)
            return values
        allowed = [v for v, _ in self.options]
        seen: set[str] = set()
        for value in values:
            if value not in allowed:
                raise _not_one_of(value, allowed)
            if value in seen:
                raise Reject(f"'{value}' is listed twice")
            seen.add(value)
        return values

    def show(self, value: Any) -> str:
        """The values joined by commas."""
        return ", ".join(value)


_UNIT_WORDS = {
    "count": "5000, 5,000 or 5k",
    "gb": "in GB, or with a unit: 500MB, 2TB",
    "kb": "in KB, or with a unit: 512B, 2MB",
    "ms": "in milliseconds, or with a unit: 50ms, 0.2s",
}


@dataclass(frozen=True, slots=True)
class Number:
    """An integer or a number, with the model's bounds (``ge``, ``gt``) and its unit.

    Besides plain numbers it takes the forms people type (``5k``, ``5,000``, ``2TB``,
    ``50ms``), converted to the unit the file holds (see :mod:`advisor.amounts`).
    """

    model: type
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()
    unit: str = "count"

    def parse(self, text: str) -> Any:
        """The number, an ``int`` when it is a whole one so it round-trips unchanged."""
        value: float
        try:
            value = int(text) if _INTEGER.fullmatch(text) else float(text)
        except ValueError:
            amount = parse_amount(text, self.unit)
            if amount is None:
                wanted = "an integer" if self.model is int else "a number"
                raise Reject(
                    f"expected {wanted}, got '{text}' (e.g. {_UNIT_WORDS[self.unit]})"
                ) from None
            value = plain(amount)
        if self.model is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        _check(self.model, value, self.meta)
        return value

    def show(self, value: Any) -> str:
        """The number as typed."""
        return str(value)


@dataclass(frozen=True, slots=True)
class Text:
    """One line of free text, with the model's length limits."""

    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    options: tuple[tuple[str, str], ...] = ()

    def parse(self, text: str) -> Any:
        """The text; control characters (such as a stray arrow key) are refused."""
        if _CONTROL.search(text):
            raise Reject("contains control characters (arrow keys do not edit here); retype it")
        _check(str, text, self.meta)
        return text

    def show(self, value: Any) -> str:
        """The text, shortened to fit the prompt line."""
        return textwrap.shorten(" ".join(str(value).split()), 40, placeholder="...")


@dataclass(frozen=True, slots=True)
class YesNo:
    """Yes or no."""

    options: tuple[tuple[str, str], ...] = ()

    def parse(self, text: str) -> Any:
        """True or False."""
        answer = text.lower()
        if answer in ("y", "yes", "true"):
            return True
        if answer in ("n", "no", "false"):
            return False
        raise Reject(f"'{text}' is not yes or no (y/n)")

    def show(self, value: Any) -> str:
        """``Y/n`` or ``y/N``: the capital letter is what Enter answers."""
        return "Y/n" if value else "y/N"


@dataclass(frozen=True, slots=True)
class Distinct:
    """Another kind's answers, refusing values already taken (names unique in a list)."""

    inner: Kind
    taken: tuple[str, ...]
    what: str

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """The inner kind's choices."""
        return self.inner.options

    def parse(self, text: str) -> Any:
        """The inner kind's answer, if not taken yet."""
        value = self.inner.parse(text)
        if value in self.taken:
            raise Reject(f"'{value}' is already the name of another {self.what}")
        return value

    def show(self, value: Any) -> str:
        """As the inner kind shows it."""
        return self.inner.show(value)


@dataclass(frozen=True, slots=True)
class Destination:
    """A file path the workload can be written to (checked by the writer's own rules)."""

    check: Callable[[Path], object]
    options: tuple[tuple[str, str], ...] = ()

    def parse(self, text: str) -> Any:
        """The path, if the writer would accept it."""
        path = Path(text).expanduser()
        try:
            self.check(path)
        except InputError as error:
            raise Reject(str(error)) from None
        return path

    def show(self, value: Any) -> str:
        """The path."""
        return str(value)


_MODELS: dict[str, type] = {
    "": WorkloadFile,
    "context": Context,
    "components": Component,
    "scale": Scale,
    "entities": Entity,
    "access_patterns": AccessPattern,
}


@functools.cache
def model_field(path: str) -> tuple[Any, Mapping[str, Any]]:
    """The model's type (without ``None``) and constraints of the field a question answers."""
    head, _, name = path.rpartition(".")
    cls = _MODELS[head]
    hint = typing.get_type_hints(cls)[name]
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    meta = next(f.metadata for f in dataclasses.fields(cls) if f.name == name)
    return hint, meta


def model_kind(question: Question) -> Kind:
    """The kind of answer a workload question takes, read off the workload model."""
    hint, meta = model_field(question.path)
    options = tuple((question.choices or {}).items())
    aliases = question_book().aliases.get(question.path, {})
    if choices(hint) is not None:
        return Choice(options, hint, aliases)
    if typing.get_origin(hint) is tuple:
        return Multi(options, hint, meta, aliases)
    if hint in (int, float):
        return Number(hint, meta, unit=unit_of(question.path))
    if hint is bool:
        return YesNo()
    if hint is str:
        return Text(meta)
    raise TypeError(f"no interview kind for {question.path}: {hint!r}")  # a bug, not input


class Prompter:
    """Asks questions on one stream and reads the answers, one per line, from another."""

    def __init__(self, answers: TextIO, out: TextIO, *, echo: bool = False) -> None:
        """Read from ``answers``, write to ``out``; ``echo`` repeats piped answers there."""
        self.answers = answers
        self.out = out
        self.echo = echo
        self._shown: set[str] = set()

    def _write(self, text: str) -> None:
        """Write to the terminal with line breaks kept and everything else hidden escaped.

        Defaults, echoed answers and choices can come from a ``--from`` file.
        """
        self.out.write("\n".join(visible(line) for line in text.split("\n")))

    def say(self, text: str = "", *, indent: str = "") -> None:
        """Write a paragraph, wrapped to the terminal width."""
        if not text:
            self._write("\n")
            return
        self._write(
            textwrap.fill(
                text,
                WIDTH,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
            + "\n"
        )

    def ask(
        self,
        question: Question,
        kind: Kind,
        *,
        where: str,
        default: Any = None,
        required: bool = False,
        label: str | None = None,
    ) -> Any:
        """Ask until the answer fits; return it, the default, or None for "no preference".

        The prompt line shows ``label`` (words); ``where``, the answer's place in the
        YAML file, is shown with the longer help and names the question at end of input.
        """
        self._introduce(question, kind)
        while True:
            text = self._read(label or where, kind, default, where)
            if text == HELP:
                self.say(question.details or question.help, indent="  ")
                self._list(kind)
                self.say(f"(in the workload file: {where})", indent="  ")
                continue
            if text in ("", SKIP):
                if text == "" and default is not None:
                    return default
                if not required:
                    return None
                shown = f"; Enter keeps '{kind.show(default)}'" if default is not None else ""
                self.say(f"! an answer is needed here{shown}", indent="  ")
                continue
            try:
                value = kind.parse(text)
            except Reject as why:
                self.say(f"! {why}", indent="  ")
                continue
            read_as = kind.show(value) if isinstance(kind, Choice | Multi | Number) else text
            if read_as.lower() != text.lower() and not text.replace(",", "").isdigit():
                # An alias or a shorthand: say what it was read as ('postgres' = postgresql).
                self.say(f"= {kind.show(value)}", indent="  ")
            return value

    def _introduce(self, question: Question, kind: Kind) -> None:
        self._write("\n")
        self.say(question.prompt)
        if question.path in self._shown:
            # Asked before (a loop): keep it short; '?' shows the meanings again.
            if kind.options:
                numbered = "  ".join(f"{i}={v}" for i, (v, _) in enumerate(kind.options, 1))
                self.say(numbered, indent="  ")
            return
        self._shown.add(question.path)
        self.say(question.help, indent="  ")
        self._list(kind)

    def _list(self, kind: Kind) -> None:
        if not kind.options:
            return
        digits = len(str(len(kind.options)))
        width = max(len(value) for value, _ in kind.options)
        for number, (value, meaning) in enumerate(kind.options, 1):
            line = f"  {number:>{digits}}  {value:<{width}}  {meaning}".rstrip()
            self._write(line + "\n")

    def _read(self, label: str, kind: Kind, default: Any, where: str) -> str:
        shown = f" [{kind.show(default)}]" if default is not None else ""
        self._write(f"{label}{shown}: ")
        self.out.flush()
        try:
            line = self.answers.readline()
        except KeyboardInterrupt:
            self._write("\n")  # end the prompt line before the one-line message
            raise
        if not line:
            self._write("\n")
            raise EndOfInput(f"end of input at question {where}; nothing was written")
        text = line.strip()
        if self.echo:
            self._write(text + "\n")
        return text


def _plain(value: Any) -> Any:
    """A model value as plain YAML data; None for an unanswered question or an empty list."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value] or None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Store an answer; leave out "no preference" so the file stays as short as the answers."""
    if value is None or (isinstance(value, list | dict) and not value):
        return
    target[key] = value


# The questions a use case's preset answers and which, on the quick path, are only asked
# when another answer to them would change the recommendation.
SOFT: tuple[str, ...] = (
    "data_shape",
    "relationships",
    "query_complexity",
    "schema_flexibility",
    "consistency",
    "transactions",
    "read_write_ratio",
    "durability",
)
# At most this many preset answers are confirmed per component on the quick path (the
# first in question order), and only while the component's prompts stay within
# QUICK_PROMPTS (its name, its questions, "add an entity" and "another component"); the
# rest that would also move the result are flagged for review.
MAX_MOVING = 3
QUICK_PROMPTS = 15
# on_partition follows from consistency on the quick path (one question, not two): a
# component that needs strong reads refuses rather than diverge; one that accepts stale
# or per-session reads keeps answering.
PARTITION_FROM_CONSISTENCY: Mapping[str, str] = {
    "strong": "stay_consistent",
    "session": "stay_available",
    "eventual": "stay_available",
}

Winner = Callable[[Mapping[str, Any], Mapping[str, Any]], Callable[[str, Any], bool]]
"""Given a component's and the context's answers, a test: would ``path = value`` change
the recommended database? (The CLI builds it from the engine; tests may stub it.)"""


@dataclass
class Review:
    """Answers the interview did not ask, listed at the end for the user to check."""

    lines: list[str] = dataclasses.field(default_factory=list)

    def add(self, where: str, value: Any, why: str) -> None:
        """Note that ``where`` was answered ``value`` without asking, and why."""
        shown = ", ".join(value) if isinstance(value, list) else value
        self.lines.append(f"{where}: {shown} ({why})")


class Interview:
    """Walks the questions in order, with defaults from earlier answers and ``--from``.

    ``quick`` (the default path) asks a component's use case, then only what the use
    case does not settle: the hard constraints, scale, latency and geography, and a
    preset answer only when changing it would change the recommendation; the rest is
    defaulted and listed at the end. ``only`` asks just the named answers of a
    ``--from`` file and keeps every other answer as it is.
    """

    def __init__(
        self,
        prompter: Prompter,
        book: QuestionBook,
        previous: Workload | None = None,
        default_name: str | None = None,
        *,
        quick: bool = False,
        only: Sequence[str] = (),
        moves: Winner | None = None,
    ) -> None:
        """Ask through ``prompter``; ``previous`` pre-fills every answer (``--from``)."""
        self.prompter = prompter
        self.book = book
        self.previous = previous
        self.default_name = default_name
        self.quick = quick and not only
        self.only = tuple(only)
        self.moves = moves
        self.scope: list[str] = []
        self.context: dict[str, Any] = {}
        self.review = Review()
        # Prompts shown so far, and the count when the current component began: the
        # quick path keeps each component within QUICK_PROMPTS.
        self.prompts = 0
        self.component_prompts = 0

    def question(self, path: str) -> Question:
        """The question at ``path`` in ``questions.yaml`` (a missing one is a bug)."""
        question = self.book.get(path)
        if question is None:
            raise KeyError(f"rules/questions.yaml has no question '{path}'")
        return question

    def wanted(self, where: str) -> bool:
        """Whether the answer at ``where`` is asked (always, unless ``--only`` names others)."""
        if not self.only:
            return True
        # A path without components[N]. names that answer in every component, except
        # the workload's own name and description.
        inner = re.sub(r"^components\[\d+\]\.", "", where)
        return any(
            here == p or here.startswith((f"{p}.", f"{p}["))
            for p in self.only
            for here in (where, inner if p not in ("name", "description") else where)
        )

    def prompt(
        self,
        question: Question,
        kind: Kind,
        where: str,
        default: Any = None,
        *,
        required: bool = False,
        label: str | None = None,
    ) -> Any:
        """Ask one question, labelled in words; with ``--only``, keep unnamed answers."""
        if not self.wanted(where):
            return default
        self.prompts += 1
        words = label or self.book.label(question.path)
        return self.prompter.ask(
            question,
            kind,
            where=where,
            default=default,
            required=required,
            label=" / ".join([*self.scope, words]),
        )

    def ask(
        self,
        path: str,
        where: str,
        default: Any = None,
        *,
        required: bool = False,
        kind: Kind | None = None,
    ) -> Any:
        """Ask a workload question, typed and checked by the model."""
        question = self.question(path)
        return self.prompt(
            question, kind or model_kind(question), where, default, required=required
        )

    def choose(
        self,
        path: str,
        where: str,
        options: Sequence[tuple[str, str]],
        default: Any = None,
        *,
        many: bool = False,
        required: bool = False,
    ) -> Any:
        """Ask for one (or ``many``) of names defined earlier in the file."""
        values = [value for value, _ in options]
        if many:
            default = [v for v in default or () if v in values] or None
            kind: Kind = Multi(tuple(options))
        else:
            default = default if default in values else None
            kind = Choice(tuple(options))
        return self.prompt(self.question(path), kind, where, default, required=required)

    def yes(self, path: str, where: str, *, default: bool) -> bool:
        """Ask a yes/no step of the interview; "no preference" counts as no."""
        answer = self.prompt(self.question(path), YesNo(), where, default)
        return bool(answer)

    def run(self) -> dict[str, Any]:
        """Ask every question; return the workload as plain data in the format's order."""
        prev = self.previous
        if not self.only:
            self.prompter.say(INTRO)
        data: dict[str, Any] = {"version": FORMAT_VERSION}
        name_default = prev.name if prev else self.default_name
        data["name"] = self.ask("name", "name", name_default, required=True)
        description = prev.description if prev else None
        _put(data, "description", self.ask("description", "description", description))
        context: dict[str, Any] = {}
        for key in CONTEXT_FIELDS:
            default = _plain(getattr(prev.context, key)) if prev else None
            _put(context, key, self.ask(f"context.{key}", f"context.{key}", default))
        _put(data, "context", context)
        self.context = context
        several = self.yes(
            "interview.components", "components", default=bool(prev and not prev.single)
        )
        if several:
            data["components"] = self.components()
        else:
            data.update(self.answers(prev.components[0] if prev else None, ""))
        if self.review.lines:
            self.prompter.say()
            self.prompter.say(
                "Not asked, so check them in the file (change one with "
                "'dbadvisor interview --from FILE --only PATH'):"
            )
            for line in self.review.lines:
                self.prompter.say(line, indent="  ")
        return data

    def components(self) -> list[dict[str, Any]]:
        """The ``components:`` list, one loop turn per component."""
        previous = self.previous.components if self.previous else ()
        out: list[dict[str, Any]] = []
        while True:
            i = len(out)
            prev = previous[i] if i < len(previous) else None
            where = f"components[{i}]"
            taken = tuple(c["name"] for c in out)
            question = self.question("components.name")
            default = prev.name if prev and prev.name not in taken else None
            component: dict[str, Any] = {
                "name": self.prompt(
                    question,
                    Distinct(model_kind(question), taken, "component"),
                    f"{where}.name",
                    default,
                    required=True,
                )
            }
            self.scope = [component["name"]]
            description = prev.description if prev else None
            if self.quick:
                # Free text that moves no score: kept from --from, else left to the file.
                _put(component, "description", description)
            else:
                _put(
                    component,
                    "description",
                    self.ask("description", f"{where}.description", description),
                )
            component.update(self.answers(prev, f"{where}."))
            self.scope = []
            out.append(component)
            more = len(out) < len(previous)
            if not self.yes("interview.add_component", f"components[{len(out)}]", default=more):
                return out

    def answers(self, prev: Component | None, prefix: str) -> dict[str, Any]:
        """The per-component questions; the use case's preset supplies later defaults."""
        # The component's name was the prompt before these.
        self.component_prompts = self.prompts - 1
        out: dict[str, Any] = {}
        old_use_case = _plain(prev.use_case) if prev else None
        use_case = self.ask("use_case", f"{prefix}use_case", old_use_case)
        _put(out, "use_case", use_case)
        # A newly chosen use case suggests its typical answers; an unchanged one keeps the
        # answers of the file being revised, so revising with Enter changes nothing.
        # --only changes the named answers and nothing else, so it applies no preset.
        fresh = use_case is not None and use_case != old_use_case and not self.only
        preset: Mapping[str, Any] = self.book.presets.get(use_case, {}) if fresh else {}

        def default(name: str) -> Any:
            if name in preset:
                return _plain(preset[name])
            return _plain(getattr(prev, name)) if prev else None

        deferred: list[str] = []
        for name in ANSWER_FIELDS[1:]:
            where = f"{prefix}{name}"
            if name == "scale":
                scale: dict[str, Any] = {}
                old = prev.scale if prev else None
                for key in SCALE_FIELDS:
                    value = getattr(old, key) if old else None
                    if key == "growth" and self.quick and scale:
                        # The figures already place the workload on the scale; the quick
                        # path asks about growth only when none was given.
                        _put(scale, key, value)
                        continue
                    _put(scale, key, self.ask(f"scale.{key}", f"{where}.{key}", value))
                _put(out, "scale", scale)
            elif name == "entities" and self._keeps_entities(prev, prefix):
                assert prev is not None
                _put(out, "entities", [_record(e) for e in prev.entities])
                _put(out, "access_patterns", [_record(p) for p in prev.access_patterns])
                self._add_implied_needs(out, prefix)
            elif name == "entities":
                _put(out, "entities", self.entities(prev.entities if prev else (), prefix))
            elif name == "access_patterns":
                if out.get("entities") and "access_patterns" not in out:
                    patterns = self.access_patterns(
                        prev.access_patterns if prev else (), out["entities"], prefix
                    )
                    _put(out, "access_patterns", patterns)
                    self._add_implied_needs(out, prefix)
            elif name in SOFT and self.quick and default(name) is not None:
                _put(out, name, default(name))
                deferred.append(name)
            elif name == "on_partition" and (self.quick or self.only):
                _put(out, name, self._on_partition(prev, out, default(name), where))
            elif name == "survives" and self.quick and not self._spans_regions_durably(out):
                # Riding out a failure with no acknowledged write lost is a question about
                # durable data, and the answer that sets databases apart is a region: the
                # quick path asks it of durable data kept in several regions only.
                _put(out, name, default(name))
            elif name == "replacing" and self.quick and not self.context.get("team_expertise"):
                # A team that names no database it runs is rarely moving off one: the
                # quick path keeps a revised file's answer and the full path asks it.
                _put(out, name, default(name))
            elif name == "needs":
                _put(out, name, self._needs(out, default(name), where))
                for soft in self._moving(out, deferred):
                    _put(out, soft, self.ask(soft, f"{prefix}{soft}", out.get(soft)))
                    deferred.remove(soft)
            else:
                _put(out, name, self.ask(name, where, default(name)))
        for name in deferred:
            if name in out:
                self.review.add(f"{prefix}{name}", out[name], f"typical of {use_case}")
        return {name: out[name] for name in ANSWER_FIELDS if name in out}

    @staticmethod
    def _spans_regions_durably(out: Mapping[str, Any]) -> bool:
        """Whether a component's answers so far keep durable data in several regions."""
        regions = out.get("multi_region") in ("replicas", "active_active")
        return regions and out.get("durability") == "durable"

    def _keeps_entities(self, prev: Component | None, prefix: str) -> bool:
        """On the quick path, one question keeps a revised file's entities and patterns."""
        if not self.quick or prev is None or not prev.entities:
            return False
        return self.yes("interview.keep_entities", f"{prefix}entities", default=True)

    def _on_partition(
        self, prev: Component | None, out: Mapping[str, Any], default: Any, where: str
    ) -> Any:
        """on_partition, derived from consistency unless asked (``--only``) or kept."""
        if self.only and self.wanted(where):
            return self.ask("on_partition", where, default)
        consistency = out.get("consistency")
        unchanged = prev is not None and consistency == _plain(prev.consistency)
        if unchanged or consistency is None:
            return default
        value = PARTITION_FROM_CONSISTENCY[consistency]
        self.review.add(where, value, f"follows from consistency: {consistency}")
        return value

    def _needs(self, out: dict[str, Any], default: Any, where: str) -> Any:
        """needs; its ``transactions`` is the transactions question's multi_record.

        The quick path does not offer it a second time; on the full path, choosing it
        sets transactions: multi_record, so the two answers cannot disagree.
        """
        question = self.question("needs")
        kind = model_kind(question)
        if self.quick and "transactions" not in (default or ()):
            options = tuple(o for o in kind.options if o[0] != "transactions")
            kind = dataclasses.replace(typing.cast(Multi, kind), options=options)
        needs = self.prompt(question, kind, where, default)
        if needs and "transactions" in needs and out.get("transactions") != "multi_record":
            out["transactions"] = "multi_record"
            self.prompter.say(
                "= transactions: multi_record (needing transactions means several records "
                "change together)",
                indent="  ",
            )
        return needs

    def _moving(self, out: Mapping[str, Any], deferred: Sequence[str]) -> list[str]:
        """The deferred preset answers whose change would change the recommendation."""
        if not deferred or self.moves is None:
            return []
        changes = self.moves(out, self.context)
        moving = [
            name
            for name in deferred
            if any(changes(name, value) for value in _neighbours(name, out.get(name)))
        ]
        # What the prompt budget leaves after this component's questions so far and the
        # two steps still to come ("add an entity", "another component").
        left = QUICK_PROMPTS - (self.prompts - self.component_prompts) - 2
        cap = max(0, min(MAX_MOVING, left))
        for name in moving[cap:]:
            # Over the cap: listed for review with the reason, in question order.
            self.review.add(name, out.get(name), "typical value; another would change the result")
        moving = moving[:cap]
        if moving:
            self.prompter.say()
            self.prompter.say(
                "The use case's typical answer to the next "
                + ("question decides" if len(moving) == 1 else "questions decide")
                + " between databases: keep it with Enter or change it."
            )
        return moving

    def _add_implied_needs(self, out: dict[str, Any], prefix: str) -> None:
        """Add the capabilities the access patterns imply.

        A near read on a geo field implies geospatial, a traverse read graph_traversal.
        """
        fields_of = {e["name"]: e["fields"] for e in out.get("entities", ())}
        needs: list[str] = list(out.get("needs") or [])
        for pattern in out.get("access_patterns", ()):
            for need, reason in implied_needs(pattern, fields_of.get(pattern["entity"], {})):
                if need not in needs:
                    needs.append(need)
                    self.prompter.say(
                        f"+ needs: {need} ('{pattern['name']}': {reason})", indent="  "
                    )
                    self.review.add(f"{prefix}needs", needs, f"{need} added: {reason}")
        _put(out, "needs", needs)

    def entities(self, previous: Sequence[Entity], prefix: str) -> list[dict[str, Any]]:
        """The entities loop: name, fields with types, key and parent of each."""
        out: list[dict[str, Any]] = []
        while True:
            i = len(out)
            prev = previous[i] if i < len(previous) else None
            where = f"{prefix}entities[{i}]"
            if not self.yes("interview.add_entity", where, default=prev is not None):
                break
            taken = tuple(e["name"] for e in out)
            question = self.question("entities.name")
            name = self.prompt(
                question,
                Distinct(model_kind(question), taken, "entity"),
                f"{where}.name",
                prev.name if prev and prev.name not in taken else None,
                required=True,
            )
            self.scope.append(name)
            fields = self.fields(prev, f"{where}.fields")
            key = self.choose(
                "entities.key",
                f"{where}.key",
                tuple(fields.items()),
                prev.key if prev and prev.key in fields else _guess_key(name, fields),
                required=True,
            )
            entity: dict[str, Any] = {"name": name, "key": key}
            # Parents may be named before they are entered when revising (--from).
            others = list(dict.fromkeys([*taken, *(e.name for e in previous)]))
            others = [n for n in others if n != name]
            if others:
                keys = {e["name"]: e["key"] for e in out}
                options = tuple((n, f"key {keys[n]}" if n in keys else "") for n in others)
                parent = prev.parent if prev else None
                _put(
                    entity,
                    "parent",
                    self.choose("entities.parent", f"{where}.parent", options, parent),
                )
            self.scope.pop()
            entity["fields"] = fields
            if prev is not None:
                _carry_lifetime(entity, prev)
            out.append(entity)
        self._fix_parents(out, prefix)
        return out

    def _fix_parents(self, entities: list[dict[str, Any]], prefix: str) -> None:
        """Ask again for a parent that names an entity which was not entered after all."""
        names = [e["name"] for e in entities]
        for i, entity in enumerate(entities):
            if "parent" not in entity or entity["parent"] in names:
                continue
            self.prompter.say(
                f"! {entity['name']}'s parent '{entity.pop('parent')}' is no longer an entity",
                indent="  ",
            )
            options = tuple((n, "") for n in names if n != entity["name"])
            if options:
                parent = self.choose("entities.parent", f"{prefix}entities[{i}].parent", options)
                if parent is not None:
                    # Keep the format's order: name, key, parent, fields.
                    fields = entity.pop("fields")
                    entity["parent"] = parent
                    entity["fields"] = fields

    def fields(self, prev: Entity | None, where: str) -> dict[str, str]:
        """An entity's fields, one name and type at a time; at least one (the key)."""
        name_question = self.question("interview.field_name")
        type_question = dataclasses.replace(
            self.question("interview.field_type"),
            choices=self.question("entities.fields").choices,
        )
        type_kind = Choice(
            tuple((type_question.choices or {}).items()),
            FieldType,
            self.book.aliases.get("entities.fields", {}),
        )
        old = list(prev.fields.items()) if prev else []
        fields: dict[str, str] = {}
        while True:
            j = len(fields)
            default = old[j][0] if j < len(old) and old[j][0] not in fields else None
            name = self.prompt(
                name_question,
                Distinct(Text(), tuple(fields), "field of this entity"),
                where,
                default,
            )
            if name is None:
                if fields:
                    return fields
                self.prompter.say(
                    "! an entity needs at least one field: the one that identifies an item",
                    indent="  ",
                )
                continue
            old_type = _plain(old[j][1]) if j < len(old) else None
            fields[name] = self.prompt(
                type_question,
                type_kind,
                f"{where}.{name}",
                old_type,
                required=True,
                label=f"type of {name}",
            )

    def access_patterns(
        self, previous: Sequence[AccessPattern], entities: list[dict[str, Any]], prefix: str
    ) -> list[dict[str, Any]]:
        """The access-patterns loop; entity and field answers are chosen from the entities."""
        by_name = {e["name"]: e for e in entities}
        entity_options = tuple((n, f"key {e['key']}") for n, e in by_name.items())
        out: list[dict[str, Any]] = []
        while True:
            i = len(out)
            prev = previous[i] if i < len(previous) else None
            where = f"{prefix}access_patterns[{i}]"
            if not self.yes("interview.add_access_pattern", where, default=prev is not None):
                return out
            taken = tuple(p["name"] for p in out)
            question = self.question("access_patterns.name")
            pattern: dict[str, Any] = {
                "name": self.prompt(
                    question,
                    Distinct(model_kind(question), taken, "access pattern"),
                    f"{where}.name",
                    prev.name if prev and prev.name not in taken else None,
                    required=True,
                )
            }
            self.scope.append(pattern["name"])
            only = next(iter(by_name)) if len(by_name) == 1 else None
            pattern["entity"] = self.choose(
                "access_patterns.entity",
                f"{where}.entity",
                entity_options,
                prev.entity if prev else only,
                required=True,
            )
            fields = tuple(by_name[pattern["entity"]]["fields"].items())
            kind = _plain(prev.kind) if prev else None
            pattern["kind"] = self.ask("access_patterns.kind", f"{where}.kind", kind, required=True)
            by = list(prev.by) if prev else None
            _put(
                pattern,
                "by",
                self.choose("access_patterns.by", f"{where}.by", fields, by, many=True),
            )
            order_by = prev.order_by if prev else None
            order_by = self.choose(
                "access_patterns.order_by", f"{where}.order_by", fields, order_by
            )
            _put(pattern, "order_by", order_by)
            descending = prev.descending if prev else None
            if order_by is not None or descending is not None:
                descending = self.ask(
                    "access_patterns.descending", f"{where}.descending", descending
                )
                _put(pattern, "descending", descending)
            if pattern["kind"] == "aggregate":
                # Only the fields validation accepts: discrete, required, not matched by.
                entity = by_name[pattern["entity"]]
                skip = {*pattern.get("by", ()), *entity.get("optional", ())}
                groups = tuple((n, t) for n, t in fields if t in GROUPABLE_TYPES and n not in skip)
                group_by = prev.group_by if prev else None
                if groups:
                    group_by = self.choose(
                        "access_patterns.group_by", f"{where}.group_by", groups, group_by
                    )
                    _put(pattern, "group_by", group_by)
            for key in ("limit", "per_sec"):
                value = getattr(prev, key) if prev else None
                _put(pattern, key, self.ask(f"access_patterns.{key}", f"{where}.{key}", value))
            self.scope.pop()
            out.append(pattern)


def _neighbours(name: str, current: Any) -> list[str]:
    """The other answers to try for ``name``: one step either way on a scale, else all.

    The scales are the engine's, so the interview asks about the same plausible changes
    of mind that "what would change the answer" reports.
    """
    from advisor.engine import ORDERED_PATHS

    values = [value for value, _ in model_kind(question_book().by_path()[name]).options]
    if name not in ORDERED_PATHS or current not in values:
        return [v for v in values if v != current]
    at = values.index(current)
    return [values[i] for i in (at - 1, at + 1) if 0 <= i < len(values)]


def _record(record: Entity | AccessPattern) -> dict[str, Any]:
    """An entity or access pattern of a ``--from`` file as plain data, in the format's order."""
    out: dict[str, Any] = {}
    for item in dataclasses.fields(record):
        _put(out, item.name, _plain(getattr(record, item.name)))
    if "fields" in out:
        out["fields"] = out.pop("fields")  # last, after parent, as the interview writes it
    return out


def _carry_lifetime(entity: dict[str, Any], prev: Entity) -> None:
    """Keep a revised entity's ``optional``, ``retention`` and ``append_only``, not asked.

    Only what still fits the answers: optional fields that remain (other than the key),
    and a retention whose datetime field remains.
    """
    fields = entity["fields"]
    kept = [n for n in prev.optional if n in fields and n != entity["key"]]
    _put(entity, "optional", kept)
    if entity["name"] == prev.name:
        # Only for the same entity: a renamed or reordered one may no longer be append-only.
        _put(entity, "append_only", prev.append_only)
    if prev.retention is None:
        return
    source = retention_source(prev.fields, prev.retention_field)
    if source is not None and fields.get(source) == "datetime" and source not in kept:
        _put(entity, "retention", prev.retention)
        # Named only when the revised fields leave more than one datetime to count from.
        sole = retention_source(fields, None) is not None
        _put(entity, "retention_field", None if sole else source)


def _guess_key(entity: str, fields: Mapping[str, str]) -> str:
    """The likeliest key: ``<entity>_id``, ``id``, the first ``*_id``, else the first field."""
    names = list(fields)
    for candidate in (f"{entity.lower()}_id", "id"):
        if candidate in fields:
            return candidate
    return next((n for n in names if n.endswith("_id")), names[0])


# --- YAML -------------------------------------------------------------------------------

_SCOPES = {"context": "context", "scale": "scale", "components": "component"}


def _comment(scope: str, key: str, book: QuestionBook) -> str | None:
    """The question's prompt as a short comment, for the questions of the file itself."""
    if scope == "top":
        path = key
    elif scope == "component":
        path = "components.name" if key == "name" else key
    elif scope in ("context", "scale"):
        path = f"{scope}.{key}"
    else:
        return None  # entities and access patterns read well without one per line
    question = book.get(path)
    return question.prompt if question else None


def _scalar(value: Any) -> str:
    """One YAML scalar or flow list, quoted exactly as far as the YAML resolver needs."""
    style = '"' if isinstance(value, str) and _CONTROL.search(value) else None
    text = yaml.safe_dump(
        value, default_flow_style=True, default_style=style, allow_unicode=True, width=1 << 30
    )
    return text.removesuffix("\n").removesuffix("\n...")


def _emit(
    lines: list[str],
    mapping: Mapping[str, Any],
    indent: int,
    scope: str,
    book: QuestionBook,
    item: bool = False,
) -> None:
    """Append ``mapping`` as block YAML; ``item`` starts it as a list entry (``- ``)."""
    pad = " " * indent
    for index, (key, value) in enumerate(mapping.items()):
        first = item and index == 0
        lead = f"{pad[:-2]}- " if first else pad
        comment = _comment(scope, key, book)
        if comment:
            lines.append(f"{pad[:-2] if first else pad}# {comment}")
        if isinstance(value, Mapping):
            lines.append(f"{lead}{_scalar(key)}:")
            _emit(lines, value, indent + 2, _SCOPES.get(key, key), book)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            lines.append(f"{lead}{key}:")
            for entry in value:
                if key == "components":
                    lines.append("")
                _emit(lines, entry, indent + 4, _SCOPES.get(key, key), book, item=True)
        else:
            lines.append(f"{lead}{_scalar(key)}: {_scalar(value)}")


def workload_yaml(data: Mapping[str, Any], book: QuestionBook | None = None) -> str:
    """The workload as YAML text: keys in the format's order, prompts as comments.

    No ``$schema`` line: a path relative to a file the interview cannot know would not
    resolve (see docs/workload-format.md for pointing an editor at the schema).
    """
    lines = [
        "# Written by `dbadvisor interview`; revise it with `dbadvisor interview --from FILE`.",
        "# Check it with `dbadvisor validate FILE`; `dbadvisor schema` prints its JSON Schema.",
    ]
    _emit(lines, data, 0, "top", book or question_book())
    return "\n".join(lines) + "\n"


# --- Entry points -----------------------------------------------------------------------


def run(
    prompter: Prompter,
    *,
    previous: Workload | None = None,
    default_name: str | None = None,
    file: str = "<interview>",
    quick: bool = False,
    only: Sequence[str] = (),
    moves: Winner | None = None,
) -> tuple[str, Workload]:
    """Ask the questions; return the workload YAML and the workload it validates to.

    ``quick`` takes the short path, ``only`` asks just the named answers of
    ``previous`` (see :class:`Interview`). The text is parsed back with the file
    loader's own rules, so an answer the interview let through by mistake fails here
    and nothing invalid is ever written.
    """
    book = question_book()
    check_only(only, book)
    data = Interview(
        prompter, book, previous, default_name or "workload", quick=quick, only=only, moves=moves
    ).run()
    text = workload_yaml(data, book)
    return text, parse_workload(text, file)


def check_only(paths: Sequence[str], book: QuestionBook) -> None:
    """Refuse ``--only`` paths that name no question, with the closest one."""
    known = sorted(
        {q.path for q in book.questions if not q.path.startswith("interview.")}
        | {"components", "entities", "access_patterns", "scale", "context"}
    )
    bad: list[str] = []
    for path in paths:
        # components[1].scale.reads_per_sec -> its question, scale.reads_per_sec.
        bare = re.sub(r"\[\d+\]", "", path)
        bare = bare.removeprefix("components.") if bare != "components.name" else bare
        if bare not in known and not any(bare.startswith(f"{k}.") for k in known):
            bad.append(
                f"--only {path}: not a question of the workload file{did_you_mean(bare, known)}"
            )
    if bad:
        raise InputError("; ".join(bad))


def engine_moves(engine: Engine) -> Winner:
    """The :data:`Winner` test of the quick path, answered by ``engine``."""
    from advisor.conditions import derive

    def build(
        component: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Callable[[str, Any], bool]:
        flat: dict[str, Any] = {f"context.{k}": _frozen(v) for k, v in context.items()}
        for key, value in component.items():
            if key == "scale":
                flat.update({f"scale.{k}": v for k, v in value.items()})
            elif key in ANSWER_FIELDS and key not in ("entities", "access_patterns"):
                flat[key] = _frozen(value)
        state = engine.state(derive(flat))
        current = engine.winner(state)

        def changes(path: str, value: Any) -> bool:
            return engine.winner(engine.variant(state, {path: value})) != current

        return changes

    return build


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def ask_save_as(prompter: Prompter, name: str, check: Callable[[Path], object]) -> Path | None:
    """Ask where to save the workload; ``check`` refuses paths the writer would refuse."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "workload"
    question = question_book().get("interview.save_as")
    assert question is not None
    kind = Destination(check)
    # Offer a name the writer accepts, so Enter never ends in a refusal.
    default = None
    for number in range(1, 100):
        candidate = Path(f"{stem}.yaml" if number == 1 else f"{stem}-{number}.yaml")
        try:
            default = kind.parse(str(candidate))
        except Reject:
            continue
        break
    answer = prompter.ask(question, kind, where="save as", default=default)
    return typing.cast(Path | None, answer)


def ask_report_format(prompter: Prompter, default: str) -> str | None:
    """Offer the recommendation; return the format chosen, or None (also at end of input)."""
    question = question_book().get("interview.recommend")
    assert question is not None and question.choices is not None
    try:
        answer = prompter.ask(
            question, Choice(tuple(question.choices.items())), where="report", default=default
        )
    except EndOfInput:
        # The workload is complete and written; running out of answers here means "no".
        return None
    return None if answer in (None, "no") else str(answer)
