"""The database-neutral view of a component that every scaffold design starts from.

A validated :class:`~advisor.workload.Component` becomes a :class:`ComponentSpec`: each
entity, field and access pattern gets a unique, safe identifier (see :mod:`.names`), a
child entity gets a reference to its parent's key, and the answers the designs read
(consistency, durability, transactions, needs) are resolved once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from advisor.amounts import duration_parts, parse_duration
from advisor.scaffold.names import (
    RESERVED_NAMES,
    RESERVED_PARAMS,
    RESERVED_SUBMODULES,
    Namespace,
    field_ident,
    module_name,
    pascal,
    snake,
)
from advisor.workload import (
    Capability,
    Component,
    Consistency,
    Durability,
    FieldType,
    PatternKind,
    Workload,
    retention_source,
)

NUMERIC = frozenset({FieldType.INT, FieldType.FLOAT, FieldType.DECIMAL})
# Types whose values sort correctly as fixed-format strings (used in sort keys).
STRING_SORTABLE = frozenset({FieldType.STRING, FieldType.DATETIME})
EVENT_NEEDS: frozenset[Capability] = frozenset({"pub_sub", "streams", "change_streams"})
# Answers that mean a component's numbers change by increments (a score, a balance, a
# stock level), so every store's design generates server-side increments for them.
COUNTER_NEEDS: frozenset[Capability] = frozenset({"counters", "atomic_updates", "sorted_sets"})
COUNTER_USES = frozenset(
    {"leaderboard", "inventory", "financial_ledger", "rate_limiting", "shopping_cart"}
)
# Fields a server-side increment applies to (a decimal has no exact server-side add here).
COUNTABLE = frozenset({FieldType.INT, FieldType.FLOAT})


# A field name that says when an item expires is an expiry word, alone or followed by a
# time word: expires_at, expiryTime, ttl, expiration_date. Nothing else is guessed: not
# settled_at or throttled_at (which contain "ttl"), not card_expiry (a card's date, not
# the item's) or ttl_warning_sent_at, and not expired_at (a past event).
EXPIRY_WORDS = frozenset({"expire", "expires", "expiry", "expiration", "ttl"})
TIME_WORDS = frozenset({"at", "time", "on", "date", "timestamp"})


def names_expiry(ident: str) -> bool:
    """Whether the field name ``ident`` (snake_case or camelCase) says when an item expires."""
    words = [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", ident)]
    return len(words) in (1, 2) and words[0] in EXPIRY_WORDS and set(words[1:]) <= TIME_WORDS


def asks_for_increments(needs: Iterable[str], multi_record: bool, use_case: str | None) -> bool:
    """Whether a component's numbers change by increments, so each gets a server-side add.

    When it asks for counters, atomic updates or sorted sets, has multi-record
    transactions (a transfer moves a balance) or a use case whose numbers change by
    increments; else not, so the code grows only when asked.
    """
    return bool(COUNTER_NEEDS & set(needs)) or multi_record or use_case in COUNTER_USES


# timedelta's keyword for each unit of a workload duration (``90d`` -> ``days=90``).
TIMEDELTA_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an entity: the user's name and the identifier used in code and storage."""

    name: str
    ident: str
    type: FieldType
    added: bool = False
    # The workload lists it in the entity's ``optional``: the model types it ``T | None``.
    optional: bool = False


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One entity with its identifiers and the helper functions generated for it."""

    name: str
    cls: str
    snake: str
    prefix: str
    key: FieldSpec
    fields: tuple[FieldSpec, ...]
    parent: str | None
    parent_ref: FieldSpec | None
    expiry: FieldSpec | None
    create: str
    save_many: str
    fetch: str
    update: str
    delete: str
    params: Mapping[str, str]
    # Counter fields (identifier -> increment function name): numbers a workload asking
    # ``counters`` or ``atomic_updates`` changes by a delta, and the scores of a ranked
    # ``top`` pattern. Stores that generate no increment functions ignore it.
    increments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Seconds an item is kept after its ``expiry`` time (the workload's ``retention``);
    # 0 when the expiry field itself says when the item expires.
    retention: int = 0
    # Written once, never changed or deleted by the application: no update, delete,
    # increment or overwriting bulk save is generated, and save_together refuses updates.
    append_only: bool = False
    # The function that sets when an item expires in one call (``touch_<entity>``): named
    # for an entity whose expiry field itself says when (no retention) and whose items
    # change; empty otherwise, and a store that cannot serve it in one call skips it.
    touch: str = ""

    @property
    def keep(self) -> str:
        """The retention as Python code (``timedelta(days=90)``); empty without one."""
        if not self.retention:
            return ""
        number, unit = duration_parts(self.retention)
        return f"timedelta({TIMEDELTA_UNITS[unit]}={number})"

    @property
    def optionals(self) -> tuple[FieldSpec, ...]:
        """The fields an item may lack."""
        return tuple(f for f in self.fields if f.optional)

    @property
    def strings(self) -> tuple[FieldSpec, ...]:
        """Text fields a search looks in: strings that are not keys or references."""
        skip = {self.key.ident, self.parent_ref.ident if self.parent_ref else ""}
        return tuple(
            f
            for f in self.fields
            if f.type is FieldType.STRING and f.ident not in skip and not f.ident.endswith("_id")
        )

    @property
    def numbers(self) -> tuple[FieldSpec, ...]:
        """Numeric fields an aggregate sums (the key is an identity, not a quantity)."""
        return tuple(f for f in self.fields if f.type in NUMERIC and f.ident != self.key.ident)

    @property
    def geo(self) -> FieldSpec | None:
        """The first required location field, if any (``near`` needs every item placed)."""
        return next((f for f in self.fields if f.type is FieldType.GEO and not f.optional), None)


@dataclass(frozen=True, slots=True)
class Param:
    """A function parameter standing for one equality field of an access pattern."""

    ident: str
    field: FieldSpec


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One access pattern with its function name and parameters."""

    name: str
    func: str
    entity: EntitySpec
    kind: PatternKind
    by: tuple[Param, ...]
    order: FieldSpec | None
    descending: bool
    limit: int | None
    per_sec: float | None
    # The geo field a ``near`` pattern measures distance from: the one its ``by`` or
    # ``order_by`` names, else the entity's first required one; None for other kinds.
    target: FieldSpec | None = None
    rank_of: PatternSpec | None = None
    # The field an aggregate's totals are split by (``group_by``); None for one total.
    group: FieldSpec | None = None
    # The name of the pattern's page function (query and top: items plus a cursor).
    page: str = ""

    @property
    def summed(self) -> tuple[FieldSpec, ...]:
        """The number fields an aggregate sums: the entity's, less the one it groups by."""
        return tuple(f for f in self.entity.numbers if f != self.group)

    @property
    def fields(self) -> frozenset[str]:
        """Identifiers of the equality fields."""
        return frozenset(p.field.ident for p in self.by)


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A component ready for a database design."""

    name: str
    module: str
    description: str | None
    entities: tuple[EntitySpec, ...]
    patterns: tuple[PatternSpec, ...]
    consistency: Consistency | None
    durability: Durability | None
    multi_record: bool
    events: bool
    ttl: bool
    answers: Component
    renamed: tuple[tuple[str, str], ...]
    # Indexes by entity name, built once: the designs ask for an entity's patterns and
    # unique field groups per entity and per pattern, and scanning every pattern each
    # time made a large component quadratic (15,000 patterns: over two minutes).
    _by_name: Mapping[str, EntitySpec] = field(init=False, repr=False, compare=False)
    _patterns: Mapping[str, tuple[PatternSpec, ...]] = field(init=False, repr=False, compare=False)
    _unique: Mapping[str, tuple[tuple[FieldSpec, ...], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Index the entities, their patterns and their unique field groups."""
        patterns: dict[str, list[PatternSpec]] = {e.name: [] for e in self.entities}
        for pattern in self.patterns:
            patterns.setdefault(pattern.entity.name, []).append(pattern)
        set_ = object.__setattr__  # the dataclass is frozen; these are set once, here
        set_(self, "_by_name", MappingProxyType({e.name: e for e in self.entities}))
        set_(self, "_patterns", MappingProxyType({k: tuple(v) for k, v in patterns.items()}))
        set_(
            self,
            "_unique",
            MappingProxyType({e.name: _unique_groups(e, patterns[e.name]) for e in self.entities}),
        )

    def entity(self, name: str) -> EntitySpec:
        """The entity with the user's name ``name``."""
        return self._by_name[name]

    @property
    def by_depth(self) -> tuple[EntitySpec, ...]:
        """The entities, parents before their children (stable otherwise)."""

        def depth(entity: EntitySpec) -> int:
            seen = 0
            while entity.parent is not None and seen <= len(self.entities):
                entity = self._by_name[entity.parent]
                seen += 1
            return seen

        return tuple(sorted(self.entities, key=depth))

    @property
    def expiring(self) -> bool:
        """Whether some entity has a datetime field that says when its items expire."""
        return any(e.expiry is not None for e in self.entities)

    def patterns_of(self, entity: EntitySpec) -> tuple[PatternSpec, ...]:
        """The access patterns that read ``entity``."""
        return self._patterns.get(entity.name, ())

    def unique_of(self, entity: EntitySpec) -> tuple[tuple[FieldSpec, ...], ...]:
        """Field groups whose values may identify only one item of ``entity``.

        The workload model has no ``unique`` notion, so this is the rule: a ``get`` or
        ``query`` pattern with ``limit: 1``, no ``order_by`` and equality fields that do
        not include the entity's key (an idempotency key, an e-mail address) asks for at
        most one item, so those fields are unique together and every design enforces it
        (unless one of them is optional: that group is left unenforced). So does a rank
        pattern (see ``PatternSpec.rank_of``): it asks where one member (a player) stands
        on a board, which presumes one entry per board and member; two would give the
        member two ranks and put it on the board twice.
        """
        return self._unique.get(entity.name, ())


