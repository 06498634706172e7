"""DynamoDB design: one table, item collections, overloaded GSIs, TTL and consistency.

Follows DynamoDB's single-table design. The partition key rule, in one place: an item's
PK is its own key, unless some access pattern reads the entity's items by their parent's
key; then the PK is the parent's key, so a parent and its children form one item
collection read with one Query. Never when a strongly consistent ``get`` by the entity's
own key exists: a GSI cannot serve that consistently, so the PK stays the item's own key
and the parent-key pattern goes to a GSI (with a warning). The sort key is the entity's
own key (prefixed by the order field when the collection is read in that order), and
every other access pattern gets a slot in a small set of overloaded global secondary
indexes (``GSI1PK``/``GSI1SK``...) shared by all entities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from advisor.amounts import duration_text
from advisor.scaffold.common import (
    DesignWarning,
    How,
    at_rate,
    counted,
    no_geo,
    no_rank,
    rate,
    traversal,
    ttl_warning,
    unique_notes,
    unserved_needs_warning,
    warn,
)
from advisor.scaffold.names import RESERVED_NAMES, Namespace
from advisor.scaffold.spec import (
    NUMERIC,
    STRING_SORTABLE,
    ComponentSpec,
    EntitySpec,
    FieldSpec,
    Param,
    PatternSpec,
)
from advisor.workload import FieldType, PatternKind

MAX_GSIS = 20
# A GSI's INCLUDE projections may name at most 100 attributes across the table.
MAX_PROJECTED = 100
# Field types that make a natural key (joined into PK and SK as text).
KEY_TYPES = frozenset(
    {FieldType.STRING, FieldType.INT, FieldType.DECIMAL, FieldType.DATETIME, FieldType.BOOL}
)
# Per partition, DynamoDB serves up to 3,000 read units and 1,000 write units a second.
PARTITION_READ_UNITS = 3000.0
PARTITION_WRITE_UNITS = 1000.0
# Field names that usually hold a handful of values: as a GSI partition key, every write
# of the entity lands on one of a few partitions. The workload has no cardinality answer.
FEW_VALUES = frozenset(
    {"status", "state", "currency", "type", "kind", "direction", "country", "region", "level"}
)


@dataclass(frozen=True, slots=True)
class Gsi:
    """One overloaded global secondary index: ``GSI<n>PK`` (string) and ``GSI<n>SK``."""

    number: int
    sk_type: str
    # Non-key attributes the patterns read (INCLUDE), or None for KEYS_ONLY.
    projected: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        """Index name."""
        return f"GSI{self.number}"


@dataclass(frozen=True, slots=True)
class GsiUse:
    """An entity's use of a GSI: partition key from ``fields``, sort key from ``order``."""

    gsi: Gsi
    entity: EntitySpec
    fields: tuple[FieldSpec, ...]
    order: FieldSpec | None

    @property
    def optional(self) -> tuple[FieldSpec, ...]:
        """Optional fields of the GSI's key: an item that lacks one is not in the GSI."""
        return tuple(f for f in (*self.fields, self.order) if f is not None and f.optional)


@dataclass(frozen=True, slots=True)
class DynamoEntity:
    """Where an entity's items live in the table."""

    entity: EntitySpec
    owner: EntitySpec
    sk_order: FieldSpec | None
    uses: tuple[GsiUse, ...]
    colocated: bool
    # A natural composite key (channel + user) that replaces the entity's key as address.
    natural: tuple[FieldSpec, ...] = ()
    # Unique field groups kept by guard items (those the natural key does not keep).
    guarded: tuple[tuple[FieldSpec, ...], ...] = ()
    # Number fields with a server-side increment: (field, GSI sort keys holding it).
    counters: tuple[tuple[FieldSpec, tuple[str, ...]], ...] = ()
    increment: str = ""

    @property
    def address(self) -> tuple[FieldSpec, ...]:
        """The fields that make an item's primary key (parent, sort field, key)."""
        return self.natural or _address(self.entity, self.sk_order, colocated=self.colocated)

    @property
    def touchable(self) -> bool:
        """Whether ``touch_`` sets the expiry in one UpdateItem: no key holds its field.

        Nor for an entity with guard items: each expires with its owner, so a new expiry
        moves theirs too, which update_*() does in one transaction.
        """
        expiry = self.entity.expiry
        if not self.entity.touch or expiry is None or self.guarded:
            return False
        keys = {f.ident for f in self.address}
        keys |= {f.ident for use in self.uses for f in (*use.fields, use.order) if f is not None}
        if self.sk_order is not None:
            keys.add(self.sk_order.ident)
        return expiry.ident not in keys

    @property
    def frozen(self) -> tuple[FieldSpec, ...]:
        """Fields in the primary key besides the item's own key: update_*() keeps them.

        A parent's key or an order field in PK or SK is part of the item's address, which
        a Put cannot move; changing one takes a delete and a new create.
        """
        if self.entity.append_only:
            return ()
        return tuple(f for f in self.address if f != self.entity.key and f not in self.natural)

    @property
    def pk_field(self) -> FieldSpec:
        """The field whose value (after the owner's prefix) is the partition key."""
        return self.address[0]

    @property
    def sk_fields(self) -> tuple[FieldSpec, ...]:
        """The fields whose values (after the entity's prefix) make the sort key."""
        if self.natural:
            return self.natural[1:]
        return (*((self.sk_order,) if self.sk_order else ()), self.entity.key)


