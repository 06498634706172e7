"""The condition language of rules and caveats: a few operators over workload answers.

A condition (``when``) maps an answer path to ``{operator: value}``, or combines
conditions with ``all``, ``any`` and ``not``. Conditions are checked against the set of
known answer paths and their allowed values when the knowledge base is loaded, so a
misspelt operator, path or value fails there with its file and line, never while scoring.

An unanswered question satisfies no comparison (``present: false`` is the way to ask
for it): an unanswered question moves no score.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from advisor.typed import Structurer, choices
from advisor.workload import (
    Capability,
    Cloud,
    Component,
    Consistency,
    Context,
    DatabaseId,
    DataShape,
    Durability,
    Growth,
    Licensing,
    Managed,
    MultiRegion,
    OnPartition,
    PatternKind,
    QueryComplexity,
    ReadWriteRatio,
    Relationships,
    SchemaFlexibility,
    Survives,
    Transactions,
    UseCase,
)
from advisor.yamlload import PathKey

Answers = Mapping[str, Any]
Check = Callable[[Answers], bool]

NUMBER = "number"
FLAG = "flag"


@dataclass(frozen=True)
class Domain:
    """What values an answer path takes: a closed set, a number or a flag; maybe a list."""

    kind: tuple[str, ...] | str
    many: bool = False


def _one_of(closed_set: Any, many: bool = False) -> Domain:
    values = choices(closed_set)
    if values is None:
        raise TypeError(f"not a closed set: {closed_set!r}")  # a bug in ANSWER_PATHS
    return Domain(tuple(values), many)


# Every path a condition may test. The `derived.*` answers are computed from the others
# (see `answers_of`) so that rules can speak of size and access patterns in one word.
ANSWER_PATHS: dict[str, Domain] = {
    "use_case": _one_of(UseCase),
    "data_shape": _one_of(DataShape),
    "relationships": _one_of(Relationships),
    "query_complexity": _one_of(QueryComplexity),
    "schema_flexibility": _one_of(SchemaFlexibility),
    "consistency": _one_of(Consistency),
    "on_partition": _one_of(OnPartition),
    "transactions": _one_of(Transactions),
    "read_write_ratio": _one_of(ReadWriteRatio),
    "durability": _one_of(Durability),
    "latency_ms": Domain(NUMBER),
    "multi_region": _one_of(MultiRegion),
    "survives": _one_of(Survives),
    "scale.reads_per_sec": Domain(NUMBER),
    "scale.writes_per_sec": Domain(NUMBER),
    "scale.data_size_gb": Domain(NUMBER),
    "scale.item_size_kb": Domain(NUMBER),
    "scale.growth": _one_of(Growth),
    "needs": _one_of(Capability, many=True),
    "replacing": _one_of(DatabaseId, many=True),
    "context.cloud": _one_of(Cloud),
    "context.managed": _one_of(Managed),
    "context.team_expertise": _one_of(DatabaseId, many=True),
    "context.licensing": _one_of(Licensing),
    "derived.ops_per_sec": Domain(NUMBER),
    "derived.scale": Domain(("small", "medium", "large")),
    "derived.pattern_kinds": _one_of(PatternKind, many=True),
    "derived.has_parent_child": Domain(FLAG),
}

# Size classes: "small" fits one modest relational server comfortably; "large" is where
# single-primary databases need sharding. Thresholds are deliberately round numbers.
SMALL_OPS, LARGE_OPS = 5_000, 50_000
SMALL_GB, LARGE_GB = 500, 5_000


def answers_of(component: Component, context: Context) -> dict[str, Any]:
    """Flatten a component's answers (and the shared context) into ``{path: value}``."""
    out: dict[str, Any] = {}
    for path in ANSWER_PATHS:
        head, _, tail = path.partition(".")
        if head == "derived":
            continue
        if head == "context":
            value = getattr(context, tail)
        elif head == "scale":
            value = getattr(component.scale, tail) if component.scale else None
        else:
            value = getattr(component, path)
        if value is None or value == ():
            continue
        out[path] = tuple(str(v) for v in value) if isinstance(value, tuple) else value
    return derive(out, component)