def _unique_groups(
    entity: EntitySpec, patterns: Iterable[PatternSpec]
) -> tuple[tuple[FieldSpec, ...], ...]:
    """The rule of :meth:`ComponentSpec.unique_of`, in pattern order without repeats."""
    out: dict[tuple[FieldSpec, ...], None] = {}  # an ordered set
    for pattern in patterns:
        fields = tuple(p.field for p in pattern.by)
        if (
            pattern.kind in (PatternKind.GET, PatternKind.QUERY)
            and pattern.limit == 1
            and (pattern.order is None or pattern.rank_of is not None)
            and fields
            and entity.key.ident not in pattern.fields
            # Items that lack an optional value would all share the "absent" one.
            and not any(f.optional for f in fields)
        ):
            out.setdefault(fields)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """The whole generated project: its package and one spec per component."""

    workload: Workload
    package: str
    components: tuple[ComponentSpec, ...]


def project_spec(workload: Workload) -> ProjectSpec:
    """Name the package and every component module, entity, field and pattern."""
    package = module_name(workload.name, top_level=True)
    modules = Namespace(RESERVED_SUBMODULES)
    components = []
    for component in workload.components:
        wanted = "repository" if workload.single else module_name(component.name)
        components.append(component_spec(component, modules.take(wanted)))
    return ProjectSpec(workload=workload, package=package, components=tuple(components))


