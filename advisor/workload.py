"""The workload contract (SPEC section 3): closed sets of values, frozen models, validation.

The answers' closed sets are ``Literal`` types: their values are the SPEC's identifiers,
plain strings as the file and the JSON output spell them, and mypy still rejects a
misspelt one in an assignment or an ``==`` (not in an ``in`` test). They were enums
until start-up was measured: importing 25 enum classes cost about 3 ms of every run.
Field types and access-pattern kinds stay enums because the scaffold dispatches on them.

A workload file is validated once, here, into a :class:`Workload` whose components are
typed and immutable; everything downstream trusts it. Both forms of the file (questions
at top level, or a ``components:`` list) become the same shape: a tuple of components.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from advisor.amounts import parse_duration
from advisor.errors import did_you_mean
from advisor.typed import Structurer, spec
from advisor.yamlload import Document, PathKey, load_file, parse

FORMAT_VERSION = 1


Cloud = Literal["any", "aws", "azure", "gcp", "on_prem"]
"""Where the workload must run."""


Managed = Literal["required", "preferred", "no_preference", "self_hosted"]
"""Appetite for a managed service."""


Licensing = Literal["any", "open_source"]
"""Licence constraint."""


DatabaseId = Literal[
    "mongodb",
    "redis",
    "memcached",
    "dynamodb",
    "riak",
    "cassandra",
    "hbase",
    "neo4j",
    "arangodb",
    "couchbase",
    "cosmosdb",
    "postgresql",
    "mysql",
    "sqlserver",
    "oracle",
    "valkey",
    "scylladb",
    "spanner",
    "cockroachdb",
    "firestore",
    "bigtable",
    "opensearch",
    "timescaledb",
]
"""The databases SPEC section 5 names, and the nine the knowledge base added since."""


Category = Literal[
    "document",
    "key_value",
    "column_family",
    "graph",
    "multi_model",
    "relational",
    "distributed_sql",
    "search",
    "time_series",
]
"""Database categories: SPEC section 5's six, then distributed SQL, search and time series."""


UseCase = Literal[
    "session_store",
    "cache",
    "leaderboard",
    "rate_limiting",
    "distributed_lock",
    "pub_sub",
    "shopping_cart",
    "product_catalog",
    "content_management",
    "user_profiles",
    "inventory",
    "order_processing",
    "financial_ledger",
    "event_logging",
    "time_series",
    "iot_telemetry",
    "analytics",
    "social_graph",
    "fraud_detection",
    "recommendations",
    "configuration",
    "real_time_analytics",
]
"""What a component is mainly for (SPEC section 5)."""


DataShape = Literal["blob", "nested", "tabular", "series", "network"]
"""The shape of one item."""


Relationships = Literal["none", "few", "many", "deep"]
"""How much items refer to each other."""


QueryComplexity = Literal["simple", "medium", "complex"]
"""The selection matrix's rows."""


SchemaFlexibility = Literal["fixed", "evolving", "variable"]
"""How stable the item structure is."""


Consistency = Literal["eventual", "session", "strong"]
"""What a read must see, weakest first."""


OnPartition = Literal["stay_available", "stay_consistent"]
"""The CAP choice during a network partition."""


Transactions = Literal["none", "single_record", "multi_record"]
"""The atomicity needed, weakest first."""


ReadWriteRatio = Literal["read_heavy", "balanced", "write_heavy"]
"""Reads against writes."""


Durability = Literal["ephemeral", "durable"]
"""Whether losing data is tolerable."""


MultiRegion = Literal["none", "replicas", "active_active"]
"""Geographic distribution."""


Survives = Literal["node", "zone", "region"]
"""The largest failure to ride out with no acknowledged write lost, smallest first."""


Growth = Literal["fits_one_server", "outgrows_one_server"]
"""Whether the data and writes stay within one primary server over the planning horizon."""


Capability = Literal[
    "ttl",
    "pub_sub",
    "full_text_search",
    "geospatial",
    "change_streams",
    "sorted_sets",
    "counters",
    "secondary_indexes",
    "aggregations",
    "joins",
    "graph_traversal",
    "time_series",
    "transactions",
    "streams",
    "atomic_updates",
    "offline_sync",
    "vector_search",
]
"""Capabilities a component may need (SPEC section 6)."""