def derive(answers: dict[str, Any], component: Component | None = None) -> dict[str, Any]:
    """Add the ``derived.*`` answers to a flat answer dict (in place) and return it.

    The answers derived from other answers are recomputed. Those derived from the
    component's entities and access patterns are added when ``component`` is given and
    otherwise left as they are, so re-deriving a changed copy of the answers keeps them.
    """
    for key in ("derived.ops_per_sec", "derived.scale"):
        answers.pop(key, None)
    reads, writes = answers.get("scale.reads_per_sec"), answers.get("scale.writes_per_sec")
    size = answers.get("scale.data_size_gb")
    if reads is not None or writes is not None:
        answers["derived.ops_per_sec"] = (reads or 0) + (writes or 0)
    ops = answers.get("derived.ops_per_sec")
    if ops is not None or size is not None:
        if (ops or 0) >= LARGE_OPS or (size or 0) >= LARGE_GB:
            answers["derived.scale"] = "large"
        elif (ops or 0) < SMALL_OPS and (size or 0) < SMALL_GB:
            answers["derived.scale"] = "small"
        else:
            answers["derived.scale"] = "medium"
    # "Large" means a single primary needs sharding; the growth answer says so directly,
    # and outranks round-number thresholds that only estimate it (one server with
    # in-memory tables can take a rate the thresholds call large).
    growth = answers.get("scale.growth")
    if growth == "outgrows_one_server":
        answers["derived.scale"] = "large"
    elif growth == "fits_one_server":
        scale = answers.get("derived.scale")
        answers["derived.scale"] = "medium" if scale == "large" else scale or "small"
    if component is not None:
        kinds = sorted({str(p.kind) for p in component.access_patterns})
        if kinds:
            answers["derived.pattern_kinds"] = tuple(kinds)
        if any(e.parent for e in component.entities):
            answers["derived.has_parent_child"] = True
    return answers


def _is_in(answer: Any, values: Any) -> bool:
    return answer in values


def _is_not_in(answer: Any, values: Any) -> bool:
    return answer not in values


def _contains(answer: Any, value: Any) -> bool:
    return value in answer


def _contains_any(answer: Any, values: Any) -> bool:
    return any(v in answer for v in values)


# The whole vocabulary: answer, rule value -> bool. `present` is handled by the compiler.
# Named functions, not lambdas, and compiled conditions built from functools.partial, so
# a compiled condition shows the operators it applies.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": operator.eq,
    "not_equals": operator.ne,
    "in": _is_in,
    "not_in": _is_not_in,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "contains": _contains,
    "contains_any": _contains_any,
}
ALL_OPERATORS = (*OPERATORS, "present")
COMBINATORS = ("all", "any", "not")


@dataclass(frozen=True)
class Condition:
    """A compiled condition: the check and the answer paths it reads."""

    check: Check
    paths: frozenset[str]

    def __call__(self, answers: Answers) -> bool:
        """Whether the condition holds for these answers."""
        return self.check(answers)


def _always(answers: Answers) -> bool:
    return True


def _never(answers: Answers) -> bool:
    return False


def _negated(check: Check, answers: Answers) -> bool:
    return not check(answers)


def _present(answer: str, wanted: bool, answers: Answers) -> bool:
    return (answer in answers) is wanted


def _holds(answer: str, func: Callable[[Any, Any], bool], arg: Any, answers: Answers) -> bool:
    value = answers.get(answer)
    return value is not None and bool(func(value, arg))


def _every(checks: tuple[Check, ...], answers: Answers) -> bool:
    return all(c(answers) for c in checks)


def _some(checks: tuple[Check, ...], answers: Answers) -> bool:
    return any(c(answers) for c in checks)


ALWAYS = Condition(_always, frozenset())


