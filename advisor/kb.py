"""The knowledge base: sourced database facts, categories and scoring rules, validated.

Built-in data lives in ``rules/`` (the package ``advisor.rules``); users overlay their
own files or folders with ``--rules`` or ``DBADVISOR_RULES``: a database or rule with an
existing id replaces it, a new id adds one. Every problem in every file is reported
with its file and line, and nothing unchecked reaches the engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from advisor import cache
from advisor.conditions import ALWAYS, Compiler, Condition
from advisor.errors import InputError, Problem, did_you_mean
from advisor.resources import builtin_document, resource_text, resource_texts
from advisor.typed import INVALID, Structurer, spec
from advisor.workload import (
    Capability,
    Category,
    Cloud,
    QueryComplexity,
    Transactions,
    UseCase,
)
from advisor.yamlload import Document, PathKey, load_file

SOURCES = spec(min_items=1, unique=True)
# The largest effect one rule may give one database or category. The shipped rules stay
# within 16 (use_case.leaderboard); 100 leaves overlays room to dominate them on purpose,
# and keeps any sum of rules far from float overflow (1e4 rules give at most 1e6).
MAX_POINTS = 100.0
ID = spec(min_len=1, max_len=60)
CLOUDS: tuple[Cloud, ...] = ("aws", "azure", "gcp")


Guarantee = Literal["eventual", "session", "causal", "strong"]
"""What reads see under one configuration, weakest first."""


GUARANTEES: tuple[Guarantee, ...] = get_args(Guarantee)
GUARANTEE_RANK = {g: i for i, g in enumerate(GUARANTEES)}


CapSide = Literal["CP", "AP"]
"""The side a network partition pushes a configuration to."""


Pacelc = Literal["PA/EL", "PA/EC", "PC/EL", "PC/EC"]
"""PACELC classes (Abadi 2012)."""


Burden = Literal["low", "medium", "high"]
"""Relative operational burden of running the database."""

BURDENS: tuple[Burden, ...] = get_args(Burden)


Level = Literal["none", "limited", "native", "rich"]
"""Ordinal levels used by the category matrix."""


Scalability = Literal["medium", "high", "very_high"]
"""Category matrix: scalability."""


Tunability = Literal["eventual", "tunable", "strong"]
"""Category matrix: consistency."""


Flexibility = Literal["low", "medium", "high", "highest"]
"""Category matrix: schema flexibility."""


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Anything the knowledge base asserts: it has sources and a version or date."""

    sources: tuple[str, ...] = field(metadata=SOURCES)
    as_of: str = field(metadata=spec(min_len=4, max_len=40))
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Text(Fact):
    """A sourced sentence."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Licence(Fact):
    """Licence terms (SPDX expression) and whether the OSI approves them."""

    spdx: str
    osi_approved: bool


OfferingStatus = Literal["ga", "preview", "deprecated", "retiring"]
"""Where a managed service stands in its provider's life cycle.

