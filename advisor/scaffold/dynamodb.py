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
from dataclasses import dataclass

from advisor.scaffold.common import (
    DesignWarning,
    How,
    no_geo,
    rate,
    traversal,
    ttl_warning,
    unique_notes,
    warn,
)
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


@dataclass(frozen=True, slots=True)
class DynamoEntity:
    """Where an entity's items live in the table."""

    entity: EntitySpec
    owner: EntitySpec
    sk_order: FieldSpec | None
    uses: tuple[GsiUse, ...]
    colocated: bool

    @property
    def address(self) -> tuple[FieldSpec, ...]:
        """The fields that make an item's primary key (parent, sort field, key)."""
        return _address(self.entity, self.sk_order, colocated=self.colocated)


@dataclass(frozen=True, slots=True)
class DynamoRead:
    """How one access pattern is served."""

    pattern: PatternSpec
    how: How
    use: GsiUse | None
    consistent: bool
    served_by: str
    filtered: tuple[Param, ...] = ()


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

    @property
    def ttl(self) -> bool:
        """Whether any item carries the TTL attribute."""
        return self.spec.expiring


def design(spec: ComponentSpec, table: str) -> DynamoDesign:
    """Work out the single-table design of ``spec`` in table ``table``."""
    warnings: list[DesignWarning] = []
    strong = spec.consistency == "strong"
    colocated = {e.name: _colocated(spec, e, strong, warnings) for e in spec.entities}
    sk_orders = {e.name: _sk_order(spec, e) if colocated[e.name] else None for e in spec.entities}
    slots: dict[int, Gsi] = {}
    uses: dict[str, list[GsiUse]] = {e.name: [] for e in spec.entities}
    reads = []
    for pattern in spec.patterns:
        name = pattern.entity.name
        read = _serve(spec, pattern, sk_orders[name], colocated[name], strong, warnings)
        if read.how is How.GSI:
            use = _allocate(read, slots, uses[pattern.entity.name])
            if use is None:
                warnings.append(
                    warn(spec, pattern, f"more than {MAX_GSIS} GSIs needed: served by a Scan")
                )
                read = DynamoRead(pattern, How.SCAN, None, False, "a Scan of the table")
            else:
                read = DynamoRead(pattern, How.GSI, use, False, _describe(use))
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
        _hot(spec, read, warnings)
    entities = tuple(
        DynamoEntity(
            entity=e,
            owner=spec.entity(e.parent) if e.parent and colocated[e.name] else e,
            sk_order=sk_orders[e.name],
            uses=tuple(uses[e.name]),
            colocated=colocated[e.name],
        )
        for e in spec.entities
    )
    warnings += ttl_warning(spec, "add one to fill the TTL attribute")
    return DynamoDesign(
        spec=spec,
        table=table,
        gsis=tuple(slots[n] for n in sorted(slots)),
        entities=entities,
        reads=tuple(reads),
        consistent_read=strong,
        decisions=tuple(_decisions(spec, entities, strong)),
        warnings=tuple(warnings),
    )


def _colocated(
    spec: ComponentSpec, entity: EntitySpec, strong: bool, warnings: list[DesignWarning]
) -> bool:
    """Whether ``entity`` lives under its parent's PK (the rule in the module docstring)."""
    ref = entity.parent_ref
    if ref is None:
        return False
    by_parent = [p for p in spec.patterns_of(entity) if p.fields == {ref.ident}]
    if not by_parent:
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
    sk_order: FieldSpec | None,
    colocated: bool,
    strong: bool,
    warnings: list[DesignWarning],
) -> DynamoRead:
    entity = pattern.entity
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
        if entity.geo is None:
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
    address = [f.ident for f in _address(entity, sk_order, colocated=colocated)]
    fields = pattern.fields
    if set(address) <= fields:
        rest = tuple(p for p in pattern.by if p.field.ident not in address)
        return DynamoRead(pattern, How.GET, None, strong, "GetItem on the table", rest)
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
    return DynamoRead(pattern, How.GSI, None, False, "")


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


def _hot(spec: ComponentSpec, read: DynamoRead, warnings: list[DesignWarning]) -> None:
    """Warn about one partition key taking more than a partition can serve."""
    pattern = read.pattern
    scale = spec.answers.scale
    writes = scale.writes_per_sec if scale and scale.writes_per_sec else 0.0
    if read.use is not None and not read.use.fields and writes > PARTITION_WRITE_UNITS:
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
    few = [
        f
        for f in (read.use.fields if read.use is not None else ())
        if f.type is FieldType.BOOL or f.ident.lower() in FEW_VALUES
    ]
    item_kb = scale.item_size_kb if scale and scale.item_size_kb else 1.0
    units = writes * math.ceil(item_kb)
    if read.use is not None and few and units >= PARTITION_WRITE_UNITS / 2:
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


def _decisions(spec: ComponentSpec, entities: tuple[DynamoEntity, ...], strong: bool) -> list[str]:
    out = [
        "PK rule: an item's partition key is its own key, unless an access pattern reads "
        "the entity by its parent's key (then the parent's key, so one Query returns a "
        "parent's children), and never when a strongly consistent get by its own key "
        "exists (that parent-key pattern then uses a GSI)."
    ]
    for placed in entities:
        entity = placed.entity
        sk = f"{entity.prefix}#" + (
            f"<{placed.sk_order.ident}>#" if placed.sk_order is not None else ""
        )
        sk += f"<{entity.key.ident}>"
        if placed.colocated and entity.parent_ref is not None:
            out.append(
                f"{entity.name}: PK {placed.owner.prefix}#<{entity.parent_ref.ident}>, SK "
                f"{sk}: stored in its {placed.owner.name}'s item collection, so one Query "
                "returns a parent's children."
            )
        else:
            own = f"{entity.name}: PK {entity.prefix}#<{entity.key.ident}>, SK {sk}"
            if entity.parent is not None:
                own += f" (its own key, not its {entity.parent}'s: see the PK rule)"
            out.append(own + ".")
    out.append(
        "Creates are conditional writes (attribute_not_exists(PK), or an expired TTL); "
        "update_*() reads strongly consistently and Puts on condition that the _rev "
        "digest is unchanged, retrying on conflict; bulk loads use batch_writer and "
        "overwrite; numbers are stored as Decimal; queries follow LastEvaluatedKey page "
        "by page."
    )
    out += unique_notes(
        spec,
        "a guard item <ENTITY>#<field>#<value> is Put with attribute_not_exists(PK) in "
        "the same TransactWriteItems as the create",
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
    if spec.expiring:
        out.append(
            "TTL: the _ttl attribute holds the expiry time in epoch seconds; DynamoDB "
            "deletes expired items within a few days, so reads also skip expired items."
        )
    if spec.multi_record:
        out.append(
            "save_together() creates and updates up to 100 items atomically with "
            "TransactWriteItems (each action costs two write units): creates are Puts "
            "conditional on attribute_not_exists(PK), updates Puts conditional on the "
            "revision (_rev) that was read, so a concurrent change is never overwritten; "
            "items passed as unchanged become ConditionCheck actions (a balance or a "
            "stock level the writes depend on)."
        )
    if spec.events:
        out.append(
            "DynamoDB Streams (NEW_AND_OLD_IMAGES) carry every change to consumers "
            "(Lambda or the Kinesis adapter) for 24 hours."
        )
    return out
