"""Redis design: a key schema of hashes, index keys, expiry, streams and persistence.

Each item is a hash at ``<app>:<entity>:item:<id>``. The design targets one standalone
server or a Sentinel-managed primary: its transactions span an item and its index keys,
which Redis Cluster would hash to different slots (CROSSSLOT), so no hash tags are
written and Cluster is not generated. Ordered patterns get a sorted set per value of
their equality fields, other equality look-ups a set, ``near`` a geo set. A ``top``
pattern with a rank pattern inside it is a leaderboard: one sorted set per board whose
members are the ranked field (the player), read with ZREVRANGE WITHSCORES and ranked by
ZSCORE + ZCOUNT (tied players share a rank).
Items expire only from a field that says when; no TTL is ever made up. Bulk writes use
pipelines; counters are HINCRBY/ZINCRBY; read-modify-write uses WATCH/MULTI; events go
to a stream read by consumer groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from advisor.amounts import duration_text
from advisor.engine import MEMORY_STEPS
from advisor.scaffold.common import (
    DesignWarning,
    How,
    counted,
    no_geo,
    rate,
    traversal,
    ttl_warning,
    unique_notes,
    unserved_needs_warning,
    warn,
)
from advisor.scaffold.spec import NUMERIC, ComponentSpec, EntitySpec, FieldSpec, PatternSpec
from advisor.workload import FieldType, PatternKind

# One Redis shard runs commands on one thread: roughly 100,000 simple commands a second.
# A key read above half of that, counting a range of 10 members as one more command,
# is a hot key.
HOT_KEY_OPS = 50_000
BULK_CHUNK = 1000
# The index of items by equality fields alone: a sorted set whose scores are all 0, so
# its members (item keys) are ordered by their bytes and a page is a ZRANGE BYLEX slice.
KEY_INDEX = "a key index (a sorted set, scores 0)"
SCORABLE = NUMERIC | {FieldType.DATETIME, FieldType.BOOL}


@dataclass(frozen=True, slots=True)
class RedisIndex:
    """A secondary index key per value of ``fields``: a set, a sorted set or a geo set.

    ``member`` is set for a leaderboard (kind ``board``): the field whose value is the
    sorted set's member, instead of the item's key.
    """

    entity: EntitySpec
    kind: str
    fields: tuple[FieldSpec, ...]
    score: FieldSpec | None
    member: FieldSpec | None = None

    @property
    def entry_fields(self) -> tuple[FieldSpec, ...]:
        """The fields an item's entry is built from, its score aside.

        The index key's and the member's: an entry's member is otherwise the item's key,
        which never changes.
        """
        return tuple(f for f in (*self.fields, self.member) if f is not None)

    @property
    def optional(self) -> tuple[FieldSpec, ...]:
        """Optional fields the index needs: an item that lacks one is not in the index."""
        used = (*self.fields, self.score, self.member)
        return tuple(f for f in used if f is not None and f.optional)

    @property
    def name(self) -> str:
        """The index's segment in its keys, unique per entity."""
        # Fields joined by "," and, in a key, "=" before the values: no key of one index
        # can spell a key of another whatever its values hold (by a vs by a + b, by a
        # scored by s vs by a + s).
        parts = [self.kind]
        if self.fields:
            parts.append(",".join(f.ident for f in self.fields))
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
    # A unique group the read's equality fields are: served by GET of its claim key.
    claim: tuple[FieldSpec, ...] = ()

    @property
    def pages(self) -> bool:
        """Whether the pattern gets a ``_page`` function (a list read from an index)."""
        listed = self.pattern.kind in (PatternKind.QUERY, PatternKind.TOP)
        ordered = self.how in (How.ZSET, How.BOARD) or (
            self.how is How.SET and self.pattern.order is None
        )
        return listed and ordered and self.pattern.rank_of is None


