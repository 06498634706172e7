"""Pieces every database design shares: warnings, the hot-key estimate and ordering helpers."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.scaffold.spec import (
    ComponentSpec,
    EntitySpec,
    FieldSpec,
    PatternSpec,
    asks_for_increments,
)
from advisor.workload import Capability, PatternKind


class How(enum.StrEnum):
    """How a design serves one access pattern (the templates branch on these)."""

    # MongoDB
    ID = "id"
    INDEX = "index"
    EMBEDDED = "embedded"
    TEXT = "text"
    # MongoDB (2dsphere) and Redis (geo set)
    GEO = "geo"
    # DynamoDB
    GET = "get"
    COLLECTION = "collection"
    GSI = "gsi"
    # Redis
    KEY = "key"
    ZSET = "zset"
    SET = "set"
    BOARD = "board"
    # Every database
    SCAN = "scan"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True, order=True)
class DesignWarning:
    """An access pattern the design serves badly or not at all, with what to do."""

    component: str
    pattern: str
    text: str

    def __str__(self) -> str:
        """``component: pattern: text`` (the pattern is left out when empty)."""
        where = f"{self.component}: {self.pattern}" if self.pattern else self.component
        return f"{where}: {self.text}"


def warn(spec: ComponentSpec, pattern: PatternSpec | None, text: str) -> DesignWarning:
    """A warning about ``pattern`` (or the whole component) of ``spec``."""
    return DesignWarning(spec.name, pattern.name if pattern else "", text)


# Needs the project writes code for only through an access pattern of this kind; the
# needs with no kind at all (None) never get generated code.
PATTERN_FOR_NEED: Mapping[Capability, PatternKind | None] = {
    "full_text_search": PatternKind.SEARCH,
    "geospatial": PatternKind.NEAR,
    "graph_traversal": PatternKind.TRAVERSE,
    "aggregations": PatternKind.AGGREGATE,
    "joins": None,
    "offline_sync": None,
    "vector_search": None,
}


def unserved_needs_warning(spec: ComponentSpec) -> list[DesignWarning]:
    """The warning naming the asked capabilities that no generated function exercises.

    Code is generated per access pattern, so a need with no pattern of its kind (or one
    no pattern kind expresses, such as vector search) would otherwise be dropped silently.
    """
    kinds = {p.kind for p in spec.patterns}
    # None is never among the pattern kinds, so a need no kind expresses is always unserved.
    unserved = [n for n in spec.answers.needs if n in PATTERN_FOR_NEED]
    unserved = [n for n in unserved if PATTERN_FOR_NEED[n] not in kinds]
    if not unserved:
        return []
    text = (
        f"needs {', '.join(unserved)}, which no generated function exercises: code is "
        "generated per access pattern, and only a search, near, traverse or aggregate "
        "pattern carries full-text search, geospatial queries, graph traversal or "
        "aggregations. Write the others with the database's own features, which "
        "`dbadvisor recommend` names in its capability notes."
    )
    return [warn(spec, None, text)]


def ttl_warning(spec: ComponentSpec, remedy: str) -> list[DesignWarning]:
    """The warning when ttl is asked but no field says when an item expires, if so."""
    if not spec.ttl or spec.expiring:
        return []
    text = "ttl is needed but no entity has a datetime field named like expires_at; "
    return [warn(spec, None, text + remedy)]


def traversal(spec: ComponentSpec, pattern: PatternSpec, detail: str = "") -> DesignWarning:
    """The warning for a multi-hop ``traverse`` pattern, which no design here serves."""
    return warn(
        spec,
        pattern,
        f"multi-hop traversal: no key or index serves it{detail}; the function raises "
        "NotImplementedError, and a graph database fits this pattern",
    )


def no_geo(spec: ComponentSpec, pattern: PatternSpec) -> DesignWarning:
    """The warning for a ``near`` pattern whose entity has no geo field."""
    return warn(spec, pattern, f"near: {pattern.entity.name} has no geo field; add one")


def rate(value: float) -> str:
    """A request rate for a sentence: ``15000`` -> ``15,000``."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def no_rank(spec: ComponentSpec, pattern: PatternSpec, store: str, counting: str) -> DesignWarning:
    """The warning for a rank pattern on a store without a rank operation.

    ``counting`` says how the function counts the entries ahead and what that costs
    (use :func:`at_rate` for the pattern's call rate); the alternatives are the same for
    every such store.
    """
    return warn(
        spec,
        pattern,
        f"rank: {store} has no rank operation, so the function counts the {counting}. "
        "For live ranks on large boards keep the board in a Redis sorted set (ZCOUNT of "
        "the better scores, O(log N)) or maintain a counter per score bucket and sum the "
        "buckets above",
    )


def at_rate(pattern: PatternSpec) -> str:
    """``, at 5,000 calls/s`` for a pattern with a stated call rate, else nothing."""
    return f", at {rate(pattern.per_sec)} calls/s" if pattern.per_sec else ""


def unique_notes(
    spec: ComponentSpec,
    mechanism: str,
    appended: str | None = None,
    keyed: Mapping[str, Iterable[FieldSpec]] | None = None,
) -> list[str]:
    """README lines for the unique field groups of ``spec``, kept by ``mechanism``.

    ``appended`` is the mechanism for append-only entities where it says less (no bulk
    save or delete exists to describe). ``keyed`` gives, by entity name, a group that the
    item's own key keeps unique (a natural key): its line is the design's to write. The
    rule that finds the groups is :meth:`ComponentSpec.unique_of`.
    """
    out = []
    for entity in spec.entities:
        how = appended if entity.append_only and appended is not None else mechanism
        by_key = set((keyed or {}).get(entity.name, ()))
        for group in spec.unique_of(entity):
            if set(group) == by_key:
                continue
            names = " + ".join(f.name for f in group)
            out.append(
                f"{entity.name}: {names} is unique ({how}). The workload has no unique "
                "marker, so a get or query pattern with limit 1 and equality fields other "
                "than the key, with no order_by or as a rank within a top pattern (one "
                "entry per board and player), is taken as a uniqueness constraint; a "
                "create that reuses the value raises AlreadyExistsError."
            )
    return out


def counted(spec: ComponentSpec, entity: EntitySpec) -> tuple[FieldSpec, ...]:
    """The number fields of ``entity`` that get an atomic server-side increment.

    Every non-key number field when :func:`asks_for_increments`; else none, and none
    for an append-only entity, whose items are never changed.
    """
    if entity.append_only:
        return ()
    asked = asks_for_increments(spec.answers.needs, spec.multi_record, spec.answers.use_case)
    # An optional number has no value to add to while it is absent.
    return tuple(f for f in entity.numbers if not f.optional) if asked else ()