@dataclass(frozen=True, slots=True)
class DynamoRead:
    """How one access pattern is served."""

    pattern: PatternSpec
    how: How
    use: GsiUse | None
    consistent: bool
    served_by: str
    filtered: tuple[Param, ...] = ()
    # Served by GetItem on a unique value's guard item, then GetItem on the item.
    guard: tuple[FieldSpec, ...] = ()
    # Returns a Page with LastEvaluatedKey as an opaque cursor.
    paged: bool = False
    # A rank: the count of entries ahead, by a Select=COUNT Query of this GSI use.
    count_on: GsiUse | None = None


@dataclass(frozen=True, slots=True)
class DynamoDesign:
    """The DynamoDB design of one component."""

    spec: ComponentSpec
    table: str
    gsis: tuple[Gsi, ...]
    entities: tuple[DynamoEntity, ...]
    reads: tuple[DynamoRead, ...]
    consistent_read: bool
    decisions: tuple[str, ...]
    warnings: tuple[DesignWarning, ...]

    def of(self, entity: EntitySpec) -> DynamoEntity:
        """The table placement of ``entity``."""
        return next(d for d in self.entities if d.entity.name == entity.name)

    def touches(self, entity: EntitySpec) -> bool:
        """Whether ``touch_`` is generated for ``entity`` (see DynamoEntity.touchable)."""
        return self.of(entity).touchable

    def frozen(self, entity: EntitySpec) -> tuple[FieldSpec, ...]:
        """The fields update_*() of ``entity`` cannot change (see DynamoEntity.frozen)."""
        return self.of(entity).frozen

    @property
    def addable(self) -> dict[str, tuple[FieldSpec, ...]]:
        """The number fields save_together adds to, by entity name (none without it)."""
        if not self.spec.multi_record:
            return {}
        return {p.entity.name: tuple(f for f, _ in p.counters) for p in self.entities if p.counters}

    @property
    def ttl(self) -> bool:
        """Whether any item carries the TTL attribute."""
        return self.spec.expiring


def design(spec: ComponentSpec, table: str) -> DynamoDesign:
    """Work out the single-table design of ``spec`` in table ``table``."""
    warnings: list[DesignWarning] = []
    notes: list[str] = []
    strong = spec.consistency == "strong"
    naturals = {e.name: _natural(spec, e, notes) for e in spec.entities}
    colocated = {
        e.name: (naturals[e.name][0] == e.parent_ref)
        if naturals[e.name]
        else _colocated(spec, e, strong, warnings, notes)
        for e in spec.entities
    }
    sk_orders = {
        e.name: _sk_order(spec, e) if colocated[e.name] and not naturals[e.name] else None
        for e in spec.entities
    }
    guarded = {
        e.name: tuple(g for g in spec.unique_of(e) if set(g) != set(naturals[e.name]))
        + _key_guard(e, colocated[e.name] and not naturals[e.name])
        for e in spec.entities
    }
    slots: dict[int, Gsi] = {}
    uses: dict[str, list[GsiUse]] = {e.name: [] for e in spec.entities}
    reads = []
    hot_seen: set[str] = set()
    for pattern in spec.patterns:
        name = pattern.entity.name
        address = naturals[name] or _address(
            pattern.entity, sk_orders[name], colocated=colocated[name]
        )
        read = _serve(
            spec,
            pattern,
            address,
            colocated[name],
            sk_orders[name],
            guarded[name],
            strong,
            warnings,
        )
        if read.how is How.GSI:
            use = _allocate(read, slots, uses[pattern.entity.name])
            if use is None:
                warnings.append(
                    warn(spec, pattern, f"more than {MAX_GSIS} GSIs needed: served by a Scan")
                )
                read = DynamoRead(pattern, How.SCAN, None, False, "a Scan of the table")
            else:
                read = replace(read, use=use, served_by=_describe(use))
                if strong:
                    warnings.append(
                        warn(
                            spec,
                            pattern,
                            f"strong reads wanted, but {use.gsi.name} is a global secondary "
                            "index and GSIs are eventually consistent only; read the table "
                            "(or an LSI) with ConsistentRead=True when it must be current",
                        )
                    )
        reads.append(read)
        _hot(spec, read, warnings, hot_seen)
    reads = [_ranked(spec, r, reads, warnings) for r in reads]
    names = Namespace(RESERVED_NAMES | taken_names(spec))
    entities = tuple(
        DynamoEntity(
            entity=e,
            owner=spec.entity(e.parent) if e.parent and colocated[e.name] else e,
            sk_order=sk_orders[e.name],
            uses=tuple(uses[e.name]),
            colocated=colocated[e.name],
            natural=naturals[e.name],
            guarded=guarded[e.name],
        )
        for e in spec.entities
    )
    entities = tuple(_with_counters(spec, placed, names, notes) for placed in entities)
    warnings += (
        _unlinked(spec, entities) + _frozen(entities, spec) + _moving_pages(spec, reads, entities)
    )
    warnings += ttl_warning(spec, "add one to fill the TTL attribute")
    warnings += unserved_needs_warning(spec)
    gsis = _project(slots, reads)
    # Uses and reads point at the final GSIs (with their projections).
    final = {g.number: g for g in gsis}

    def fix(use: GsiUse | None) -> GsiUse | None:
        return replace(use, gsi=final[use.gsi.number]) if use is not None else None

    reads = [replace(r, use=fix(r.use), count_on=fix(r.count_on)) for r in reads]
    entities = tuple(
        replace(e, uses=tuple(u for u in map(fix, e.uses) if u is not None)) for e in entities
    )
    return DynamoDesign(
        spec=spec,
        table=table,
        gsis=gsis,
        entities=entities,
        reads=tuple(reads),
        consistent_read=strong,
        decisions=tuple(_decisions(spec, entities, strong, gsis) + notes),
        # One warning per finding, even when several patterns share its index.
        warnings=tuple(dict.fromkeys(warnings)),
    )


