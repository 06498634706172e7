"""The scoring engine: hard constraints exclude, soft rules score, and every point is explained.

Per component the engine flattens the answers (:func:`advisor.conditions.answers_of`),
applies the built-in checks and the knowledge base's rules, ranks every database, picks
the configuration that delivers what was asked, and finds the smallest plausible changes
of answer that would change the winner.

The design, in the order a score is built:

* Rules that restate one fact share a group (``data_model``, ``relations``, ``integrity``,
  ``write_volume``, ``use_case``, ``scale``) whose positive points are capped per
  database, so nested data, an evolving schema and a content-management use case do not
  add up to three reasons. Penalties add fully. The cut is reported as ``cap.<group>``.
* Only a capability a database lacks entirely excludes it; one it serves by modelling or
  with an add-on costs points (``fit.capability_degree``).
* In-memory stores pay for data size, or for durable data of no stated size
  (``fit.memory``), and every database is placed in a latency tier (``fit.latency``), so
  a tight target favours memory and a large durable data set does not.
* A database with several APIs (Cosmos DB) is scored once per API, each with its own
  category, and ranked by its best one.
* Configurations say whether they accept writes in several regions, shard, need another
  edition and licence, or suit multi-record transactions; geography, licensing and
  the configuration choice read those flags.
* Exact ties are broken by stated criteria (team expertise, a managed service where one
  is wanted, operational burden, the capabilities served natively, then the id) and the
  result says which one decided.

Variants are re-scored incrementally: only the rules and checks that read a changed
answer are evaluated again, which keeps "what would change the answer" cheap enough to
compute for every component of every file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from advisor.conditions import ANSWER_PATHS, LARGE_OPS, Answers, answers_of, derive
from advisor.kb import (
    BURDENS,
    CLOUDS,
    GROUP_CAPS,
    GUARANTEE_RANK,
    GUARANTEES,
    Burden,
    CapSide,
    ConsistencyConfig,
    Database,
    Guarantee,
    KnowledgeBase,
    Licence,
    Rule,
    cap_label,
)
from advisor.pairing import Pairing, pairings
from advisor.workload import Capability, Component, Workload

DERIVED_PATHS = tuple(sorted(p for p in ANSWER_PATHS if p.startswith("derived.")))

# Score = 100 * logistic(points / SCALE): 0 points is 50, +/-20 points is about 73/27.
SCALE = 20.0
# Confidence from the winner's lead over the runner-up, in points.
HIGH_MARGIN = 8.0
MEDIUM_MARGIN = 3.0
CONSOLIDATE_WITHIN = 6.0
MANY_DATABASES = 3
# "What would change the answer" keeps at most this many changes, smallest first.
MAX_CHANGES = 5


@dataclass(frozen=True)
class Reason:
    """Points one rule gave one database, with the rule's sentence."""

    rule: str
    points: float
    text: str


@dataclass(frozen=True)
class Disqualification:
    """Why a database cannot serve this component."""

    rule: str
    text: str


@dataclass(frozen=True)
class Entry:
    """One database in a component's ranking."""

    database: str
    name: str
    category: str
    score: float
    points: float
    eligible: bool
    reasons: tuple[Reason, ...]
    disqualified_by: tuple[Disqualification, ...]
    # The API it was scored as, for a database with several (Cosmos DB for NoSQL).
    api: str | None = None


@dataclass(frozen=True)
class Configuration:
    """The configuration to use on the winner to get what the workload asked for."""

    id: str
    configuration: str
    settings: str
    guarantee: str
    cap: str
    pacelc: str
    note: str | None
    sources: tuple[str, ...]
    advice: tuple[str, ...]
    replicated: bool = True

    @property
    def gives(self) -> str:
        """What the configuration gives, e.g. ``strong reads, CP, PC/EC``."""
        if not self.replicated:
            return f"{self.guarantee} reads; one server, so CAP and PACELC do not arise"
        return f"{self.guarantee} reads, {cap_label(self)}, {self.pacelc}"


@dataclass(frozen=True)
class CaveatNote:
    """A caveat of the winner that applies to this workload."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A single answer that, changed to ``value``, makes ``database`` win."""

    answer: str
    current: str | None
    value: str
    database: str

    @property
    def change(self) -> str:
        """The change in words: ``strong``, ``add ttl`` or ``keep mysql``.

        ``add`` names a capability added to needs, ``keep`` a database dropped from
        replacing (the component stays on it).
        """
        if self.answer == "needs":
            return f"add {self.value}"
        if self.answer == "replacing":
            return f"keep {self.value}"
        return self.value


@dataclass(frozen=True)
class ComponentResult:
    """Everything decided about one component."""

    name: str
    description: str | None
    cap: str
    cap_basis: str
    acid_base: str
    pacelc: str
    recommendation: Entry | None
    runner_up: Entry | None
    confidence: str
    margin: float | None
    configuration: Configuration | None
    caveats: tuple[CaveatNote, ...]
    what_would_change: tuple[Change, ...]
    ranking: tuple[Entry, ...]
    answers: Mapping[str, Any]
    # Why the winner is first when it ties the runner-up on points, in words.
    tie_break: str | None = None
    # Second stores to run beside the winner ("pair X with Y"), by companion rule id.
    companions: tuple[Pairing, ...] = ()


@dataclass(frozen=True)
class SystemResult:
    """System-level view of a polyglot workload."""

    databases: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    """The engine's answer for one workload."""

    workload: Workload
    rules_version: str
    last_reviewed: str
    components: tuple[ComponentResult, ...]
    system: SystemResult


@dataclass(frozen=True)
class Check:
    """A built-in check of one database against the answers it reads.

    ``run`` returns ``None`` (nothing to say), a disqualification text (hard) or
    ``(points, text)`` (soft).
    """

    id: str
    paths: frozenset[str]
    hard: bool
    run: Callable[[Answers, Database], str | tuple[float, str] | None]


def _guarantee_for(asked: str | None) -> Guarantee | None:
    # Each consistency answer is spelled as the guarantee it asks for.
    return next((g for g in GUARANTEES if g == asked), None)


def _meets(config: ConsistencyConfig, asked: Guarantee | None) -> bool:
    return asked is None or GUARANTEE_RANK[config.guarantee] >= GUARANTEE_RANK[asked]


def _on(cloud: str | None) -> str:
    """`` on aws`` when the answer names a cloud, else nothing."""
    return f" on {cloud}" if cloud in CLOUDS else ""


def licence_of(db: Database, config: ConsistencyConfig) -> Licence:
    """The licence a configuration needs: its own (an edition's) or the database's."""
    return config.licence or db.licence


def _open_configs(db: Database) -> list[ConsistencyConfig]:
    return [c for c in db.consistency if c.production_ready and licence_of(db, c).osi_approved]


def usable_configs(answers: Answers, db: Database) -> list[ConsistencyConfig]:
    """Production-ready configurations whose licence the workload accepts.

    When the licence leaves none, constraint.licensing excludes the database; the other
    checks then judge all its production-ready configurations, so that each exclusion
    is reported for its own reason and not as a consequence of the licence.
    """
    ready = [c for c in db.consistency if c.production_ready]
    if answers.get("context.licensing") != "open_source":
        return ready
    return _open_configs(db) or ready


def _replacing_check(answers: Answers, db: Database) -> str | None:
    if db.id in answers.get("replacing", ()):
        return f"{db.name} is the database this component is moving off"
    return None


def _cloud_check(answers: Answers, db: Database) -> str | None:
    cloud = answers.get("context.cloud")
    if cloud == "on_prem" and not db.deployment.self_hosted:
        return (
            f"{db.name} is counted here only as a cloud service: the knowledge base has no "
            "self-hosted edition of it to run on premises"
        )
    hosted_only = not db.deployment.self_hosted
    if cloud in CLOUDS and hosted_only and not db.deployment.managed.available(cloud):
        return f"{db.name} runs only as a managed service, and none is offered on {cloud}"
    return None