class FieldType(enum.StrEnum):
    """Types of an entity's fields."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATETIME = "datetime"
    LIST = "list"
    MAP = "map"
    GEO = "geo"


class PatternKind(enum.StrEnum):
    """What an access pattern does."""

    GET = "get"
    QUERY = "query"
    TOP = "top"
    SEARCH = "search"
    NEAR = "near"
    TRAVERSE = "traverse"
    AGGREGATE = "aggregate"


NAME = spec(min_len=1, max_len=100)
# Rates, sizes and latencies are at most a quadrillion in their unit, far past any real
# system, so that sums and products of them (operations per second, capacity units) stay
# finite floats.
MAX_AMOUNT = 1e15
NON_NEGATIVE = spec(ge=0, le=MAX_AMOUNT)

# Limits on the size of a workload (README, "Limits"): a list's length is checked
# before its items are validated, the workload-wide totals once the models are built.
# The scaffold writes code per entity and per access pattern and the engine
# scores every component, so a file under the 1 MiB cap could otherwise ask for minutes
# of work and gigabytes of output. Each bound is several times what a real system
# needs: a service with more than 50 parts, or a part with more than 200 kinds of item,
# is better described as several workloads.
MAX_COMPONENTS = 50
MAX_ENTITIES = 200  # per component
MAX_FIELDS = 200  # per entity; also bounds an access pattern's ``by``
MAX_PATTERNS = 500  # per component: a few read paths per entity at the entity limit
# The per-component limits multiply to 10,000 entities, which the scaffold turns into
# some 45 MB of code in half a minute: the whole workload has its own, lower bounds.
MAX_TOTAL_ENTITIES = 1000
MAX_TOTAL_PATTERNS = 2500


@dataclass(frozen=True)
class Context:
    """Answers that apply to every component."""

    cloud: Cloud | None = None
    managed: Managed | None = None
    team_expertise: tuple[DatabaseId, ...] = field(default=(), metadata=spec(unique=True))
    licensing: Licensing | None = None


@dataclass(frozen=True)
class Scale:
    """Expected load and size."""

    reads_per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)
    writes_per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)
    data_size_gb: float | None = field(default=None, metadata=NON_NEGATIVE)
    growth: Growth | None = None
    item_size_kb: float | None = field(default=None, metadata=NON_NEGATIVE)


@dataclass(frozen=True)
class Entity:
    """A kind of item the component stores."""

    name: str = field(metadata=NAME)
    key: str = field(metadata=NAME)
    fields: Mapping[str, FieldType] = field(metadata=spec(max_items=MAX_FIELDS))
    parent: str | None = field(default=None, metadata=NAME)
    # Fields an item may lack (an open trip's completed_at); every other field is required.
    optional: tuple[str, ...] = field(default=(), metadata=spec(unique=True, max_items=MAX_FIELDS))
    # How long an item is kept after its ``retention_field`` time (``90d``); without it,
    # and without a field named like expires_at, items never expire.
    retention: str | None = field(default=None, metadata=spec(min_len=1, max_len=20))
    retention_field: str | None = field(default=None, metadata=NAME)
    # Items are written once and never changed or deleted by the application (ledger
    # entries, audit events): the starter code then offers no update, delete, increment
    # or overwriting bulk save for them, so the history cannot be rewritten through it.
    append_only: bool | None = None


@dataclass(frozen=True)
class AccessPattern:
    """One way the application reads items."""

    name: str = field(metadata=NAME)
    entity: str = field(metadata=NAME)
    kind: PatternKind
    by: tuple[str, ...] = field(default=(), metadata=spec(unique=True, max_items=MAX_FIELDS))
    order_by: str | None = None
    descending: bool | None = None
    limit: int | None = field(default=None, metadata=spec(ge=1, le=MAX_AMOUNT))
    # An aggregate's totals per value of this field (a ledger's debits and credits apart).
    group_by: str | None = None
    per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)


@dataclass(frozen=True, kw_only=True)
class Answers:
    """The per-component questions; every one optional ("no preference")."""

    use_case: UseCase | None = None
    data_shape: DataShape | None = None
    relationships: Relationships | None = None
    query_complexity: QueryComplexity | None = None
    schema_flexibility: SchemaFlexibility | None = None
    consistency: Consistency | None = None
    on_partition: OnPartition | None = None
    transactions: Transactions | None = None
    read_write_ratio: ReadWriteRatio | None = None
    durability: Durability | None = None
    latency_ms: float | None = field(default=None, metadata=spec(gt=0, le=MAX_AMOUNT))
    multi_region: MultiRegion | None = None
    survives: Survives | None = None
    scale: Scale | None = None
    needs: tuple[Capability, ...] = field(default=(), metadata=spec(unique=True))
    replacing: tuple[DatabaseId, ...] = field(default=(), metadata=spec(unique=True))
    entities: tuple[Entity, ...] = field(default=(), metadata=spec(max_items=MAX_ENTITIES))
    access_patterns: tuple[AccessPattern, ...] = field(
        default=(), metadata=spec(max_items=MAX_PATTERNS)
    )


ANSWER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Answers))


@dataclass(frozen=True, kw_only=True)
class Component(Answers):
    """One named part of a system, scored on its own."""

    name: str = field(metadata=NAME)
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class WorkloadFile(Answers):
    """The file as written: top-level questions or ``components:``, never both."""

    version: int | None = None
    name: str = field(metadata=NAME)
    description: str | None = None
    context: Context | None = None
    components: tuple[Component, ...] | None = field(
        default=None, metadata=spec(min_items=1, max_items=MAX_COMPONENTS)
    )


@dataclass(frozen=True)
class Workload:
    """A validated workload: always one or more components."""

    name: str
    description: str | None
    context: Context
    components: tuple[Component, ...]
    single: bool
    source: str = "<workload>"

    def answered(self) -> Iterator[tuple[Component, dict[str, Any]]]:
        """Each component with its answered questions (for reports)."""
        for component in self.components:
            yield component, component_answers(component)


def component_answers(component: Answers) -> dict[str, Any]:
    """The answered questions of a component as a plain, ordered dict."""
    out: dict[str, Any] = {}
    for name in ANSWER_FIELDS:
        value = getattr(component, name)
        if value is None or value == ():
            continue
        out[name] = value
    return out


def load_workload(path: Path, *, display: str | None = None) -> Workload:
    """Read, parse and validate one workload file."""
    return validate_document(load_file(path, display=display))


def parse_workload(text: str, file: str = "<string>") -> Workload:
    """Parse and validate workload YAML given as text."""
    return validate_document(parse(text, file))


def validate_document(document: Document) -> Workload:
    """Validate a parsed document as a workload; raise :class:`InputError` with every problem.

    One pass finds everything: the type checks, then the checks between fields (form,
    names, references, contradictions), which read the raw data so that they still run
    when a type check failed elsewhere in the file. A user fixes a file in one round.
    """
    structurer = Structurer(document)
    raw = document.data
    result = structurer.structure(WorkloadFile, raw, ())
    # A list over its size limit was refused whole: checking its items would cost what
    # the limit is there to prevent, for problems nobody will read.
    if isinstance(raw, dict) and not structurer.oversized:
        _check_form(raw, structurer)
        for base, component in _raw_components(raw):
            _check_references(component, base, structurer)
    structurer.check()
    wf: WorkloadFile = result
    components = wf.components or (
        Component(name=wf.name, description=wf.description, **_answers_of(wf)),
    )
    _check_totals(components, ("components",) if wf.components else (), structurer)
    return Workload(
        name=wf.name,
        description=wf.description,
        context=wf.context or Context(),
        components=components,
        single=wf.components is None,
        source=document.file,
    )


def _check_totals(
    components: tuple[Component, ...], where: PathKey, structurer: Structurer
) -> None:
    """Workload-wide limits, which the per-component ones cannot give on their own."""
    for what, count, limit in (
        ("entities", sum(len(c.entities) for c in components), MAX_TOTAL_ENTITIES),
        ("access patterns", sum(len(c.access_patterns) for c in components), MAX_TOTAL_PATTERNS),
    ):
        if count > limit:
            structurer.report(
                where, f"{count} {what} across components; at most {limit} are allowed"
            )
            structurer.check()  # nothing else is worth checking in such a file


def _answers_of(wf: WorkloadFile) -> dict[str, Any]:
    return {name: getattr(wf, name) for name in ANSWER_FIELDS}


def _check_form(raw: Mapping[str, Any], structurer: Structurer) -> None:
    version = raw.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != FORMAT_VERSION:
        structurer.report(
            ("version",), f"unsupported version {version}; this dbadvisor reads version 1"
        )
    components = raw.get("components")
    if components is None:
        return
    for name in ANSWER_FIELDS:
        if name in raw:
            structurer.report(
                (name,),
                f"'{name}' at top level cannot be combined with 'components:'; "
                "move it into a component",
                key=True,
            )
    if not isinstance(components, list):
        return
    names: dict[str, int] = {}
    for index, component in enumerate(components):
        called = _text(component.get("name")) if isinstance(component, dict) else None
        if called is None:
            continue
        if called in names:
            structurer.report(
                ("components", index, "name"),
                f"duplicate component name '{called}' (also components[{names[called]}])",
            )
        names.setdefault(called, index)


def _raw_components(raw: Mapping[str, Any]) -> Iterator[tuple[PathKey, Mapping[str, Any]]]:
    """Each component's raw mapping with its path (the file itself for the one-component form)."""
    components = raw.get("components")
    if components is None:
        yield (), raw
    elif isinstance(components, list):
        for index, component in enumerate(components):
            if isinstance(component, dict):
                yield ("components", index), component


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of a raw list with their indexes (anything else is a type problem)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def close_name(word: str, names: Sequence[str], owner: str | None = None) -> str:
    """`` (did you mean 'x'?)`` for the name ``word`` most likely stands for, or ``''``.

    Spelling first (``idd`` for ``id``); then a name that ``word`` is a part of, since
    people shorten ``user_id`` to ``id``: the one named after ``owner`` wins when
    several fit (``id`` of entity User is ``user_id``, not ``order_id``).
    """
    spelled = did_you_mean(word, names)
    if spelled or not word:
        return spelled
    lowered = word.lower()
    parts = [n for n in names if lowered in re.split(r"[_\W]+", n.lower()) and n != word]
    if owner is not None:
        own = [n for n in parts if n.lower() == f"{owner.lower()}_{lowered}"]
        parts = own or parts
    return f" (did you mean '{parts[0]}'?)" if len(parts) == 1 else ""


