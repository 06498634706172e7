"""MongoDB design: collections, embedding, indexes, validators and concerns.

Follows MongoDB's own data-modelling guidance: data that is read together is stored
together (a child is embedded when it is only ever read through its parent), compound
indexes put equality fields before the sort field (the ESR rule), TTL, text and 2dsphere
indexes serve ``ttl``, ``search`` and ``near``, and read and write concerns are set
explicitly from the consistency and durability answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from advisor.amounts import duration_text
from advisor.scaffold.common import (
    DesignWarning,
    How,
    at_rate,
    counted,
    no_geo,
    no_rank,
    traversal,
    ttl_warning,
    unique_notes,
    unserved_needs_warning,
    warn,
)
from advisor.scaffold.dynamodb import FEW_VALUES
from advisor.scaffold.names import RESERVED_NAMES, Namespace, plural
from advisor.scaffold.spec import ComponentSpec, EntitySpec, FieldSpec, PatternSpec
from advisor.workload import (
    FieldType,
    PatternKind,
)

# The longest TTL the server takes: a TTL index's expireAfterSeconds is a 32-bit int.
MAX_EXPIRE_AFTER = 2**31 - 1
BSON_TYPES: Mapping[FieldType, str] = {
    FieldType.STRING: '"string"',
    FieldType.INT: '["int", "long"]',
    FieldType.FLOAT: '["double", "int", "long"]',
    FieldType.DECIMAL: '"decimal"',
    FieldType.BOOL: '"bool"',
    FieldType.DATETIME: '"date"',
    FieldType.LIST: '"array"',
    FieldType.MAP: '"object"',
    FieldType.GEO: '"object"',
}


@dataclass(frozen=True, slots=True)
class MongoIndex:
    """One index: ``(field, direction)`` pairs, where direction is 1, -1, text or 2dsphere."""

    keys: tuple[tuple[str, str], ...]
    ttl: bool = False
    unique: bool = False
    # A TTL index's expireAfterSeconds: the entity's retention, 0 for an expiry field.
    expire_after: int = 0
    # Its optional fields: a partial index ({field: {$exists: true}} for each) leaves out
    # the documents that lack one, which a plain index would hold under null.
    present: tuple[str, ...] = ()

    @property
    def special(self) -> bool:
        """Text, 2dsphere, TTL, unique and partial indexes are never folded into another."""
        return (
            self.ttl
            or self.unique
            or bool(self.present)
            or any(d in ("text", "2dsphere") for _, d in self.keys)
        )


@dataclass(frozen=True, slots=True)
class Embedding:
    """A child entity stored as an array inside its parent's documents."""

    child: EntitySpec
    parent: EntitySpec
    array: str


@dataclass(frozen=True, slots=True)
class MongoCollection:
    """One collection: the entity stored in it, its embedded children and its indexes."""

    entity: EntitySpec
    name: str
    children: tuple[Embedding, ...]
    indexes: tuple[MongoIndex, ...]


@dataclass(frozen=True, slots=True)
class MongoRead:
    """How one access pattern is served."""

    pattern: PatternSpec
    how: How
    served_by: str
    index: MongoIndex | None = None
    # Whether the read returns a Page with a keyset cursor on (sort field, _id).
    paged: bool = False

    @property
    def sorts_decimal(self) -> bool:
        """Whether the server sorts Decimal128 values (mongomock cannot)."""
        order = self.pattern.order
        return (
            self.how in (How.ID, How.INDEX, How.SCAN)
            and order is not None
            and order.type is FieldType.DECIMAL
        )