def _managed_check(answers: Answers, db: Database) -> str | None:
    managed, cloud = answers.get("context.managed"), answers.get("context.cloud")
    if managed == "self_hosted" and not db.deployment.self_hosted:
        return (
            f"{db.name} is counted here only as a managed service: the knowledge base has no "
            "self-hosted edition of it"
        )
    if managed != "required":
        return None
    if cloud == "on_prem":
        return f"no managed {db.name} service runs on premises"
    if db.deployment.managed.available(cloud):
        return None
    if cloud not in CLOUDS:
        return f"no cloud offers {db.name} as a managed service"
    similar = db.deployment.compatible.available(cloud)
    also = f" (API-compatible, other engine: {', '.join(similar)})" if similar else ""
    # A service that is being shut down still exists; say so, or the exclusion looks wrong.
    ending = "; ".join(o.describe() for o in db.deployment.managed.ending(cloud))
    if ending:
        return f"no managed {db.name} service on {cloud} takes new workloads: {ending}{also}"
    return f"no managed {db.name} service is offered on {cloud}{also}"


def _licence_check(answers: Answers, db: Database) -> str | None:
    if answers.get("context.licensing") != "open_source":
        return None
    if _open_configs(db):
        return None
    if not db.licence.osi_approved:
        return f"{db.name} is licensed {db.licence.spdx}, which is not an OSI-approved licence"
    return f"every production-ready {db.name} configuration needs a commercial edition"


def _item_size_check(answers: Answers, db: Database) -> str | None:
    size, limit = answers.get("scale.item_size_kb"), db.max_item.kb
    if size is not None and limit is not None and size > limit:
        return f"items of {size:g} KB exceed {db.name}'s limit of {limit:g} KB per item"
    return None


def _durability_check(answers: Answers, db: Database) -> str | None:
    if answers.get("durability") == "durable" and not db.durability.durable:
        return f"{db.name} is a cache: it cannot keep data across a restart"
    return None


def _needs_check(answers: Answers, db: Database) -> str | None:
    # Only a capability the database does not have at all (degree "none") excludes it;
    # one served by modelling or an add-on costs points instead (fit.capability_degree).
    needs: tuple[Capability, ...] = answers.get("needs", ())
    missing = [n for n in needs if n not in db.capabilities]
    if missing:
        return f"{db.name} lacks {', '.join(missing)}"
    if answers.get("context.managed") != "required":
        return None
    cloud = answers.get("context.cloud")
    unmanaged = []
    for need in needs:
        offers = db.capabilities[need].managed
        if offers is None:
            continue
        if not offers.available(cloud):
            unmanaged.append(need)
    if unmanaged:
        return f"no managed {db.name} service{_on(cloud)} offers {', '.join(unmanaged)}"
    return None


def _transactions_check(answers: Answers, db: Database) -> str | None:
    if answers.get("transactions") == "multi_record" and db.transactions.scope != "multi_record":
        return f"{db.name} has no multi-record transactions (scope: {db.transactions.scope})"
    return None


def _consistency_check(answers: Answers, db: Database) -> str | None:
    asked = _guarantee_for(answers.get("consistency"))
    if asked is None:
        return None
    if not any(_meets(c, asked) for c in usable_configs(answers, db)):
        return f"no production-ready {db.name} configuration gives {asked} consistency"
    return None


# Points for team expertise: in the database itself, in one it shares its engine with
# (most of the skills carry over), in one it shares only its interface with (the query
# language and client code carry over, operations do not).
EXPERTISE_POINTS = {"own": 10.0, "engine": 8.0, "interface": 4.0}


def expertise_reach(answers: Answers, db: Database) -> tuple[str, str] | None:
    """How far the team's expertise reaches ``db`` ("own", "engine" or "interface"), and why.

    None when the team names neither ``db`` nor a database whose skills carry over to it.
    """
    known = answers.get("context.team_expertise", ())
    if db.id in known:
        return "own", f"The team already runs {db.name} well: fewer unknowns, faster delivery."
    shared = [s for s in db.skills_from if s.database in known]
    if not shared:
        return None
    best = max(shared, key=lambda s: (EXPERTISE_POINTS[s.reach], s.database))
    return best.reach, f"The team's skills carry over: {best.note}"


def _expertise(answers: Answers, db: Database) -> tuple[float, str] | None:
    reach = expertise_reach(answers, db)
    return None if reach is None else (EXPERTISE_POINTS[reach[0]], reach[1])


# Points for a move that keeps the data model, queries and client code: the database
# speaks the interface of (or shares the engine with) the one the component moves off.
MIGRATION_POINTS = 6.0


def _migration(answers: Answers, db: Database) -> tuple[float, str] | None:
    replaced = answers.get("replacing", ())
    if not any(s.database in replaced for s in db.skills_from):
        return None
    return MIGRATION_POINTS, (
        f"{db.name} keeps the data model, queries and client code of the database this "
        "component is moving off."
    )


def managed_offerings(answers: Answers, db: Database) -> tuple[str, ...]:
    """The managed offerings of ``db`` on the workload's cloud, when it wants one.

    Empty when ``context.managed`` is neither preferred nor required. Without a cloud,
    every cloud's offerings count (see ``Offerings.available``).
    """
    if answers.get("context.managed") not in ("preferred", "required"):
        return ()
    return db.deployment.managed.available(answers.get("context.cloud"))


def _managed_preference(answers: Answers, db: Database) -> tuple[float, str] | None:
    if managed_offerings(answers, db):
        cloud = answers.get("context.cloud")
        return 5.0, f"A managed {db.name} service exists{_on(cloud)}, as preferred."
    return None


def _partition_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    side = answers.get("on_partition")
    if side is None:
        return None
    asked = _guarantee_for(answers.get("consistency"))
    wanted: CapSide = "CP" if side == "stay_consistent" else "AP"
    # A single server never diverges, but it is not an answer to a partition between
    # replicas either: only replicated configurations count (the seed's "Redis is CP"
    # must not come back through a one-node setup).
    usable = [c for c in usable_configs(answers, db) if c.replicated and c.cap == wanted]
    if wanted == "CP":
        usable = [c for c in usable if _meets(c, asked)]
    if usable:
        return None
    if wanted == "CP":
        return -15.0, (
            f"No production-ready {db.name} configuration refuses to diverge during a "
            "partition (CP) at the asked consistency."
        )
    return -10.0, (
        f"Every {db.name} configuration chooses consistency over availability during a partition."
    )


def _durable_strong_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    # Data that must not be lost is kept on more than one machine; read strongly, those
    # copies must be synchronous. A database whose only strong configuration is one
    # unreplicated server offers either strong reads or copies that survive a machine,
    # not both (its replicas are asynchronous and can lose acknowledged writes).
    if answers.get("durability") != "durable" or answers.get("consistency") != "strong":
        return None
    usable = usable_configs(answers, db)
    if not any(c.guarantee == "strong" for c in usable):
        return None  # constraint.consistency already excludes it
    if any(c.replicated and c.guarantee == "strong" for c in usable):
        return None
    return -6.0, (
        f"{db.name} reads strongly only from one unreplicated server: strong reads and a "
        "second copy of data that must not be lost exclude each other."
    )


def _multi_region_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    region = answers.get("multi_region")
    if region not in ("replicas", "active_active"):
        return None
    asked = _guarantee_for(answers.get("consistency"))
    spanning = [c for c in usable_configs(answers, db) if c.multi_region]
    if not spanning:
        return -6.0, f"No production-ready {db.name} configuration spans regions."
    if region == "active_active":
        # Spanning regions is not enough: a single-primary set with members in several
        # regions still sends every write to one region.
        writers = [c for c in spanning if c.multi_region_writes]
        if not writers:
            return -10.0, (
                f"{db.name} spans regions only with a single writable primary: every write "
                "goes to one region, so it is not active-active."
            )
        spanning = writers
    # Read replicas in other regions are asynchronous copies nearly everywhere: the asked
    # consistency holds in the writing region. Only active-active puts it across regions.
    if region != "active_active":
        return None
    if asked is not None and not any(_meets(c, asked) for c in spanning):
        best = max((c.guarantee for c in spanning), key=GUARANTEE_RANK.__getitem__)
        return -6.0, (
            f"Across regions {db.name} gives at best {best} reads, weaker than the "
            f"{asked} consistency asked."
        )
    return None