def taken_names(spec: ComponentSpec) -> set[str]:
    """The module-level names the spec has handed out for ``spec`` already."""
    taken = {p.func for p in spec.patterns}
    for e in spec.entities:
        taken |= {e.cls, e.create, e.save_many, e.fetch, e.update, e.delete}
    return taken


def _natural(spec: ComponentSpec, entity: EntitySpec, notes: list[str]) -> tuple[FieldSpec, ...]:
    """A natural composite key (membership = channel + user) for ``entity``, if it has one.

    The rule: a unique group of two or more scalar fields (see ``unique_of``) whose get
    is the entity's hottest point read becomes the item's primary key, so that get is
    one GetItem and the key itself keeps the values unique (no guard item). Only point
    reads (a get, or a pattern with limit 1) compete for the table's key: a ranked or
    listed read (top_100 by board and score) is a GSI Query whatever the key is. The
    parent's key, when in the group, goes first: the items then form the parent's
    collection.
    """
    groups = [
        g for g in spec.unique_of(entity) if len(g) >= 2 and all(f.type in KEY_TYPES for f in g)
    ]
    if not groups:
        return ()
    points = [p for p in spec.patterns_of(entity) if p.kind is PatternKind.GET or p.limit == 1]
    rate_of = {p.fields: p.per_sec or 0.0 for p in points}
    best = max(groups, key=lambda g: rate_of.get(frozenset(f.ident for f in g), 0.0))
    hottest = max((p.per_sec or 0.0 for p in points), default=0.0)
    if rate_of.get(frozenset(f.ident for f in best), 0.0) < hottest:
        return ()
    ordered = sorted(best, key=lambda f: f != entity.parent_ref)
    names = " + ".join(f.name for f in ordered)
    notes.append(
        f"{entity.name}: {names} is its natural key and its hottest point read, so it is the "
        f"item's primary key (PK {ordered[0].name}, SK the rest): that read is one "
        f"GetItem, and the key keeps the pair unique; {entity.key.name} is stored but "
        "not unique-checked."
    )
    return tuple(ordered)


