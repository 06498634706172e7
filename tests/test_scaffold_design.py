"""The designs follow each database's canon, and the pattern checks warn where they should."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.engine import Disqualification, Entry, Result
from advisor.scaffold import Plan, Store, choose, explicit, plan
from advisor.scaffold.dynamodb import DynamoDesign
from advisor.scaffold.mongodb import MongoDesign
from advisor.scaffold.redis import RedisDesign
from advisor.workload import Workload, load_workload, parse_workload
from tests.hostile import EDGE_WORKLOADS
from tests.support import EXAMPLES


def _example(stem: str) -> Workload:
    return load_workload(next(p for p in EXAMPLES if p.stem == stem))


def _plan(stem: str, store: Store) -> Plan:
    workload = _example(stem)
    return plan(workload, explicit(workload, store))


def _design(stem: str, store: Store, component: str | None = None) -> object:
    planned = _plan(stem, store)
    return next(d for d in planned.designs if component in (None, d.spec.name))


def _warnings(stem: str, store: Store) -> list[str]:
    return [str(w) for w in _plan(stem, store).warnings]


def test_store_enum_is_exhaustive() -> None:
    assert [s.value for s in Store] == ["mongodb", "redis", "dynamodb"]
    for store in Store:
        for path in EXAMPLES:
            workload = load_workload(path)
            assert len(plan(workload, explicit(workload, store)).designs) == len(
                workload.components
            )


def test_mongodb_embeds_children_read_through_their_parent() -> None:
    design = _design("ecommerce", Store.MONGODB, "order_processing")
    assert isinstance(design, MongoDesign)
    assert {n: e.array for n, e in design.embedded.items()} == {
        "OrderLine": "order_lines",
        "Payment": "payments",
    }
    how = {r.pattern.name: r.how for r in design.reads}
    assert how["lines_of_order"] == "embedded"
    assert how["get_order"] == "id"
    # Orders are read by customer and status, so they keep their own collection.
    assert [c.name for c in design.collections] == ["customer", "order"]


def test_mongodb_names_arrays_by_english_plurals() -> None:
    workload = parse_workload(EDGE_WORKLOADS["unique_parent"], "shop.yaml")
    (design,) = plan(workload, explicit(workload, Store.MONGODB)).designs
    assert isinstance(design, MongoDesign)
    arrays = {n: e.array for n, e in design.embedded.items()}
    assert arrays == {"Address": "addresses", "Category": "categories"}


def test_mongodb_references_series_and_shared_children() -> None:
    telemetry = _design("iot-telemetry", Store.MONGODB)
    assert isinstance(telemetry, MongoDesign)
    assert telemetry.embedded == {}  # write-heavy series: readings never grow one document
    inventory = _design("ecommerce", Store.MONGODB, "inventory")
    assert isinstance(inventory, MongoDesign)
    assert "Reservation" not in inventory.embedded  # read by order_id, not through its stock


def test_mongodb_indexes_follow_esr_and_serve_ttl_and_text() -> None:
    catalog = _design("ecommerce", Store.MONGODB, "product_catalog")
    assert isinstance(catalog, MongoDesign)
    (products,) = [c for c in catalog.collections if c.name == "product"]
    keys = [index.keys for index in products.indexes]
    # Equality, then sort, then _id for the keyset cursor.
    assert (("category_id", "1"), ("price", "1"), ("_id", "1")) in keys
    assert (("category_id", "1"), ("rating", "-1"), ("_id", "-1")) in keys
    text = [k for k in keys if k[0][1] == "text"]
    assert text == [(("sku", "text"), ("name", "text"), ("description", "text"), ("brand", "text"))]
    sessions = _design("session-store", Store.MONGODB)
    assert isinstance(sessions, MongoDesign)
    (collection,) = sessions.collections
    assert [i.keys for i in collection.indexes if i.ttl] == [(("expires_at", "1"),)]


def test_mongodb_prefix_indexes_are_folded() -> None:
    text = """