@dataclass(frozen=True, slots=True)
class RedisDesign:
    """The Redis design of one component."""

    spec: ComponentSpec
    prefix: str
    indexes: tuple[RedisIndex, ...]
    reads: tuple[RedisRead, ...]
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

    def unique_of(self, entity: EntitySpec) -> tuple[tuple[FieldSpec, ...], ...]:
        """The field groups unique per item: the spec's, and each board's fields + member.

        A board holds one score per member, so when the member is not the item's key two
        items with the same board and member would share one entry, and the board would
        disagree with the hashes: each (board fields, member) combination has one owner.
        An item that lacks an optional value of the group is on no board, and claims none.
        """
        return _unique_groups(self.spec, self.indexes, entity)

    def touches(self, entity: EntitySpec) -> bool:
        """Whether ``touch_`` serves the entity: always, as an update with the new time.

        The update's WATCH/MULTI moves the expiry of the hash, its index keys and its
        unique-value keys together, and checks who holds each claim before it does.
        """
        return bool(entity.touch)

    def counter(self, entity: EntitySpec, field: FieldSpec) -> str:
        """How the increment of a counter field runs (see :func:`_counter`)."""
        return _counter(self.spec, self.indexes_of(entity), field)

    @property
    def addable(self) -> dict[str, tuple[FieldSpec, ...]]:
        """The number fields save_together adds to, by entity name (none without it)."""
        return _addable(self.spec)

    @property
    def uses(self) -> frozenset[str]:
        """The helpers of the support module this component's code calls."""
        out = set()
        for entity in self.spec.entities:
            for field in entity.fields:
                if field.ident in entity.increments:
                    out.add(self.counter(entity, field))
            groups = [i.fields for i in self.indexes_of(entity)]
            groups += list(self.unique_of(entity))
            if any(len(group) > 1 for group in groups):
                out.add("parts")
            if self.unique_of(entity) and not entity.append_only:
                out.add("save_claimed")
        for read in self.reads:
            if read.pages:
                out.add("set_page" if read.how is How.SET else "page")
        how = {read.pattern.name: read.how for read in self.reads}
        for read in self.reads:
            top = read.pattern.rank_of
            if top is not None and (read.how is How.BOARD or how.get(top.name) is How.ZSET):
                out.add("rank")
        if any(i.kind != "board" for i in self.indexes):
            out.add("prune")
        if any(i.kind == "board" and i.entity.expiry for i in self.indexes):
            out.add("until")
        for entity in self.spec.entities:
            texts = [entity.key, *(f for i in self.indexes_of(entity) for f in i.fields)]
            texts += [i.member for i in self.indexes_of(entity) if i.member is not None]
            texts += [f for group in self.unique_of(entity) for f in group]
            out.update(f"{f.type}_text" for f in texts if f.type in ("float", "decimal"))
        if self.spec.multi_record:
            out.add("save_together")
        if self.addable:
            out.add("add_together")
        if self.spec.events:
            out.add("events")
        return frozenset(out)


def _counter(spec: ComponentSpec, indexes: Iterable[RedisIndex], field: FieldSpec) -> str:
    """How the increment of ``field`` runs, given its entity's indexes.

    ``update`` when an index is keyed by the field (its entries move: WATCH and
    rewrite), ``scored`` when sorted sets are scored by it (HINCRBY and ZINCRBY in one
    Lua script, with the change event if the component publishes events, built from the
    item as read and run only if the fields the entries are built from still hold
    those values), else
    ``script`` (HINCRBY in a Lua script that needs no read).
    """
    indexes = tuple(indexes)
    if any(field.ident in {f.ident for f in i.fields} for i in indexes):
        return "update"
    if any(i.score is not None and i.score.ident == field.ident for i in indexes):
        return "scored"
    # A change event goes into the same script as the increment.
    return "scored" if spec.events else "script"