def rides_out(config: ConsistencyConfig, failure: str | None) -> bool:
    """Whether ``config`` rides out ``failure`` (node, zone, region) losing no acknowledged write.

    A region takes a configuration that replicates synchronously across regions; a
    server or zone, any replicated one not known to lose acknowledged writes at a
    failover (every replicated configuration can be laid out over zones). With no
    failure asked, every configuration does.
    """
    if failure == "region":
        return config.survives == "region"
    if failure in ("node", "zone"):
        return config.replicated and config.survives != "none"
    return True


def _survives_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    # Losing no acknowledged write through a failure takes a copy written before the
    # write is acknowledged, in another failure domain. Every replicated configuration can
    # be laid out over zones; only synchronous or consensus replication across regions
    # rides out a region, and the knowledge base names those configurations.
    asked = answers.get("survives")
    if asked is None or answers.get("durability") == "ephemeral":
        return None
    if any(rides_out(c, asked) for c in usable_configs(answers, db)):
        return None
    if asked == "region":
        return -8.0, (
            f"No {db.name} configuration known here keeps every acknowledged write through "
            "the loss of a region: that takes synchronous or consensus replication across "
            "regions, and failing over to asynchronous copies loses the writes not yet copied."
        )
    cloud = answers.get("context.cloud")
    if any(db.deployment.keeps_writes(cloud, name) for name in managed_offerings(answers, db)):
        return None  # the managed service keeps the writes the engine's replicas may lose
    return -6.0, (
        f"Every {db.name} configuration can lose acknowledged writes when a server fails: "
        "its replicas are copied asynchronously, or there are none."
    )


def _burden(answers: Answers, db: Database) -> tuple[float, str] | None:
    # The specialist operations work a demanding database takes is what a team that
    # already runs it well has: for that team it is no extra burden (and not a second
    # reason against its own database beside the expertise it is credited for).
    if db.id in answers.get("context.team_expertise", ()):
        return None
    burden = db.operational_burden
    level = burden.level_for(answers.get("durability"))
    if level == "high":
        return -4.0, f"Running {db.name} well takes specialist operations work."
    if level == "low" and answers.get("context.managed") != "self_hosted":
        as_cache = " run as a cache" if level != burden.level else ""
        return 2.0, f"{db.name}{as_cache} needs little operations work."
    return None


def _clusters_whatever_the_choice(answers: Answers) -> bool:
    """Whether the team will run a cluster whichever database it picks.

    A large workload (``derived.scale``: data or traffic past what one primary serves,
    or the growth answer saying so) on the team's own machines, or on no chosen cloud
    with no wish for a managed service, is a cluster to operate in any database: a
    sharded MongoDB (config servers, routers, a balancer), PostgreSQL or MySQL behind
    Citus, Vitess, shards in the application or a fleet of read replicas, or a store
    that partitions by design. On a chosen cloud, or where a managed service is wanted,
    fully managed partitioned services are the alternative, and operations work still
    separates the options.
    """
    if answers.get("derived.scale") != "large":
        return False
    managed = answers.get("context.managed")
    if managed == "self_hosted" or answers.get("context.cloud") == "on_prem":
        return True
    return answers.get("context.cloud") not in CLOUDS and managed not in ("required", "preferred")


def _tie_burden(answers: Answers, db: Database) -> Burden:
    """The operations work the tie-break compares, weighed as the burden checks weigh it.

    The level for the data's durability (fit.operational_burden); a high level that
    fit.burden_of_scale gives back, where every choice is a cluster, counts as medium.
    """
    if _tied_to_one_cloud(answers, db):
        # Its light operations presuppose adopting its cloud, which the workload has not
        # chosen: as cloud.single_provider cancels that advantage in points, it is no
        # advantage in a tie either.
        return "high"
    level = db.operational_burden.level_for(answers.get("durability"))
    if level == "high" and _burden_of_scale(answers, db) is not None:
        return "medium"
    return level


def _tied_to_one_cloud(answers: Answers, db: Database) -> bool:
    """Whether ``db`` runs only as one provider's service and the workload names no cloud."""
    if db.deployment.self_hosted or answers.get("context.cloud") in (*CLOUDS, "on_prem"):
        return False
    return sum(bool(db.deployment.managed.available(cloud)) for cloud in CLOUDS) == 1


def _burden_of_scale(answers: Answers, db: Database) -> tuple[float, str] | None:
    # The specialist work a store that partitions by design takes (fit.operational_burden)
    # is, at a scale where every choice is a cluster to run, the work of the scale and not
    # a burden that store adds: this gives the penalty back.
    if db.scaling.degree != "native" or not _clusters_whatever_the_choice(answers):
        return None
    burden = _burden(answers, db)
    if burden is None or burden[0] >= 0:
        return None
    return -burden[0], (
        "At this size or throughput the team runs a cluster whichever database it picks (a "
        "sharded document or relational database, read replicas, or a store built to "
        f"partition): {db.name}'s operations work is the scale's, not its own."
    )


# Points a capability costs when it is not native: an add-on is one more component to
# install and run, modelling is work in every query and schema that touches it.
DEGREE_COST = {"native": 0.0, "add_on": -2.0, "modelled": -4.0}
DEGREE_WORDS = {"add_on": "with an add-on", "modelled": "by modelling"}


def _degree_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    needs: tuple[Capability, ...] = answers.get("needs", ())
    partial = [(n, db.capabilities[n].degree) for n in needs if n in db.capabilities]
    partial = [(n, d) for n, d in partial if d != "native"]
    if not partial:
        return None
    points = sum(DEGREE_COST[d] for _, d in partial)
    said = "; ".join(f"{n} {DEGREE_WORDS[d]}" for n, d in partial)
    return points, f"{db.name} serves {said}, not as a built-in feature."


# In-memory stores hold the whole data set in RAM: past a few hundred gigabytes that is
# a cluster of large-memory nodes, past a few terabytes rarely sensible. The penalty only
# grows with size, so more data never helps an in-memory store.
MEMORY_STEPS: tuple[tuple[float, float], ...] = (
    (10_000.0, -30.0),
    (1_000.0, -16.0),
    (250.0, -6.0),
)
# Durable data of unstated size: keeping it in RAM bets that it stays small. The bet costs
# less than the first measured step, since the data may well be small.
UNSIZED_DURABLE = -2.0


def _memory_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    size = answers.get("scale.data_size_gb")
    if db.storage is None or not db.storage.in_memory:
        return None
    if size is None:
        if answers.get("durability") != "durable":
            return None
        return UNSIZED_DURABLE, (
            f"{db.name} keeps the whole data set in memory, and no data size is given: "
            "keeping durable data there bets that it stays small."
        )
    # RAM is what an ephemeral cache with a tight latency target is buying, so its cost
    # weighs less there; for data that must be kept it weighs fully.
    latency = answers.get("latency_ms")
    weight = 1.0
    if answers.get("durability") == "ephemeral":
        weight = 0.25 if latency is not None and latency <= 2 else 0.5
    # Durable data written steadily is persisted by snapshots that may need headroom on
    # top of the data set (Redis forks; copy-on-write can double its memory).
    ram, why = size, "needs that much RAM across the cluster"
    steady_writes = answers.get("read_write_ratio") in ("balanced", "write_heavy")
    headroom = db.storage.persist_headroom
    if answers.get("durability") == "durable" and steady_writes and headroom > 1:
        ram = size * headroom
        why = (
            f"needs up to {ram:g} GB of RAM across the cluster while snapshots are written "
            "under this write load"
        )
    for limit, points in MEMORY_STEPS:
        if ram > limit:
            return points * weight, (
                f"{db.name} keeps the whole data set in memory: {size:g} GB {why}, at many "
                "times the cost of disk."
            )
    return None