def _colocated(
    spec: ComponentSpec,
    entity: EntitySpec,
    strong: bool,
    warnings: list[DesignWarning],
    notes: list[str],
) -> bool:
    """Whether ``entity`` lives under its parent's PK (the rule in the module docstring)."""
    ref = entity.parent_ref
    if ref is None:
        return False
    by_parent = [p for p in spec.patterns_of(entity) if p.fields == {ref.ident}]
    if not by_parent:
        return False
    # Request rates decide: a get by the item's own key that is asked more often than the
    # parent's collection keeps the table's primary key (GetItem, not a GSI Query).
    own_gets = [
        p
        for p in spec.patterns_of(entity)
        if p.kind is PatternKind.GET and p.fields == {entity.key.ident}
    ]
    collection_rate = sum(p.per_sec or 0.0 for p in by_parent)
    hot_get = max(own_gets, key=lambda p: p.per_sec or 0.0, default=None)
    if hot_get is not None and (hot_get.per_sec or 0.0) > collection_rate:
        notes.append(
            f"{entity.name}: PK is its own key because {hot_get.name} "
            f"({rate(hot_get.per_sec or 0.0)}/s) is asked more often than reading its "
            f"{entity.parent}'s collection ({rate(collection_rate)}/s): the hotter read is "
            "one GetItem on the table, the other a GSI Query."
        )
        return False
    strong_get = next(
        (
            p
            for p in spec.patterns_of(entity)
            if strong and p.kind is PatternKind.GET and entity.key.ident in p.fields
        ),
        None,
    )
    if strong_get is None:
        return True
    warnings.append(
        warn(
            spec,
            by_parent[0],
            f"{entity.name} keeps its own key as PK so that {strong_get.name} can be a "
            f"strongly consistent GetItem; this read by {ref.name} goes through a GSI and "
            "is eventually consistent",
        )
    )
    return False


def _sk_order(spec: ComponentSpec, entity: EntitySpec) -> FieldSpec | None:
    """Put the order field in a child's sort key when its collection is read in that order."""
    if entity.parent_ref is None:
        return None
    orders = {
        p.order.ident: p.order
        for p in spec.patterns_of(entity)
        if p.fields == {entity.parent_ref.ident}
        and p.kind in (PatternKind.GET, PatternKind.QUERY, PatternKind.TOP)
        and p.order is not None
        and p.order.ident != entity.key.ident
    }
    if len(orders) == 1:
        (order,) = orders.values()
        if order.type in STRING_SORTABLE:
            return order
    return None


def _serve(
    spec: ComponentSpec,
    pattern: PatternSpec,
    address_fields: tuple[FieldSpec, ...],
    colocated: bool,
    sk_order: FieldSpec | None,
    guarded: tuple[tuple[FieldSpec, ...], ...],
    strong: bool,
    warnings: list[DesignWarning],
) -> DynamoRead:
    entity = pattern.entity
    paged = pattern.kind in (PatternKind.QUERY, PatternKind.TOP) and pattern.rank_of is None
    if pattern.kind is PatternKind.TRAVERSE:
        warnings.append(traversal(spec, pattern))
        return DynamoRead(pattern, How.UNSUPPORTED, None, False, "not served (graph traversal)")
    if pattern.kind is PatternKind.SEARCH:
        warnings.append(
            warn(
                spec,
                pattern,
                "full-text search: DynamoDB has no text index, so the function Scans the "
                "whole table with a contains() filter; stream the items to OpenSearch",
            )
        )
        return DynamoRead(pattern, How.SCAN, None, False, "a Scan with a contains() filter")
    if pattern.kind is PatternKind.NEAR:
        if pattern.target is None:
            warnings.append(no_geo(spec, pattern))
            return DynamoRead(pattern, How.UNSUPPORTED, None, False, "not served (no geo field)")
        warnings.append(
            warn(
                spec,
                pattern,
                "near: DynamoDB has no geospatial index, so the function Scans every item "
                "and sorts by distance in the client; index a geohash prefix in a GSI",
            )
        )
        return DynamoRead(pattern, How.SCAN, None, False, "a Scan sorted by distance")
    if pattern.kind is PatternKind.AGGREGATE:
        warnings.append(
            warn(
                spec,
                pattern,
                "aggregate: DynamoDB has no server-side aggregation, so the function reads "
                "every matching item (page by page) and sums in the client; keep a running "
                "total updated with ADD in the same transaction instead",
            )
        )
    address = [f.ident for f in address_fields]
    fields = pattern.fields
    if set(address) <= fields:
        rest = tuple(p for p in pattern.by if p.field.ident not in address)
        return DynamoRead(pattern, How.GET, None, strong, "GetItem on the table", rest)
    group = tuple(p.field for p in pattern.by)
    if group in guarded and pattern.kind in (PatternKind.GET, PatternKind.QUERY):
        names = " + ".join(f.name for f in group)
        return DynamoRead(
            pattern,
            How.GET,
            None,
            True,
            f"GetItem on the guard item of {names} (strongly consistent), then GetItem",
            guard=group,
        )
    parent_ref = entity.parent_ref
    if colocated and parent_ref is not None and fields == {parent_ref.ident}:
        order = pattern.order
        if order is None or order.ident == entity.key.ident or order == sk_order:
            return DynamoRead(
                pattern,
                How.COLLECTION,
                None,
                strong,
                f"Query of the {parent_ref.name} item collection on the table",
                paged=paged,
            )
    if not fields and (pattern.order is None or pattern.kind is PatternKind.AGGREGATE):
        warnings.append(
            warn(
                spec,
                pattern,
                "no key or index serves it: a Scan reads the whole table",
            )
        )
        return DynamoRead(pattern, How.SCAN, None, False, "a Scan of the table")
    return DynamoRead(pattern, How.GSI, None, False, "", paged=paged)


