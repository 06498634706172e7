"""Validate located YAML data into frozen records, and describe them as JSON Schema.

One small, explicit structurer serves the workload file and the knowledge base alike:
it walks a frozen dataclass's type hints, reports *every* problem
with its file, line, column and field path (with the allowed values and a
did-you-mean), and returns typed, immutable objects that the rest of the program can
trust. The same type walk produces the JSON Schema, so the schema cannot drift from the
validator.

Why not pydantic, which typer installs: its errors carry a field path but no position,
so the line and column (and the did-you-mean) would still be worked out here, and a
``TypeAdapter`` builds its validator anew in every process (measured here at about 60 ms
for a chain of 55 dataclasses, on top of creating the classes).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import sys
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, get_args, get_origin

from advisor.errors import InputError, Problem, did_you_mean
from advisor.yamlload import Document, PathKey

T = TypeVar("T")

# Problems in one document after which no more did-you-means are worked out. Each costs
# a fuzzy match against every choice; a file of 100,000 misspellings would spend
# minutes on hints nobody sees, as only the first problems are printed (see
# :data:`advisor.errors.MAX_PROBLEMS_PER_FILE`). Ten times that still covers problems
# that the walk finds out of line order.
HINT_BUDGET = 1000


def is_record(tp: Any) -> bool:
    """True for a dataclass type (the models are frozen dataclasses), not an instance."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _required(f: dataclasses.Field[Any]) -> bool:
    """True when a field has neither a default nor a default factory."""
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


class _Invalid:
    """Marker for a value that failed validation (its problem is already recorded)."""

    def __repr__(self) -> str:
        return "<invalid>"


INVALID: Any = _Invalid()


def spec(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    min_len: int | None = None,
    max_len: int | None = None,
    min_items: int | None = None,
    max_items: int | None = None,
    unique: bool = False,
) -> dict[str, Any]:
    """Constraints for a record field, passed as ``field(metadata=spec(...))``.

    ``max_items`` bounds a list's items or a mapping's keys; it is checked before any
    of them is validated, so an oversized input costs one ``len``, not a full walk.
    """
    found = {
        "ge": ge,
        "gt": gt,
        "le": le,
        "min_len": min_len,
        "max_len": max_len,
        "min_items": min_items,
        "max_items": max_items,
        "unique": unique or None,
    }
    return {k: v for k, v in found.items() if v is not None}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


@functools.cache
def choices(tp: Any) -> tuple[str, ...] | None:
    """The values of a closed set (a ``Literal`` type or an enum); None for other types."""
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tuple(str(m.value) for m in tp)
    if get_origin(tp) is Literal:
        return tuple(str(a) for a in get_args(tp))
    return None


class _Record(typing.NamedTuple):
    """What validating into a record class needs, worked out once per class."""

    fields: tuple[dataclasses.Field[Any], ...]
    names: frozenset[str]
    hints: dict[str, Any]
    required: frozenset[str]


@functools.cache
def _record_plan(cls: type) -> _Record:
    declared = dataclasses.fields(cls)
    required = frozenset(f.name for f in declared if _required(f))
    return _Record(declared, frozenset(f.name for f in declared), _hints(cls), required)


@functools.cache
def _plan(tp: Any) -> tuple[str, Any]:
    """How :meth:`Structurer.structure` validates ``tp``: a kind and its argument.

    Worked out once per type: a knowledge base load validates some 8,000 values of a few
    dozen types, and reading each type's origin and arguments again every time was most
    of that load's cost.
    """
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return "optional", next(a for a in get_args(tp) if a is not type(None))
    if is_record(tp):
        return "record", None
    allowed = choices(tp)
    if allowed is not None:
        return "choice", allowed
    if origin is tuple:
        return "tuple", get_args(tp)[0]
    if origin in (dict, Mapping):
        return "mapping", get_args(tp)
    if tp is Any:
        return "any", None
    if tp is bool:
        return "bool", None
    if tp in (int, float):
        return "number", None
    if tp is str:
        return "str", None
    raise TypeError(f"unsupported type {tp!r}")  # a bug in a model, not input