# Points per latency tier for a p99 target: (target up to, points per tier). A stricter
# target never gives a slower tier more, nor a faster tier less.
LATENCY_POINTS: tuple[tuple[float, Mapping[str, float]], ...] = (
    (1.0, {"sub_millisecond": 8.0, "single_digit_ms": -4.0, "milliseconds": -4.0}),
    (3.0, {"sub_millisecond": 6.0, "single_digit_ms": -2.0, "milliseconds": -2.0}),
    (10.0, {"sub_millisecond": 2.0, "single_digit_ms": 2.0, "milliseconds": 0.0}),
)
TIER_WORDS = {
    "sub_millisecond": "serves from memory in well under a millisecond",
    "single_digit_ms": "documents single-digit-millisecond latency",
    "milliseconds": "reads from disk over the network, a few milliseconds at p99",
}


def latency_tier(db: Database) -> str:
    """The latency tier of a database (disk-based when the knowledge base says nothing)."""
    return db.storage.latency if db.storage is not None else "milliseconds"


def _latency_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    target = answers.get("latency_ms")
    if target is None:
        return None
    tier = latency_tier(db)
    for limit, by_tier in LATENCY_POINTS:
        if target <= limit:
            points = by_tier[tier]
            if not points:
                return None
            return points, f"For a {target:g} ms p99 target: {db.name} {TIER_WORDS[tier]}."
    return None


# Points at large scale by how a database spreads writes over nodes. A sharding layer
# (Citus, Vitess) costs what any add-on costs (DEGREE_COST): one more component to run,
# with its own limits on cross-shard queries; sharding in the application costs more.
SCALE_OUT_POINTS = {"native": 3.0, "add_on": DEGREE_COST["add_on"], "modelled": -6.0}


def _scale_out_fit(answers: Answers, db: Database) -> tuple[float, str] | None:
    if answers.get("derived.scale") != "large":
        return None
    in_memory = db.storage is not None and db.storage.in_memory
    by_size = answers.get("scale.data_size_gb") is not None
    if in_memory and by_size and (answers.get("derived.ops_per_sec") or 0) < LARGE_OPS:
        # Large by size alone: for a store that holds everything in RAM, more data is
        # fit.memory's cost, never a reason in its favour. With no figure at all (only
        # "outgrows one server") the store partitions like any other, so it counts.
        return None
    degree = db.scaling.degree
    points = SCALE_OUT_POINTS[degree]
    if degree == "native":
        return points, f"{db.name} partitions data and writes across nodes, as this size needs."
    if degree == "add_on":
        return points, (
            f"{db.name} writes through one primary per server; at this throughput or size "
            "a sharding layer spreads them (see its scaling note), one more component to run."
        )
    return points, (
        f"{db.name} writes through one primary: at this throughput or size it needs "
        "application-level sharding."
    )


def _paths(*names: str) -> frozenset[str]:
    return frozenset(names)


CONFIG_PATHS = ("context.licensing",)
# What fit.operational_burden reads, and so fit.burden_of_scale, which gives it back.
BURDEN_PATHS = ("context.managed", "context.team_expertise", "durability")

CHECKS: tuple[Check, ...] = (
    Check("constraint.replacing", _paths("replacing"), True, _replacing_check),
    Check("constraint.cloud", _paths("context.cloud"), True, _cloud_check),
    Check("constraint.managed", _paths("context.managed", "context.cloud"), True, _managed_check),
    Check("constraint.licensing", _paths("context.licensing"), True, _licence_check),
    Check("constraint.item_size", _paths("scale.item_size_kb"), True, _item_size_check),
    Check("constraint.durability", _paths("durability"), True, _durability_check),
    Check(
        "constraint.needs", _paths("needs", "context.managed", "context.cloud"), True, _needs_check
    ),
    Check("constraint.transactions", _paths("transactions"), True, _transactions_check),
    Check(
        "constraint.consistency",
        _paths("consistency", *CONFIG_PATHS),
        True,
        _consistency_check,
    ),
    Check("context.team_expertise", _paths("context.team_expertise"), False, _expertise),
    Check("fit.migration", _paths("replacing"), False, _migration),
    Check(
        "context.managed_preference",
        _paths("context.managed", "context.cloud"),
        False,
        _managed_preference,
    ),
    Check(
        "fit.on_partition",
        _paths("on_partition", "consistency", *CONFIG_PATHS),
        False,
        _partition_fit,
    ),
    Check(
        "fit.multi_region",
        _paths("multi_region", "consistency", *CONFIG_PATHS),
        False,
        _multi_region_fit,
    ),
    Check(
        "fit.durable_strong",
        _paths("durability", "consistency", *CONFIG_PATHS),
        False,
        _durable_strong_fit,
    ),
    Check(
        "fit.survives",
        _paths("survives", "durability", "context.managed", "context.cloud", *CONFIG_PATHS),
        False,
        _survives_fit,
    ),
    Check("fit.operational_burden", _paths(*BURDEN_PATHS), False, _burden),
    Check(
        "fit.burden_of_scale",
        _paths(*BURDEN_PATHS, "context.cloud", "derived.scale"),
        False,
        _burden_of_scale,
    ),
    Check("fit.capability_degree", _paths("needs"), False, _degree_fit),
    Check(
        "fit.memory",
        _paths("scale.data_size_gb", "durability", "latency_ms", "read_write_ratio"),
        False,
        _memory_fit,
    ),
    Check("fit.latency", _paths("latency_ms"), False, _latency_fit),
    Check("fit.scale_out", _paths("derived.scale", "derived.ops_per_sec"), False, _scale_out_fit),
)