class Compiler:
    """Validates raw ``when`` data against :data:`ANSWER_PATHS` and compiles it."""

    def __init__(self, structurer: Structurer) -> None:
        """Report problems through ``structurer`` (so they carry file and line)."""
        self.structurer = structurer
        self.ok = True

    def fail(self, path: PathKey, message: str, *, key: bool = False) -> Condition:
        """Record a problem and return a condition that never holds."""
        self.structurer.report(path, message, key=key)
        return self.never()

    def never(self) -> Condition:
        """A condition that never holds, for input whose problem is already reported."""
        self.ok = False
        return Condition(_never, frozenset())

    def compile(self, raw: Any, path: PathKey) -> Condition:
        """Compile a ``when`` mapping (several keys: all must hold)."""
        if raw == {}:
            return ALWAYS  # `when: {}` is a standing adjustment, e.g. a product's maturity
        if not isinstance(raw, Mapping):  # a caveat's `when` arrives as a read-only mapping
            return self.fail(path, "a condition must be a mapping")
        parts = [self._entry(key, value, (*path, key)) for key, value in raw.items()]
        return _all(parts)

    def _entry(self, key: str, value: Any, path: PathKey) -> Condition:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                return self.fail(path, f"'{key}' takes a non-empty list of conditions")
            parts = [self.compile(v, (*path, i)) for i, v in enumerate(value)]
            return _all(parts) if key == "all" else _any(parts)
        if key == "not":
            inner = self.compile(value, path)
            return Condition(partial(_negated, inner.check), inner.paths)
        domain = ANSWER_PATHS.get(key)
        if domain is None:
            known = [*ANSWER_PATHS, *COMBINATORS]
            return self.fail(
                path, f"unknown answer '{key}'{self.structurer.hint(key, known)}", key=True
            )
        if not isinstance(value, Mapping) or not value:
            return self.fail(path, "expected {operator: value}, e.g. {equals: strong}")
        return _all([self._test(key, domain, op, arg, (*path, op)) for op, arg in value.items()])

    def _test(self, answer: str, domain: Domain, op: str, arg: Any, path: PathKey) -> Condition:
        if op == "present":
            if not isinstance(arg, bool):
                return self.fail(path, "present takes true or false")
            return Condition(partial(_present, answer, arg), frozenset({answer}))
        func = OPERATORS.get(op)
        if func is None:
            return self.fail(
                path, f"unknown operator '{op}'{self.structurer.hint(op, ALL_OPERATORS)}", key=True
            )
        if op in ("gt", "gte", "lt", "lte"):
            if domain.kind != NUMBER:
                return self.fail(path, f"'{op}' compares numbers; '{answer}' is not a number")
            if isinstance(arg, bool) or not isinstance(arg, int | float):
                return self.fail(path, f"'{op}' needs a number")
        elif op in ("contains", "contains_any"):
            if not domain.many:
                return self.fail(path, f"'{op}' tests a list; '{answer}' is a single answer")
            if not self._values(domain, arg if op == "contains_any" else [arg], path):
                return self.never()
        elif domain.many:
            return self.fail(path, f"'{answer}' is a list: use contains or contains_any")
        elif op in ("in", "not_in"):
            if not isinstance(arg, list):
                return self.fail(path, f"'{op}' needs a list of allowed values")
            if not self._values(domain, arg, path):
                return self.never()
            arg = tuple(arg)
        elif not self._values(domain, [arg], path):
            return self.never()
        return Condition(partial(_holds, answer, func, arg), frozenset({answer}))

    def _values(self, domain: Domain, values: Any, path: PathKey) -> bool:
        if not isinstance(values, list):
            self.structurer.report(path, "expected a list of values")
            return False
        ok = True
        for value in values:
            if isinstance(domain.kind, tuple):
                if not isinstance(value, str) or value not in domain.kind:
                    shown = f"'{value}'" if isinstance(value, str) else repr(value)
                    hint = (
                        self.structurer.hint(value, domain.kind) if isinstance(value, str) else ""
                    )
                    self.structurer.report(
                        path, f"{shown} is not one of {', '.join(domain.kind)}{hint}"
                    )
                    ok = False
            elif domain.kind == FLAG and not isinstance(value, bool):
                self.structurer.report(path, "expected true or false")
                ok = False
            elif domain.kind == NUMBER and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                self.structurer.report(path, "expected a number")
                ok = False
        return ok


def _all(parts: list[Condition]) -> Condition:
    if len(parts) == 1:
        return parts[0]
    checks = tuple(p.check for p in parts)
    return Condition(partial(_every, checks), frozenset().union(*(p.paths for p in parts)))


def _any(parts: list[Condition]) -> Condition:
    checks = tuple(p.check for p in parts)
    return Condition(partial(_some, checks), frozenset().union(*(p.paths for p in parts)))