def _close(
    structurer: Structurer, word: str, names: Sequence[str], owner: str | None = None
) -> str:
    """:func:`close_name` while the structurer's did-you-mean budget lasts."""
    return close_name(word, names, owner) if structurer.hints_left else ""


def _check_references(component: Mapping[str, Any], base: PathKey, structurer: Structurer) -> None:
    """Checks between fields: keys, parents and access patterns name things that exist.

    The access patterns must not contradict the answers either (a ``near`` read on a
    geo field needs ``geospatial``). Values of the wrong type are skipped: the type
    check has reported them.
    """
    entities: dict[str, Mapping[str, Any]] = {}
    for i, entity in _items(component.get("entities")):
        path = (*base, "entities", i)
        name = _text(entity.get("name"))
        fields_ = entity.get("fields")
        known = list(fields_) if isinstance(fields_, dict) else None
        if name is not None:
            if name in entities:
                structurer.report((*path, "name"), f"duplicate entity name '{name}'")
            entities.setdefault(name, entity)
        key = _text(entity.get("key"))
        if key is not None and known is not None and key not in known:
            structurer.report(
                (*path, "key"),
                f"key '{key}' is not one of the entity's fields"
                f"{_close(structurer, key, known, name)}",
            )
        elif key is not None and isinstance(fields_, dict):
            kind = fields_[key]
            if isinstance(kind, str) and kind in UNKEYABLE:
                structurer.report((*path, "key"), f"key '{key}' is {UNKEYABLE[kind]}")
    for i, entity in _items(component.get("entities")):
        _check_lifetime(entity, entities, component, (*base, "entities", i), structurer)
    entity_names = list(entities)
    for i, entity in _items(component.get("entities")):
        parent = _text(entity.get("parent"))
        if parent is None:
            continue
        if parent not in entities:
            structurer.report(
                (*base, "entities", i, "parent"),
                f"parent '{parent}' is not an entity of this component"
                f"{_close(structurer, parent, entity_names)}",
            )
        elif parent == entity.get("name"):
            structurer.report(
                (*base, "entities", i, "parent"), "an entity cannot be its own parent"
            )
    seen: set[str] = set()
    needs = component.get("needs")
    needs = needs if isinstance(needs, list) else []
    for i, pattern in _items(component.get("access_patterns")):
        path = (*base, "access_patterns", i)
        name = _text(pattern.get("name"))
        if name is not None:
            if name in seen:
                structurer.report((*path, "name"), f"duplicate access pattern name '{name}'")
            seen.add(name)
        target_name = _text(pattern.get("entity"))
        if target_name is None:
            continue
        target = entities.get(target_name)
        if target is None:
            structurer.report(
                (*path, "entity"),
                f"entity '{target_name}' is not defined in this component"
                f"{_close(structurer, target_name, entity_names)}",
            )
            continue
        fields_ = target.get("fields")
        if not isinstance(fields_, dict):
            continue
        known = list(fields_)
        by = pattern.get("by")
        for j, field_name in enumerate(by if isinstance(by, list) else []):
            if isinstance(field_name, str) and field_name not in fields_:
                structurer.report(
                    (*path, "by", j),
                    f"'{field_name}' is not a field of {target_name}"
                    f"{_close(structurer, field_name, known, target_name)}",
                )
        order_by = _text(pattern.get("order_by"))
        if order_by is not None and order_by not in fields_:
            structurer.report(
                (*path, "order_by"),
                f"'{order_by}' is not a field of {target_name}"
                f"{_close(structurer, order_by, known, target_name)}",
            )
        optional = target.get("optional")
        optional = optional if isinstance(optional, list) else []
        _check_group_by(pattern, target_name, target, path, structurer)
        if pattern.get("kind") == PatternKind.NEAR.value:
            for j, field_name in enumerate(by if isinstance(by, list) else []):
                if field_name in optional and fields_.get(field_name) == FieldType.GEO.value:
                    structurer.report(
                        (*path, "by", j),
                        f"'{field_name}' is optional in {target_name}: a near read measures "
                        "from a geo field every item has",
                    )
        if order_by is not None and order_by in optional:
            structurer.report(
                (*path, "order_by"),
                f"'{order_by}' is optional in {target_name}, so items without it would have "
                "no place in the order; order by a required field",
            )
        for need, reason in implied_needs(pattern, fields_):
            if need not in needs:
                structurer.report(
                    (*path, "kind"),
                    f"{reason}, but '{need}' is not in needs; add it to needs "
                    "(or serve this read from another component and drop the pattern)",
                )