@dataclass(frozen=True, slots=True)
class MongoDesign:
    """The MongoDB design of one component."""

    spec: ComponentSpec
    collections: tuple[MongoCollection, ...]
    embedded: Mapping[str, Embedding]
    reads: tuple[MongoRead, ...]
    write_w: str
    journal: bool
    read_concern: str
    read_preference: str
    validation_level: str
    validation_action: str
    additional_properties: bool
    decisions: tuple[str, ...]
    warnings: tuple[DesignWarning, ...]
    # Per entity name: the number fields with a server-side $inc, and its function name.
    counters: Mapping[str, tuple[FieldSpec, ...]]
    increments: Mapping[str, str]
    # Strong single-document reads use readConcern linearizable.
    linearizable: bool

    def reads_one(self, read: MongoRead) -> bool:
        """Whether ``read`` uses readConcern linearizable: a strong read of one document.

        Linearizable reads are only linearizable when the filter names one document: a
        get by _id or by the fields of a unique index, or an embedded item's read, which
        reads its parent document by _id.
        """
        return self.linearizable and _one_document(read)

    def touches(self, entity: EntitySpec) -> bool:
        """Whether ``touch_`` is generated for ``entity``: one in its own collection.

        An embedded item's expiry lives inside its parent's document, where the TTL index
        cannot reach it; the parent's update changes it.
        """
        return bool(entity.touch) and entity.name not in self.embedded

    def collection_of(self, entity: EntitySpec) -> MongoCollection:
        """The collection an entity is stored in (its parent's, when embedded)."""
        embedding = self.embedded.get(entity.name)
        owner = embedding.parent if embedding else entity
        return next(c for c in self.collections if c.entity.name == owner.name)


def design(spec: ComponentSpec) -> MongoDesign:
    """Work out the MongoDB design of ``spec``."""
    warnings: list[DesignWarning] = []
    decisions: list[str] = []
    embedded = _embeddings(spec, decisions)
    reads: list[MongoRead] = []
    wanted: dict[str, list[MongoIndex]] = {e.name: [] for e in spec.entities}
    for pattern in spec.patterns:
        read = _serve(spec, pattern, embedded, warnings)
        reads.append(read)
        if read.index is not None:
            wanted[pattern.entity.name].append(read.index)
    for entity in spec.entities:
        if entity.expiry is not None and entity.name not in embedded:
            if entity.retention > MAX_EXPIRE_AFTER:
                warnings.append(_beyond_ttl(spec, entity))
                continue
            wanted[entity.name].append(
                MongoIndex(((entity.expiry.ident, "1"),), ttl=True, expire_after=entity.retention)
            )
            when = (
                f"{duration_text(entity.retention)} after that time "
                if entity.retention
                else "once that time has passed "
            )
            if spec.unique_of(entity):
                held = (
                    "; an expired document also still holds its unique values, so a "
                    "create, an update and a bulk save first delete the expired ones that "
                    "hold a value they write"
                )
            elif any(m.parent.name == entity.name for m in embedded.values()):
                held = (
                    "; a bulk save deletes an expired one first too, so that its embedded "
                    "children do not come back"
                )
            else:
                held = ""
            children = [m.child.name for m in embedded.values() if m.parent.name == entity.name]
            if children:
                held += (
                    f"; its embedded {' and '.join(children)} items expire with it: their "
                    "reads and writes filter on its expiry too, so none is served, added or "
                    "changed once it has expired"
                )
            # create_indexes refuses to change an existing index's options, and mongomock
            # has no collMod to test a fix with, so the README says what to run instead.
            decisions.append(
                f"{entity.name}: a TTL index on {entity.expiry.name} removes each document "
                f"{when}(expireAfterSeconds={entity.retention}); the TTL monitor runs "
                "every 60 s, so reads also filter out expired documents and a create "
                f"replaces an expired one{held}. If the retention changes, ensure_schema() "
                "fails on a collection made with the old one (IndexOptionsConflict): run "
                f'collMod first, {{"collMod": "{entity.snake}", "index": {{"keyPattern": '
                f'{{"{entity.expiry.ident}": 1}}, "expireAfterSeconds": <new>}}}}.'
            )
    warnings += _outliving(spec, embedded)
    series = _series(spec, embedded)
    decisions += series
    if series:
        # The README's design notes give the detail; the warning makes sure a reader of the
        # output sees that the store's own time-series form is not what was generated.
        warnings.append(
            warn(
                spec,
                None,
                "series data is kept in a regular collection, not a time-series collection, "
                "because the generated functions need unique ids and updates in place; "
                "switch when the code only appends and reads",
            )
        )
    remedy = "add one to get a TTL index"
    if series:
        remedy += (
            ", or give the time field a TTL index (expireAfterSeconds = the retention) "
            "or a time-series collection with that expireAfterSeconds"
        )
    warnings += ttl_warning(spec, remedy)
    warnings += unserved_needs_warning(spec)
    collections = tuple(
        MongoCollection(
            entity=e,
            name=e.snake,
            children=tuple(m for m in embedded.values() if m.parent.name == e.name),
            indexes=_fold(wanted[e.name]),
        )
        for e in spec.entities
        if e.name not in embedded
    )
    folded = {c.entity.name: c.indexes for c in collections}
    reads = [
        replace(r, served_by=_describe(_covering(r.index, folded[r.pattern.entity.name])))
        if r.index is not None
        else r
        for r in reads
    ]
    counters, increments = _counters(spec, embedded, decisions)
    decisions += unique_notes(spec, "a unique index")
    single = [f"{e.fetch}()" for e in spec.entities]
    single += [f"{r.pattern.func}()" for r in reads if _one_document(r)]
    w, journal, concern, preference, note = _concerns(spec, single)
    decisions.append(note)
    flexibility = spec.answers.schema_flexibility
    level, action, extra = "strict", "error", True
    if flexibility == "fixed":
        extra = False
    elif flexibility == "variable":
        level, action = "moderate", "warn"
    decisions.append(
        f"Each collection has a $jsonSchema validator built from the field types "
        f"(validationLevel {level}, validationAction {action}, "
        f"{'extra fields allowed' if extra else 'no extra fields'}, schema "
        f"{flexibility or 'not answered'})."
    )
    decisions.append(
        "Every document carries a version (_v, a new ObjectId on each write, so a delete "
        "and re-create never brings an old version back, as a counter restarting at 1 "
        "would); update_*() "
        "functions are compare-and-swap loops on it: read, change, then update_one "
        "filtered on the _v that was read, retried after a jittered exponential backoff "
        f"when another writer got there first. {_bulk_note(spec, embedded)} Keyed "
        "list reads return a Page whose cursor is a keyset bound on (sort field, _id), "
        "which the compound index ends with, so page 2 starts where page 1 ended. A "
        "read's limit is None (every item) or at least 1: 0 raises ValueError, where "
        "pymongo's limit(0) would mean no limit."
    )
    if spec.multi_record:
        decisions.append(
            "save_together() creates, increments and updates several items in one "
            "multi-document transaction (ClientSession.with_transaction, snapshot reads, "
            "majority writes): creates fail on an existing key, an embedded child whose "
            "parent document is missing aborts (references between collections are not "
            "checked), an increment whose guard fails aborts, and an update applies only "
            "while the stored item is still the one it was computed from (checked, then "
            "written on its _v), so a concurrent change raises ConflictError instead of "
            "being overwritten, and must keep the item's key (an embedded item's parent "
            "key too: it would land in the old parent's array), else ValueError; items "
            "passed as unchanged are checked and their _v changed, "
            "which makes a concurrent writer conflict. Transactions need a replica set or "
            "a sharded cluster."
        )
    return MongoDesign(
        spec=spec,
        collections=collections,
        embedded=embedded,
        reads=tuple(reads),
        write_w=w,
        journal=journal,
        read_concern=concern,
        read_preference=preference,
        validation_level=level,
        validation_action=action,
        additional_properties=extra,
        decisions=tuple(decisions),
        warnings=tuple(warnings),
        counters=counters,
        increments=increments,
        linearizable=spec.consistency == "strong",
    )