def _ranked(
    spec: ComponentSpec,
    read: DynamoRead,
    reads: list[DynamoRead],
    warnings: list[DesignWarning],
) -> DynamoRead:
    """A rank read counts the entries ahead on its top pattern's GSI, with a warning.

    DynamoDB has no rank: the count is a Select=COUNT Query of the key range above the
    entry's score, which transfers no items but still reads (and bills) every entry
    ahead. The warning gives the cost and the alternatives.
    """
    pattern = read.pattern
    top = pattern.rank_of
    # The entry itself is found by a GSI Query or, when the rank's fields are unique
    # (one entry per board and player), by GetItem: on the item when they are its key,
    # else on their guard item.
    if top is None or read.how not in (How.GSI, How.GET) or read.filtered or pattern.order is None:
        return read
    top_read = next(r for r in reads if r.pattern.name == top.name)
    use = top_read.use
    if use is None or use.order != pattern.order or use.gsi.sk_type != "N":
        return read
    scale = spec.answers.scale
    item_kb = scale.item_size_kb if scale and scale.item_size_kb else 1.0
    per_1000 = math.ceil(1000 * item_kb / 4.0) / 2
    warnings.append(
        no_rank(
            spec,
            pattern,
            "DynamoDB",
            f"entries ahead with a Select=COUNT Query of {use.gsi.name}; that transfers no "
            f"items but reads every entry ahead (about {per_1000:g} read units per 1,000 "
            f"entries{at_rate(pattern)})",
        )
    )
    return replace(read, count_on=use)


def _with_counters(
    spec: ComponentSpec, placed: DynamoEntity, names: Namespace, notes: list[str]
) -> DynamoEntity:
    """Give ``placed`` its server-side increments: number fields in no key but a numeric SK.

    A number inside a string key (PK, SK or a GSI partition key) cannot be added to on
    the server; a GSI sort key that holds the number is added to in the same update.
    """
    keyed = {f.ident for f in placed.address}
    keyed |= {f.ident for use in placed.uses for f in use.fields}
    keyed |= {f.ident for group in placed.guarded for f in group}
    if placed.sk_order is not None:
        keyed.add(placed.sk_order.ident)
    counters = tuple(
        (
            f,
            tuple(f"{u.gsi.name}SK" for u in placed.uses if u.order == f and u.gsi.sk_type == "N"),
        )
        for f in counted(spec, placed.entity)
        if f.ident not in keyed
    )
    if not counters:
        return placed
    function = names.take(f"increment_{placed.entity.snake}")
    listed = ", ".join(f.name for f, _ in counters)
    sort_keys = ", and the GSI sort key that holds x" if any(keys for _, keys in counters) else ""
    notes.append(
        f"{placed.entity.name}: {function}() adds to {listed} on the server "
        f"(SET x = x + :d{sort_keys}) on condition that the item exists and, given a "
        "minimum, that x >= minimum - d, as a one-action TransactWriteItems: its "
        "ClientRequestToken makes the SDK's resend after a lost reply apply once (two write "
        "units, and the item is read back after it); save_together() takes the same "
        "increments inside its TransactWriteItems, beside the creates and updates they go with."
    )
    return replace(placed, counters=counters, increment=function)


def _unlinked(spec: ComponentSpec, entities: tuple[DynamoEntity, ...]) -> list[DesignWarning]:
    """Children are not linked to their parent: say so, with what to do instead."""
    out = []
    for placed in entities:
        entity = placed.entity
        if entity.parent is None or entity.parent_ref is None:
            continue
        parent = spec.entity(entity.parent)
        check = (
            f"pass the {parent.name} in save_together(unchanged=...) with the create, a "
            "ConditionCheck on its version, to make sure it exists"
            if spec.multi_record
            else f"read the {parent.name} first"
        )
        leaves = (
            ""
            if parent.append_only
            else f", and {parent.delete}() deletes the {parent.name} even while it has "
            f"{entity.name} items, which a new {parent.name} with the same key then takes "
            f"for its own; delete or move its {entity.name} items first"
        )
        out.append(
            warn(
                spec,
                None,
                f"{entity.name} is not linked to its {parent.name}: {entity.create}() does "
                f"not check that the {parent.name} ({entity.parent_ref.name}) exists "
                f"(NotFoundError is never raised){leaves}; {check}",
            )
        )
    return out


