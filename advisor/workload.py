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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from advisor.errors import did_you_mean
from advisor.records import Frozen, field, fields
from advisor.typed import INVALID, Structurer, spec
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
NON_NEGATIVE = spec(ge=0)


class Context(Frozen):
    """Answers that apply to every component."""

    cloud: Cloud | None = None
    managed: Managed | None = None
    team_expertise: tuple[DatabaseId, ...] = field(default=(), metadata=spec(unique=True))
    licensing: Licensing | None = None


class Scale(Frozen):
    """Expected load and size."""

    reads_per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)
    writes_per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)
    data_size_gb: float | None = field(default=None, metadata=NON_NEGATIVE)
    item_size_kb: float | None = field(default=None, metadata=NON_NEGATIVE)


class Entity(Frozen):
    """A kind of item the component stores."""

    name: str = field(metadata=NAME)
    key: str = field(metadata=NAME)
    fields: Mapping[str, FieldType]
    parent: str | None = field(default=None, metadata=NAME)


class AccessPattern(Frozen):
    """One way the application reads items."""

    name: str = field(metadata=NAME)
    entity: str = field(metadata=NAME)
    kind: PatternKind
    by: tuple[str, ...] = field(default=(), metadata=spec(unique=True))
    order_by: str | None = None
    descending: bool | None = None
    limit: int | None = field(default=None, metadata=spec(ge=1))
    per_sec: float | None = field(default=None, metadata=NON_NEGATIVE)


class Answers(Frozen, kw_only=True):
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
    latency_ms: float | None = field(default=None, metadata=spec(gt=0))
    multi_region: MultiRegion | None = None
    scale: Scale | None = None
    needs: tuple[Capability, ...] = field(default=(), metadata=spec(unique=True))
    entities: tuple[Entity, ...] = ()
    access_patterns: tuple[AccessPattern, ...] = ()


ANSWER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Answers))


class Component(Answers, kw_only=True):
    """One named part of a system, scored on its own."""

    name: str = field(metadata=NAME)
    description: str | None = None


class WorkloadFile(Answers, kw_only=True):
    """The file as written: top-level questions or ``components:``, never both."""

    version: int | None = None
    name: str = field(metadata=NAME)
    description: str | None = None
    context: Context | None = None
    components: tuple[Component, ...] | None = field(default=None, metadata=spec(min_items=1))


class Workload(Frozen):
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
    """Validate a parsed document as a workload; raise :class:`InputError` with every problem."""
    structurer = Structurer(document)
    raw = document.data
    result = structurer.structure(WorkloadFile, raw, ())
    if result is INVALID:
        structurer.check()
    wf: WorkloadFile = result
    _check_form(wf, raw, structurer)
    components = wf.components or (
        Component(name=wf.name, description=wf.description, **_answers_of(wf)),
    )
    prefix: PathKey = ("components",) if wf.components else ()
    names: dict[str, int] = {}
    for index, component in enumerate(components):
        base: PathKey = (*prefix, index) if wf.components else ()
        if component.name in names and wf.components:
            structurer.report(
                (*base, "name"),
                f"duplicate component name '{component.name}' "
                f"(also components[{names[component.name]}])",
            )
        names.setdefault(component.name, index)
        _check_references(component, base, structurer)
    structurer.check()
    return Workload(
        name=wf.name,
        description=wf.description,
        context=wf.context or Context(),
        components=components,
        single=wf.components is None,
        source=document.file,
    )


def _answers_of(wf: WorkloadFile) -> dict[str, Any]:
    return {name: getattr(wf, name) for name in ANSWER_FIELDS}


def _check_form(wf: WorkloadFile, raw: Mapping[str, Any], structurer: Structurer) -> None:
    if wf.version is not None and wf.version != FORMAT_VERSION:
        structurer.report(
            ("version",), f"unsupported version {wf.version}; this dbadvisor reads version 1"
        )
    if wf.components is not None:
        for name in ANSWER_FIELDS:
            if name in raw:
                structurer.report(
                    (name,),
                    f"'{name}' at top level cannot be combined with 'components:'; "
                    "move it into a component",
                    key=True,
                )


def _check_references(component: Component, base: PathKey, structurer: Structurer) -> None:
    """Cross-field checks: keys, parents and access patterns name things that exist."""
    entities: dict[str, Entity] = {}
    for i, entity in enumerate(component.entities):
        path = (*base, "entities", i)
        if entity.name in entities:
            structurer.report((*path, "name"), f"duplicate entity name '{entity.name}'")
        entities.setdefault(entity.name, entity)
        if entity.key not in entity.fields:
            structurer.report(
                (*path, "key"),
                f"key '{entity.key}' is not one of the entity's fields"
                f"{did_you_mean(entity.key, list(entity.fields))}",
            )
    entity_names = list(entities)
    for i, entity in enumerate(component.entities):
        if entity.parent is not None and entity.parent not in entities:
            structurer.report(
                (*base, "entities", i, "parent"),
                f"parent '{entity.parent}' is not an entity of this component"
                f"{did_you_mean(entity.parent, entity_names)}",
            )
        elif entity.parent == entity.name:
            structurer.report(
                (*base, "entities", i, "parent"), "an entity cannot be its own parent"
            )
    seen: set[str] = set()
    for i, pattern in enumerate(component.access_patterns):
        path = (*base, "access_patterns", i)
        if pattern.name in seen:
            structurer.report((*path, "name"), f"duplicate access pattern name '{pattern.name}'")
        seen.add(pattern.name)
        target = entities.get(pattern.entity)
        if target is None:
            structurer.report(
                (*path, "entity"),
                f"entity '{pattern.entity}' is not defined in this component"
                f"{did_you_mean(pattern.entity, entity_names)}",
            )
            continue
        known = list(target.fields)
        for j, name in enumerate(pattern.by):
            if name not in target.fields:
                structurer.report(
                    (*path, "by", j),
                    f"'{name}' is not a field of {target.name}{did_you_mean(name, known)}",
                )
        if pattern.order_by is not None and pattern.order_by not in target.fields:
            structurer.report(
                (*path, "order_by"),
                f"'{pattern.order_by}' is not a field of {target.name}"
                f"{did_you_mean(pattern.order_by, known)}",
            )