``ga``: generally available. ``preview``: not yet generally available. ``deprecated``:
still running, but the provider has announced its end and limits or will limit new use.
``retiring``: the provider has announced the date it shuts down and names a successor.
Only ``ga`` offerings can take a new workload.
"""

OFFERING_STATUSES: tuple[OfferingStatus, ...] = get_args(OfferingStatus)
DATE = spec(min_len=10, max_len=10)
OFFERING_NAME = spec(min_len=1, max_len=120)


@dataclass(frozen=True, kw_only=True)
class Offering:
    """One managed (or API-compatible) service on one cloud, with its life-cycle status.

    In YAML a plain string is a generally available offering with that name; a mapping
    adds the status, its dates (``YYYY-MM-DD``) and, for any status but ``ga``, the
    sources and ``as_of`` that back it (the loader checks that they are there).
    """

    name: str = field(metadata=OFFERING_NAME)
    status: OfferingStatus = "ga"
    since: str | None = field(default=None, metadata=DATE)
    no_new_after: str | None = field(default=None, metadata=DATE)
    retires: str | None = field(default=None, metadata=DATE)
    successor: str | None = None
    note: str | None = None
    sources: tuple[str, ...] = field(default=(), metadata=spec(unique=True))
    as_of: str | None = field(default=None, metadata=spec(min_len=4, max_len=40))

    @property
    def for_new_workloads(self) -> bool:
        """True when a new workload can be built on it: generally available, not ending."""
        return self.status == "ga"

    def describe(self) -> str:
        """The name, with its status and dates when it is not simply available."""
        if self.status == "ga":
            return self.name
        details: list[str] = [self.status]
        if self.no_new_after:
            details.append(f"no new use after {self.no_new_after}")
        if self.retires:
            details.append(f"retires {self.retires}")
        if self.successor:
            details.append(f"successor {self.successor}")
        return f"{self.name} ({', '.join(details)})"


@dataclass(frozen=True)
class Offerings:
    """Managed offerings per cloud."""

    aws: tuple[Offering, ...] = ()
    azure: tuple[Offering, ...] = ()
    gcp: tuple[Offering, ...] = ()

    def offers(self, cloud: str | None) -> tuple[Offering, ...]:
        """Every listed offering on ``cloud`` when it names a cloud, else on every cloud."""
        if cloud in CLOUDS:
            return tuple(getattr(self, str(cloud)))
        return (*self.aws, *self.azure, *self.gcp)

    def on(self, cloud: str) -> tuple[str, ...]:
        """The names of every offering listed on one cloud, whatever its status."""
        return tuple(o.name for o in self.offers(cloud)) if cloud in CLOUDS else ()

    def available(self, cloud: str | None, for_new: bool = True) -> tuple[str, ...]:
        """The offerings on ``cloud`` (every cloud when it names none) a workload can use.

        With ``for_new`` (the default, since the advisor designs new workloads) only
        generally available offerings count: a deprecated or retiring service, or a
        preview, must not satisfy ``managed: required``. Without it, every listed
        offering counts, as it does for a workload already running there.
        """
        return tuple(o.name for o in self.offers(cloud) if o.for_new_workloads or not for_new)

    def ending(self, cloud: str | None) -> tuple[Offering, ...]:
        """The listed offerings on ``cloud`` that cannot take a new workload."""
        return tuple(o for o in self.offers(cloud) if not o.for_new_workloads)


@dataclass(frozen=True, kw_only=True)
class ManagedSettings(Fact):
    """What a user sets in one managed service of one cloud.

    A managed service runs replication and failover itself and exposes only some of the
    self-hosted settings (Amazon RDS has no Patroni), so a report that recommends the
    service gives these settings instead. ``service`` names one of the database's
    managed offerings on ``cloud``. Under a configuration it says how that
    configuration is set up there; under ``deployment.managed_settings`` it is the
    service's own setup (high availability, replicas, parameters), used when the
    configuration has none of its own for that service.
    """

    cloud: Cloud
    service: str = field(metadata=OFFERING_NAME)
    settings: str
    # For a service's own entry: True when the configuration's settings are made in the
    # application (MongoDB's writeConcern and readConcern, Cassandra's consistency
    # levels), so they still apply in the service beside these; False when they are
    # server settings the service replaces (PostgreSQL's synchronous_standby_names).
    configuration_settings_apply: bool = False
    # For a service's own entry: True when the service keeps every acknowledged write
    # through a node or zone failure although the engine's own replication does not,
    # always or with a setting its `settings` name (a Multi-AZ transaction log: Amazon
    # MemoryDB's, or ElastiCache for Valkey's sync durability). Reports name such a
    # service first for durable data, and fit.survives counts it.
    keeps_acknowledged_writes: bool = False


@dataclass(frozen=True, kw_only=True)
class Deployment(Fact):
    """Where the database runs."""

    self_hosted: bool
    managed: Offerings
    # API-compatible services built on other engines (Keyspaces for Cassandra): never a
    # managed offering of the product, but named when a cloud lacks one.
    compatible: Offerings = field(default_factory=Offerings)
    # Per managed offering, the settings a user sets in that service (at most one entry
    # per cloud and service; the loader checks the service is listed on that cloud).
    managed_settings: tuple[ManagedSettings, ...] = ()

    def settings_in(self, cloud: str | None, service: str) -> ManagedSettings | None:
        """The settings listed for ``service`` on ``cloud``, if any."""
        return next(
            (m for m in self.managed_settings if m.cloud == cloud and m.service == service),
            None,
        )

    def keeps_writes(self, cloud: str | None, service: str) -> bool:
        """Whether ``service`` on ``cloud`` keeps every acknowledged write by itself."""
        settings = self.settings_in(cloud, service)
        return settings is not None and settings.keeps_acknowledged_writes


@dataclass(frozen=True, kw_only=True)
class MaxItem(Fact):
    """The largest item or document, in KB (None: no practical limit worth stating)."""

    kb: float | None = field(default=None, metadata=spec(gt=0))


@dataclass(frozen=True, kw_only=True)
class TransactionScope(Fact):
    """How far atomicity reaches."""

    scope: Transactions
    max_items: int | None = field(default=None, metadata=spec(ge=1))


@dataclass(frozen=True, kw_only=True)
class DurabilityFact(Fact):
    """Whether data survives a restart, and what to configure for that."""

    durable: bool
    settings: str | None = None


SkillsReach = Literal["engine", "interface"]
"""How far a team's skills in another database carry over to this one.