def component_spec(component: Component, module: str) -> ComponentSpec:
    """Resolve identifiers and answers for one component."""
    top = Namespace(RESERVED_NAMES)
    snakes = Namespace()
    renamed: list[tuple[str, str]] = []
    classes = {}
    for entity in component.entities:
        cls = top.take(pascal(entity.name))
        classes[entity.name] = (cls, snakes.take(snake(cls)))
        _note(renamed, entity.name, cls)
    functions = {}
    for pattern in component.access_patterns:
        functions[pattern.name] = top.take(snake(pattern.name))
        _note(renamed, pattern.name, functions[pattern.name])
    needs = set(component.needs)
    by_name = {e.name: e for e in component.entities}
    entities: dict[str, EntitySpec] = {}
    for entity in component.entities:
        cls, lower = classes[entity.name]
        names = Namespace()
        fields = {}
        for raw, kind in entity.fields.items():
            optional = raw in entity.optional
            spec = FieldSpec(str(raw), names.take(field_ident(raw)), kind, optional=optional)
            fields[str(raw)] = spec
            _note(renamed, f"{entity.name}.{raw}", spec.ident)
        parent_ref = None
        if entity.parent is not None:
            parent = by_name[entity.parent]
            parent_ref = fields.get(parent.key)
            if parent_ref is None:
                # The child must name its parent to be stored with it or found by it.
                parent_ref = FieldSpec(
                    parent.key,
                    names.take(field_ident(parent.key)),
                    parent.fields[parent.key],
                    added=True,
                )
                fields[parent.key] = parent_ref
        expiry = None
        retention = parse_duration(entity.retention) if entity.retention is not None else None
        if retention is not None:
            # Validation made sure there is one, a required datetime of the entity's own.
            expiry = fields[str(retention_source(entity.fields, entity.retention_field))]
        elif "ttl" in needs:
            # A required datetime named like expires_at says when; an optional one could
            # not (an item without it would have no expiry time), so it is not taken.
            expiry = next(
                (
                    f
                    for f in fields.values()
                    if f.type is FieldType.DATETIME and not f.optional and names_expiry(f.ident)
                ),
                None,
            )
        entities[entity.name] = EntitySpec(
            name=entity.name,
            cls=cls,
            snake=lower,
            prefix=lower.upper(),
            key=fields[entity.key],
            fields=tuple(fields.values()),
            parent=entity.parent,
            parent_ref=parent_ref,
            expiry=expiry,
            retention=retention or 0,
            append_only=bool(entity.append_only),
            create=top.take(f"create_{lower}"),
            save_many=top.take(f"save_many_{lower}"),
            fetch=top.take(f"fetch_{lower}"),
            update=top.take(f"update_{lower}"),
            delete=top.take(f"delete_{lower}"),
            touch=(
                top.take(f"touch_{lower}")
                if expiry is not None and retention is None and not entity.append_only
                else ""
            ),
            params=_params(fields.values()),
        )
    ranked = _ranked_orders(component)
    multi_record = component.transactions == "multi_record" or "transactions" in needs
    increments_asked = asks_for_increments(needs, multi_record, component.use_case)
    for entity in component.entities:
        made = entities[entity.name]
        skip = {made.key.ident, made.parent_ref.ident if made.parent_ref else ""}
        counters = {
            f.ident: top.take(f"incr_{made.snake}_{f.ident}")
            for f in made.fields
            if f.type in COUNTABLE
            and not f.optional  # a server-side add needs a value to add to
            and f.ident not in skip
            and not made.append_only  # an increment changes a written item
            and (increments_asked or (entity.name, f.name) in ranked)
        }
        entities[entity.name] = replace(made, increments=MappingProxyType(counters))
    patterns = []
    for pattern in component.access_patterns:
        target = entities[pattern.entity]
        by_field = {f.name: f for f in target.fields}
        by = tuple(Param(target.params[by_field[n].ident], by_field[n]) for n in pattern.by)
        order = by_field[pattern.order_by] if pattern.order_by is not None else None
        near = None
        if pattern.kind is PatternKind.NEAR:
            # A geo field named in a near read is where distance is measured from, not a
            # value to match: ``by: [city, location]`` means near here, within a city.
            named = [p.field for p in by if p.field.type is FieldType.GEO]
            if order is not None and order.type is FieldType.GEO:
                named.append(order)
                order = None
            near = named[0] if named else target.geo
            by = tuple(p for p in by if p.field.type is not FieldType.GEO)
        descending = pattern.descending
        if descending is None:
            descending = pattern.kind is PatternKind.TOP
        patterns.append(
            PatternSpec(
                name=pattern.name,
                func=functions[pattern.name],
                entity=target,
                kind=pattern.kind,
                by=by,
                order=order,
                target=near,
                descending=descending,
                limit=pattern.limit,
                per_sec=pattern.per_sec,
                group=by_field[pattern.group_by] if pattern.group_by is not None else None,
            )
        )
    tops: dict[tuple[str, FieldSpec | None, bool], list[PatternSpec]] = {}
    for p in patterns:
        if p.kind is PatternKind.TOP:
            tops.setdefault((p.entity.name, p.order, p.descending), []).append(p)
    patterns = [
        replace(
            p,
            rank_of=_ranked_within(p, tops),
            page=top.take(f"{p.func}_page")
            if p.kind in (PatternKind.QUERY, PatternKind.TOP)
            else "",
        )
        for p in patterns
    ]
    return ComponentSpec(
        name=component.name,
        module=module,
        description=component.description,
        entities=tuple(entities.values()),
        patterns=tuple(patterns),
        consistency=component.consistency,
        durability=component.durability,
        multi_record=bool(entities) and multi_record,
        events=bool(entities) and bool(needs & EVENT_NEEDS),
        ttl="ttl" in needs,
        answers=component,
        renamed=tuple(renamed),
    )