def _outliving(spec: ComponentSpec, embedded: Mapping[str, Embedding]) -> list[DesignWarning]:
    """Children in their own collection under an expiring parent: they do not expire with it.

    The TTL monitor removes the parent's document only, and nothing here ties a child's
    lifetime to its parent's (that would take a copy of the parent's expiry in every
    child, kept in step by every write of the parent): a warning, which the README lists
    too, says so.
    """
    out = []
    for entity in spec.entities:
        if entity.parent is None or entity.parent_ref is None or entity.name in embedded:
            continue
        parent = spec.entity(entity.parent)
        if parent.expiry is None or parent.name in embedded:
            continue
        reads = [p.func for p in spec.patterns_of(entity)]
        served = f"{'(), '.join(reads)}() and " if reads else ""
        text = (
            f"{entity.name} is in its own collection and does not expire with its "
            f"{parent.name}: once a {parent.name} has expired, {served}{entity.fetch}() "
            f"still return{'' if reads else 's'} its {entity.name} items, {entity.create}() "
            "still adds to it, "
            f"and a new {parent.name} created with the same key finds the old items "
            f"(references between collections are not checked). Delete a {parent.name}'s "
            f"{entity.name} items when it expires (a scheduled delete_many of those whose "
            f"{entity.parent_ref.name} names no live {parent.name}) and before creating "
            f"one with a used key, give {entity.name} an expiry field of its own that is "
            f"set and changed with its {parent.name}'s, or embed it (read only through "
            f"its {parent.name}) so that it expires with it"
        )
        out.append(warn(spec, None, text))
    return out