# What each built-in check does, for `rules show` and `rules list`: every rule id a
# report prints resolves, the built-in ones included.
BUILTIN_WHY: Mapping[str, str] = {
    "constraint.replacing": "Excludes the databases a component is moving off (replacing), "
    "so that the ranking answers what to move to.",
    "constraint.cloud": "Excludes databases that cannot run where the workload must run "
    "(a cloud-only service on premises, or on a cloud that does not offer it).",
    "constraint.managed": "With managed: required, excludes databases no provider runs for "
    "you on the chosen cloud; with self_hosted, excludes service-only databases.",
    "constraint.licensing": "With licensing: open_source, excludes databases with no "
    "production-ready configuration under an OSI-approved licence (a commercial edition "
    "needed for clustering does not count).",
    "constraint.item_size": "Excludes databases whose per-item limit is below the item size.",
    "constraint.durability": "Excludes caches that cannot keep data across a restart when "
    "the data must be durable.",
    "constraint.needs": "Excludes databases that do not offer a needed capability at all; "
    "one served by modelling or an add-on is not excluded (see fit.capability_degree).",
    "constraint.transactions": "Excludes databases without multi-record transactions when "
    "the workload needs them.",
    "constraint.consistency": "Excludes databases with no production-ready configuration "
    "(under an accepted licence) that gives the asked consistency.",
    "context.team_expertise": "+10 for a database the team already runs well in production; "
    "+8 for one built on the same engine as such a database (TimescaleDB on PostgreSQL, "
    "Valkey and Redis), +4 for one that speaks its query language and protocol on another "
    "engine (ScyllaDB and Cassandra, CockroachDB and PostgreSQL).",
    "context.managed_preference": "+5 for a database with a managed service on the chosen "
    "cloud when a managed service is preferred or required.",
    "fit.on_partition": "-15 when no replicated configuration stays consistent during a "
    "partition at the asked consistency (CP asked); -10 when none stays available (AP asked).",
    "fit.multi_region": "-6 when no configuration spans regions; -10 for active-active when "
    "no configuration accepts writes in several regions; -6 when the configurations that do "
    "give weaker reads than asked across regions.",
    "fit.durable_strong": "-6 when durable data is read with strong consistency and the "
    "database's only strong configuration is one unreplicated server (its replicas are "
    "asynchronous).",
    "fit.survives": "For durable data that must ride out a failure with no acknowledged "
    "write lost: -8 when the failure is a region and no configuration replicates "
    "synchronously or by consensus across regions; -6 when it is a server or zone and every "
    "configuration's replicas are asynchronous (or there are none), unless a managed "
    "service in use keeps every acknowledged write (Amazon MemoryDB, or ElastiCache with "
    "sync durability, under Valkey).",
    "fit.operational_burden": "-4 for a database that takes specialist operations work, "
    "unless the team already runs it well (that work is its expertise); +2 for one that "
    "takes little, unless the team self-hosts. For data that can be rebuilt, a database's "
    "level as a cache counts (Redis and Valkey without persistence or failover).",
    "fit.burden_of_scale": "+4 back to a database that partitions by design and pays "
    "fit.operational_burden, when the workload is large (as for fit.scale_out) and the team "
    "runs its own machines, or has chosen neither a cloud nor a managed service: every "
    "choice is then a cluster to operate.",
    "fit.capability_degree": "-2 per needed capability served by an add-on, -4 per one served "
    "by modelling the data (not a built-in feature).",
    "fit.migration": "+6 for a database that speaks the interface of, or shares the engine "
    "with, a database the component is replacing (its skills_from): the move keeps the "
    "data model, queries and client code.",
    "fit.memory": "For in-memory stores: -6 above 250 GB of data, -16 above 1 TB, -30 above "
    "10 TB, since the whole data set must fit in RAM; half that for ephemeral data, a "
    "quarter for ephemeral data with a p99 target of 2 ms or less. Durable data with "
    "balanced or write-heavy traffic counts at the store's persistence headroom (Redis: "
    "twice its size, for the fork that writes snapshots). Durable data of no stated size: "
    "-2, a bet that it stays small.",
    "fit.latency": "Points by the latency tier a database documents: for a p99 target of 1 ms "
    "or less +8 in-memory, -4 otherwise; up to 3 ms +6 in-memory, -2 otherwise; up to "
    "10 ms +2 for in-memory stores and single-digit-millisecond services.",
    "fit.scale_out": "At large scale (50,000 operations per second or 5 TB and more): +3 for "
    "a database that partitions writes across nodes, -2 for one sharded by an add-on layer "
    "(Citus, Vitess), -6 for one that writes through one primary and needs "
    "application-level sharding. In-memory stores large by data size alone get nothing "
    "(their size is fit.memory's cost).",
    **{
        f"cap.{group}": f"Caps a group of rules that restate one fact. {why}"
        for group, (_, why) in GROUP_CAPS.items()
    },
}


GROUP_WHY: Mapping[str, str] = {str(g): why for g, (_, why) in GROUP_CAPS.items()}


def describe_builtin(rule_id: str) -> str | None:
    """``rules show`` text for a built-in check or group cap, or None if ``rule_id`` is not one."""
    why = BUILTIN_WHY.get(rule_id)
    if why is None:
        return None
    kind = "hard constraint" if rule_id.startswith("constraint.") else "built-in soft check"
    if rule_id.startswith("cap."):
        kind = "cap on a group of rules"
    return f"id: {rule_id}\nkind: {kind}\nwhy: {why}\ndefined in: advisor/engine.py\n"


@dataclass(frozen=True)
class _Row:
    """One way of scoring a database: the database itself, or one of its APIs."""

    db_id: str
    category: str
    api: str | None


class _State:
    """Scores of every row for one set of answers (mutable, unlike the results).

    ``points`` already includes the soft checks and the group caps, and ``blocks``
    counts the hard checks and excluding rules that hold, so ranking a state is one sort
    and a variant only adjusts what its changed answers touch. Grouped rules keep their
    raw positive and negative sums per row and group in ``raw``; only the capped sum
    reaches ``points``.
    """

    __slots__ = ("answers", "blocks", "check_results", "fired", "points", "raw")

    def __init__(
        self,
        answers: dict[str, Any],
        fired: set[int],
        points: list[float],
        blocks: dict[str, int],
        check_results: dict[tuple[int, str], Any] | None = None,
        raw: dict[tuple[int, str], list[float]] | None = None,
    ) -> None:
        """Hold one set of answers and the totals they give."""
        self.answers = answers
        self.fired = fired
        self.points = points
        self.blocks = blocks
        self.check_results = {} if check_results is None else check_results
        self.raw = {} if raw is None else raw

    def copy(self, answers: dict[str, Any]) -> _State:
        """A copy with other answers, to adjust incrementally."""
        return _State(
            answers,
            set(self.fired),
            list(self.points),
            dict(self.blocks),
            dict(self.check_results),
            {k: list(v) for k, v in self.raw.items()},
        )


# Distributed SQL keeps the relational model (typed tables, joins, multi-row ACID
# transactions, SQL): a rule about how well that model fits the data, its relations, its
# integrity or its use case counts for it as for a relational database, unless the rule
# names distributed SQL itself. What differs is stated by the dsql.* rules and the fit
# checks: consensus on every write and its cost when one server suffices, write scale-out
# and region survival when the workload needs them. Rules about size and write volume
# (baseline.simplest_thing, single-primary limits) are not inherited: they are the
# difference.
MODEL_OF: Mapping[str, str] = {"distributed_sql": "relational"}
NOT_INHERITED: frozenset[str] = frozenset({"scale", "write_volume"})


def category_points(rule: Rule, category: str) -> float:
    """A rule's points for a category, with the model's points where it inherits them."""
    if category in rule.categories:
        return rule.categories[category]
    model = MODEL_OF.get(category)
    if model is None or rule.group in NOT_INHERITED:
        return 0.0
    return rule.categories.get(model, 0.0)


def capped(raw: Sequence[float], cap: float) -> float:
    """A group's contribution: its positive points up to ``cap``, plus its penalties."""
    return min(raw[0], cap) + raw[1]