name: t
entities: [{name: Item, key: id, fields: {id: string, a: string, b: int}}]
access_patterns:
  - {name: by_a, entity: Item, kind: query, by: [a]}
  - {name: by_a_sorted, entity: Item, kind: query, by: [a], order_by: b}
  - {name: by_a_again, entity: Item, kind: query, by: [a], order_by: b}
"""
    workload = parse_workload(text)
    (design,) = plan(workload, explicit(workload, Store.MONGODB)).designs
    assert isinstance(design, MongoDesign)
    (collection,) = design.collections
    # by_a pages on (_id), the sorted ones on (b, _id): two indexes, the duplicate folded.
    assert [i.keys for i in collection.indexes] == [
        (("a", "1"), ("_id", "1")),
        (("a", "1"), ("b", "1"), ("_id", "1")),
    ]
    assert [r.served_by for r in design.reads][1:] == ["index {a: 1, b: 1, _id: 1}"] * 2


@pytest.mark.parametrize(
    ("consistency", "durability", "w", "concern"),
    [
        ("eventual", "durable", "majority", "local"),
        ("eventual", "ephemeral", "1", "local"),
        ("eventual", None, "majority", "local"),
        ("session", "durable", "majority", "majority"),
        ("session", "ephemeral", "majority", "majority"),
        ("strong", "durable", "majority", "majority"),
        ("strong", "ephemeral", "majority", "majority"),
    ],
)
def test_mongodb_durability_decides_the_write_concern_and_consistency_the_reads(
    consistency: str, durability: str | None, w: str, concern: str
) -> None:
    # A w=1 write that has not replicated is rolled back on failover: durable data
    # (or data whose durability was not answered) is always written with w=majority.
    text = f"name: t\nconsistency: {consistency}\n"
    workload = parse_workload(text + (f"durability: {durability}\n" if durability else ""))
    (design,) = plan(workload, explicit(workload, Store.MONGODB)).designs
    assert isinstance(design, MongoDesign)
    journal = durability != "ephemeral"
    assert (design.write_w, design.journal, design.read_concern, design.read_preference) == (
        w,
        journal,
        concern,
        "PRIMARY",
    )
    if w == "1":
        assert any("rolled back when the primary fails over" in d for d in design.decisions)


def test_redis_uses_sorted_sets_for_ranked_patterns_and_warns_of_hot_keys() -> None:
    design = _design("leaderboard", Store.REDIS)
    assert isinstance(design, RedisDesign)
    how = {r.pattern.name: r.how for r in design.reads}
    assert how == {"top_100": "board", "player_rank": "board", "get_player": "key"}
    warnings = _warnings("leaderboard", Store.REDIS)
    assert any("top_100: hot key" in w for w in warnings), warnings


def test_mongodb_warns_that_a_rank_counts_every_entry_ahead() -> None:
    warnings = _warnings("leaderboard", Store.MONGODB)
    (rank,) = [w for w in warnings if "player_rank" in w]
    # The count reads top_100's index (board, then score), 5,000 times a second.
    assert "count_documents on index {board_id: 1, score: -1}" in rank, rank
    assert "5,000 calls/s" in rank and "ZCOUNT" in rank
    assert not any("top_100" in w for w in warnings), warnings


def test_redis_warns_when_the_data_is_more_than_ram_holds() -> None:
    (size,) = [w for w in _warnings("iot-telemetry", Store.REDIS) if "data size" in w]
    assert "20,000 GB" in size and "disk-based store" in size
    # A session store of a few gigabytes fits: no warning.
    assert not any("data size" in w for w in _warnings("session-store", Store.REDIS))


def test_redis_persistence_follows_durability() -> None:
    ledger = _design("ledger", Store.REDIS)
    assert isinstance(ledger, RedisDesign)
    assert any("appendonly yes" in line for line in ledger.persistence)
    assert any("asynchronous" in line for line in ledger.persistence)
    # Strong consistency and transactions: everysec could lose a second of writes.
    assert ledger.fsync == "always"
    assert any("appendfsync always" in line for line in ledger.persistence)
    board = _design("leaderboard", Store.REDIS)
    assert isinstance(board, RedisDesign)
    assert any("evicts only keys that have a TTL" in line for line in board.persistence)
    assert any("strong consistency asked" in w for w in _warnings("ledger", Store.REDIS))


def test_redis_and_dynamodb_warn_about_search_and_aggregate() -> None:
    for store in (Store.REDIS, Store.DYNAMODB):
        warnings = _warnings("ecommerce", store)
        assert any("search_products: full-text search" in w for w in warnings), warnings
        assert any("revenue_by_status: aggregate" in w for w in warnings), warnings
        assert any("also_bought: multi-hop traversal" in w for w in warnings), warnings
    assert not any("search_products" in w for w in _warnings("ecommerce", Store.MONGODB))


def test_needs_no_generated_function_exercises_are_named_not_dropped() -> None:
    workload = parse_workload(
        "name: rag\nneeds: [vector_search, full_text_search, geospatial]\n"
        "entities:\n  - name: Chunk\n    key: chunk_id\n"
        "    fields: {chunk_id: string, text: string}\n"
        "access_patterns:\n"
        "  - {name: get_chunk, entity: Chunk, kind: get, by: [chunk_id]}\n"
        "  - {name: find_text, entity: Chunk, kind: search, by: [text]}\n"
    )
    for store in Store:
        warnings = [str(w) for w in plan(workload, explicit(workload, store)).warnings]
        named = [w for w in warnings if "no generated function exercises" in w]
        # The search pattern carries full-text search; vector search has no pattern kind,
        # and geospatial queries have no near pattern here.
        assert len(named) == 1, (store, warnings)
        assert "needs vector_search, geospatial," in named[0]
        assert "full_text_search" not in named[0]
    quiet = parse_workload("name: kv\nneeds: [ttl, counters]\n")
    for store in Store:
        found = plan(quiet, explicit(quiet, store)).warnings
        assert not [w for w in found if "no generated function" in str(w)]


def test_dynamodb_item_collections_and_sort_keys() -> None:
    design = _design("iot-telemetry", Store.DYNAMODB)
    assert isinstance(design, DynamoDesign)
    (device, reading) = design.entities
    assert device.owner.name == "Device"
    assert reading.owner.name == "Device"  # readings live in their device's item collection
    assert reading.sk_order is not None and reading.sk_order.ident == "timestamp"
    how = {r.pattern.name: r.how for r in design.reads}
    assert how == {
        "device_readings": "collection",
        "latest_reading": "collection",
        "get_device": "get",
        "devices_of_site": "gsi",
    }


def test_dynamodb_gsis_are_overloaded_and_strong_reads_warned() -> None:
    ledger = _design("ledger", Store.DYNAMODB)
    assert isinstance(ledger, DynamoDesign)
    used_by = {
        g.name: [u.entity.name for e in ledger.entities for u in e.uses if u.gsi == g]
        for g in ledger.gsis
    }
    # The idempotency key is read through its guard item, so only Entry needs GSI1.
    assert used_by["GSI1"] == ["Entry"]
    workload = parse_workload(
        """