def _frozen(entities: tuple[DynamoEntity, ...], spec: ComponentSpec) -> list[DesignWarning]:
    """Fields in an item's primary key that its update cannot change: say so."""
    out = []
    for placed in entities:
        if not placed.frozen:
            continue
        entity = placed.entity
        names = " and ".join(f.name for f in placed.frozen)
        out.append(
            warn(
                spec,
                None,
                f"{entity.update}() cannot change {names}: in {entity.name}'s primary key "
                "(ValueError); to change one, delete the item and create it again (two "
                "writes, not atomic), or keep the field out of the key by reading that "
                "collection through a GSI",
            )
        )
    return out


def _moving_pages(
    spec: ComponentSpec, reads: list[DynamoRead], entities: tuple[DynamoEntity, ...]
) -> list[DesignWarning]:
    """Paged reads ordered by a number that increments change: pages repeat and skip."""
    counters = {p.entity.name: {f.ident for f, _ in p.counters} for p in entities}
    out = []
    for read in reads:
        pattern, order = read.pattern, read.pattern.order
        if not read.paged or order is None or order.ident not in counters[pattern.entity.name]:
            continue
        out.append(
            warn(
                spec,
                pattern,
                f"its pages follow {order.name}, which increments change: an item whose "
                f"{order.name} moves past the cursor between two pages is returned twice "
                "or not at all; read the whole range in one call (limit=None) when every "
                "item must appear once, or page by a value that does not change",
            )
        )
    return out


def _project(slots: dict[int, Gsi], reads: list[DynamoRead]) -> tuple[Gsi, ...]:
    """Each GSI with the attributes its patterns read (INCLUDE), or KEYS_ONLY.

    A list read decodes whole items, so it needs their fields, type and TTL; a rank's
    own lookup needs only the score. Past the 100 projected attributes a table allows,
    every GSI projects ALL.
    """
    wanted: dict[int, set[str]] = {n: set() for n in slots}
    for read in reads:
        if read.use is None:
            continue
        entity = read.pattern.entity
        if read.count_on is not None and read.pattern.order is not None:
            wanted[read.use.gsi.number].add(read.pattern.order.ident)
            if entity.expiry is not None:
                wanted[read.use.gsi.number].add("_ttl")  # the count skips expired entries
            continue
        attrs = {f.ident for f in entity.fields} | {"_type"}
        if entity.expiry is not None:
            attrs.add("_ttl")
        wanted[read.use.gsi.number] |= attrs
    if sum(len(a) for a in wanted.values()) > MAX_PROJECTED:
        return tuple(replace(slots[n], projected=("*",)) for n in sorted(slots))
    return tuple(
        replace(slots[n], projected=tuple(sorted(wanted[n])) or None) for n in sorted(slots)
    )


def _key_guard(entity: EntitySpec, colocated: bool) -> tuple[tuple[FieldSpec, ...], ...]:
    """The entity's key as a unique group, when nothing else keeps it unique.

    A child stored in its parent's item collection has the parent's key and its sort
    field in its primary key, so a conditional create checks only that exact address:
    the same key under another parent or time would be a second item. An append-only
    item can never be corrected by an overwrite or delete, and a duplicate counts twice
    in every sum over its collection (a ledger's entries), so its key gets a guard item;
    it has no bulk save, so the guard costs only its create's transaction. Other children
    keep the cheaper address check (see the README decision).
    """
    return ((entity.key,),) if colocated and entity.append_only else ()


def _child_key_note(placed: DynamoEntity) -> str:
    """How a child in its parent's item collection keeps its own key unique (see _key_guard)."""
    entity = placed.entity
    fields = [f.name for f in placed.address if f != entity.key]
    others, either = " and ".join(fields), " or ".join(fields)
    if (entity.key,) in placed.guarded:
        return (
            f"A conditional create checks only that address, so {entity.key.name} is made "
            f"unique by a guard item too: the item is append-only and a second copy under "
            f"another {either} would count twice."
        )
    return (
        f"{entity.key.name} is unique together with {others} only: a conditional create "
        f"checks that address, so a create retried with another {either} stores a second "
        "item (resend the same item on a retry)."
    )


def _address(
    entity: EntitySpec, sk_order: FieldSpec | None, *, colocated: bool
) -> tuple[FieldSpec, ...]:
    out = [entity.parent_ref] if colocated and entity.parent_ref is not None else []
    if sk_order is not None:
        out.append(sk_order)
    return (*out, entity.key)