class Engine:
    """Scores components against one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        """Precompute each rule's effect per row and which answers it reads."""
        self.kb = kb
        self.ids = sorted(kb.databases)
        self.rows: list[_Row] = []
        for db_id in self.ids:
            db = kb.databases[db_id]
            if db.apis:
                self.rows.extend(_Row(db_id, str(a.category), a.name) for a in db.apis)
            else:
                self.rows.append(_Row(db_id, str(db.category), None))
        self.rows_of: dict[str, list[int]] = {}
        for r, row in enumerate(self.rows):
            self.rows_of.setdefault(row.db_id, []).append(r)
        self.effects: list[dict[int, float]] = []
        for rule in kb.rules:
            effect: dict[int, float] = {}
            for r, row in enumerate(self.rows):
                value = rule.databases.get(row.db_id, 0.0) + category_points(rule, row.category)
                if value:
                    effect[r] = value
            self.effects.append(effect)
        self.caps: dict[str, float] = {str(g): cap for g, (cap, _) in GROUP_CAPS.items()}
        # Which rules and checks read each answer: a variant re-evaluates only those.
        self.rules_reading: dict[str, list[int]] = {}
        for i, rule in enumerate(kb.rules):
            for path in rule.when.paths:
                self.rules_reading.setdefault(path, []).append(i)
        # Native capabilities of the closed set: the room left for needs not yet known.
        self.breadth = {
            db_id: sum(c.degree == "native" for c in kb.databases[db_id].capabilities.values())
            for db_id in self.ids
        }

    # -- scoring -----------------------------------------------------------------

    def _toggle_rule(self, state: _State, index: int, on: bool) -> None:
        """Add (``on``) or remove one rule's points and exclusions."""
        rule = self.kb.rules[index]
        sign = 1 if on else -1
        (state.fired.add if on else state.fired.discard)(index)
        group = rule.group
        for r, value in self.effects[index].items():
            if group is None:
                state.points[r] += sign * value
                continue
            raw = state.raw.setdefault((r, group), [0.0, 0.0])
            before = capped(raw, self.caps[group])
            raw[0 if value > 0 else 1] += sign * value
            state.points[r] += capped(raw, self.caps[group]) - before
        for db_id in rule.exclude:
            state.blocks[db_id] += sign

    def _set_check(self, state: _State, c: int, db_id: str, result: Any) -> None:
        """Replace one check's result for one database, keeping the totals in step."""
        for sign, value in ((-1, state.check_results.get((c, db_id))), (1, result)):
            if value is None:
                continue
            if CHECKS[c].hard:
                state.blocks[db_id] += sign
            else:
                for r in self.rows_of[db_id]:
                    state.points[r] += sign * value[0]
        state.check_results[(c, db_id)] = result

    def state(self, answers: dict[str, Any]) -> _State:
        """Score every database for a full set of answers."""
        state = _State(answers, set(), [0.0] * len(self.rows), dict.fromkeys(self.ids, 0))
        for i, rule in enumerate(self.kb.rules):
            if rule.when(answers):
                self._toggle_rule(state, i, on=True)
        for c, check in enumerate(CHECKS):
            for db_id in self.ids:
                self._set_check(state, c, db_id, check.run(answers, self.kb.databases[db_id]))
        return state

    def _best_rows(self, state: _State) -> dict[str, int]:
        """Each database's best-scoring row (its first API on a tie)."""
        best: dict[str, int] = {}
        for db_id, rows in self.rows_of.items():
            best[db_id] = max(rows, key=lambda r: (round(state.points[r], 6), -r))
        return best

    def tie_key(self, answers: Answers, db_id: str) -> tuple[float, int, int, int, str]:
        """The stated tie-break among equal points, as a sort key.

        Team expertise first (the database itself, then one whose skills carry over, by
        how far), then a managed service where one is wanted, then the lighter
        operational burden, then the more capabilities served natively (the room left
        for needs the workload has not named yet), then the id.
        """
        db = self.kb.databases[db_id]
        reach = expertise_reach(answers, db)
        expert = -EXPERTISE_POINTS[reach[0]] if reach else 0.0
        managed = bool(managed_offerings(answers, db))
        return (
            expert,
            0 if managed else 1,
            BURDENS.index(_tie_burden(answers, db)),
            -self.breadth[db_id],
            db_id,
        )

    def _order(self, state: _State) -> list[tuple[bool, float, str, int]]:
        best = self._best_rows(state)
        rows = [
            (state.blocks[db_id] == 0, state.points[best[db_id]], db_id, best[db_id])
            for db_id in self.ids
        ]

        # Eligible first, then by points. Exact ties, which are few, go by the stated
        # criteria (tie_key), computed only for the rows that tie: this runs for every
        # variant "what would change the answer" scores.
        def standing(row: tuple[bool, float, str, int]) -> tuple[bool, float]:
            return not row[0], -round(row[1], 6)

        rows.sort(key=standing)
        ordered: list[tuple[bool, float, str, int]] = []
        for _, group in groupby(rows, key=standing):
            tied = list(group)
            if len(tied) > 1:
                tied.sort(key=lambda row: self.tie_key(state.answers, row[2]))
            ordered.extend(tied)
        return ordered

    def rank(self, answers: Mapping[str, Any]) -> tuple[Entry, ...]:
        """The full ranking for flat answers (``derived.*`` answers are recomputed)."""
        fresh = dict(answers)
        derive(fresh)
        return tuple(self._ranking(self.state(fresh)))

    def winner(self, state: _State) -> str | None:
        """The best eligible database for a state, if any."""
        eligible, _, db_id, _ = self._order(state)[0]
        return db_id if eligible else None

    def variant(self, base: _State, changes: Mapping[str, Any]) -> _State:
        """Re-score ``base`` with some answers changed, evaluating only what they touch."""
        answers = dict(base.answers)
        for path, value in changes.items():
            if value is None:
                answers.pop(path, None)
            else:
                answers[path] = value
        derive(answers)
        # Only the changed answers and the answers derived from them can differ.
        candidates = (*changes, *DERIVED_PATHS)
        changed = {k for k in candidates if answers.get(k) != base.answers.get(k)}
        state = base.copy(answers)
        touched = sorted({i for path in changed for i in self.rules_reading.get(path, ())})
        for i in touched:
            now = self.kb.rules[i].when(answers)
            if now != (i in base.fired):
                self._toggle_rule(state, i, on=now)
        for c, check in enumerate(CHECKS):
            if check.paths & changed:
                for db_id in self.ids:
                    self._set_check(state, c, db_id, check.run(answers, self.kb.databases[db_id]))
        return state

    # -- results -----------------------------------------------------------------

    def score_component(self, component: Component, workload: Workload) -> ComponentResult:
        """Rank every database for one component and explain the outcome."""
        answers = answers_of(component, workload.context)
        state = self.state(answers)
        ranking = self._ranking(state)
        eligible = [e for e in ranking if e.eligible]
        winner = eligible[0] if eligible else None
        runner_up = eligible[1] if len(eligible) > 1 else None
        # The lead is reported on the scale of the scores (0-100), like the scores.
        margin = round(winner.score - runner_up.score, 1) if winner and runner_up else None
        # Confidence reads the lead in points, not in score: the logistic score flattens
        # near 100, so a clear lead between two strong candidates looks small there.
        lead = winner.points - runner_up.points if winner and runner_up else None
        if winner is None:
            confidence = "none"
        elif lead is None or lead >= HIGH_MARGIN:
            confidence = "high"
        elif lead >= MEDIUM_MARGIN:
            confidence = "medium"
        else:
            confidence = "too_close_to_call"
        cap, basis = _cap_of(answers)
        database = self.kb.databases[winner.database] if winner else None
        result = ComponentResult(
            name=component.name,
            description=component.description,
            cap=cap,
            cap_basis=basis,
            acid_base=_acid_base(answers),
            pacelc=_pacelc(cap, answers),
            recommendation=winner,
            runner_up=runner_up,
            confidence=confidence,
            margin=margin,
            configuration=_configuration(database, answers, cap) if database else None,
            caveats=self._caveats(database, answers) if database else (),
            what_would_change=self._changes(state, winner.database if winner else None),
            ranking=tuple(ranking),
            answers=answers,
            tie_break=self._tie_break(answers, winner, runner_up),
        )
        # Pairings read the finished ranking (the winner's category, the context checks
        # of the companion), so they are added last; they change no score.
        return replace(result, companions=pairings(self.kb, result))

    def _tie_break(
        self, answers: Answers, winner: Entry | None, runner: Entry | None
    ) -> str | None:
        """Why the winner is first when it ties the runner-up on points, in words."""
        if winner is None or runner is None or round(winner.points - runner.points, 6) != 0:
            return None
        mine, theirs = (
            self.tie_key(answers, winner.database),
            self.tie_key(answers, runner.database),
        )
        reasons = (
            f"the team already runs {winner.name}"
            if mine[0] == -EXPERTISE_POINTS["own"]
            else f"the team's skills carry over to {winner.name}",
            f"a managed {winner.name} service exists where one is wanted",
            (
                f"{runner.name}'s lighter operations presuppose its one cloud, which the "
                "workload has not chosen"
            )
            if _tied_to_one_cloud(answers, self.kb.databases[runner.database])
            else f"{winner.name} takes less operations work",
            f"{winner.name} serves more of the capabilities tracked here natively",
            "of the order of their ids (nothing else separates them)",
        )
        step = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
        return (
            f"{winner.name} and {runner.name} tie at {winner.points:g} points; "
            f"{winner.name} is ranked first because {reasons[step]}."
        )

    def _ranking(self, state: _State) -> list[Entry]:
        entries = []
        for eligible, total, db_id, r in self._order(state):
            db = self.kb.databases[db_id]
            row = self.rows[r]
            reasons = []
            groups: dict[str, list[float]] = {}
            for i in sorted(state.fired):
                value = self.effects[i].get(r)
                if value is None:
                    continue
                rule = self.kb.rules[i]
                reasons.append(Reason(rule.id, value, rule.why))
                if rule.group is not None:
                    raw = groups.setdefault(rule.group, [0.0, 0.0])
                    raw[0 if value > 0 else 1] += value
            for group, raw in sorted(groups.items()):
                cut = capped(raw, self.caps[group]) - sum(raw)
                if cut < 0:
                    reasons.append(
                        Reason(
                            f"cap.{group}",
                            round(cut, 2),
                            f"{GROUP_WHY[group]} Several rules of this group fired; "
                            "the excess is removed.",
                        )
                    )
            disqualified = [
                Disqualification(self.kb.rules[i].id, self.kb.rules[i].why)
                for i in sorted(state.fired)
                if db_id in self.kb.rules[i].exclude
            ]
            for c, check in enumerate(CHECKS):
                result = state.check_results[(c, db_id)]
                if result is None:
                    continue
                if check.hard:
                    disqualified.append(Disqualification(check.id, str(result)))
                else:
                    reasons.append(Reason(check.id, result[0], result[1]))
            reasons.sort(key=lambda x: (-abs(x.points), x.rule))
            entries.append(
                Entry(
                    database=db_id,
                    name=db.name,
                    category=row.category,
                    score=_score(total),
                    points=round(total, 2),
                    eligible=eligible,
                    reasons=tuple(reasons),
                    disqualified_by=tuple(sorted(disqualified, key=lambda d: d.rule)),
                    api=row.api,
                )
            )
        return entries

    def _caveats(self, db: Database, answers: Answers) -> tuple[CaveatNote, ...]:
        return tuple(
            CaveatNote(c.id, c.text, c.sources)
            for c in db.caveats
            if self.kb.caveat_conditions[(db.id, c.id)](answers)
        )

    def _changes(self, state: _State, current: str | None) -> tuple[Change, ...]:
        """The smallest plausible single-answer changes that make another database win.

        Only changes next to the current answers are tried (see :func:`_variants`); they
        are ordered by size, then question order, and at most :data:`MAX_CHANGES` are kept,
        one per new winner.
        """
        found: list[tuple[int, int, Change]] = []
        for order, (path, value, size) in enumerate(_variants(state.answers)):
            winner = self.winner(self.variant(state, variant_change(state.answers, path, value)))
            if not variant_answered(path, value, winner):
                continue
            if winner is not None and winner != current:
                old = state.answers.get(path)
                shown = ", ".join(old) if isinstance(old, tuple) else old
                change = Change(path, None if shown is None else str(shown), value, winner)
                found.append((size, order, change))
        found.sort(key=lambda f: (f[0], f[1]))
        out: list[Change] = []
        for _, _, change in found:
            if any(c.database == change.database for c in out):
                continue
            out.append(change)
            if len(out) == MAX_CHANGES:
                break
        return tuple(out)

    def score(self, workload: Workload) -> Result:
        """Score every component and look at the system as a whole."""
        components = tuple(self.score_component(c, workload) for c in workload.components)
        return Result(
            workload=workload,
            rules_version=self.kb.meta.rules_version,
            last_reviewed=self.kb.meta.last_reviewed,
            components=components,
            system=_system(components, self.kb.databases),
        )