def _beyond_ttl(spec: ComponentSpec, entity: EntitySpec) -> DesignWarning:
    """No TTL index for a retention the server refuses: the warning (the README lists it)."""
    assert entity.expiry is not None
    text = (
        f"{entity.name}: its retention ({duration_text(entity.retention)}, "
        f"{entity.retention} s) is beyond the longest TTL MongoDB takes (expireAfterSeconds "
        f"at most {MAX_EXPIRE_AFTER} s, about 68 years), so no TTL index removes its "
        "documents: reads and writes still treat the expired ones as gone, but they stay "
        "stored until deleted, e.g. by a scheduled delete_many of those whose "
        f"{entity.expiry.name} is older than the retention"
    )
    return warn(spec, None, text)


def _bulk_note(spec: ComponentSpec, embedded: Mapping[str, Embedding]) -> str:
    """The README's sentences on what the save_many_*() functions send, and how often."""
    saved = [e for e in spec.entities if not e.append_only]
    own = [e for e in saved if e.name not in embedded]
    inside = [e for e in saved if e.name in embedded]
    out = []
    if own:
        clearing = [
            e.save_many
            for e in own
            if e.expiry is not None
            and (spec.unique_of(e) or any(m.parent.name == e.name for m in embedded.values()))
        ]
        verb = "sends" if len(clearing) == 1 else "send"
        first = (
            f" ({'() and '.join(clearing)}() also {verb} a delete_many per 1,000 items first, "
            "of the expired documents that hold the items' keys or unique values: two "
            "round trips per 1,000)"
            if clearing
            else ""
        )
        out.append(
            "The save_many_*() of an entity in its own collection sends one unordered "
            f"bulk_write of upserts per 1,000 items{first}, not a write per item; of "
            "items that share a key only the last is sent, so it is the one stored."
        )
    if inside:
        names = "() and ".join(e.save_many for e in inside)
        out.append(
            f"{names}() write{'s' if len(inside) == 1 else ''} each parent's array in one "
            "compare-and-swap: a read and an update_one per parent, not per item, repeated "
            "when another writer changed the parent meanwhile."
        )
    return " ".join(out)


def _one_document(read: MongoRead) -> bool:
    """Whether ``read`` returns one document named by its filter (see MongoDesign.reads_one)."""
    if read.pattern.rank_of is not None:
        return False
    if read.how is How.EMBEDDED:
        return True
    unique = read.index is not None and read.index.unique
    return read.pattern.kind is PatternKind.GET and (read.how is How.ID or unique)


def _series(spec: ComponentSpec, embedded: Mapping[str, Embedding]) -> list[str]:
    """README lines for series entities: when a time-series collection fits, and why not here.

    A series entity is a referenced child read by its parent's key in time order (a
    sensor's readings): the time field and the parent reference make a time-series
    collection's timeField and metaField.
    """
    if spec.answers.data_shape != "series" and "time_series" not in spec.answers.needs:
        return []
    out = []
    for entity in spec.entities:
        ref = entity.parent_ref
        if ref is None or entity.name in embedded:
            continue
        times = {
            p.order.ident: p.order
            for p in spec.patterns_of(entity)
            if p.fields == {ref.ident}
            and p.order is not None
            and p.order.type is FieldType.DATETIME
        }
        if len(times) != 1:
            continue
        (time,) = times.values()
        lack = "what time-series collections lack: a unique _id (create raises AlreadyExistsError)"
        why = (
            f"generated create promises {lack}. The entity is append-only, so nothing else "
            "stands in the way of switching."
            if entity.append_only
            else f"generated functions promise {lack}, compare-and-swap updates of any field "
            "and deletes inside transactions. Switch when the code only appends and reads; "
            "the writes already use unordered bulk_write, which suits both."
        )
        out.append(
            f"{entity.name} is a series (by {ref.name}, in {time.name} order): a time-series "
            f"collection (timeField {time.ident}, metaField {ref.ident}, granularity "
            "seconds, expireAfterSeconds = the retention) would store it in compressed "
            f"buckets and expire it by time. It is a regular collection here because the {why}"
        )
    return out