def _ranked_orders(component: Component) -> set[tuple[str, str]]:
    """(entity, order field) of each ``top`` pattern some rank pattern ranks within.

    The rule of :func:`_ranked_within` on the workload's names, whatever the direction:
    such a score changes by deltas (points per match), so it gets an increment function.
    """
    patterns = component.access_patterns
    # The top patterns' equality fields by entity and ordering, so that each rank
    # pattern only meets its own candidates.
    tops: dict[tuple[str, str], list[set[str]]] = {}
    for top in patterns:
        if top.kind is PatternKind.TOP and top.order_by is not None:
            tops.setdefault((top.entity, top.order_by), []).append(set(top.by))
    out = set()
    for rank in patterns:
        if rank.kind not in (PatternKind.GET, PatternKind.QUERY) or rank.limit != 1:
            continue
        if rank.order_by is None:
            continue
        key = (rank.entity, rank.order_by)
        if any(by < set(rank.by) for by in tops.get(key, ())):
            out.add(key)
    return out


def _ranked_within(
    pattern: PatternSpec, tops: Mapping[tuple[str, FieldSpec | None, bool], list[PatternSpec]]
) -> PatternSpec | None:
    """The ``top`` pattern whose ordering ``pattern`` asks a rank in, if it is a rank pattern.

    The workload has no ``rank`` kind, so this is the rule: a get or query with limit 1
    and an order_by, whose equality fields strictly contain those of a ``top`` pattern
    of the same entity ordered the same way (player_rank by board and player, within
    top_100 by board), returns the best match's 0-based rank in that ordering.
    """
    if pattern.kind not in (PatternKind.GET, PatternKind.QUERY) or pattern.limit != 1:
        return None
    if pattern.order is None:
        return None
    # ``tops`` holds the top patterns by entity, ordering and direction, in pattern
    # order, so only the candidates are scanned and the first match still wins.
    for top in tops.get((pattern.entity.name, pattern.order, pattern.descending), ()):
        if top.fields < pattern.fields:
            return top
    return None


def _params(fields: Iterable[FieldSpec]) -> Mapping[str, str]:
    """A parameter name per field that no generated local variable or parameter shadows."""
    names = Namespace(RESERVED_PARAMS)
    return MappingProxyType({f.ident: names.take(f.ident) for f in fields})


def _note(renamed: list[tuple[str, str]], name: str, ident: str) -> None:
    """Remember a name that code had to spell differently, for the README."""
    last = name.rsplit(".", 1)[-1]
    if last != ident:
        renamed.append((name, ident))