# Answers whose neighbours "what would change the answer" explores, in question order.
# Ordered answers move one step; the context is only relaxed, never tightened; a durable
# workload is never offered "ephemeral"; a use case only moves to a related one.
ORDERED_PATHS = (
    "relationships",
    "query_complexity",
    "schema_flexibility",
    "consistency",
    "transactions",
    "read_write_ratio",
    "multi_region",
    "survives",
)
SWITCH_PATHS = ("data_shape", "on_partition", "scale.growth")
RELAXED: Mapping[str, Mapping[str, str]] = {
    "durability": {"ephemeral": "durable"},
    "context.cloud": {"aws": "any", "azure": "any", "gcp": "any", "on_prem": "any"},
    "context.managed": {
        "required": "preferred",
        "preferred": "no_preference",
        "self_hosted": "no_preference",
    },
    "context.licensing": {"open_source": "any"},
}
RELATED_USE_CASES: Mapping[str, tuple[str, ...]] = {
    "session_store": ("cache", "user_profiles"),
    "cache": ("session_store",),
    "leaderboard": ("real_time_analytics",),
    "rate_limiting": ("real_time_analytics",),
    "distributed_lock": ("configuration",),
    "pub_sub": ("event_logging",),
    "shopping_cart": ("session_store", "order_processing"),
    "product_catalog": ("content_management",),
    "content_management": ("product_catalog",),
    "user_profiles": ("session_store", "content_management"),
    "inventory": ("order_processing",),
    "order_processing": ("inventory", "financial_ledger"),
    "financial_ledger": ("order_processing",),
    "event_logging": ("time_series", "analytics"),
    "time_series": ("iot_telemetry", "event_logging"),
    "iot_telemetry": ("time_series",),
    "analytics": ("real_time_analytics", "event_logging"),
    "social_graph": ("recommendations",),
    "fraud_detection": ("social_graph",),
    "recommendations": ("social_graph",),
    "configuration": ("distributed_lock",),
    "real_time_analytics": ("analytics", "leaderboard"),
}
# Needs a workload is close to, from its other answers and its access patterns.
PATTERN_NEEDS = {
    "search": "full_text_search",
    "near": "geospatial",
    "top": "sorted_sets",
    "traverse": "graph_traversal",
    "aggregate": "aggregations",
    "query": "secondary_indexes",
}


def _near_needs(answers: Answers) -> list[str]:
    kinds = answers.get("derived.pattern_kinds", ())
    near = [PATTERN_NEEDS[k] for k in kinds if k in PATTERN_NEEDS]
    if answers.get("relationships") in ("many", "deep"):
        near.append("joins")
    if answers.get("relationships") == "deep" or answers.get("data_shape") == "network":
        near.append("graph_traversal")
    if answers.get("durability") == "ephemeral":
        near.append("ttl")
    if answers.get("transactions") == "multi_record":
        near.append("transactions")
    if answers.get("data_shape") == "series":
        near.extend(("time_series", "ttl"))
    if answers.get("query_complexity") in ("medium", "complex"):
        near.extend(("secondary_indexes", "aggregations"))
    have = answers.get("needs", ())
    return sorted({n for n in near if n not in have})


def variant_change(answers: Answers, path: str, value: str) -> dict[str, Any]:
    """The answers one variant of :func:`_variants` changes.

    ``needs`` gains ``value``, ``replacing`` loses it (the component stays on it), any
    other answer becomes it.
    """
    if path == "needs":
        return {path: (*answers.get("needs", ()), value)}
    if path == "replacing":
        return {path: tuple(d for d in answers.get(path, ()) if d != value)}
    return {path: value}


def variant_answered(path: str, value: str, winner: str | None) -> bool:
    """Whether ``winner`` answers the question a variant asks.

    Keeping a replaced database asks "what if we stayed on it": only that database
    winning answers it. Dropping it from ``replacing`` also drops its compatible
    databases' fit.migration, so a third database may win, which says nothing of staying.
    """
    return path != "replacing" or winner == value


def _variants(answers: Answers) -> Iterable[tuple[str, str, int]]:
    """Plausible single changes: ``(path, new value, size)``, size 1 being the smallest."""
    use_case = answers.get("use_case")
    for related in RELATED_USE_CASES.get(str(use_case), ()):
        yield "use_case", related, 3
    for path in (*ORDERED_PATHS, *SWITCH_PATHS):
        values = ANSWER_PATHS[path].kind
        assert isinstance(values, tuple)
        current = answers.get(path)
        if current is None:
            for value in values:
                yield path, value, 2
            continue
        if path in SWITCH_PATHS:
            for value in values:
                if value != current:
                    yield path, value, 1 if path == "on_partition" else 2
            continue
        at = values.index(current)
        for step in (at - 1, at + 1):
            if 0 <= step < len(values):
                yield path, values[step], 1
    for path, relaxed in RELAXED.items():
        loosened = relaxed.get(str(answers.get(path)))
        if loosened is not None:
            yield path, loosened, 1
    for need in _near_needs(answers):
        yield "needs", need, 2
    # Staying on a database the component is moving off is the alternative every
    # migration weighs.
    for kept in answers.get("replacing", ()):
        yield "replacing", kept, 1