name: t
entities:
  - {name: A, key: id, fields: {id: string, x: string}}
  - {name: B, key: id, fields: {id: string, y: string}}
access_patterns:
  - {name: a_by_x, entity: A, kind: query, by: [x]}
  - {name: b_by_y, entity: B, kind: query, by: [y]}
"""
    )
    (shared,) = plan(workload, explicit(workload, Store.DYNAMODB)).designs
    assert isinstance(shared, DynamoDesign)
    # One GSI slot serves two entities (overloading) rather than one GSI per pattern.
    assert [g.name for g in shared.gsis] == ["GSI1"]
    assert [u.entity.name for e in shared.entities for u in e.uses] == ["A", "B"]
    design = _design("ecommerce", Store.DYNAMODB, "inventory")
    assert isinstance(design, DynamoDesign)
    assert design.consistent_read
    warnings = _warnings("ecommerce", Store.DYNAMODB)
    assert any("stock_for_sku: strong reads wanted" in w for w in warnings), warnings
    assert all(r.consistent is False for r in design.reads if r.how == "gsi")


def test_dynamodb_hot_partition_at_the_stated_rate() -> None:
    warnings = _warnings("leaderboard", Store.DYNAMODB)
    assert any("top_100: hot partition" in w for w in warnings), warnings


def test_scan_is_warned_when_no_key_or_index_serves() -> None:
    text = """
