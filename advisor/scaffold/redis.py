"""Redis design: a key schema with hash tags, hashes, index keys, TTLs, streams and persistence.

Each item is a hash at ``<app>:<entity>:{<id>}``. The design targets one standalone
server or a Sentinel-managed primary: its transactions span an item and its index keys,
which Redis Cluster would hash to different slots (CROSSSLOT), so Cluster is not generated.
Ordered and ranked patterns get a sorted set per value of their equality fields, other
equality look-ups a set, ``near`` a geo set. Items expire from their expiry field, or
after a default TTL when ``ttl`` is needed but no field holds the expiry. Bulk writes use
pipelines; atomic read-modify-write uses WATCH/MULTI; events go to a stream read by
consumer groups.
"""

from __future__ import annotations

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
from advisor.scaffold.spec import NUMERIC, ComponentSpec, EntitySpec, FieldSpec, PatternSpec
from advisor.workload import FieldType, PatternKind

# One Redis shard runs commands on one thread: roughly 100,000 simple commands a second.
# A key read above half of that, counting a range of 10 members as one more command,
# is a hot key.
HOT_KEY_OPS = 50_000
DEFAULT_TTL_SECONDS = 7 * 24 * 3600
BULK_CHUNK = 1000
SCORABLE = NUMERIC | {FieldType.DATETIME, FieldType.BOOL}


@dataclass(frozen=True, slots=True)
class RedisIndex:
    """A secondary index key per value of ``fields``: a set, a sorted set or a geo set."""

    entity: EntitySpec
    kind: str
    fields: tuple[FieldSpec, ...]
    score: FieldSpec | None

    @property
    def name(self) -> str:
        """The index's segment in its keys, unique per entity."""
        parts = [self.kind, *(f.ident for f in self.fields)]
        if self.score is not None:
            parts.append(self.score.ident)
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class RedisRead:
    """How one access pattern is served."""

    pattern: PatternSpec
    how: How
    index: RedisIndex | None
    served_by: str
    sort_in_app: bool = False


@dataclass(frozen=True, slots=True)
class RedisDesign:
    """The Redis design of one component."""

    spec: ComponentSpec
    prefix: str
    indexes: tuple[RedisIndex, ...]
    reads: tuple[RedisRead, ...]
    default_ttl: int | None
    persistence: tuple[str, ...]
    decisions: tuple[str, ...]
    warnings: tuple[DesignWarning, ...]

    @property
    def fsync(self) -> str:
        """The appendfsync setting this component needs ("no" when it is ephemeral)."""
        return "no" if self.spec.durability == "ephemeral" else _fsync(self.spec)

    def indexes_of(self, entity: EntitySpec) -> tuple[RedisIndex, ...]:
        """The index keys an entity's writes maintain."""
        return tuple(i for i in self.indexes if i.entity.name == entity.name)