def design(spec: ComponentSpec, prefix: str) -> RedisDesign:
    """Work out the Redis design of ``spec``; keys start with ``prefix``."""
    warnings: list[DesignWarning] = []
    decisions: list[str] = [
        f"Each item is a hash at {prefix}:<entity>:item:<id>. Run Redis standalone or with "
        "Sentinel: create, update, delete and save_together touch an item and its index "
        "keys in one MULTI, and on Redis Cluster those keys hash to different slots "
        "(CROSSSLOT error). The keys carry no hash tags: a tag around each item's own id "
        "would not bring an item and its index keys into one slot. On Cluster use one "
        "hash tag per partition (for example the parent key) for every key a transaction "
        "touches; that layout is not generated.",
    ]
    indexes: list[RedisIndex] = []
    reads = []
    boards = _boards(spec)
    for pattern in spec.patterns:
        read = _serve(spec, pattern, warnings, boards)
        # Patterns with the same equality fields and order share one index.
        if read.index is not None and read.index not in indexes:
            indexes.append(read.index)
        reads.append(read)
        _hot(spec, pattern, read, warnings)
    # An equality-only read is served by a sorted set on the same equality fields, if
    # one exists, rather than by a set of its own holding the same members.
    for n, read in enumerate(reads):
        if read.how is How.SET and read.index is not None:
            wider = _sorted_twin(indexes, read.index)
            if wider is not None:
                served = "the sorted set of the same equality fields (in score order)"
                reads[n] = replace(read, how=How.ZSET, index=wider, served_by=served)
    indexes = [i for i in indexes if any(r.index == i for r in reads)]
    if any(len(i.fields) > 1 for i in indexes) or any(
        len(group) > 1 for e in spec.entities for group in _unique_groups(spec, indexes, e)
    ):
        decisions.append(
            "Keys built from several values length-prefix each value (<length>:<value>), "
            "so values containing ':' cannot make two different items share a key."
        )
    scored = [
        i
        for i in indexes
        if i.kind in ("zset", "board")
        and i.score is not None
        and i.score.type in (FieldType.INT, FieldType.DECIMAL)
    ]
    if scored:
        names = sorted({f"{i.entity.name}.{i.score.name}" for i in scored if i.score})
        decimals = any(i.score and i.score.type is FieldType.DECIMAL for i in scored)
        decisions.append(
            f"Sorted-set scores are doubles: {', '.join(names)} sort exactly only between "
            "-2^53 and 2^53"
            + (" (a decimal only to about 15 significant digits)" if decimals else "")
            + "; beyond, neighbouring values can share a score and then sort by member"
            + (
                ", and a leaderboard read returns that score, not the item's exact value"
                if any(i.kind == "board" for i in scored)
                else ""
            )
            + ". The item's hash keeps the exact value."
        )
    for index in boards.values():
        # An append-only entity has no increments.
        fixed = index.entity.append_only
        member = index.member.name if index.member else ""
        board = " + ".join(f.name for f in index.fields) or "component"
        decisions.append(
            f"{index.entity.name}: a leaderboard, one sorted set per {board} whose members "
            f"are {member} values scored by "
            f"{index.score.name if index.score else ''}: ZADD on write"
            f"{'' if fixed else ', ZINCRBY for a delta'}, ZREVRANGE WITHSCORES for the top "
            "entries (no item is read) and a rank that counts the members scored higher "
            "(ZSCORE, then ZCOUNT, in one Lua script): tied members share a rank, as in "
            "the other stores (competition ranking, 0 for the best)."
            + (
                ""
                if index.member is None or index.member.ident == index.entity.key.ident
                else f" A board holds one score per member, so each {board} + {member} "
                "belongs to one item: a key <entity>:unique:<fields>=<values> (no braces: "
                "not a Cluster hash tag) holds the "
                "owner's key, WATCHed, checked and set in the same MULTI as the item, and a "
                "second item for the same board and member raises AlreadyExistsError "
                "(else the board and the items would disagree, and deleting one item would "
                "take the member off the board while the other remains); bulk saves "
                "check the claim too (see below)."
            )
            + (
                f" Entries expire one by one with their {index.entity.name}: a second "
                "sorted set per board holds when each member expires, and the board's "
                "reads first remove the members whose time has come (by the server's "
                "clock, in the same Lua script as the read)."
                if index.entity.expiry is not None
                else ""
            )
        )
    for entity in spec.entities:
        if entity.expiry is not None:
            decisions.append(
                f"{entity.name}: PEXPIREAT (to the millisecond) from {entity.expiry.name}"
                f"{' + ' + duration_text(entity.retention) if entity.retention else ''}"
                ", so Redis deletes the "
                "hash when it expires. An index entry of an expired item is removed when a "
                "read meets it, and an index key expires with its latest item (PEXPIREAT "
                "NX, then GT): an index key of items that have all expired goes, but while "
                "one of its items lives, entries of its expired items that no read reaches "
                "stay (a value with a long-lived item and many short-lived ones keeps the "
                "short-lived ones' entries until a read passes them)."
            )
        elif spec.ttl:
            decisions.append(
                f"{entity.name}: no field says when an item expires, so its items never "
                "expire: a made-up TTL would delete durable data."
            )
    warnings += ttl_warning(spec, "add one to expire items with PEXPIREAT (no TTL is made up)")
    warnings += unserved_needs_warning(spec)
    warnings += _memory_warning(spec)
    retried = ["create", "delete"] + (["save_together"] if spec.multi_record else [])
    kinds = {
        _counter(spec, (i for i in indexes if i.entity.name == e.name), f)
        for e in spec.entities
        for f in e.fields
        if f.ident in e.increments
    }
    if "update" in kinds:
        retried.append("the incr_ functions of fields an index is keyed by")
    decisions.append(
        "create, update and delete write an item and its index entries in one "
        "WATCH/MULTI/EXEC, so a concurrent change is never lost: when a watched key "
        "changes before EXEC, nothing is written and the whole step is tried again after "
        "a jittered backoff (a random wait up to 1 ms, doubling per try, at most 100 ms), "
        f"then ConflictError: after 100 tries for {', '.join(retried[:-1])} and "
        f"{retried[-1]}, after retries= tries (10 by default) for update. A connection "
        "lost after MULTI/EXEC was sent raises redis.ConnectionError instead of trying "
        "again: the server may have applied the step, and a second run would apply it "
        "twice (an increment added twice), so read the item back before retrying. "
        f"Bulk loads pipeline {BULK_CHUNK} items per round trip and overwrite existing "
        "items. "
        + (
            "An entity without unique values is bulk-saved one MULTI/EXEC per chunk, so "
            "an increment runs before or after a chunk, never between an item's hash and "
            "its index entries. "
            if any(not (_unique_groups(spec, indexes, e) or e.append_only) for e in spec.entities)
            else ""
        )
        + (
            "An entity with unique values is bulk-saved by one Lua script per chunk "
            "(the chunk as one JSON argument): per item, atomically, it refuses the item "
            "if another item holds one of its unique values, else releases the values "
            "its stored version held, removes that version's index entries and writes "
            "it (an item found stored is sent again with what is stored, so the right "
            "values are released and index entries removed). Refused items raise "
            "AlreadyExistsError after their chunk: the chunk's other items and earlier "
            "chunks are written, later chunks are not. "
            if any(_unique_groups(spec, indexes, e) and not e.append_only for e in spec.entities)
            else ""
        )
        + "Index entries whose item is gone are removed when a read meets them, by a Lua "
        "script that checks the "
        "item and removes the entry in one atomic step.",
    )
    counters = [
        f"{e.name}.{f.name}" for e in spec.entities for f in e.fields if f.ident in e.increments
    ]
    if counters:
        decisions.append(
            f"Counters ({', '.join(counters)}): the incr_ functions add a delta on the server "
            "(HINCRBY or HINCRBYFLOAT) in a Lua script, so concurrent increments never "
            "conflict or lose one. Where sorted sets are scored by the field, the same "
            "script runs ZINCRBY on them: the item is read first for their keys and "
            "members, and the script writes only if the fields those are built from still "
            "hold the values read (else it is sent again, built from the new values, up to "
            "100 times, then ConflictError); a change of any other field is no conflict. "
            "With minimum= "
            "an increment that would take the value below it is refused (the function "
            "returns None), checked in the same script as the add, so concurrent decrements "
            "never oversell (an int's floor is compared as exact text, since Lua's "
            "numbers are doubles; a sum beyond 64 bits raises OverflowError and writes "
            "nothing). The script is sent once whatever retries the client has "
            "(redis.Redis() retries 3 times by default): it runs in a pipeline that WATCHes "
            "the item, which redis-py never sends again, so a connection lost after it was "
            "sent raises redis.ConnectionError (it may or may not have run: read the item "
            "back) instead of adding twice. This costs two more round trips (WATCH, "
            "UNWATCH)."
            + (
                " A field an index is keyed by is changed by a read-modify-write under WATCH "
                "instead, since its index entries move."
                if "update" in kinds
                else ""
            )
            + (
                " HINCRBYFLOAT stores its result with 17 digits after the point and no "
                "exponent, so a float counter loses values below 1e-17; keep such amounts "
                "in a smaller unit, or as ints."
                if any(
                    f.type is FieldType.FLOAT
                    for e in spec.entities
                    for f in e.fields
                    if f.ident in e.increments
                )
                else ""
            )
        )
    exact = [
        f"{e.name}.{f.name}"
        for e in spec.entities
        for f in counted(spec, e)
        if f.type is FieldType.DECIMAL
    ]
    if exact:
        # The MongoDB (Decimal128 $inc) and DynamoDB (Number ADD) projects add decimals
        # exactly on the server; Redis cannot, so the same workload gets no incr_ here.
        decisions.append(
            f"Decimals ({', '.join(exact)}) get no incr_ function: Redis adds on the server "
            "only integers (HINCRBY) and binary floating point (HINCRBYFLOAT, a long "
            "double, not a decimal), so "
            + (
                "change them with save_together(increments=...), which sums exactly in "
                "Python under WATCH, "
                if _addable(spec)
                else "change them with update_*() (compare-and-swap, exact in Python), "
            )
            + "or store an int of the smallest unit (cents) to get one."
        )
    if any(r.pages for r in reads):
        decisions.append(
            "Each listed pattern has a _page function returning (items, cursor); pass the "
            "cursor back as after= for the next page (None: there is none). The cursor is "
            "the last member read with its score, an exclusive bound: the next page starts "
            "strictly after that (score, member) in the sorted set's order (equal scores "
            "ordered by member, as Redis orders them), even if the member has moved or "
            "gone since, so a member that stayed put is never read twice or skipped; for a "
            "key index (a sorted set whose scores are all 0), after it in key order, read "
            "with ZRANGE BYLEX so a page costs its own size. Index entries whose item is "
            "gone (expired, deleted) or no longer matches (an entry an earlier value left) "
            "are skipped and the page reads on, so it returns limit items while more "
            "remain; after 20 reads it may come back short, with a cursor to go on from. "
            "Of the skipped entries, those whose item is gone are removed (a Lua script "
            "checks and removes in one step); those whose item still exists stay."
        )
    decisions += unique_notes(
        spec,
        "a key <entity>:unique:<field>=<value> (no braces: not a Cluster hash tag) "
        "holds the owner's key; it is WATCHed, "
        "checked and set in the same MULTI as the item",
    )
    if spec.multi_record:
        decisions.append(
            "save_together() refuses a batch in which two items share a key or a unique "
            "value (AlreadyExistsError, before anything is sent: the server would see "
            "neither twin), WATCHes every item key, checks that creates are new and that "
            "updates (and items passed as unchanged) start from the stored values, then "
            "writes all items in one MULTI/EXEC (tried again when a watched key changes, "
            "as above); Redis has no rollback for a command that fails inside EXEC."
        )
    if _addable(spec):
        decisions.append(
            "save_together(increments=[(item, field, amount, minimum or None)]) adds to "
            "number fields in the same transaction: each item is WATCHed and read, the sum "
            "is made in Python (exact for decimals, which Redis cannot add exactly) and "
            "checked against the minimum (ConflictError if it would fall below it), and the "
            "item is rewritten with its index entries inside the MULTI, so a decrement "
            "with a minimum and the records that go with it are one atomic step."
        )
    if spec.events:
        decisions.append(
            "Saves and deletes are appended to a stream (XADD in the same MULTI as the "
            "write; an item that expires leaves no event: Redis removes it by itself) and "
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
        persistence=(*_server(spec, indexes, reads), *_persistence(spec)),
        decisions=tuple(decisions),
        warnings=tuple(warnings),
    )