def _allocate(read: DynamoRead, slots: dict[int, Gsi], taken: list[GsiUse]) -> GsiUse | None:
    """Give the pattern a GSI slot: reuse the entity's identical one, or the lowest free."""
    pattern = read.pattern
    fields = tuple(p.field for p in pattern.by)
    order = pattern.order if pattern.order != pattern.entity.key else None
    for use in taken:
        if use.fields == fields and use.order == order:
            return use
    sk_type = "N" if order is not None and order.type in NUMERIC else "S"
    used = {u.gsi.number for u in taken}
    for number in range(1, MAX_GSIS + 1):
        if number in used:
            continue
        slot = slots.get(number)
        if slot is None:
            slot = slots[number] = Gsi(number, sk_type)
        if slot.sk_type != sk_type:
            continue
        use = GsiUse(slot, pattern.entity, fields, order)
        taken.append(use)
        return use
    return None


def _describe(use: GsiUse) -> str:
    pk = "+".join(f.ident for f in use.fields) or "a constant"
    sk = use.order.ident if use.order else use.entity.key.ident
    return f"Query of {use.gsi.name} (PK {pk}, SK {sk})"


def read_units(pattern: PatternSpec, spec: ComponentSpec, *, strong: bool) -> float:
    """DynamoDB read capacity units per second one pattern needs (4 KB per unit)."""
    scale = spec.answers.scale
    item_kb = scale.item_size_kb if scale and scale.item_size_kb else 1.0
    items = pattern.limit or 1
    units = math.ceil(max(items * item_kb, 0.001) / 4.0)
    return (pattern.per_sec or 0.0) * units * (1.0 if strong else 0.5)


def _hot(
    spec: ComponentSpec, read: DynamoRead, warnings: list[DesignWarning], seen: set[str]
) -> None:
    """Warn about one partition key taking more than a partition can serve.

    Write load is a property of the index, not of a pattern: it is reported once per
    GSI, by the first pattern that uses it.
    """
    pattern = read.pattern
    scale = spec.answers.scale
    writes = scale.writes_per_sec if scale and scale.writes_per_sec else 0.0
    where = ""
    if read.use is not None:
        where = f"{read.use.gsi.name} {read.use.entity.name} {[f.ident for f in read.use.fields]}"
    fresh = bool(where) and where not in seen
    seen.add(where)
    if fresh and read.use is not None and not read.use.fields and writes > PARTITION_WRITE_UNITS:
        warnings.append(
            warn(
                spec,
                pattern,
                f"hot partition: every {pattern.entity.name} lands in one "
                f"{read.use.gsi.name} partition (constant key) at up to "
                f"{rate(writes)} writes/s, above the "
                f"{rate(PARTITION_WRITE_UNITS)} write units a partition takes; add a "
                "shard suffix to the key and query each shard",
            )
        )
    key = read.use.fields if read.use is not None else ()
    few = [f for f in key if f.type is FieldType.BOOL or f.ident.lower() in FEW_VALUES]
    item_kb = scale.item_size_kb if scale and scale.item_size_kb else 1.0
    units = writes * math.ceil(item_kb)
    # A few-valued field inside a composite key (board + status) does not make it hot.
    if (
        fresh
        and read.use is not None
        and few == list(key)
        and few
        and units >= PARTITION_WRITE_UNITS / 2
    ):
        names = ", ".join(f.name for f in few)
        warnings.append(
            warn(
                spec,
                pattern,
                f"hot partition: {read.use.gsi.name} is keyed by {names}, which has few "
                f"distinct values, and up to {rate(writes)} writes/s of {item_kb:g} KB "
                f"(about {rate(units)} write units/s) each update that index; one value "
                f"can exceed the {rate(PARTITION_WRITE_UNITS)} write units a partition "
                "takes (and throttle the table), so add a shard suffix to the key",
            )
        )
    if pattern.per_sec is None or read.how not in (How.GSI, How.COLLECTION):
        return
    concentrated = pattern.kind is PatternKind.TOP or (read.use is not None and not read.use.fields)
    units = read_units(pattern, spec, strong=read.consistent)
    if concentrated and units > PARTITION_READ_UNITS:
        warnings.append(
            warn(
                spec,
                pattern,
                f"hot partition: {rate(pattern.per_sec)} requests/s read the same partition "
                f"key, about {rate(units)} read units/s, above the "
                f"{rate(PARTITION_READ_UNITS)} one partition serves; cache it (DAX or the "
                "application) or spread it over several keys",
            )
        )