# Types whose values name a group: discrete, and equal only when they are the same value.
GROUPABLE = frozenset({FieldType.STRING, FieldType.INT, FieldType.BOOL})
# Field types that cannot identify items, and why: no store keeps a list, map or point
# as a key (MongoDB refuses an array _id, DynamoDB keys are strings, numbers or bytes,
# Redis keys are strings), and a bool tells two items apart at most.
_KEY_TYPES = "a key is a string, int, decimal, float or datetime field"
UNKEYABLE: Mapping[str, str] = {
    FieldType.LIST: f"a list: {_KEY_TYPES}",
    FieldType.MAP: f"a map: {_KEY_TYPES}",
    FieldType.GEO: f"a geo point: {_KEY_TYPES}",
    FieldType.BOOL: "a bool, which tells two items apart at most: key on a string or int field",
}
GROUPABLE_TYPES = frozenset(t.value for t in GROUPABLE)


def _check_group_by(
    pattern: Mapping[str, Any],
    target_name: str,
    target: Mapping[str, Any],
    path: PathKey,
    structurer: Structurer,
) -> None:
    """An aggregate's ``group_by`` names a required, discrete field it does not match by."""
    group_by = _text(pattern.get("group_by"))
    if group_by is None:
        return
    fields_ = target.get("fields")
    fields_ = fields_ if isinstance(fields_, dict) else {}
    optional = target.get("optional")
    optional = optional if isinstance(optional, list) else []
    where = (*path, "group_by")
    kind = pattern.get("kind")
    by = pattern.get("by")
    if kind != PatternKind.AGGREGATE.value:
        structurer.report(where, f"only an aggregate groups its totals, not a '{kind}' read")
    elif group_by not in fields_:
        structurer.report(
            where,
            f"'{group_by}' is not a field of {target_name}"
            f"{_close(structurer, group_by, list(fields_), target_name)}",
        )
    elif fields_[group_by] not in GROUPABLE_TYPES:
        structurer.report(
            where,
            f"'{group_by}' is a {fields_[group_by]} field; group by a string, int or bool "
            "field, whose values name the groups",
        )
    elif group_by == target.get("key"):
        structurer.report(
            where, f"'{group_by}' is {target_name}'s key, so every item would be its own group"
        )
    elif group_by in optional:
        structurer.report(
            where,
            f"'{group_by}' is optional in {target_name}, so items without it would be in no "
            "group; group by a required field",
        )
    elif isinstance(by, list) and group_by in by:
        structurer.report(
            where,
            f"'{group_by}' is also in by, so every item read has the same value: "
            "one group; drop it from one of the two",
        )