def _counters(
    spec: ComponentSpec, embedded: Mapping[str, Embedding], decisions: list[str]
) -> tuple[dict[str, tuple[FieldSpec, ...]], dict[str, str]]:
    """The number fields with a server-side increment, and each entity's function name."""
    names = Namespace(RESERVED_NAMES | taken_names(spec))
    counters: dict[str, tuple[FieldSpec, ...]] = {}
    functions: dict[str, str] = {}
    for entity in spec.entities:
        fields = counted(spec, entity)
        if not fields:
            continue
        if entity.name in embedded:
            decisions.append(
                f"{entity.name}: embedded, so its numbers change through update_*() "
                "(compare-and-swap on the parent's _v); move it to its own collection "
                "for server-side increments."
            )
            continue
        counters[entity.name] = fields
        functions[entity.name] = names.take(f"increment_{entity.snake}")
        listed = ", ".join(f.name for f in fields)
        decisions.append(
            f"{entity.name}: {functions[entity.name]}() adds to {listed} on the server "
            "($inc in find_one_and_update, which returns the new document); an optional "
            "minimum goes into the filter as a guard, so two concurrent decrements can "
            "never both take a value below it."
        )
    return counters, functions


def taken_names(spec: ComponentSpec) -> set[str]:
    """The module-level names the spec has handed out for ``spec`` already."""
    taken = {p.func for p in spec.patterns}
    for e in spec.entities:
        taken |= {e.cls, e.create, e.save_many, e.fetch, e.update, e.delete}
    return taken


def _embeddings(spec: ComponentSpec, decisions: list[str]) -> dict[str, Embedding]:
    """Embed a child in its parent when it is only ever read through that parent."""
    out: dict[str, Embedding] = {}
    arrays: dict[str, Namespace] = {
        e.name: Namespace(f.ident for f in e.fields) for e in spec.entities
    }
    has_children = {e.parent for e in spec.entities if e.parent}
    bulky = spec.answers.data_shape == "series" or spec.answers.read_write_ratio == "write_heavy"
    for entity in spec.by_depth:
        if entity.parent is None or entity.parent_ref is None:
            continue
        parent = spec.entity(entity.parent)
        own = [p for p in spec.patterns_of(entity) if p.fields != {entity.parent_ref.ident}]
        own += [
            p
            for p in spec.patterns_of(entity)
            if p.kind in (PatternKind.SEARCH, PatternKind.NEAR, PatternKind.TRAVERSE)
        ]
        sliced = [p for p in spec.patterns_of(entity) if p.order is not None or p.limit is not None]
        reason = ""
        if entity.append_only:
            reason = "it is append-only, and an embedded item would go with its parent's delete"
        elif FieldType.DECIMAL in (entity.key.type, parent.key.type):
            reason = (
                "a decimal key (a Decimal128 in MongoDB, which Python cannot hash) would key "
                "its array; in its own collection the key is the document's _id"
            )
        elif parent.name in out:
            reason = f"its parent {parent.name} is embedded itself"
        elif entity.name in has_children:
            reason = "it has children of its own"
        elif bulky:
            reason = "the data is write-heavy or a series, so the array would grow without bound"
        elif entity.expiry is not None:
            reason = "its items expire, and a TTL index removes whole documents, not array items"
        elif own:
            reason = f"{own[0].name} reads it without going through its {parent.name}"
        elif sliced:
            reason = (
                f"{sliced[0].name} reads a sorted or limited slice, which an index serves "
                "and an ever-growing array does not"
            )
        if reason:
            decisions.append(
                f"{entity.name}: referenced (own collection, {entity.parent_ref.name} "
                f"points to its {parent.name}) because {reason}."
            )
            continue
        array = arrays[parent.name].take(plural(entity.snake))
        out[entity.name] = Embedding(entity, parent, array)
        decisions.append(
            f"{entity.name}: embedded in {parent.name} (array {array}) because it is only "
            f"read through its {parent.name}, so one read returns both; a document is "
            f"capped at 16 MB, so move {entity.name} to its own collection if one "
            f"{parent.name} can have thousands. Its key {entity.key.name} identifies it "
            f"within one {parent.name} only: {entity.create}() does not refuse a key that "
            f"another {parent.name} holds, and {entity.save_many}() with another "
            f"{entity.parent_ref.name} adds a copy there and keeps the old one (delete it "
            f"first to move it). A unique index on {array}.{entity.key.ident} would refuse "
            "such twins, but mongomock, which the generated tests run on, does not enforce "
            "unique indexes on array fields, so none is made; keys unique across "
            f"{parent.name} documents need {entity.name} in its own collection."
        )
    return out