def _decisions(
    spec: ComponentSpec, entities: tuple[DynamoEntity, ...], strong: bool, gsis: tuple[Gsi, ...]
) -> list[str]:
    out = [
        "PK rule: an item's partition key is its own key, unless an access pattern reads "
        "the entity by its parent's key (then the parent's key, so one Query returns a "
        "parent's children), and never when a strongly consistent get by its own key "
        "exists (that parent-key pattern then uses a GSI)."
    ]
    out.append(
        "Keys: an entity's prefix, '#', then its values (written <a>#<b> here). Inside a "
        "value '#' is doubled, so no value reads as a prefix or a unique value's label; "
        "the values of a composite key are joined by \\x01\\x01, below every character, so a "
        'collection ordered by a string sorts as the strings do ("C" before "C D" and '
        '"C#").'
    )
    for placed in entities:
        entity = placed.entity
        sk = f"{entity.prefix}#" + "#".join(f"<{f.ident}>" for f in placed.sk_fields)
        if placed.colocated and entity.parent_ref is not None:
            line = (
                f"{entity.name}: PK {placed.owner.prefix}#<{placed.pk_field.ident}>, SK "
                f"{sk}: stored in its {placed.owner.name}'s item collection, so one Query "
                "returns a parent's children."
            )
            if not placed.natural:
                line += " " + _child_key_note(placed)
            out.append(line)
        else:
            own = f"{entity.name}: PK {entity.prefix}#<{placed.pk_field.ident}>, SK {sk}"
            if entity.parent is not None:
                own += f" (its own key, not its {entity.parent}'s: see the PK rule)"
            out.append(own + ".")
    out.append(
        "Creates are conditional writes (attribute_not_exists(PK), or an expired TTL). "
        "Every write gives the item a new version token (_ver); update_*() reads strongly "
        "consistently and Puts on condition that _ver is still the one read, retrying "
        "after a jittered exponential backoff. Bulk loads use batch_writer and overwrite "
        "(entities with unique values excepted: see below); numbers are stored as "
        "Decimal. List reads return a Page: its cursor is the Query's LastEvaluatedKey, "
        "serialised as an opaque token that the next call passes back. The cursor is a "
        "position in the sort order, so an item whose sort value changes between two "
        "pages can be returned twice or skipped."
    )
    projected = [
        f"{g.name} projects "
        + (
            "every attribute (the INCLUDE lists would pass the table's 100)"
            if g.projected == ("*",)
            else f"only {', '.join(g.projected)} (INCLUDE)"
            if g.projected
            else "only its keys (KEYS_ONLY)"
        )
        for g in gsis
    ]
    if projected:
        out.append("GSI projections hold what the patterns read: " + "; ".join(projected) + ".")
    guard = (
        "a guard item <ENTITY>#<field>#<value> that records its owner's key is Put with "
        "attribute_not_exists(PK) in the same TransactWriteItems as the item"
    )
    lookup = "the lookup by the value is a GetItem on the guard"
    out += unique_notes(
        spec,
        f"{guard}; a bulk save writes each item with its guards in one conditional "
        f"transaction, a delete removes the item and the guards it owns in one, and {lookup}",
        # Append-only entities have no bulk save or delete to describe.
        f"{guard}, and {lookup}",
        keyed={placed.entity.name: placed.natural for placed in entities},
    )
    if strong:
        out.append("Consistency strong: reads of the table use ConsistentRead=True; GSIs cannot.")
    elif spec.consistency == "session":
        out.append(
            "Consistency session: DynamoDB has no session guarantee; eventually consistent "
            "reads may miss a client's own recent write, so pass ConsistentRead=True on "
            "reads that follow a write when that matters."
        )
    else:
        out.append("Reads are eventually consistent (half the read units of strong reads).")
    out.append(
        "Deletes: a delete_ function returns whether its DeleteItem removed a live item. "
        "If the reply is lost and the SDK sends the request again, the resend finds the "
        "item gone and the function returns False although the item was deleted by the "
        "first send; read the item back when the answer matters. (A one-action "
        "TransactWriteItems with a ClientRequestToken would answer the resend as the first, "
        "for twice the write units and a read on every delete.)"
    )
    if spec.expiring:
        out.append(
            "TTL: the _ttl attribute holds the expiry time in epoch seconds, rounded up "
            "(an item lives until its time, and up to a second longer); DynamoDB "
            "deletes expired items within a few days, so reads also skip expired items."
        )
        for entity in spec.entities:
            if entity.expiry is not None and entity.retention:
                out.append(
                    f"{entity.name}: _ttl is {entity.expiry.name} + "
                    f"{duration_text(entity.retention)} (the workload's retention)."
                )
    if spec.multi_record:
        out.append(
            "save_together() creates and updates up to 100 items atomically with "
            "TransactWriteItems (each action costs two write units): creates are Puts "
            "conditional on attribute_not_exists(PK), updates Puts conditional on the "
            "version (_ver) that was read, so a concurrent change is never overwritten; "
            "items passed as unchanged become ConditionCheck actions (items the writes "
            "depend on but do not change)."
        )
    if spec.events:
        out.append(
            "DynamoDB Streams (NEW_AND_OLD_IMAGES) carry every change to consumers "
            "(Lambda or the Kinesis adapter) for 24 hours."
        )
    return out