def design(spec: ComponentSpec, prefix: str) -> RedisDesign:
    """Work out the Redis design of ``spec``; keys start with ``prefix``."""
    warnings: list[DesignWarning] = []
    decisions: list[str] = [
        f"Each item is a hash at {prefix}:<entity>:{{<id>}}. Run Redis standalone or with "
        "Sentinel: create, update, delete and save_together touch an item and its index "
        "keys in one MULTI, and on Redis Cluster those keys hash to different slots "
        "(CROSSSLOT error). On Cluster use one hash tag per partition (for example the "
        "parent key) for every key a transaction touches; that layout is not generated.",
    ]
    indexes: list[RedisIndex] = []
    reads = []
    for pattern in spec.patterns:
        read = _serve(spec, pattern, warnings)
        # Patterns with the same equality fields and order share one index.
        if read.index is not None and read.index not in indexes:
            indexes.append(read.index)
        reads.append(read)
        _hot(spec, pattern, read, warnings)
    # A default TTL only when ttl was asked and no field says when an item expires.
    wants_ttl = spec.ttl and not spec.expiring
    default_ttl = DEFAULT_TTL_SECONDS if wants_ttl else None
    for entity in spec.entities:
        if entity.expiry is not None:
            decisions.append(
                f"{entity.name}: EXPIREAT from {entity.expiry.name}, so Redis deletes the "
                "hash when it expires; index entries of expired items are pruned on read, "
                "and each index key expires with its latest item (EXPIREAT NX, then GT), "
                "so per-value indexes do not grow without bound."
            )
        elif default_ttl is not None:
            decisions.append(
                f"{entity.name}: ttl is needed but no field holds the expiry time, so each "
                f"write sets a TTL of {default_ttl // 86400} days (DEFAULT_TTL_SECONDS); "
                "change it to what the data needs."
            )
    warnings += ttl_warning(spec, "add one to expire items with EXPIREAT")
    decisions.append(
        "create, update and delete write an item and its index entries in one "
        "WATCH/MULTI/EXEC, so a concurrent change is retried, never lost. Bulk loads "
        f"pipeline {BULK_CHUNK} items per round trip and overwrite existing items."
    )
    decisions += unique_notes(
        spec,
        "a key <entity>:unique:<field>:{<value>} holds the owner's key; it is WATCHed, "
        "checked and set in the same MULTI as the item",
    )
    if spec.multi_record:
        decisions.append(
            "save_together() WATCHes every item key, checks that creates are new and that "
            "updates (and items passed as unchanged) start from the stored values, then "
            "writes all items in one "
            "MULTI/EXEC (retried when a watched key changes); Redis has no rollback for "
            "a command that fails inside EXEC."
        )
    if spec.events:
        decisions.append(
            "Changes are appended to a stream (XADD in the same MULTI as the write) and "
            "read by consumer groups with XREADGROUP/XACK: unlike pub/sub, a message "
            "waits until a consumer acknowledges it, so none is lost while a consumer is "
            "down. A restarted consumer calls read_pending (id 0) before read_events, "
            "claim_stale (XAUTOCLAIM) moves events a dead consumer held, and the stream is "
            "never trimmed by length: trim_events trims with MINID up to the oldest entry "
            "some group has not acknowledged."
        )
    if spec.consistency == "strong":
        warnings.append(
            warn(
                spec,
                None,
                "strong consistency asked: Redis replicates asynchronously, so read from "
                "the primary only and WAIT for replicas on critical writes; a failover can "
                "still lose acknowledged writes",
            )
        )
    return RedisDesign(
        spec=spec,
        prefix=prefix,
        indexes=tuple(indexes),
        reads=tuple(reads),
        default_ttl=default_ttl,
        persistence=_persistence(spec),
        decisions=tuple(decisions),
        warnings=tuple(warnings),
    )


def _serve(spec: ComponentSpec, pattern: PatternSpec, warnings: list[DesignWarning]) -> RedisRead:
    entity = pattern.entity
    fields = tuple(p.field for p in pattern.by)
    if pattern.kind is PatternKind.TRAVERSE:
        warnings.append(traversal(spec, pattern))
        return RedisRead(pattern, How.UNSUPPORTED, None, "not served (graph traversal)")
    if pattern.kind is PatternKind.SEARCH:
        warnings.append(
            warn(
                spec,
                pattern,
                "full-text search: plain Redis has no text index (RediSearch in Redis Stack "
                "has), so the function SCANs every item; use a search engine or Redis Stack",
            )
        )
        return RedisRead(pattern, How.SCAN, None, "SCAN over every item")
    if pattern.kind is PatternKind.NEAR:
        geo = entity.geo
        if geo is None:
            warnings.append(no_geo(spec, pattern))
            return RedisRead(pattern, How.UNSUPPORTED, None, "not served (no geo field)")
        index = RedisIndex(entity, "geo", fields, geo)
        return RedisRead(pattern, How.GEO, index, "GEOSEARCH on a geo set")
    if entity.key.ident in pattern.fields:
        return RedisRead(pattern, How.KEY, None, "HGETALL of the item's key")
    order = pattern.order
    if pattern.kind is PatternKind.AGGREGATE:
        if not fields:
            warnings.append(
                warn(
                    spec,
                    pattern,
                    "aggregate over every item: no key serves it and Redis has no "
                    "aggregation, so the function SCANs every item; keep running totals "
                    "with HINCRBY in the same MULTI as the writes instead",
                )
            )
            return RedisRead(pattern, How.SCAN, None, "SCAN over every item")
        warnings.append(
            warn(
                spec,
                pattern,
                "aggregate: Redis has no aggregation, so the function reads every matching "
                "item and sums in the client; keep running totals with HINCRBY in the "
                "same MULTI as the writes instead",
            )
        )
        return RedisRead(pattern, How.SET, RedisIndex(entity, "set", fields, None), "a set index")
    if order is not None and order.ident != entity.key.ident and order.type in SCORABLE:
        index = RedisIndex(entity, "zset", fields, order)
        return RedisRead(pattern, How.ZSET, index, "a sorted set (score = order field)")
    in_app = order is not None and order.ident != entity.key.ident
    if not fields:
        warnings.append(
            warn(spec, pattern, "no key or index serves it: the function SCANs every item")
        )
        return RedisRead(pattern, How.SCAN, None, "SCAN over every item", in_app)
    if in_app:
        warnings.append(
            warn(
                spec,
                pattern,
                f"ordered by {order.name if order else ''}, which is not a number or a "
                "time: a sorted set cannot rank it, so every match is read and sorted "
                "in the client",
            )
        )
    index = RedisIndex(entity, "set", fields, None)
    return RedisRead(pattern, How.SET, index, "a set index", in_app)