def _serve(
    spec: ComponentSpec,
    pattern: PatternSpec,
    embedded: Mapping[str, Embedding],
    warnings: list[DesignWarning],
) -> MongoRead:
    entity = pattern.entity
    if pattern.kind is PatternKind.TRAVERSE:
        warnings.append(traversal(spec, pattern, " ($graphLookup needs an edge field)"))
        return MongoRead(pattern, How.UNSUPPORTED, "not served (graph traversal)")
    if entity.name in embedded:
        parent = embedded[entity.name].parent
        if tuple(p.field for p in pattern.by) in spec.unique_of(entity):
            warnings.append(
                warn(
                    spec,
                    pattern,
                    f"{pattern.name} implies unique values, but {entity.name} is embedded "
                    "and a unique index cannot enforce uniqueness inside one array",
                )
            )
        return MongoRead(pattern, How.EMBEDDED, f"the {parent.name} document (_id)")
    equality = [(p.field.ident, "1") for p in pattern.by if p.field.ident != entity.key.ident]
    if pattern.kind is PatternKind.NEAR:
        geo = pattern.target
        if geo is None:
            warnings.append(no_geo(spec, pattern))
            return MongoRead(pattern, How.UNSUPPORTED, "not served (no geo field)")
        index = MongoIndex((*equality, (geo.ident, "2dsphere")), present=_optional(pattern))
        return MongoRead(pattern, How.GEO, _describe(index), index)
    if pattern.kind is PatternKind.SEARCH:
        # A status or a currency code holds a few values, not words: leave it out.
        words = [f for f in entity.strings if f.ident.lower() not in FEW_VALUES]
        if not words:
            warnings.append(
                warn(spec, pattern, f"search: {entity.name} has no text field to index")
            )
            return MongoRead(pattern, How.UNSUPPORTED, "not served (no text field)")
        index = MongoIndex(tuple((f.ident, "text") for f in words))
        return MongoRead(pattern, How.TEXT, _describe(index), index)
    if entity.key.ident in pattern.fields:
        return MongoRead(pattern, How.ID, "the _id index")
    keys = list(equality)
    if (
        pattern.order is not None
        and pattern.order.ident != entity.key.ident
        and pattern.kind is not PatternKind.AGGREGATE
    ):
        keys.append((pattern.order.ident, "-1" if pattern.descending else "1"))
    paged = pattern.kind in (PatternKind.QUERY, PatternKind.TOP) and pattern.rank_of is None
    if not keys:
        warnings.append(
            warn(spec, pattern, "no key or index serves it: a collection scan reads every document")
        )
        return MongoRead(pattern, How.SCAN, "a collection scan", paged=paged)
    unique = tuple(p.field for p in pattern.by) in spec.unique_of(entity)
    if unique:
        # The index enforces the group itself: with the order field in it, two documents
        # that differ only in that field (a player's two scores on one board) would pass.
        keys = list(equality)
    if paged and not unique:
        # The keyset cursor sorts on (order field, _id): the index ends with _id too.
        keys.append(("_id", "-1" if pattern.descending and pattern.order else "1"))
    index = MongoIndex(tuple(keys), unique=unique, present=_optional(pattern))
    top = pattern.rank_of
    if top is not None and top.order is not None:
        # The count reads the top pattern's index: its equality fields, then the order.
        ahead = [(p.field.ident, "1") for p in top.by]
        ahead.append((top.order.ident, "-1" if top.descending else "1"))
        warnings.append(
            no_rank(
                spec,
                pattern,
                "MongoDB",
                f"documents ahead with count_documents on {_describe(MongoIndex(tuple(ahead)))}"
                f"; that walks every index key ahead of the entry{at_rate(pattern)}",
            )
        )
    return MongoRead(pattern, How.INDEX, _describe(index), index, paged=paged and not unique)


def _optional(pattern: PatternSpec) -> tuple[str, ...]:
    """The optional equality fields of ``pattern``: its index leaves out items without them."""
    return tuple(p.field.ident for p in pattern.by if p.field.optional)