def _check_lifetime(
    entity: Mapping[str, Any],
    entities: Mapping[str, Mapping[str, Any]],
    component: Mapping[str, Any],
    path: PathKey,
    structurer: Structurer,
) -> None:
    """An entity's ``optional`` fields and ``retention`` name fields it has, of the right kind.

    The key and the field that names the parent's item are never optional: an item is
    stored and found by them.
    """
    fields_ = entity.get("fields")
    if not isinstance(fields_, dict):
        return
    known = list(fields_)
    name = _text(entity.get("name"))
    parent = entities.get(_text(entity.get("parent")) or "")
    required = {
        _text(entity.get("key")): "the key",
        _text(parent.get("key")) if parent is not None else None: "the parent's key",
    }
    listed = entity.get("optional")
    optional = listed if isinstance(listed, list) else []
    for j, field_name in enumerate(optional):
        if not isinstance(field_name, str):
            continue
        if field_name not in fields_:
            structurer.report(
                (*path, "optional", j),
                f"'{field_name}' is not a field of {name}"
                f"{_close(structurer, field_name, known, name)}",
            )
        elif field_name in required:
            structurer.report(
                (*path, "optional", j),
                f"'{field_name}' is {required[field_name]}, which every item must have",
            )
    retention = _text(entity.get("retention"))
    if retention is None:
        if entity.get("retention_field") is not None:
            structurer.report(
                (*path, "retention_field"), "retention_field needs a retention (such as 90d)"
            )
        return
    if parse_duration(retention) is None:
        structurer.report(
            (*path, "retention"),
            f"'{retention}' is not a retention: write a whole number and one unit of "
            "s, m, h, d or w (such as 90d or 36h)",
        )
    times = [n for n, t in fields_.items() if t == FieldType.DATETIME.value]
    chosen = _text(entity.get("retention_field"))
    if chosen is None:
        if len(times) != 1:
            structurer.report(
                (*path, "retention"),
                f"{name} has {len(times) or 'no'} datetime fields; name the one retention "
                "counts from in retention_field",
            )
    elif chosen not in fields_:
        structurer.report(
            (*path, "retention_field"),
            f"'{chosen}' is not a field of {name}{_close(structurer, chosen, known, name)}",
        )
    elif chosen not in times:
        structurer.report(
            (*path, "retention_field"), f"'{chosen}' is not a datetime field of {name}"
        )
    if retention_source(fields_, chosen) in optional:
        structurer.report((*path, "optional"), "the field retention counts from cannot be optional")
    needs = component.get("needs")
    if "ttl" not in (needs if isinstance(needs, list) else []):
        structurer.report(
            (*path, "retention"),
            "retention expires items, but 'ttl' is not in needs; add it to needs",
        )