name: t
entities: [{name: Item, key: id, fields: {id: string, colour: string}}]
access_patterns: [{name: everything, entity: Item, kind: query}]
"""
    workload = parse_workload(text)
    for store in Store:
        warnings = [str(w) for w in plan(workload, explicit(workload, store)).warnings]
        assert any("everything: no key or index serves it" in w for w in warnings), store


def _entry(database: str, score: float, eligible: bool) -> Entry:
    reasons = () if eligible else (Disqualification("x", f"{database} lacks it"),)
    return Entry(database, database, "document", score, 0.0, eligible, (), reasons)


def test_auto_picks_the_best_ranked_of_the_three() -> None:
    class Component:
        def __init__(self, name: str, ranking: list[Entry]) -> None:
            self.name = name
            self.ranking = tuple(ranking)

    class Fake:
        components = (
            Component(
                "a",
                [
                    _entry("postgresql", 90, True),
                    _entry("redis", 80, True),
                    _entry("mongodb", 85, False),
                ],
            ),
            Component("b", [_entry("neo4j", 90, True), _entry("dynamodb", 50, False)]),
        )

    choices = choose(Fake())  # type: ignore[arg-type]
    assert [(c.component, c.store) for c in choices] == [("a", Store.REDIS), ("b", Store.DYNAMODB)]
    assert "not eligible" in choices[1].reason


def test_auto_with_the_knowledge_base(tmp_path: Path) -> None:
    from advisor.engine import Engine
    from advisor.kb import load_knowledge_base

    workload = _example("leaderboard")
    result: Result = Engine(load_knowledge_base()).score(workload)
    (choice,) = choose(result)
    ranked = [e.database for e in result.components[0].ranking if e.database in set(Store)]
    assert choice.store == ranked[0]


def test_a_limit_one_lookup_by_other_fields_is_a_uniqueness_constraint() -> None:
    design = _design("ledger", Store.MONGODB)
    assert isinstance(design, MongoDesign)
    spec = design.spec
    groups = spec.unique_of(spec.entity("Transfer"))
    assert [[f.name for f in group] for group in groups] == [["idempotency_key"]]
    # A get by the key, and an ordered limit-1 query (the latest reading), are not.
    assert spec.unique_of(spec.entity("Account")) == ()
    iot = _design("iot-telemetry", Store.MONGODB)
    assert isinstance(iot, MongoDesign)
    assert all(iot.spec.unique_of(e) == () for e in iot.spec.entities)
    (transfers,) = [c for c in design.collections if c.entity.name == "Transfer"]
    assert [(i.keys, i.unique) for i in transfers.indexes] == [((("idempotency_key", "1"),), True)]
    assert any("idempotency_key is unique" in line for line in design.decisions)


def test_redis_readme_does_not_promise_cluster_support() -> None:
    design = _design("ledger", Store.REDIS)
    assert isinstance(design, RedisDesign)
    text = " ".join(design.decisions)
    assert "standalone" in text and "CROSSSLOT" in text
    assert "Redis Cluster keeps every key" not in text


def test_dynamodb_keeps_own_pk_when_a_strong_get_by_key_exists() -> None:
    design = _design("ecommerce", Store.DYNAMODB, "inventory")
    assert isinstance(design, DynamoDesign)
    reads = {r.pattern.name: r for r in design.reads}
    assert (reads["get_stock"].how, reads["get_stock"].consistent) == ("get", True)
    stock = next(p for p in design.entities if p.entity.name == "StockLevel")
    assert not stock.colocated
    assert [f.ident for f in stock.address] == ["stock_id"]
    assert reads["low_stock_in_warehouse"].how == "gsi"
    # get_stock (1,500/s) is hotter than the warehouse's collection (1/s): said once, why.
    assert any("get_stock" in line and "own key" in line for line in design.decisions)


def test_dynamodb_warns_of_gsi_keys_with_few_values_at_high_write_rates() -> None:
    warnings = _warnings("ecommerce", Store.DYNAMODB)
    for pattern, field in (("fulfilment_queue", "status"), ("revenue_by_status", "currency")):
        assert any(
            f"{pattern}: hot partition" in w and f"keyed by {field}" in w for w in warnings
        ), warnings


def test_mongodb_references_children_read_in_sorted_or_limited_slices() -> None:
    design = _design("ecommerce", Store.MONGODB, "product_catalog")
    assert isinstance(design, MongoDesign)
    assert "Review" not in design.embedded
    assert any(
        "Review: referenced" in line and "reviews_of_product" in line for line in design.decisions
    )
    served = {r.pattern.name: r.served_by for r in design.reads}
    assert served["reviews_of_product"].startswith("index {product_id: 1")


def test_every_way_of_serving_a_pattern_is_generated_somewhere() -> None:
    from advisor.scaffold.common import How
    from tests.hostile import hostile_workload

    workloads = [load_workload(p) for p in EXAMPLES] + [hostile_workload()]
    seen = {
        read.how
        for workload in workloads
        for store in Store
        for design in plan(workload, explicit(workload, store)).designs
        for read in design.reads
    }
    assert all(isinstance(how, How) for how in seen)
    assert seen == set(How)


def test_a_limit_one_lookup_within_a_top_ordering_returns_a_rank() -> None:
    design = _design("leaderboard", Store.REDIS)
    assert isinstance(design, RedisDesign)
    patterns = {p.name: p for p in design.spec.patterns}
    top = patterns["player_rank"].rank_of
    assert top is not None and top.name == "top_100"
    assert patterns["top_100"].rank_of is None
    assert patterns["get_player"].rank_of is None


def test_a_rank_pattern_makes_its_board_and_player_unique_in_every_store() -> None:
    """player_rank (board + player, a rank within top_100) presumes one entry per pair."""
    mongo = _design("leaderboard", Store.MONGODB)
    assert isinstance(mongo, MongoDesign)
    spec = mongo.spec
    score = spec.entity("Score")
    assert [[f.name for f in g] for g in spec.unique_of(score)] == [["board_id", "player_id"]]
    # MongoDB: the unique index holds the pair alone; with the score in it, a player's
    # second entry with another score would pass.
    (scores,) = [c for c in mongo.collections if c.entity.name == "Score"]
    assert [i.keys for i in scores.indexes if i.unique] == [(("board_id", "1"), ("player_id", "1"))]
    # DynamoDB: the pair is the entity's hottest point read (top_100 is hotter, but a
    # listed read is a GSI Query whatever the key), so it is the item's key: no guard.
    dynamo = _design("leaderboard", Store.DYNAMODB)
    assert isinstance(dynamo, DynamoDesign)
    placed = dynamo.of(score)
    assert [f.name for f in placed.natural] == ["player_id", "board_id"]
    assert not any("guard item" in line for line in dynamo.decisions)
    (rank,) = [r for r in dynamo.reads if r.pattern.name == "player_rank"]
    assert rank.count_on is not None and rank.count_on.gsi.name == "GSI1"
    # Redis: the board claims the pair.
    redis = _design("leaderboard", Store.REDIS)
    assert isinstance(redis, RedisDesign)
    assert [[f.name for f in g] for g in redis.unique_of(score)] == [["board_id", "player_id"]]