``engine``: the same engine underneath (TimescaleDB is a PostgreSQL extension; Valkey
forked Redis), so queries, tools, operations and failure modes carry over.
``interface``: the same query language and client protocol on another engine (ScyllaDB
speaks CQL; CockroachDB speaks PostgreSQL's protocol and dialect), so data modelling and
client code carry over, operations do not.
"""


@dataclass(frozen=True, kw_only=True)
class SharedSkills(Fact):
    """Another database whose team's skills carry over to this one (``note`` says how)."""

    database: str = field(metadata=ID)
    reach: SkillsReach
    note: str  # required here: reports quote it as the reason


@dataclass(frozen=True, kw_only=True)
class OperationalBurden(Fact):
    """How much running it costs a team, relative to the others.

    ``cache_level`` is the level when it holds only data that can be rebuilt, where the
    persistence and failover that ``level`` counts are not needed (``note`` says why);
    unset, ``level`` holds for every kind of data.
    """

    level: Burden
    cache_level: Burden | None = None

    def summary(self) -> str:
        """``medium``, or ``medium (low as a cache)`` where a cache level is set."""
        if self.cache_level is None:
            return self.level
        return f"{self.level} ({self.cache_level} as a cache)"

    def level_for(self, durability: str | None) -> Burden:
        """The level for data of this durability (``ephemeral`` may lower it)."""
        if durability == "ephemeral" and self.cache_level is not None:
            return self.cache_level
        return self.level


Degree = Literal["native", "modelled", "add_on"]
"""How a database provides a capability, best first.

``native``: a built-in feature; ``modelled``: served by designing the data for it with
built-in means (time-bucketed partitions for a time series, a recursive query for a
traversal, a scheduled delete for expiry); ``add_on``: an extension or a separate
component (PostGIS, a CDC consumer). A capability the database does not list has the
degree "none", the only one that excludes it.
"""

DEGREES: tuple[Degree, ...] = get_args(Degree)


@dataclass(frozen=True, kw_only=True)
class Scaling(Fact):
    """How writes scale out beyond one server.

    ``horizontal``: the database itself partitions writes across nodes (degree
    ``native``). Otherwise ``sharding`` says how writes are spread: ``add_on`` when an
    extension or a routing layer run beside the database does it (Citus for PostgreSQL,
    Vitess for MySQL), ``modelled`` (the default) when the application shards.
    """

    horizontal: bool
    sharding: Degree | None = None

    @property
    def degree(self) -> Degree:
        """The degree to which writes scale out: native, add_on or modelled."""
        if self.horizontal:
            return "native"
        return self.sharding or "modelled"


@dataclass(frozen=True, kw_only=True)
class CapabilityFact(Fact):
    """Evidence that the database has a capability, and to what degree.

    ``managed`` names the managed services that offer it when only some do (the Redis
    Query Engine is in Redis Cloud but not in ElastiCache); None means all of them.
    """

    degree: Degree = "native"
    managed: Offerings | None = None


@dataclass(frozen=True, kw_only=True)
class ConsistencyConfig(Fact):
    """One configuration and the consistency, CAP side and PACELC class it gives."""

    id: str = field(metadata=ID)
    configuration: str
    settings: str
    default: bool = False
    guarantee: Guarantee
    cap: CapSide
    pacelc: Pacelc
    production_ready: bool = True
    multi_region: bool = False
    # Whether every region accepts writes (multi-leader or leaderless), not just holds
    # copies: a single-primary set with members in several regions spans regions but
    # sends every write to one of them.
    multi_region_writes: bool = False
    # The largest failure this configuration rides out with no acknowledged write lost:
    # "none" when a failover can lose acknowledged writes (asynchronous replicas) or there
    # is no copy; "region" when it replicates synchronously or by consensus across regions.
    # None when the knowledge base states nothing.
    survives: Literal["none", "node", "zone", "region"] | None = None
    # Whether the configuration partitions the data over several primaries (Redis Cluster,
    # a sharded cluster): needed for large data, more moving parts for small data.
    sharded: bool = False
    # The edition this configuration needs and its licence, when they differ from the
    # database's own (Neo4j clustering is an Enterprise Edition feature under a
    # commercial licence; the Community Edition is GPL-3.0).
    edition: str | None = None
    licence: Licence | None = None
    # True when the edition is a self-managed download (Neo4j Enterprise Edition): on the
    # database's managed service the service's own tiers provide the configuration, so the
    # edition is named only for self-managed deployments.
    edition_self_managed: bool = False
    # Multi-record transactions: True for the configuration meant for them, False for one
    # that cannot be used inside them (MongoDB's linearizable read concern), None for one
    # that transactions may use without being meant for them.
    transactions: bool | None = None
    # False for one server with no copies: CAP does not arise (a client cut off from it
    # gets errors, never divergent data), so it cannot answer "stay consistent" for a
    # replicated system. ``cap`` is then CP by convention.
    replicated: bool = True
    # The settings to use on a managed service instead of ``settings``, per cloud.
    managed: tuple[ManagedSettings, ...] = ()

    def managed_on(self, cloud: str | None, services: tuple[str, ...]) -> ManagedSettings | None:
        """The managed settings for ``cloud`` whose service is one of ``services``."""
        return next((m for m in self.managed if m.cloud == cloud and m.service in services), None)


LatencyTier = Literal["sub_millisecond", "single_digit_ms", "milliseconds"]
"""The latency a database is built and documented to keep, fastest first."""

LATENCY_TIERS: tuple[LatencyTier, ...] = get_args(LatencyTier)


@dataclass(frozen=True, kw_only=True)
class Storage(Fact):
    """Where the data set lives and the latency tier that follows from it.

    ``in_memory``: the whole data set must fit in RAM (Redis, Memcached), so data size is
    bounded by memory and costs RAM per gigabyte. ``latency``: the tier the vendor
    documents; disk-based stores without a documented bound are ``milliseconds``.
    """

    in_memory: bool = False
    latency: LatencyTier = "milliseconds"
    # How many times the data set's RAM an in-memory store may need while it writes its
    # copy to disk under a steady stream of writes: Redis forks for RDB snapshots and AOF
    # rewrites, and copy-on-write can double its memory.
    persist_headroom: float = field(default=1.0, metadata=spec(ge=1))


@dataclass(frozen=True, kw_only=True)
class DataModelApi(Fact):
    """One API or data model of a database that offers several, with its category.

    A database with several APIs (Cosmos DB for NoSQL, for MongoDB, for Apache Cassandra,
    for Apache Gremlin, for Table) is scored once per API and ranked by its best one:
    its document API is a document store, not a weaker "multi-model" one.
    """

    id: str = field(metadata=ID)
    name: str
    category: Category


@dataclass(frozen=True, kw_only=True)
class Caveat(Fact):
    """A warning reports print when ``when`` matches the workload (always without it)."""

    id: str = field(metadata=ID)
    text: str
    when: Mapping[str, Any] | None = None
    # Advice only a self-run deployment can act on (choosing a failover manager): reports
    # that name a managed service with its own settings leave it out, as that service
    # runs replication and failover itself.
    self_hosted: bool = False


@dataclass(frozen=True)
class Database:
    """Everything the knowledge base knows about one database."""

    id: str = field(metadata=ID)
    name: str
    category: Category
    data_model: Text
    licence: Licence
    deployment: Deployment
    max_item: MaxItem
    transactions: TransactionScope
    durability: DurabilityFact
    operational_burden: OperationalBurden
    scaling: Scaling
    capabilities: Mapping[Capability, CapabilityFact]
    consistency: tuple[ConsistencyConfig, ...] = field(metadata=spec(min_items=1))
    sources: tuple[str, ...] = field(metadata=SOURCES)
    caveats: tuple[Caveat, ...] = ()
    storage: Storage | None = None
    apis: tuple[DataModelApi, ...] = ()
    # Databases whose teams can run this one with the skills they have (team expertise).
    skills_from: tuple[SharedSkills, ...] = ()

    def default_configuration(self) -> ConsistencyConfig:
        """The configuration marked ``default: true``."""
        return next(c for c in self.consistency if c.default)


@dataclass(frozen=True)
class Matrix:
    """The seed's NoSQL selection matrix, one column."""

    query_complexity: QueryComplexity
    relationships: Level
    scalability: Scalability
    consistency: Tunability
    schema_flexibility: Flexibility


@dataclass(frozen=True, kw_only=True)
class CategoryInfo(Fact):
    """A category with its matrix column and typical use cases."""

    id: Category
    name: str
    data_model: str
    matrix: Matrix
    use_cases: tuple[UseCase, ...] = field(metadata=spec(unique=True))


@dataclass(frozen=True)
class Points:
    """Soft effect: points to databases and to every database of a category."""

    databases: Mapping[str, float] = field(default_factory=dict)
    categories: Mapping[Category, float] = field(default_factory=dict)


RuleGroup = Literal["data_model", "relations", "integrity", "write_volume", "use_case", "scale"]
"""The fact a rule expresses. Rules of one group restate one fact, so their points are
capped together (see :data:`GROUP_CAPS`); rules without a group add up freely."""


GROUP_CAPS: Mapping[RuleGroup, tuple[float, str]] = {
    "data_model": (
        10.0,
        "The shape of the data and the stability of its schema are one fact about the "
        "data model: together they give any database at most 10 points.",
    ),
    "relations": (
        14.0,
        "Relationships, query complexity and the join or traversal needs describe one fact, "
        "how the data is connected and queried: together at most 14 points.",
    ),
    "integrity": (
        10.0,
        "Multi-record transactions and strong consistency describe one fact, how strictly "
        "changes must be isolated and seen: together at most 10 points.",
    ),
    "write_volume": (
        8.0,
        "A write-heavy ratio and a high write rate describe one fact, the write volume: "
        "together at most 8 points.",
    ),
    "use_case": (
        16.0,
        "A use case is one answer: whatever rules it fires, at most 16 points.",
    ),
    "scale": (
        8.0,
        "The size of the workload is one fact: the rules reading it give at most 8 points.",
    ),
}


@dataclass(frozen=True)
class RuleSpec:
    """A rule as written in YAML."""

    id: str = field(metadata=ID)
    when: Any
    why: str = field(metadata=spec(min_len=10))
    sources: tuple[str, ...] = field(metadata=SOURCES)
    points: Points | None = None
    exclude: tuple[str, ...] = field(default=(), metadata=spec(unique=True))
    group: RuleGroup | None = None


@dataclass(frozen=True)
class Rule:
    """A compiled rule: its condition, its effects and where it came from."""

    id: str
    when: Condition
    condition: Any
    why: str
    sources: tuple[str, ...]
    databases: Mapping[str, float]
    categories: Mapping[str, float]
    exclude: tuple[str, ...]
    origin: str
    group: str | None = None


@dataclass(frozen=True)
class Meta:
    """The knowledge base's version and review date."""

    rules_version: str
    last_reviewed: str = field(metadata=spec(min_len=10, max_len=10))
    description: str | None = None


@dataclass(frozen=True)
class CompanionSpec:
    """A second store to pair with the winner, as written in YAML (``companions:``).

    When ``when`` holds for a component, its report says "pair <winner> with <first
    eligible database of ``add``>" instead of asking one database to do both jobs: a
    search engine beside the system of record for heavy full-text search, a time-series
    engine for high-volume metrics with downsampling. ``unless`` names the winner
    categories that already are such a store, so a search engine is never paired with one.
    """

    id: str = field(metadata=ID)
    when: Any
    add: tuple[str, ...] = field(metadata=spec(min_items=1, unique=True))
    category: Category
    why: str = field(metadata=spec(min_len=10))
    sources: tuple[str, ...] = field(metadata=SOURCES)
    unless: tuple[Category, ...] = field(default=(), metadata=spec(unique=True))


@dataclass(frozen=True)
class Companion:
    """A compiled companion rule: its condition, the stores it adds and where it came from."""

    id: str
    when: Condition
    condition: Any
    add: tuple[str, ...]
    category: str
    why: str
    sources: tuple[str, ...]
    unless: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class RulesFile:
    """A file of rules (``scoring/*.yaml``, or an overlay)."""

    rules: tuple[RuleSpec, ...] = ()
    databases: tuple[Database, ...] = ()
    companions: tuple[CompanionSpec, ...] = ()


@dataclass(frozen=True)
class CategoriesFile:
    """``categories.yaml``."""

    categories: tuple[CategoryInfo, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated, merged knowledge base the engine scores against."""

    meta: Meta
    categories: Mapping[Category, CategoryInfo]
    databases: Mapping[str, Database]
    rules: tuple[Rule, ...]
    caveat_conditions: Mapping[tuple[str, str], Condition]
    origins: tuple[str, ...] = ()
    # Second stores to pair with a component's winner (see CompanionSpec).
    companions: tuple[Companion, ...] = ()

    def database(self, database_id: str) -> Database:
        """The database with this id, or an :class:`InputError` with a did-you-mean."""
        found = self.databases.get(database_id)
        if found is None:
            known = sorted(self.databases)
            raise InputError(
                f"unknown database '{database_id}'{did_you_mean(database_id, known)}; "
                f"known: {', '.join(known)}"
            )
        return found

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id, or an :class:`InputError` with a did-you-mean."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        known = [r.id for r in self.rules]
        raise InputError(f"unknown rule '{rule_id}'{did_you_mean(rule_id, known)}")


class _KbStructurer(Structurer):
    """The shared structurer plus the knowledge base's one shorthand.

    A managed offering written as a plain string is a generally available service with
    that name, so the many lists that need no status stay one line long.
    """

    def structure(
        self, tp: Any, value: Any, path: PathKey = (), meta: Mapping[str, Any] = {}
    ) -> Any:
        """Validate ``value`` as ``tp``; a string where an :class:`Offering` is due is its name."""
        if tp is Offering and isinstance(value, str):
            name = super().structure(str, value, path, OFFERING_NAME)
            return INVALID if name is INVALID else Offering(name=name)
        return super().structure(tp, value, path, meta)


def _offering_lists(database: Database) -> Iterator[tuple[PathKey, Offerings]]:
    """Every per-cloud offering list a database declares, with its path."""
    yield ("deployment", "managed"), database.deployment.managed
    yield ("deployment", "compatible"), database.deployment.compatible
    for name, capability in database.capabilities.items():
        if capability.managed is not None:
            yield ("capabilities", str(name), "managed"), capability.managed


def _check_offerings(structurer: Structurer, base: PathKey, database: Database) -> None:
    """Dates must be real dates in order; an offering that is ending must say why and when."""
    for where, offerings in _offering_lists(database):
        for cloud in CLOUDS:
            for i, offering in enumerate(offerings.offers(cloud)):
                path = (*base, *where, cloud, i)
                dates: dict[str, date] = {}
                for key in ("since", "no_new_after", "retires"):
                    text = getattr(offering, key)
                    if text is None:
                        continue
                    try:
                        dates[key] = date.fromisoformat(text)
                    except ValueError:
                        structurer.report((*path, key), f"'{text}' is not a date (YYYY-MM-DD)")
                ending = dates.get("no_new_after"), dates.get("retires")
                if ending[0] and ending[1] and ending[0] > ending[1]:
                    structurer.report((*path, "no_new_after"), "must not be later than retires")
                if offering.status == "ga":
                    continue
                if not offering.sources:
                    structurer.report(path, f"a {offering.status} offering needs sources")
                if offering.as_of is None:
                    structurer.report(path, f"a {offering.status} offering needs as_of")
                if offering.status == "retiring" and offering.retires is None:
                    structurer.report(path, "a retiring offering needs its retires date")


def _check_managed_settings(structurer: Structurer, base: PathKey, database: Database) -> None:
    """Each service's own settings name a managed offering of that cloud, once."""
    seen: set[tuple[str, str]] = set()
    for i, entry in enumerate(database.deployment.managed_settings):
        path = (*base, "deployment", "managed_settings", i, "service")
        offered = database.deployment.managed.on(entry.cloud)
        if entry.service not in offered:
            structurer.report(
                path,
                f"'{entry.service}' is not a managed offering on {entry.cloud}"
                f"{did_you_mean(entry.service, list(offered))}",
            )
        if (entry.cloud, entry.service) in seen:
            structurer.report(path, f"'{entry.service}' on {entry.cloud} is listed twice")
        seen.add((entry.cloud, entry.service))


def _check_cache_level(structurer: Structurer, base: PathKey, database: Database) -> None:
    """A cache level must be lighter than the level: rebuildable data needs less work."""
    level, cache_level = database.operational_burden.level, database.operational_burden.cache_level
    if cache_level is None or BURDENS.index(cache_level) < BURDENS.index(level):
        return
    problem = (
        "is the level itself: leave cache_level out"
        if cache_level == level
        else f"is heavier than level '{level}': rebuildable data never needs more operations work"
    )
    structurer.report((*base, "operational_burden", "cache_level"), f"'{cache_level}' {problem}")


class _Loader:
    """Collects every problem across every file before giving up."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.databases: dict[str, tuple[Database, Document, PathKey]] = {}
        self.rules: dict[str, tuple[RuleSpec, Document, PathKey]] = {}
        self.companions: dict[str, tuple[CompanionSpec, Document, PathKey]] = {}
        self.origins: list[str] = []

    def structure(self, cls: type, document: Document, path: PathKey = ()) -> Any:
        structurer = _KbStructurer(document)
        result = structurer.structure(cls, document.data, path)
        self.problems.extend(structurer.problems)
        return result

    def add_file(self, document: Document) -> None:
        """Add a rules file or a single-database file, replacing same ids."""
        data = document.data
        self.origins.append(document.file)
        if isinstance(data, dict) and "id" in data and "rules" not in data:
            database = self.structure(Database, document)
            if database is not INVALID:
                self.databases[database.id] = (database, document, ())
            return
        rules_file = self.structure(RulesFile, document)
        if rules_file is INVALID:
            return
        for i, database in enumerate(rules_file.databases):
            self.databases[database.id] = (database, document, ("databases", i))
        for i, rule in enumerate(rules_file.rules):
            self.rules[rule.id] = (rule, document, ("rules", i))
        for i, companion in enumerate(rules_file.companions):
            self.companions[companion.id] = (companion, document, ("companions", i))

    def finish(self, meta: Meta, categories: Mapping[Category, CategoryInfo]) -> KnowledgeBase:
        """Check cross-references and compile conditions; raise with every problem."""
        ids = sorted(self.databases)
        databases: dict[str, Database] = {}
        caveats: dict[tuple[str, str], Condition] = {}
        for database_id in ids:
            database, document, base = self.databases[database_id]
            structurer = Structurer(document)
            defaults = [c for c in database.consistency if c.default]
            if len(defaults) != 1:
                structurer.report(
                    (*base, "consistency"),
                    f"exactly one configuration must be default: true, found {len(defaults)}",
                )
            scaling = database.scaling
            if scaling.sharding is not None and (scaling.sharding == "native") != (
                scaling.horizontal
            ):
                # Native sharding is what horizontal means; the two must not disagree.
                structurer.report(
                    (*base, "scaling", "sharding"),
                    f"sharding: {scaling.sharding} disagrees with horizontal: "
                    f"{str(scaling.horizontal).lower()} (native sharding is horizontal)",
                )
            seen: set[str] = set()
            for i, config in enumerate(database.consistency):
                if config.id in seen:
                    structurer.report(
                        (*base, "consistency", i, "id"), f"duplicate id '{config.id}'"
                    )
                seen.add(config.id)
                if config.survives == "region" and not config.multi_region:
                    structurer.report(
                        (*base, "consistency", i, "survives"),
                        "survives: region needs multi_region: true",
                    )
                if config.multi_region_writes and not config.multi_region:
                    # Accepting writes in several regions presupposes spanning them.
                    structurer.report(
                        (*base, "consistency", i, "multi_region_writes"),
                        "multi_region_writes: true needs multi_region: true",
                    )
                for j, managed in enumerate(config.managed):
                    if managed.service not in database.deployment.managed.on(managed.cloud):
                        structurer.report(
                            (*base, "consistency", i, "managed", j, "service"),
                            f"'{managed.service}' is not a managed offering on {managed.cloud}",
                        )
                if config.pacelc[1] != config.cap[0]:
                    # PACELC's first half is the CAP side: PA goes with AP, PC with CP.
                    structurer.report(
                        (*base, "consistency", i, "pacelc"),
                        f"{config.pacelc} disagrees with cap {config.cap}: its "
                        f"{config.pacelc[:2]} means {config.pacelc[1]}P during a partition",
                    )
            _check_offerings(structurer, base, database)
            _check_managed_settings(structurer, base, database)
            _check_cache_level(structurer, base, database)
            for i, shared in enumerate(database.skills_from):
                if shared.database == database.id or shared.database not in self.databases:
                    structurer.report(
                        (*base, "skills_from", i, "database"),
                        f"'{shared.database}' is not another database of the knowledge base"
                        f"{structurer.hint(shared.database, ids)}",
                    )
            has_multi = "transactions" in database.capabilities
            if has_multi != (database.transactions.scope == "multi_record"):
                structurer.report(
                    (*base, "capabilities"),
                    "the 'transactions' capability must be listed exactly when "
                    "transactions.scope is multi_record",
                )
            compiler = Compiler(structurer)
            for i, caveat in enumerate(database.caveats):
                caveats[(database.id, caveat.id)] = (
                    compiler.compile(caveat.when, (*base, "caveats", i, "when"))
                    if caveat.when is not None
                    else ALWAYS
                )
            self.problems.extend(structurer.problems)
            databases[database_id] = database
        rules: list[Rule] = []
        for rule_id in sorted(self.rules):
            spec_, document, base = self.rules[rule_id]
            structurer = Structurer(document)
            condition = Compiler(structurer).compile(spec_.when, (*base, "when"))
            points = spec_.points or Points()
            for name, where in [
                *((n, (*base, "points", "databases", n)) for n in points.databases),
                *((n, (*base, "exclude", i)) for i, n in enumerate(spec_.exclude)),
            ]:
                if name not in databases:
                    structurer.report(
                        where, f"unknown database '{name}'{structurer.hint(name, ids)}", key=True
                    )
            for kind, effects in (
                ("databases", points.databases),
                ("categories", points.categories),
            ):
                for name, value in effects.items():
                    if abs(value) > MAX_POINTS:
                        structurer.report(
                            (*base, "points", kind, str(name)),
                            f"points must be between {-MAX_POINTS:g} and {MAX_POINTS:g}, "
                            f"got {value:g}",
                        )
            if not points.databases and not points.categories and not spec_.exclude:
                structurer.report(base, "a rule needs points or exclude (or both)")
            self.problems.extend(structurer.problems)
            rules.append(
                Rule(
                    id=spec_.id,
                    when=condition,
                    condition=spec_.when,
                    why=spec_.why,
                    sources=spec_.sources,
                    databases=dict(points.databases),
                    categories={str(k): v for k, v in points.categories.items()},
                    exclude=spec_.exclude,
                    origin=document.file,
                    group=spec_.group,
                )
            )
        companions = [self._companion(cid, ids) for cid in sorted(self.companions)]
        if self.problems:
            raise InputError(sorted(set(self.problems)))
        return KnowledgeBase(
            meta=meta,
            categories=categories,
            databases=databases,
            rules=tuple(rules),
            caveat_conditions=caveats,
            origins=tuple(self.origins),
            companions=tuple(companions),
        )

    def _companion(self, companion_id: str, ids: list[str]) -> Companion:
        """Compile one companion rule; an unknown database id is reported at its line."""
        spec_, document, base = self.companions[companion_id]
        structurer = Structurer(document)
        condition = Compiler(structurer).compile(spec_.when, (*base, "when"))
        for i, name in enumerate(spec_.add):
            if name not in ids:
                structurer.report(
                    (*base, "add", i), f"unknown database '{name}'{did_you_mean(name, ids)}"
                )
        self.problems.extend(structurer.problems)
        return Companion(
            id=spec_.id,
            when=condition,
            condition=spec_.when,
            add=spec_.add,
            category=str(spec_.category),
            why=spec_.why,
            sources=spec_.sources,
            unless=tuple(str(c) for c in spec_.unless),
            origin=document.file,
        )


def load_knowledge_base(overlays: Iterable[Path] = ()) -> KnowledgeBase:
    """Load the built-in knowledge base, then each overlay file or folder in order."""
    sources = _builtin_sources()
    key = cache.entry_name("kb", _digest_parts(sources))
    builtin = _cached(key, sources)
    if builtin is None:
        documents = {name: builtin_document(name, text) for name, text in sources}
        builtin = _load_builtin(documents, _Loader())
        cache.write_signed(key, _encode(documents))
    files = overlay_files(overlays)
    if not files:
        return builtin.compiled
    loader = builtin.loader()
    for path in files:
        try:
            loader.add_file(load_file(path))
        except InputError as error:
            loader.problems.extend(error.problems)
    return loader.finish(builtin.compiled.meta, builtin.compiled.categories)


@dataclass(frozen=True)
class _Builtin:
    """The built-in knowledge base, checked.

    ``compiled`` is ready to score with; the entries it was built from are kept so that
    overlays can replace some of them and the whole is compiled again.
    """

    compiled: KnowledgeBase
    databases: Mapping[str, tuple[Database, str, PathKey]]
    rules: Mapping[str, tuple[RuleSpec, str, PathKey]]
    companions: Mapping[str, tuple[CompanionSpec, str, PathKey]] = field(default_factory=dict)

    def loader(self) -> _Loader:
        """A loader holding the built-in entries, ready for overlays."""
        loader = _Loader()
        # Built-in entries were checked when they were loaded, so their documents are
        # only needed to locate problems that cannot occur: empty ones will do.
        loader.databases = {
            k: (db, Document(file, None), base) for k, (db, file, base) in self.databases.items()
        }
        loader.rules = {
            k: (rule, Document(file, None), base) for k, (rule, file, base) in self.rules.items()
        }
        loader.companions = {
            k: (companion, Document(file, None), base)
            for k, (companion, file, base) in self.companions.items()
        }
        loader.origins = list(self.compiled.origins)
        return loader


def _builtin_sources() -> list[tuple[str, str]]:
    return [
        ("meta.yaml", resource_text("meta.yaml")),
        ("categories.yaml", resource_text("categories.yaml")),
        *resource_texts("databases"),
        *resource_texts("scoring"),
    ]


def _digest_parts(sources: list[tuple[str, str]]) -> Iterator[bytes]:
    # The entry holds what the YAML loader made of the sources: its code and PyYAML's
    # version are part of the key, so a changed parser never meets an old entry.
    import yaml

    from advisor import yamlload

    yield Path(str(yamlload.__file__)).read_bytes()
    yield yaml.__version__.encode()
    for name, text in sources:
        yield name.encode()
        yield text.encode()


# The cache holds the parsed built-in files as JSON, signed (see advisor.cache): plain
# data, which cannot run code even if the key leaked. A hit skips the YAML parsing (about
# 17 ms of the 35 ms a load costs with no cache) and checks the data again like any load,
# so the cached form never has to mirror the models. (Rebuilding the records without the
# checks saved another 5 ms, but meant a second copy of the structurer that had to follow
# every new kind of field; a pickle of the checked objects loaded faster still, but
# unpickling runs whatever the file says.)


def _encode(documents: Mapping[str, Document]) -> bytes:
    data = {name: [document.file, document.data] for name, document in documents.items()}
    # Parsed YAML is str-keyed mappings, lists, strings, numbers, booleans and nulls, so
    # JSON keeps it exactly (non-finite floats as NaN/Infinity, which json reads back).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _cached(key: str, sources: list[tuple[str, str]]) -> _Builtin | None:
    """The built-in knowledge base from the cache entry ``key``, or None on any problem."""
    raw = cache.read_signed(key)  # None unless this user's dbadvisor wrote it
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or list(data) != [name for name, _ in sources]:
            return None
        documents = {name: Document(str(file), value) for name, (file, value) in data.items()}
        return _load_builtin(documents, _Loader())
    except (ValueError, TypeError, KeyError, RecursionError, InputError):  # not ours after all
        return None


def _load_builtin(documents: dict[str, Document], loader: _Loader) -> _Builtin:
    """Check the parsed built-in files with ``loader``; raise with every problem they have."""
    documents = dict(documents)
    meta = loader.structure(Meta, documents.pop("meta.yaml"))
    categories_file = loader.structure(CategoriesFile, documents.pop("categories.yaml"))
    for document in documents.values():
        loader.add_file(document)
    if meta is INVALID or categories_file is INVALID:
        raise InputError(sorted(set(loader.problems)))
    categories = {c.id: c for c in categories_file.categories}
    compiled = loader.finish(meta, categories)  # raises on any problem
    return _Builtin(
        compiled=compiled,
        databases={k: (v, d.file, b) for k, (v, d, b) in loader.databases.items()},
        rules={k: (v, d.file, b) for k, (v, d, b) in loader.rules.items()},
        companions={k: (v, d.file, b) for k, (v, d, b) in loader.companions.items()},
    )


def overlay_files(paths: Iterable[Path]) -> list[Path]:
    """Expand overlay folders into their YAML files (sorted); keep files as given."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Not ``is_file()``: a FIFO or device named *.yaml must reach the reader and be
            # refused there, not be skipped in silence.
            out.extend(
                sorted(
                    p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and not p.is_dir()
                )
            )
        else:
            out.append(path)
    return out


_NEITHER = re.compile(r"\bneither CP nor AP\b", re.IGNORECASE)


class _Labelled(Protocol):
    """A configuration as the knowledge base or the engine's result holds it."""

    @property
    def cap(self) -> str: ...

    @property
    def note(self) -> str | None: ...

    @property
    def replicated(self) -> bool: ...


def cap_label(config: _Labelled) -> str:
    """The CAP side a configuration gives, qualified when its note says it is not strict.

    The knowledge base files a configuration under CP or AP by convention; its note says
    when neither holds strictly (Redis with Sentinel), and the label then says so too.
    """
    if not config.replicated:
        return "one server, CAP n/a"
    if config.note and _NEITHER.search(config.note):
        return f"{config.cap} (not strictly: neither CP nor AP)"
    return config.cap