def _hot(
    spec: ComponentSpec, pattern: PatternSpec, read: RedisRead, warnings: list[DesignWarning]
) -> None:
    """Warn when many requests a second read one key (a top list, or an unkeyed index)."""
    if read.index is None or pattern.per_sec is None:
        return
    concentrated = pattern.kind is PatternKind.TOP or not read.index.fields
    load = pattern.per_sec * max(1.0, (pattern.limit or 1) / 10)
    if concentrated and load > HOT_KEY_OPS:
        warnings.append(
            warn(
                spec,
                pattern,
                f"hot key: {rate(pattern.per_sec)} requests/s read the same key "
                f"({pattern.limit or 'all'} members each) on one shard's single thread; "
                "cache the result for a second in the application or read from replicas",
            )
        )


def _fsync(spec: ComponentSpec) -> str:
    """The appendfsync a durable component needs: always for strong or transactional writes."""
    return "always" if spec.consistency == "strong" or spec.multi_record else "everysec"


def _persistence(spec: ComponentSpec) -> tuple[str, ...]:
    """The persistence and replication settings the durability answer asks for."""
    lines = []
    if spec.durability == "ephemeral":
        lines += [
            "Durability ephemeral: losing data is tolerable, so RDB snapshots "
            "(save 3600 1) or no persistence at all are enough.",
            "maxmemory-policy volatile-lru evicts only keys that have a TTL (least recently "
            "used first); when none has one, writes fail with OOM errors as under "
            "noeviction. Use allkeys-lru when any key may be evicted.",
        ]
    else:
        fsync = _fsync(spec)
        lines += [
            f"Durability durable: run with appendonly yes and appendfsync {fsync}. "
            + (
                "This component asks strong consistency or multi-record transactions, so "
                "appendfsync always: everysec can lose about one second of acknowledged "
                "writes on a crash."
                if fsync == "always"
                else "everysec can lose about one second of acknowledged writes on a "
                "crash; appendfsync always loses none but syncs the disk on every write."
            )
            + " Keep RDB snapshots for backups.",
            "maxmemory-policy noeviction, so Redis refuses writes rather than evicting "
            "data when memory is full.",
        ]
    lines.append(
        "One server has one maxmemory-policy and one appendfsync setting: when components "
        "with different durability share a server, the strictest applies (noeviction, "
        "the strongest fsync); run separate instances to tune each."
    )
    lines.append(
        "Replication is asynchronous: a write acknowledged by the primary is lost if the "
        "primary fails before a replica copied it. WAIT numreplicas timeout narrows the "
        "window but does not make Redis strongly consistent."
    )
    return tuple(lines)