def _score(points: float) -> float:
    # The logistic written so that exp() only sees x <= 0: a total of thousands of
    # negative points (an overlay may hold many rules) must give 0.0, not OverflowError.
    x = points / SCALE
    if x >= 0:
        return round(100.0 / (1.0 + math.exp(-x)), 1)
    e = math.exp(x)
    return round(100.0 * e / (1.0 + e), 1)


def _cap_of(answers: Answers) -> tuple[str, str]:
    side = answers.get("on_partition")
    if side is not None:
        return ("CP" if side == "stay_consistent" else "AP"), "asked"
    strict = answers.get("consistency") == "strong" or answers.get("transactions") == "multi_record"
    return ("CP" if strict else "AP"), "inferred"


def _acid_base(answers: Answers) -> str:
    strict = answers.get("transactions") == "multi_record" or answers.get("consistency") == "strong"
    return "ACID" if strict else "BASE"


def _pacelc(cap: str, answers: Answers) -> str:
    else_side = "EC" if answers.get("consistency") == "strong" else "EL"
    return f"{'PC' if cap == 'CP' else 'PA'}/{else_side}"


def _configuration(db: Database, answers: Answers, cap: str) -> Configuration:
    """The configuration of ``db`` that gives what was asked at the least cost in latency.

    An explicit answer to the partition question outranks the consistency level when no
    configuration gives both (CAP allows one of the two); otherwise the asked level comes
    first. Then geography (active-active needs writes in several regions), replicas, no
    sharding for data that does not need it, the default, and the weakest level that
    suffices.
    """
    asked = _guarantee_for(answers.get("consistency"))
    region = answers.get("multi_region")
    wants_regions = region in ("replicas", "active_active")
    candidates = usable_configs(answers, db) or [db.default_configuration()]
    explicit = answers.get("on_partition") is not None
    large = answers.get("derived.scale") == "large"

    # A workload that says how to behave under a partition runs replicas: a single
    # server does not answer that question, whatever its CAP convention says.
    wants_replicas = explicit or wants_regions

    def cap_miss(config: ConsistencyConfig) -> int:
        return 0 if config.cap == cap and (config.replicated or not wants_replicas) else 1

    def region_miss(config: ConsistencyConfig) -> int:
        if region == "active_active":
            return 0 if config.multi_region_writes else 1
        return 0 if config.multi_region == wants_regions else 1

    survives = answers.get("survives")

    multi_record = answers.get("transactions") == "multi_record"
    # Multi-record changes run in the configuration meant for transactions when there is
    # one, never in one that transactions cannot use.
    fit_for_transactions = {True: 0, None: 1, False: 2}

    def cost(config: ConsistencyConfig) -> tuple[int, ...]:
        meets = _meets(config, asked)
        rank = GUARANTEE_RANK[config.guarantee]
        return (
            fit_for_transactions[config.transactions] if multi_record else 0,
            cap_miss(config) if explicit else 0,
            0 if meets else 1,
            cap_miss(config),
            0 if rides_out(config, survives) else 1,
            region_miss(config),
            0 if config.replicated or not wants_replicas else 1,
            0 if config.sharded == large or not config.sharded else 1,
            0 if config.default else 1,  # the default when it suffices: least surprise
            rank if meets else -rank,  # the weakest that suffices, else the strongest
        )

    chosen = min(candidates, key=lambda c: (cost(c), c.id))
    advice: list[str] = []
    if answers.get("durability") == "durable" and db.durability.settings:
        advice.append(f"Durability: {db.durability.settings}")
    if not _meets(chosen, asked) and multi_record and chosen.transactions:
        advice.append(
            f"Inside multi-record transactions {db.name} gives {chosen.guarantee} reads "
            f"(snapshot isolation), not {asked}; the {asked} configuration cannot be used "
            "in a transaction."
        )
    elif not _meets(chosen, asked):
        advice.append(
            f"No {db.name} configuration that is {cap} during a partition gives {asked} "
            f"reads; this one gives {chosen.guarantee} reads (CAP: one or the other)."
        )
    elif chosen.cap != cap:
        advice.append(
            f"No {db.name} configuration gives {cap} at the asked consistency; "
            f"this one is {chosen.cap}."
        )
    if answers.get("context.licensing") == "open_source":
        # Say what the licence filter cost: a better configuration that needs a commercial
        # edition (Neo4j clustering) is worth knowing about.
        unrestricted = [c for c in db.consistency if c.production_ready]
        best = min(unrestricted, key=lambda c: (cost(c), c.id))
        if best.id != chosen.id and cost(best) < cost(chosen):
            licence = licence_of(db, best)
            edition = best.edition or db.name
            advice.append(
                f"The better fit, {best.configuration}, needs {edition} ({licence.spdx}), "
                "which is not open source; with open source only this is the best there is."
            )
    if chosen.edition is not None:
        licence = licence_of(db, chosen)
        kind = "OSI-approved" if licence.osi_approved else "not OSI-approved"
        needs = f"Needs {chosen.edition}, licensed {licence.spdx} ({kind})."
        # Only on a named cloud: without one, which service runs it is still open.
        managed = managed_offerings(answers, db) if answers.get("context.cloud") else ()
        if chosen.edition_self_managed and managed:
            needs = (
                f"Self-managed, this needs {chosen.edition}, licensed {licence.spdx} "
                f"({kind}); on {managed[0]} the service tier provides it instead."
            )
        advice.append(needs)
    return Configuration(
        id=chosen.id,
        configuration=chosen.configuration,
        settings=chosen.settings,
        guarantee=chosen.guarantee,
        cap=chosen.cap,
        pacelc=chosen.pacelc,
        note=chosen.note,
        sources=chosen.sources,
        advice=tuple(advice),
        replicated=chosen.replicated,
    )


def _system(
    components: Sequence[ComponentResult], databases: Mapping[str, Database]
) -> SystemResult:
    # Warnings are read by people: databases by name; the result's ``databases`` keeps ids.
    chosen = [c.recommendation.database for c in components if c.recommendation]
    distinct = tuple(sorted(set(chosen)))
    # A companion store is one more database to run, operate and keep in step, so the
    # polyglot count includes the companions that are not chosen as winners anyway.
    beside = sorted({p.companion for c in components for p in c.companions} - set(distinct))
    running = len(distinct) + len(beside)
    warnings: list[str] = []
    if running >= MANY_DATABASES:
        for component in components:
            winner = component.recommendation
            if winner is None or chosen.count(winner.database) > 1:
                continue
            for entry in component.ranking[1:]:
                behind = winner.points - entry.points
                if not entry.eligible or behind > CONSOLIDATE_WITHIN:
                    break
                if entry.database in chosen:
                    warnings.append(
                        f"{component.name}: {entry.name} is only {behind:g} points behind "
                        f"{winner.name} and already chosen elsewhere; consider it to run one "
                        "database fewer."
                    )
                    break

        def named(ids: Iterable[str]) -> str:
            return ", ".join(databases[i].name for i in ids)

        paired = f", with {named(beside)} beside them" if beside else ""
        warnings.insert(
            0,
            f"This system would run {running} different databases "
            f"({named(distinct)}{paired}); each one adds operations, skills and failure modes.",
        )
    return SystemResult(databases=distinct, warnings=tuple(warnings))


def recommend(workload: Workload, kb: KnowledgeBase) -> Result:
    """Score a workload against a knowledge base."""
    return Engine(kb).score(workload)