def _member(tp: Any, value: str) -> Any:
    """``value`` of the closed set ``tp``: an enum's member, or the string for a Literal."""
    return tp(value) if isinstance(tp, type) else value


class Structurer:
    """Collects problems while turning one document's data into typed objects."""

    def __init__(self, document: Document) -> None:
        """Validate values from ``document``; problems point into it."""
        self.document = document
        self.problems: list[Problem] = []
        # Set when a list or mapping over its ``max_items`` was refused whole, so callers
        # can skip checks that would walk its items anyway.
        self.oversized = False

    def report(self, path: PathKey, message: str, *, key: bool = False) -> Any:
        """Record a problem at ``path`` and return :data:`INVALID`."""
        self.problems.append(self.document.problem(path, message, key=key))
        return INVALID

    def hint(self, word: str, choices: Sequence[str]) -> str:
        """:func:`did_you_mean`, while this document has fewer than :data:`HINT_BUDGET` problems."""
        return did_you_mean(word, choices) if self.hints_left else ""

    @property
    def hints_left(self) -> bool:
        """Whether a did-you-mean is still worth its cost (see :data:`HINT_BUDGET`)."""
        return len(self.problems) < HINT_BUDGET

    def check(self) -> None:
        """Raise :class:`InputError` with every recorded problem, if any."""
        if self.problems:
            raise InputError(sorted(set(self.problems), key=lambda p: (p.line, p.column, p.path)))

    def structure(
        self, tp: Any, value: Any, path: PathKey = (), meta: Mapping[str, Any] = {}
    ) -> Any:
        """Validate ``value`` against type ``tp``; return the typed value or :data:`INVALID`."""
        kind, arg = _plan(tp)
        if kind == "str":
            return self._string(value, path, meta)
        if kind == "optional":
            return None if value is None else self.structure(arg, value, path, meta)
        if kind == "record":
            return self._record(tp, value, path)
        if kind == "choice":
            return self._choice(tp, arg, value, path)
        if kind == "tuple":
            return self._sequence(arg, value, path, meta)
        if kind == "mapping":
            key_type, item_type = arg
            return self._mapping(key_type, item_type, value, path, meta)
        if kind == "any":
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                quoted = isinstance(value, str) and value.lower() in ("true", "false", "yes", "no")
                hint = "; write true or false without quotes" if quoted else ""
                return self.report(path, f"expected true or false, got {_kind(value)}{hint}")
            return value
        return self._number(tp, value, path, meta)

    def _record(self, cls: type, value: Any, path: PathKey) -> Any:
        if not isinstance(value, dict):
            return self.report(path, f"expected a mapping, got {_kind(value)}")
        plan = _record_plan(cls)
        ok = True
        for key in value:
            if key not in plan.names:
                names = [f.name for f in plan.fields]
                self.report(
                    (*path, key),
                    f"unknown key '{key}'{self.hint(key, names)}",
                    key=True,
                )
                ok = False
        hints = plan.hints
        kwargs: dict[str, Any] = {}
        for f in plan.fields:
            if f.name not in value:
                if f.name in plan.required:
                    self.report(path, f"missing required key '{f.name}'")
                    ok = False
                continue
            result = self.structure(hints[f.name], value[f.name], (*path, f.name), f.metadata)
            if result is INVALID:
                ok = False
            else:
                kwargs[f.name] = result
        return cls(**kwargs) if ok else INVALID

    def _choice(self, tp: Any, values: tuple[str, ...], value: Any, path: PathKey) -> Any:
        if isinstance(value, bool):
            # YAML reads an unquoted no, yes, off or on as true/false: say so in words.
            said = "yes" if value else "no"
            return self.report(
                path, f"'{said}' is read as a yes/no answer here; answer {_either(values)}"
            )
        if not isinstance(value, str):
            return self.report(
                path, f"expected one answer, got {_kind(value)}; answer {_either(values)}"
            )
        if value not in values:
            hint = self.hint(value, values)
            return self.report(path, f"'{value}' is not one of {', '.join(values)}{hint}")
        return _member(tp, value)

    def _sequence(self, item: Any, value: Any, path: PathKey, meta: Mapping[str, Any]) -> Any:
        if not isinstance(value, list):
            # A single value where a list is asked: show the list it probably meant.
            hint = f"; write [{value}]" if isinstance(value, str) and "\n" not in value else ""
            return self.report(path, f"expected a list, got {_kind(value)}{hint}")
        if len(value) < meta.get("min_items", 0):
            return self.report(path, f"needs at least {meta['min_items']} item(s)")
        if _too_many(value, meta):
            self.oversized = True
            return self.report(path, _too_many_message(value, path, meta))
        allowed = choices(item)
        if meta.get("unique") and allowed is not None and len(value) > len(allowed):
            # Distinct values of a closed set: more items than values means a repeat, and
            # there is no point in a did-you-mean for each of 100,000 of them.
            return self.report(
                path, f"{len(value)} entries, but only {len(allowed)} distinct values exist"
            )
        out = [self.structure(item, v, (*path, i)) for i, v in enumerate(value)]
        if meta.get("unique"):
            # Checked among the valid items even when others failed: one pass, every problem.
            seen: set[Any] = set()
            for i, v in enumerate(out):
                if v is INVALID:
                    continue
                if v in seen:
                    return self.report((*path, i), f"'{v}' is listed twice")
                seen.add(v)
        if any(v is INVALID for v in out):
            return INVALID
        return tuple(out)

    def _mapping(
        self, key_type: Any, item: Any, value: Any, path: PathKey, meta: Mapping[str, Any]
    ) -> Any:
        if not isinstance(value, dict):
            return self.report(path, f"expected a mapping, got {_kind(value)}")
        if _too_many(value, meta):
            self.oversized = True
            return self.report(path, _too_many_message(value, path, meta))
        keys = choices(key_type)
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if keys is not None and k not in keys:
                hint = self.hint(k, keys)
                out[k] = self.report(
                    (*path, k),
                    f"unknown key '{k}'; expected one of {', '.join(keys)}{hint}",
                    key=True,
                )
                continue
            out[_member(key_type, k) if keys is not None else k] = self.structure(
                item, v, (*path, k)
            )
        if any(v is INVALID for v in out.values()):
            return INVALID
        return types.MappingProxyType(out)

    def _number(self, tp: type, value: Any, path: PathKey, meta: Mapping[str, Any]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            wanted = "an integer" if tp is int else "a number"
            return self.report(path, f"expected {wanted}, got {_kind(value)}{_amount(value, path)}")
        if tp is int and not isinstance(value, int):
            return self.report(path, f"expected an integer, got {value}")
        if isinstance(value, float) and not math.isfinite(value):
            return self.report(path, "must be a finite number")
        if isinstance(value, int) and abs(value) > sys.float_info.max:
            # Every number is used as a float somewhere (scores, "{:g}" in messages), and
            # an int this large has none: OverflowError. YAML reads up to 4,300 digits.
            digits = len(str(abs(value)))
            return self.report(path, f"is too large: {digits} digits, at most 308 are allowed")
        if "ge" in meta and value < meta["ge"]:
            return self.report(path, f"must be >= {meta['ge']}, got {value}")
        if "gt" in meta and value <= meta["gt"]:
            return self.report(path, f"must be > {meta['gt']}, got {value}")
        if "le" in meta and value > meta["le"]:
            return self.report(path, f"must be at most {meta['le']:,.0f}, got {value:g}")
        return value

    def _string(self, value: Any, path: PathKey, meta: Mapping[str, Any]) -> Any:
        if not isinstance(value, str):
            return self.report(path, f"expected a string, got {_kind(value)}")
        low, high = meta.get("min_len", 0), meta.get("max_len")
        if len(value) < low or (high is not None and len(value) > high):
            span = f"{low}-{high}" if high is not None else f"at least {low}"
            return self.report(path, f"must be {span} characters long, got {len(value)}")
        return value


def _too_many(value: list[Any] | dict[str, Any], meta: Mapping[str, Any]) -> bool:
    return "max_items" in meta and len(value) > meta["max_items"]


def _too_many_message(
    value: list[Any] | dict[str, Any], path: PathKey, meta: Mapping[str, Any]
) -> str:
    # Name the items after a plural field ("20000 components"); "by" and the like
    # read better as "entries".
    last = path[-1] if path else ""
    noun = last.replace("_", " ") if isinstance(last, str) and last.endswith("s") else "entries"
    return f"{len(value)} {noun}; at most {meta['max_items']} are allowed"


def _either(values: Sequence[str]) -> str:
    """``a, b or c``: the answers of a closed set, as a sentence says them."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _amount(value: Any, path: PathKey) -> str:
    """`` ('5k'; write 5000)`` when a string is a shorthand for a number, else ``''``."""
    if not isinstance(value, str):
        return ""
    from advisor.amounts import parse_amount, plain, unit_of

    field = path[-1] if path and isinstance(path[-1], str) else ""
    unit = unit_of(field)
    number = parse_amount(value, unit)
    if number is None:
        return f" '{value}'" if len(value) <= 40 else ""
    where = "" if unit == "count" else f" ({unit.upper() if unit != 'ms' else 'milliseconds'})"
    return f" '{value}'; write {plain(number)}{where}"


def load_as(cls: type[T], document: Document, path: PathKey = ()) -> T:
    """Validate a whole document (or the part at ``path``) as ``cls``; raise on any problem."""
    structurer = Structurer(document)
    result = structurer.structure(cls, document.data, path)
    structurer.check()
    return typing.cast(T, result)


Describe = Callable[[str], dict[str, Any]]


def json_schema(tp: Any, describe: Describe, dotted: str = "") -> dict[str, Any]:
    """JSON Schema (draft 2020-12 vocabulary) for ``tp``; ``describe(path)`` adds text."""
    schema = _schema(tp, describe, dotted, {})
    schema.update(describe(dotted))
    return schema


def _schema(tp: Any, describe: Describe, dotted: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    # The validator's own plan of each type (see _plan), so the two cannot drift.
    kind, arg = _plan(tp)
    if kind == "optional":
        return _schema(arg, describe, dotted, meta)
    if kind == "record":
        plan = _record_plan(tp)
        properties: dict[str, Any] = {}
        for f in plan.fields:
            child = f"{dotted}.{f.name}" if dotted else f.name
            properties[f.name] = _schema(plan.hints[f.name], describe, child, f.metadata)
            properties[f.name].update(describe(child))
        out: dict[str, Any] = {"type": "object", "properties": properties}
        required = [f.name for f in plan.fields if f.name in plan.required]
        if required:
            out["required"] = required
        out["additionalProperties"] = False
        return out
    if kind == "choice":
        return {"type": "string", "enum": list(arg)}
    if kind == "tuple":
        out = {"type": "array", "items": _schema(arg, describe, dotted, {})}
        if "min_items" in meta:
            out["minItems"] = meta["min_items"]
        if "max_items" in meta:
            out["maxItems"] = meta["max_items"]
        if meta.get("unique"):
            out["uniqueItems"] = True
        return out
    if kind == "mapping":
        key_type, item_type = arg
        out = {"type": "object", "additionalProperties": _schema(item_type, describe, dotted, {})}
        keys = choices(key_type)
        if keys is not None:
            out["propertyNames"] = {"enum": list(keys)}
        if "max_items" in meta:
            out["maxProperties"] = meta["max_items"]
        return out
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "number":
        out = {"type": "integer" if tp is int else "number"}
        if "ge" in meta:
            out["minimum"] = meta["ge"]
        if "gt" in meta:
            out["exclusiveMinimum"] = meta["gt"]
        if "le" in meta:
            out["maximum"] = meta["le"]
        return out
    if kind == "str":
        out = {"type": "string"}
        if "min_len" in meta:
            out["minLength"] = meta["min_len"]
        if "max_len" in meta:
            out["maxLength"] = meta["max_len"]
        return out
    return {}  # Any: every value