def retention_source(fields_: Mapping[str, Any], retention_field: str | None) -> str | None:
    """The field a retention counts from: ``retention_field``, else the only datetime field.

    None when neither says (no datetime field, or several and none named).
    """
    if retention_field is not None:
        return retention_field
    times = [n for n, t in fields_.items() if t == FieldType.DATETIME.value]
    return times[0] if len(times) == 1 else None


def implied_needs(
    pattern: Mapping[str, Any], fields_: Mapping[str, Any]
) -> list[tuple[Capability, str]]:
    """Capabilities an access pattern needs from the database, with the reason in words.

    A ``near`` read on a ``geo`` field is a geospatial query, and a ``traverse`` read
    walks relationships, which is graph traversal (a relational database still serves it
    by modelling, with recursive queries). A search is left to the user: another
    component may serve it.
    """
    if pattern.get("kind") == PatternKind.TRAVERSE.value:
        return [("graph_traversal", "a 'traverse' read walks relationships")]
    if pattern.get("kind") != PatternKind.NEAR.value:
        return []
    by = pattern.get("by")
    named = [*(by if isinstance(by, list) else []), pattern.get("order_by")]
    if any(isinstance(n, str) and fields_.get(n) == FieldType.GEO.value for n in named):
        return [("geospatial", "a 'near' read on a geo field is a geospatial query")]
    return []