def _unique_groups(
    spec: ComponentSpec, indexes: Iterable[RedisIndex], entity: EntitySpec
) -> tuple[tuple[FieldSpec, ...], ...]:
    """The rule of :meth:`RedisDesign.unique_of`, the spec's groups first, without repeats."""
    groups = list(spec.unique_of(entity))
    for index in indexes:
        member = index.member
        if index.entity.name != entity.name or member is None:
            continue
        group = (*index.fields, member)
        known = {frozenset(f.ident for f in g) for g in groups}
        if member.ident != entity.key.ident and frozenset(f.ident for f in group) not in known:
            groups.append(group)
    return tuple(groups)


def _addable(spec: ComponentSpec) -> dict[str, tuple[FieldSpec, ...]]:
    """The number fields save_together adds to, by entity name (none without it)."""
    if not spec.multi_record:
        return {}
    fields = {e.name: counted(spec, e) for e in spec.entities}
    return {name: numbers for name, numbers in fields.items() if numbers}


def _boards(spec: ComponentSpec) -> dict[str, RedisIndex]:
    """Leaderboards, by top pattern: a numeric order and a rank on one more field.

    A ``top`` pattern that a rank pattern ranks within (see ``PatternSpec.rank_of``),
    ordered by an int or float, where the rank pattern adds exactly one equality field
    (the player), is served by one sorted set per board with that field as the member.
    """
    out: dict[str, RedisIndex] = {}
    for pattern in spec.patterns:
        top = pattern.rank_of
        extra = pattern.fields - top.fields if top is not None else frozenset()
        if top is None or len(extra) != 1 or top.order is None or top.name in out:
            continue
        if top.order.type not in (FieldType.INT, FieldType.FLOAT):
            continue
        member = next(p.field for p in pattern.by if p.field.ident in extra)
        fields = tuple(p.field for p in top.by)
        out[top.name] = RedisIndex(top.entity, "board", fields, top.order, member)
    return out