def _describe(index: MongoIndex) -> str:
    kind = "unique index" if index.unique else "partial index" if index.present else "index"
    keys = "{" + ", ".join(f"{k}: {d}" for k, d in index.keys) + "}"
    if index.present:
        keys += f" (of the items that have {' and '.join(index.present)})"
    return f"{kind} {keys}"


def _fold(indexes: list[MongoIndex]) -> tuple[MongoIndex, ...]:
    """Merge duplicates and text indexes; drop an index that a longer one's prefix serves."""
    merged: dict[tuple[tuple[tuple[str, str], ...], bool, bool, int, tuple[str, ...]], MongoIndex]
    merged = {}
    text_keys: list[tuple[str, str]] = []
    for index in indexes:
        if any(d == "text" for _, d in index.keys):
            text_keys += [k for k in index.keys if k not in text_keys]
            continue
        key = (index.keys, index.ttl, index.unique, index.expire_after, index.present)
        merged.setdefault(key, index)
    if text_keys:
        # MongoDB allows one text index per collection: it covers every searched field.
        merged[(tuple(text_keys), False, False, 0, ())] = MongoIndex(tuple(text_keys))
    found = list(merged.values())
    return tuple(i for i in found if i.special or _covering(i, found) is i)


def _covering(index: MongoIndex, indexes: list[MongoIndex] | tuple[MongoIndex, ...]) -> MongoIndex:
    """The longest plain index whose leading keys are ``index``'s keys (else ``index``)."""
    if index.special:
        return index
    best = index
    for other in indexes:
        if (
            not other.special
            and len(other.keys) > len(best.keys)
            and other.keys[: len(index.keys)] == index.keys
        ):
            best = other
    return best


def _concerns(spec: ComponentSpec, single: list[str]) -> tuple[str, bool, str, str, str]:
    """Write concern w, journal, read concern level, read preference and the reason.

    ``single`` names the read functions whose filter names one document, which strong
    consistency serves with readConcern linearizable.

    Durability decides the write concern: a w=1 write that has not replicated yet is
    rolled back when its primary fails over, so only ephemeral data may be written with
    w=1 (and only when the reads do not need majority writes). Consistency decides reads.
    """
    ephemeral = spec.durability == "ephemeral"
    consistency = spec.consistency
    journal = not ephemeral
    j = "j=true" if journal else "j=false"
    if ephemeral and consistency == "eventual":
        w = "1"
        writes = (
            "Durability ephemeral: writes use w=1, j=false, acknowledged by the primary "
            "alone: a write that has not reached a secondary yet is rolled back when the "
            "primary fails over (and one not yet journaled is lost if it crashes), which "
            "only ephemeral data may risk; set w=majority if it must survive a failover."
        )
    else:
        w = "majority"
        writes = (
            f"Durability {spec.durability or 'not answered'}: writes use w=majority, {j}, "
            "acknowledged once a majority of the replica set has them, so an acknowledged "
            "write survives a failover (a w=1 write that has not replicated is rolled back)."
        )
        if ephemeral:
            writes += f" The consistency ({consistency or 'not answered'}) needs majority writes."
    if consistency == "eventual":
        return (
            w,
            journal,
            "local",
            "PRIMARY",
            f"{writes} Consistency eventual: reads use readConcern local from the primary, "
            "so a client reads its own writes (secondary reads would lag; use "
            "secondaryPreferred only for reads that may be stale).",
        )
    if consistency == "strong":
        return (
            w,
            journal,
            "majority",
            "PRIMARY",
            f"{writes} Consistency strong: majority reads alone are "
            "not strong (a deposed primary can briefly serve stale majority reads), so "
            "the reads whose filter names one document (by _id, by the fields of a unique "
            "index, or an embedded item's parent by _id) use readConcern linearizable "
            f"with maxTimeMS (LINEARIZABLE_TIMEOUT_MS): {', '.join(single)}. They reflect "
            "every write acknowledged before they started, at the cost of a round of "
            "confirmation from a majority. The other reads use readConcern majority "
            "from the primary (linearizable only applies to single-document reads).",
        )
    asked = "session" if consistency == "session" else "not answered"
    return (
        w,
        journal,
        "majority",
        "PRIMARY",
        f"{writes} Consistency {asked}: reads use readConcern majority from the primary, "
        "so a client reads its own writes; a causally consistent ClientSession extends "
        "this to secondary reads.",
    )