def _serve(
    spec: ComponentSpec,
    pattern: PatternSpec,
    warnings: list[DesignWarning],
    boards: dict[str, RedisIndex],
) -> RedisRead:
    entity = pattern.entity
    fields = tuple(p.field for p in pattern.by)
    board = boards.get(pattern.rank_of.name if pattern.rank_of else pattern.name)
    if board is not None:
        better = "higher" if pattern.descending else "lower"
        what = f"ZSCORE + ZCOUNT of {better} scores (one Lua script)"
        if pattern.kind is PatternKind.TOP:
            what = "ZREVRANGE" if pattern.descending else "ZRANGE"
            what += " WITHSCORES"
        return RedisRead(pattern, How.BOARD, board, f"{what} on the board's sorted set")
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
        geo = pattern.target
        if geo is None:
            warnings.append(no_geo(spec, pattern))
            return RedisRead(pattern, How.UNSUPPORTED, None, "not served (no geo field)")
        index = RedisIndex(entity, "geo", fields, geo)
        return RedisRead(pattern, How.GEO, index, "GEOSEARCH on a geo set")
    if entity.key.ident in pattern.fields:
        return RedisRead(pattern, How.KEY, None, "HGETALL of the item's key")
    for group in spec.unique_of(entity):
        if pattern.order is None and {f.ident for f in group} == {f.ident for f in fields}:
            served = "GET of the unique-value key (the owner's key), then HGETALL"
            return RedisRead(pattern, How.KEY, None, served, claim=group)
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
        index = RedisIndex(entity, "set", fields, None)
        return RedisRead(pattern, How.SET, index, KEY_INDEX)
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
    return RedisRead(pattern, How.SET, index, KEY_INDEX, in_app)


def _sorted_twin(indexes: Iterable[RedisIndex], index: RedisIndex) -> RedisIndex | None:
    """A sorted set holding every item of the key index ``index``, if there is one.

    Same entity and equality fields, a score every item has, and no optional field
    the key index does not need too.
    """
    fields = {f.ident for f in index.fields}
    for other in indexes:
        if (
            other.kind == "zset"
            and other.entity.name == index.entity.name
            and {f.ident for f in other.fields} == fields
            and other.score is not None
            and {f.ident for f in other.optional} <= {f.ident for f in index.optional}
        ):
            return other
    return None


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


def _server(
    spec: ComponentSpec, indexes: Iterable[RedisIndex], reads: Iterable[RedisRead]
) -> tuple[str, ...]:
    """The line naming the oldest Redis server that runs the generated commands, if recent.

    Every command the code may send exists since Redis 5.0 unless one of these is used.
    """
    needs = []
    if any(i.entity.expiry is not None for i in indexes):
        needs.append(("7.0", "PEXPIREAT NX and GT (each index key expires with its latest item)"))
    if any(i.kind == "geo" for i in indexes):
        needs.append(("6.2", "GEOSEARCH"))
    if spec.events:
        needs.append(("6.2", "XAUTOCLAIM and XTRIM MINID"))
    if any(r.pages and r.how is How.SET for r in reads):
        needs.append(("6.2", "ZRANGE BYLEX with LIMIT"))
    if not needs:
        return ()
    version = max(needs)[0]
    used = ", ".join(f"{what} since {v}" for v, what in needs)
    return (f"Server version: Redis {version} or later, for {used}.",)


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
            "An evicted key is gone like an expired one, and eviction can pick an index "
            "key or a unique-value key as well as an item: a listed read then misses live "
            "items until they are written again, and a freed unique value can be taken "
            "(updates and touches refuse to take it back). Size maxmemory so that "
            "eviction stays rare, or use noeviction where every listed read must be "
            "complete.",
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


def _memory_warning(spec: ComponentSpec) -> list[DesignWarning]:
    """A warning when the workload's data is more than RAM holds at a sensible cost.

    The threshold is the one from which the engine scores in-memory stores down
    (``fit.memory``), so the advice and the generated project agree.
    """
    size = spec.answers.scale.data_size_gb if spec.answers.scale else None
    if size is None or size <= min(limit for limit, _ in MEMORY_STEPS):
        return []
    return [
        warn(
            spec,
            None,
            f"data size: the workload keeps {size:,g} GB, and Redis holds every key, index "
            "entry and hash in RAM (with headroom while it snapshots): a cluster of "
            "large-memory nodes. Keep only the hot subset in Redis (recent items, with an "
            "expiry) and the rest in a disk-based store",
        )
    ]
