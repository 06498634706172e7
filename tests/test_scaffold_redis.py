"""The generated Redis code keeps its promises on a real redis-server, at realistic sizes.

Each test generates a project into a temporary folder, imports its package and runs it
against the session's redis-server (tests/servers.py) on a database of its own: the
leaderboard on a board of thousands of players, counters and compare-and-swap updates
under eight threads, pages after pages, expiry only where a field says when, and index
keys that cannot collide. Design-level checks need no server.
"""

from __future__ import annotations

import functools
import importlib
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from advisor.scaffold import Store, explicit, generate, plan
from advisor.scaffold.redis import RedisDesign
from advisor.workload import Workload, load_workload, parse_workload
from advisor.writer import write_tree
from tests.hostile import EDGE_WORKLOADS
from tests.servers import RedisServer
from tests.support import (
    EXAMPLES,
    LEDGER_WORKERS,
    TOKENS,
    check_ledger_conserved,
    ledger_accounts,
    ledger_transfers,
    session_round_trip,
    session_touch,
)

redis = pytest.importorskip("redis")

# test_scaffold_projects.py gives databases 0-29 to its projects; these tests use 31.
DATABASE = 31

EXPIRING = """
name: fleet
needs: [ttl, counters]
entities:
  - name: Driver
    key: driver_id
    fields: {driver_id: string, city: string, position: geo, trips: int}
  - name: Offer
    key: offer_id
    fields: {offer_id: string, city: string, price: float, expires_at: datetime}
access_patterns:
  - {name: drivers_near, entity: Driver, kind: near, limit: 5}
  - {name: offers_in_city, entity: Offer, kind: query, by: [city], order_by: price, limit: 10}
"""

COMPOSITE = """
name: chat
needs: [counters]
entities:
  - name: Membership
    key: membership_id
    fields: {membership_id: string, channel: string, user: string, unread: int}
access_patterns:
  - {name: member_of, entity: Membership, kind: query, by: [channel, user]}
"""

NOTES = """
name: notes
transactions: multi_record
entities:
  - {name: Note, key: note_id, fields: {note_id: string, meta: map, at: datetime}}
access_patterns:
  - {name: get_note, entity: Note, kind: get, by: [note_id]}
"""
TIPS = """
name: tips
needs: [counters]
entities:
  - name: Tip
    key: tip_id
    fields: {tip_id: string, venue: string, votes: int}
    optional: [venue]
access_patterns:
  - {name: best_tips, entity: Tip, kind: query, by: [venue], order_by: votes, descending: true}
"""
WORKLOADS = {"fleet": EXPIRING, "chat": COMPOSITE, "notes": NOTES, "tips": TIPS, "tokens": TOKENS}
WORKLOADS["probe"] = EDGE_WORKLOADS["unique_together"]
WORKLOADS["feed"] = """
name: feed
needs: [change_streams]
entities:
  - {name: Order, key: order_id, fields: {order_id: string, status: string}}
access_patterns:
  - {name: order, entity: Order, kind: get, by: [order_id]}
"""
# Drivers whose position lapses with a heartbeat (review 12: R2).
WORKLOADS["heartbeats"] = """
name: rides
needs: [ttl, geospatial]
entities:
  - name: Driver
    key: driver_id
    fields: {driver_id: string, city: string, location: geo, expires_at: datetime}
access_patterns:
  - {name: drivers_near, entity: Driver, kind: near, limit: 5}
"""
# Numbers in index and unique keys (review 12: R3).
WORKLOADS["numbers"] = """
name: catalog
entities:
  - name: Product
    key: sku
    fields: {sku: string, price: decimal, weight_kg: float, launched: datetime}
  - name: Voucher
    key: code
    fields: {code: string, amount: decimal}
access_patterns:
  - {name: products_at_price, entity: Product, kind: query, by: [price]}
  - {name: products_of_weight, entity: Product, kind: query, by: [weight_kg],
     order_by: launched}
  - {name: voucher_by_amount, entity: Voucher, kind: get, by: [amount], limit: 1}
"""
# A leaderboard whose entries expire one by one (review 12: R1).
WORKLOADS["weekly"] = """
name: weekly_board
needs: [sorted_sets, ttl, counters]
entities:
  - name: Score
    key: entry_id
    fields: {entry_id: string, board_id: string, player_id: string, points: int,
             expires_at: datetime}
access_patterns:
  - {name: top_players, entity: Score, kind: top, by: [board_id], order_by: points,
     descending: true, limit: 10}
  - {name: player_rank, entity: Score, kind: query, by: [board_id, player_id],
     order_by: points, descending: true, limit: 1}
"""
# Unique groups and index field lists where one starts with the other (review 12: R6).
WORKLOADS["prefixes"] = """
name: prefixes
consistency: strong
entities:
  - name: Account
    key: account_id
    fields: {account_id: string, email: string, tenant_id: string, plan: string}
access_patterns:
  - {name: by_email, entity: Account, kind: get, by: [email], limit: 1}
  - {name: by_email_and_tenant, entity: Account, kind: get, by: [email, tenant_id], limit: 1}
  - {name: of_tenant, entity: Account, kind: query, by: [tenant_id]}
  - {name: of_tenant_and_plan, entity: Account, kind: query, by: [tenant_id, plan]}
"""


def _load(name: str) -> Workload:
    if name in WORKLOADS:
        return parse_workload(WORKLOADS[name], f"{name}.yaml")
    return load_workload(next(p for p in EXAMPLES if p.stem == name))


def _design(name: str) -> RedisDesign:
    workload = _load(name)
    (design, *_) = plan(workload, explicit(workload, Store.REDIS)).designs
    assert isinstance(design, RedisDesign)
    return design


def _code(name: str) -> str:
    workload = _load(name)
    files = generate(workload, explicit(workload, Store.REDIS)).files
    return "\n".join(text for path, text in files.items() if path.endswith(".py"))


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[Any]:
    """A client of an empty database of the session's redis-server, flushed afterwards."""
    connection = redis.Redis.from_url(redis_server.url(DATABASE), decode_responses=True)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Any]:
    """Generate a workload's Redis project and import its component module."""
    imported: list[str] = []

    def make(name: str, module: str = "repository") -> ModuleType:
        workload = _load(name)
        folder = tmp_path / name
        files = generate(workload, explicit(workload, Store.REDIS)).files
        write_tree(folder, files)
        (init,) = [p for p in files if p.endswith("/__init__.py") and not p.startswith("tests")]
        package = init.split("/")[0]
        sys.path.insert(0, str(folder))
        imported.append(package)
        return importlib.import_module(f"{package}.{module}")

    yield make
    for package in imported:
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]


def test_no_ttl_is_made_up() -> None:
    design = _design("fleet")
    driver, offer = design.spec.entities
    assert driver.expiry is None and offer.expiry is not None
    assert any("Driver: no field says when" in line for line in design.decisions)
    code = _code("fleet")
    assert "DEFAULT_TTL" not in code and "604800" not in code
    assert "pipe.expire(" not in code
    assert "pipe.pexpireat(key, item.expires_at)" in code


def test_expiry_only_where_a_field_says_when(project: Any, client: Any) -> None:
    repo = project("fleet")
    repo.create_driver(client, repo.Driver("d1", "berlin", (13.4, 52.5), 0))
    soon = datetime.now(UTC) + timedelta(hours=1)
    repo.create_offer(client, repo.Offer("o1", "berlin", 9.5, soon))
    ttls = {key: client.ttl(key) for key in client.scan_iter("*")}
    driver_keys = [k for k in ttls if k.startswith(repo.DRIVER_KEY + ":")]
    offer_keys = [k for k in ttls if k.startswith(repo.OFFER_KEY + ":")]
    assert driver_keys and all(ttls[k] == -1 for k in driver_keys), ttls
    assert offer_keys and all(0 < ttls[k] <= 3600 for k in offer_keys), ttls
    # A driver stays visible to near queries: nothing expires it behind the caller's back.
    assert [d.driver_id for d in repo.drivers_near(client, 13.4, 52.5)] == ["d1"]


def test_readme_says_which_index_entries_stay() -> None:
    # Entries of expired items stay while another item keeps the index key alive, until
    # a read meets them; skipped entries of items that still exist are not removed.
    text = " ".join(_design("session-store").decisions)
    assert "grow without bound" not in text and "pruning as it goes" not in text
    assert "entries of its expired items that no read reaches stay" in text
    assert "those whose item still exists stay" in text


def test_a_decimal_counter_says_why_it_has_no_incr_function() -> None:
    # The ledger's balance is a decimal: the other stores add it on the server, Redis
    # cannot add it exactly, so the README says what to use instead.
    design = _design("ledger")
    (account,) = [e for e in design.spec.entities if e.name == "Account"]
    assert "balance" not in account.increments
    (line,) = [d for d in design.decisions if d.startswith("Decimals (")]
    assert "Account.balance" in line and "save_together(increments=...)" in line
    other = generate(_load("ledger"), explicit(_load("ledger"), Store.MONGODB)).files
    assert any("def increment_account(" in text for text in other.values())
    assert "def incr_account_balance(" not in _code("ledger")


def test_readme_says_int_scores_beyond_2_53_sort_approximately() -> None:
    # A sorted-set score is a double: 2**53 + 1 scores as 2**53. The models refuse only
    # what no store keeps (beyond 64 bits); the README says where order is approximate.
    (line,) = [d for d in _design("leaderboard").decisions if "scores are doubles" in d]
    assert "Score.score" in line and "2^53" in line and "leaderboard read" in line
    assert not [d for d in _design("session-store").decisions if "scores are doubles" in d]


def test_leaderboard_is_one_sorted_set_per_board() -> None:
    design = _design("leaderboard")
    (board,) = [i for i in design.indexes if i.entity.name == "Score"]
    assert board.kind == "board"
    assert [f.ident for f in board.fields] == ["board_id"]
    assert board.member is not None and board.member.ident == "player_id"
    how = {r.pattern.name: r.how for r in design.reads}
    assert how["top_100"] == how["player_rank"] == "board"
    code = _code("leaderboard")
    for command in ("zincrby", "ZSCORE", "ZCOUNT", "ZREVRANGE", "WITHSCORES"):
        assert command in code, command


def test_leaderboard_at_realistic_size(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    rng = random.Random(15)
    players = 3000
    at = datetime(2030, 1, 1, tzinfo=UTC)
    scores = {f"p{n}": rng.randrange(1_000_000) for n in range(players)}
    items = [repo.Score(f"e{n}", "weekly", f"p{n}", scores[f"p{n}"], at) for n in range(players)]
    assert repo.save_many_score(client, items) == players
    # Per score a hash and the key that claims its (board, player), and one sorted set
    # for the board.
    assert client.dbsize() == 2 * players + 1
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    top = repo.top_100(client, "weekly")
    assert [score for _, score in top] == [score for _, score in ranked[:100]]
    assert {p for p, _ in top} <= set(scores)
    for player in rng.sample(sorted(scores), 50):
        ahead = sum(1 for s in scores.values() if s > scores[player])
        # Competition ranking, as the other stores: tied players share a rank.
        assert repo.player_rank(client, "weekly", player) == ahead
    assert repo.player_rank(client, "weekly", "nobody") is None
    # A match result moves the player on the board and in the hash, on the server.
    last = ranked[-1][0]
    entry = f"e{last[1:]}"
    assert repo.incr_score_score(client, entry, 2_000_000) == scores[last] + 2_000_000
    assert repo.player_rank(client, "weekly", last) == 0
    assert repo.top_100(client, "weekly", limit=1) == [(last, scores[last] + 2_000_000)]
    stored = repo.fetch_score(client, entry)
    assert stored is not None and stored.score == scores[last] + 2_000_000


def test_leaderboard_and_items_never_disagree(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    errors = importlib.import_module("game_leaderboard.errors")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("match-1", "weekly", "p1", 100, at))
    # A second entry for the same board and player is refused: the board has one entry
    # per player, so the two items could not both be on it.
    with pytest.raises(errors.AlreadyExistsError):
        repo.create_score(client, repo.Score("match-2", "weekly", "p1", 50, at))
    assert repo.fetch_score(client, "match-2") is None
    repo.create_score(client, repo.Score("match-2", "monthly", "p1", 50, at))
    assert repo.incr_score_score(client, "match-1", 10) == 110
    assert repo.top_100(client, "weekly") == [("p1", 110)]
    assert repo.top_100(client, "monthly") == [("p1", 50)]
    # Deleting an entry takes its player off its board only, and frees the pair.
    assert repo.delete_score(client, "match-1")
    assert repo.top_100(client, "weekly") == []
    assert repo.player_rank(client, "monthly", "p1") == 0
    repo.create_score(client, repo.Score("match-3", "weekly", "p1", 7, at))
    assert repo.top_100(client, "weekly") == [("p1", 7)]


def test_tied_players_share_a_rank(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    for n, (player, score) in enumerate([("alice", 10), ("bob", 10), ("carol", 5)]):
        repo.create_score(client, repo.Score(f"e{n}", "b", player, score, at))
    ranks = {p: repo.player_rank(client, "b", p) for p in ("alice", "bob", "carol", "dave")}
    assert ranks == {"alice": 0, "bob": 0, "carol": 2, "dave": None}


def test_bulk_saves_keep_unique_values_unique(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    errors = importlib.import_module("game_leaderboard.errors")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("e1", "w", "alice", 1, at))
    # Another entry for a board + player that an entry holds is refused, after its chunk.
    batch = [repo.Score("e2", "w", "alice", 2, at), repo.Score("e3", "w", "bob", 3, at)]
    with pytest.raises(errors.AlreadyExistsError, match="e2"):
        repo.save_many_score(client, batch)
    assert repo.fetch_score(client, "e2") is None and repo.fetch_score(client, "e3") is not None
    assert repo.top_100(client, "w") == [("bob", 3), ("alice", 1)]
    # Twins within one chunk: the first wins.
    batch = [repo.Score("e4", "w", "carol", 4, at), repo.Score("e5", "w", "carol", 5, at)]
    with pytest.raises(errors.AlreadyExistsError, match="e5"):
        repo.save_many_score(client, batch)
    assert repo.fetch_score(client, "e5") is None
    # An entry that moves to another player frees its old pair, which a create may take.
    assert repo.save_many_score(client, [repo.Score("e3", "w", "dave", 3, at)]) == 1
    repo.create_score(client, repo.Score("e6", "w", "bob", 6, at))
    # Deleting an entry frees its own pair only.
    assert repo.delete_score(client, "e1")
    with pytest.raises(errors.AlreadyExistsError):
        repo.create_score(client, repo.Score("e7", "w", "dave", 7, at))
    # Saving an entry again as it is is no conflict with itself; the last copy wins.
    batch = [repo.Score("e6", "w", "bob", 8, at), repo.Score("e6", "w", "erin", 9, at)]
    assert repo.save_many_score(client, batch) == 2
    repo.create_score(client, repo.Score("e8", "w", "bob", 1, at))
    stored = repo.fetch_score(client, "e6")
    assert stored is not None and stored.player_id == "erin"


def test_a_refused_chunk_ends_a_bulk_save(
    project: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The next chunk is encoded while Redis runs this one, but sent only if this one
    # had no refused item: chunks before it are written, chunks after it are not.
    repo = project("leaderboard")
    errors = importlib.import_module("game_leaderboard.errors")
    monkeypatch.setattr(repo, "BULK_CHUNK", 2)
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("e0", "w", "p3", 0, at))
    batch = [repo.Score(f"e{n}", "w", f"p{n}", n, at) for n in range(1, 8)]
    with pytest.raises(errors.AlreadyExistsError, match="e3"):
        repo.save_many_score(client, batch)
    stored = {n for n in range(8) if repo.fetch_score(client, f"e{n}") is not None}
    assert stored == {0, 1, 2, 4}
    # Without the refused item, every chunk is sent: 3 full ones and a last of one.
    assert repo.save_many_score(client, batch[:2] + batch[3:]) == 6
    assert [p for p, _ in repo.top_100(client, "w")] == ["p7", "p6", "p5", "p4", "p2", "p1", "p3"]


def test_bulk_saves_remove_the_stored_versions_index_entries(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    assert repo.save_many_score(client, [repo.Score("e1", "b", "p1", 10, at)]) == 1
    # Moved to another board: board b no longer lists p1, as after update_score.
    assert repo.save_many_score(client, [repo.Score("e1", "c", "p1", 30, at)]) == 1
    assert repo.top_100(client, "b") == []
    assert repo.player_rank(client, "b", "p1") is None
    assert repo.top_100(client, "c") == [("p1", 30)]
    # Moved to another player on the same board: only the new member is listed.
    assert repo.save_many_score(client, [repo.Score("e1", "c", "p2", 40, at)]) == 1
    assert repo.top_100(client, "c") == [("p2", 40)]
    assert repo.player_rank(client, "c", "p1") is None
    # Another entry may now take the old pair, and deleting it leaves the board right.
    repo.create_score(client, repo.Score("e2", "b", "p1", 5, at))
    assert repo.top_100(client, "b") == [("p1", 5)]
    assert repo.delete_score(client, "e2")
    assert repo.top_100(client, "b") == [] and repo.top_100(client, "c") == [("p2", 40)]


def test_leaderboard_pages_cover_the_board_once(project: Any, client: Any) -> None:
    repo = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    # Ties included: 250 players share 50 scores.
    items = [repo.Score(f"e{n}", "b", f"p{n:03}", n % 50, at) for n in range(250)]
    repo.save_many_score(client, items)
    seen: list[tuple[str, int]] = []
    cursor = None
    pages = 0
    while True:
        page, cursor = repo.top_100_page(client, "b", limit=40, after=cursor)
        seen += page
        pages += 1
        if cursor is None:
            break
    assert pages == 7
    assert len(seen) == len(set(seen)) == 250
    assert [s for _, s in seen] == sorted((s for _, s in seen), reverse=True)


def test_counters_lose_no_increment_under_threads(project: Any, client: Any) -> None:
    repo = project("chat")
    repo.create_membership(client, repo.Membership("m1", "general", "ann", 0))

    def work() -> None:
        for _ in range(50):
            assert repo.incr_membership_unread(client, "m1", 1) is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_membership(client, "m1")
    assert stored is not None and stored.unread == 400
    # The counter is an HINCRBY on the server, not a read-modify-write.
    design = _design("chat")
    (membership,) = design.spec.entities
    unread = next(f for f in membership.fields if f.ident == "unread")
    assert membership.increments == {"unread": "incr_membership_unread"}
    assert design.counter(membership, unread) == "script"
    assert repo.incr_membership_unread(client, "missing", 1) is None
    assert not client.exists(repo.MEMBERSHIP_KEY + ":item:missing")


def test_compare_and_swap_loses_no_update_under_threads(project: Any, client: Any) -> None:
    repo = project("chat")
    repo.create_membership(client, repo.Membership("m1", "general", "ann", 0))
    calls = []

    def bump(old: Any) -> Any:
        calls.append(1)
        return type(old)(old.membership_id, old.channel, old.user, old.unread + 1)

    def work() -> None:
        for _ in range(20):
            assert repo.update_membership(client, "m1", bump, retries=1000) is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_membership(client, "m1")
    assert stored is not None and stored.unread == 160
    # Conflicts happened and were retried (more mutate calls than updates), none lost.
    assert len(calls) >= 160


def test_composite_index_keys_do_not_collide(project: Any, client: Any) -> None:
    repo = project("chat")
    repo.create_membership(client, repo.Membership("m1", "a:b", "c", 0))
    repo.create_membership(client, repo.Membership("m2", "a", "b:c", 0))
    assert [m.membership_id for m in repo.member_of(client, "a:b", "c")] == ["m1"]
    assert [m.membership_id for m in repo.member_of(client, "a", "b:c")] == ["m2"]
    index_keys = [k for k in client.scan_iter(repo.MEMBERSHIP_KEY + ":set:*")]
    assert len(index_keys) == 2
    assert "{" not in "".join(client.scan_iter("*")), "no hash tags are written"


def test_prune_never_removes_a_live_entry(project: Any, client: Any) -> None:
    fleet = project("fleet")
    soon = datetime.now(UTC) + timedelta(hours=1)
    offer = fleet.Offer("o1", "berlin", 9.5, soon)
    fleet.create_offer(client, offer)
    index = fleet._index_offer_1("berlin")
    # A reader saw o1 missing, then o1 was re-created before the reader pruned: the
    # entry belongs to a live item and must stay.
    fleet._prune(client, index, fleet._key_offer, ["o1"], [None])
    assert client.zscore(index, "o1") == 9.5
    fleet.delete_offer(client, "o1")
    client.zadd(index, {"o1": 9.5})
    fleet._prune(client, index, fleet._key_offer, ["o1"], [None])
    assert client.zscore(index, "o1") is None


def test_models_refuse_naive_datetimes(project: Any) -> None:
    repo = project("leaderboard")
    with pytest.raises(ValueError, match="updated_at must be timezone-aware"):
        repo.Score("e", "b", "p", 1, datetime(2030, 1, 1))
    repo.Score("e", "b", "p", 1, datetime(2030, 1, 1, tzinfo=UTC))


def test_pages_of_a_query_follow_each_other(project: Any, client: Any) -> None:
    repo = project("fleet")
    soon = datetime.now(UTC) + timedelta(hours=1)
    offers = [repo.Offer(f"o{n:02}", "berlin", float(n % 7), soon) for n in range(23)]
    repo.save_many_offer(client, offers)
    got: list[Any] = []
    cursor = None
    while True:
        page, cursor = repo.offers_in_city_page(client, "berlin", limit=10, after=cursor)
        got += page
        if cursor is None:
            break
    assert sorted(o.offer_id for o in got) == sorted(o.offer_id for o in offers)
    assert [o.price for o in got] == sorted(o.price for o in offers)
    # The list function is the first page.
    assert repo.offers_in_city(client, "berlin") == got[:10]


def test_a_key_index_pages_by_key_without_reading_the_whole_index(
    project: Any, client: Any
) -> None:
    repo = project("ledger")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    ids = [f"e{n:02}" for n in range(23)]
    for entry_id in reversed(ids):
        repo.create_entry(client, repo.Entry(entry_id, "acc", "tx", Decimal(1), "debit", at))
    # An index by equality fields alone is a sorted set of keys, all scores 0.
    index = repo._index_entry_2("tx")
    assert client.type(index) == "zset"
    assert set(client.zrange(index, 0, -1, withscores=True)) == {(i, 0.0) for i in ids}
    got: list[str] = []
    cursor = None
    while True:
        page, cursor = repo.entries_of_transfer_page(client, "tx", limit=10, after=cursor)
        got += [e.entry_id for e in page]
        if cursor is None:
            break
    assert got == ids
    # A page is a ZRANGE BYLEX slice after the cursor: the whole set is never read.
    sent: list[tuple[Any, ...]] = []
    send = client.execute_command

    def spy(*args: Any, **options: Any) -> Any:
        sent.append(args)
        return send(*args, **options)

    client.execute_command = spy
    page, cursor = repo.entries_of_transfer_page(client, "tx", limit=5, after="e09")
    assert [e.entry_id for e in page] == ids[10:15] and cursor == "e14"
    ranges = [a for a in sent if a[0] == "ZRANGE"]
    assert ranges and all("BYLEX" in a and "LIMIT" in a for a in ranges)
    assert not [a for a in sent if a[0] == "SMEMBERS"]


def test_save_together_sees_no_false_conflict(project: Any, client: Any) -> None:
    repo = project("notes")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    # A map is stored as JSON text with sorted keys, not in the order it was written;
    # the check compares what is stored, so the item read back still matches.
    note = repo.Note("n1", {"seen": "now", "by": ["a", 2.5]}, at)
    repo.save_together(client, [note])
    changed = repo.Note("n1", {"seen": "later"}, at)
    repo.save_together(client, updates=[(note, changed)])
    assert repo.fetch_note(client, "n1") == changed
    errors = importlib.import_module("notes.errors")
    with pytest.raises(errors.ConflictError):
        repo.save_together(client, updates=[(note, changed)])


def test_save_together_sees_no_false_conflict_after_a_float_increment(
    project: Any, client: Any
) -> None:
    # HINCRBYFLOAT stores Redis's text of the sum ("2", not repr(2.0)): the item read
    # back is the stored one, and save_together must not call it changed.
    repo = project("probe")
    at = datetime.now(UTC) + timedelta(hours=1)
    repo.create_token(client, repo.Token("t1", "a@x", "o1", 0, 1.0, at))
    assert repo.incr_token_weight(client, "t1", 1.0) == 2.0
    assert repo.incr_token_hits(client, "t1", 1) == 1
    read = repo.fetch_token(client, "t1")
    repo.save_together(client, unchanged=[read])
    moved = replace(read, owner_id="o2")
    repo.save_together(client, updates=[(read, moved)])
    assert repo.fetch_token(client, "t1") == moved
    assert [t.token_id for t in repo.heavy_tokens(client, "o2")] == ["t1"]
    errors = importlib.import_module("probe.errors")
    with pytest.raises(errors.ConflictError):
        repo.save_together(client, unchanged=[read])


def test_stock_is_never_oversold(project: Any, client: Any) -> None:
    inventory = project("ecommerce", "inventory")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    inventory.create_stock_level(client, inventory.StockLevel("s1", "sku1", "w1", 5, 0, at))

    def reserve(_: int) -> int | None:
        value: int | None = inventory.incr_stock_level_on_hand(client, "s1", -1, minimum=0)
        return value

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(reserve, range(8)))
    # Five of the eight checkouts get a unit; three are refused and change nothing.
    assert sorted(r for r in results if r is not None) == [0, 1, 2, 3, 4]
    assert results.count(None) == 3
    stored = inventory.fetch_stock_level(client, "s1")
    assert stored is not None and stored.on_hand == 0
    # The sorted sets scored by on_hand moved with the hash, and only with it.
    assert client.zscore(inventory._index_stock_level_1("sku1"), "s1") == 0
    # The Lua path (reserved is scored by no index) keeps its minimum too.
    assert inventory.incr_stock_level_reserved(client, "s1", -1, minimum=0) is None
    assert inventory.incr_stock_level_reserved(client, "s1", 2, minimum=0) == 2


def test_ledger_transfers_are_atomic_and_conserve_money(project: Any, client: Any) -> None:
    repo = project("ledger")
    errors = importlib.import_module("ledger.errors")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    ledger_accounts(repo, client, at)
    run = functools.partial(ledger_transfers, repo, lambda: client, errors.ConflictError, at)
    with ThreadPoolExecutor(max_workers=LEDGER_WORKERS) as pool:
        done = sum(pool.map(run, range(LEDGER_WORKERS)))
    check_ledger_conserved(repo, client, done)


def test_an_increment_adds_no_index_entry_for_an_optional_value(project: Any, client: Any) -> None:
    repo = project("tips")
    repo.create_tip(client, repo.Tip("t1", votes=0))
    repo.create_tip(client, repo.Tip("t2", votes=0, venue="cafe"))
    assert repo.incr_tip_votes(client, "t1", 3) == 3
    assert repo.incr_tip_votes(client, "t2", 2) == 2
    # t1 has no venue, so it is in no sorted set, before or after the increment.
    assert sorted(client.scan_iter(repo.TIP_KEY + ":zset:*")) == [repo._index_tip_1("cafe")]
    assert [t.tip_id for t in repo.best_tips(client, "cafe")] == ["t2"]


def test_a_bulk_save_is_one_transaction_per_chunk(
    project: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # save_many queues a chunk's hashes, then its sorted-set entries: an increment (a Lua
    # script) run between them would leave the hash and its score disagreeing for good,
    # so each chunk is one MULTI/EXEC.
    repo = project("tips")
    sent: list[tuple[bool, list[str]]] = []
    execute = redis.client.Pipeline.execute

    def record(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((self.transaction, [str(c[0][0]) for c in self.command_stack]))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", record)
    monkeypatch.setattr(repo, "BULK_CHUNK", 3)
    tips = [repo.Tip(f"t{n}", votes=n, venue="cafe") for n in range(5)]
    assert repo.save_many_tip(client, tips) == 5
    writes = [transaction for transaction, names in sent if "HSET" in names]
    assert writes == [True, True]
    monkeypatch.undo()
    assert repo.incr_tip_votes(client, "t4", 10) == 14
    repo.save_many_tip(client, tips)
    assert client.zscore(repo._index_tip_1("cafe"), "t4") == 4


def test_a_limit_below_one_is_refused(project: Any, client: Any) -> None:
    # limit=0 made _page fail with IndexError and _set_page return a cursor without
    # items; every store's reads take None (all) or at least 1, else ValueError.
    sessions = project("session-store")
    now = datetime.now(UTC)
    item = sessions.Session("s1", "u1", "t", now, now, now + timedelta(hours=1), [], {})
    sessions.create_session(client, item)
    board = project("leaderboard")
    catalog = project("ecommerce", "product_catalog")
    reads = [
        functools.partial(sessions.sessions_of_user, client, "u1"),
        functools.partial(sessions.sessions_of_user_page, client, "u1"),
        functools.partial(board.top_100_page, client, "b"),
        functools.partial(catalog.search_products, client, "x"),
        functools.partial(catalog.reviews_of_product_page, client, "p"),
    ]
    for read in reads:
        for limit in (0, -1):
            with pytest.raises(ValueError, match="limit must be at least 1"):
                read(limit=limit)
    assert sessions.sessions_of_user(client, "u1", limit=1) == [item]
    assert sessions.sessions_of_user_page(client, "u1", limit=1) == ([item], None)


def test_save_together_refuses_twins_within_one_call(project: Any, client: Any) -> None:
    repo = project("ledger")
    errors = importlib.import_module("ledger.errors")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    # Two transfers with one idempotency key: neither is stored, nor its claim.
    first, twin = repo.Transfer("t1", "idem", "m", at), repo.Transfer("t2", "idem", "m", at)
    with pytest.raises(errors.AlreadyExistsError, match="claimed twice"):
        repo.save_together(client, creates=[first, twin])
    with pytest.raises(errors.AlreadyExistsError, match="twice"):
        repo.save_together(client, creates=[first, first])
    assert client.dbsize() == 0
    account = repo.Account("a", "o", "EUR", "cash", Decimal(1), at)
    repo.create_account(client, account)
    changed = repo.Account("a", "o", "EUR", "cash", Decimal(2), at)
    with pytest.raises(errors.AlreadyExistsError, match="twice"):
        repo.save_together(client, updates=[(account, changed), (account, changed)])
    repo.save_together(client, creates=[first], updates=[(account, changed)])
    assert repo.transfer_by_idempotency_key(client, "idem") == [first]
    assert repo.fetch_account(client, "a") == changed


def test_a_page_resumes_after_a_cursor_that_moved(project: Any, client: Any) -> None:
    repo = project("ledger")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    # Equal posted_at: every entry ties, and ties are read in member order (descending).
    for n in range(6):
        repo.create_entry(client, repo.Entry(f"e{n}", "acc", "tx", Decimal(1), "debit", at))
    page, cursor = repo.account_statement_page(client, "acc", limit=3)
    assert [e.entry_id for e in page] == ["e5", "e4", "e3"]
    # The cursor's member moves (its score changes) before the next page is read.
    client.zadd(repo._index_entry_1("acc"), {"e3": at.timestamp() + 5})
    page, cursor = repo.account_statement_page(client, "acc", limit=3, after=cursor)
    assert [e.entry_id for e in page] == ["e2", "e1", "e0"] and cursor is None


@pytest.mark.parametrize("desc", [False, True], ids=["ascending", "descending"])
def test_a_page_starts_strictly_after_its_cursor(project: Any, client: Any, desc: bool) -> None:
    repo = project("fleet")
    rng = random.Random(4)
    # Few scores, so most members tie; members of varied length and case, and bytes that
    # a locale's collation would order differently from Redis.
    names = ["a", "B", "b", "ab", "a b", "é", "Z", "aa", "a\x01", "10", "9", "~"]
    members = {f"{name}{n}": float(rng.randrange(4)) for n in range(8) for name in names}
    client.zadd("index", members)
    ordered = sorted(members.items(), key=lambda kv: (kv[1], kv[0].encode()), reverse=desc)
    for _ in range(150):
        score = float(rng.randrange(-1, 5))
        member = rng.choice([*members, "", "a", "zz", "a b0 "])
        place = (score, member.encode())
        if desc:
            want = [kv for kv in ordered if (kv[1], kv[0].encode()) < place]
        else:
            want = [kv for kv in ordered if (kv[1], kv[0].encode()) > place]
        size = rng.choice([1, 5, None])
        pairs, cursor = repo._page(client, "index", size, f"{score!r} {member}", desc=desc)
        expected = want if size is None else want[:size]
        assert pairs == expected, (score, member)
        assert (cursor is None) == (size is None or len(want) <= size)


def test_a_page_is_not_cut_short_by_gone_items(project: Any, client: Any) -> None:
    tips = project("tips")
    for n in range(23):
        tips.create_tip(client, tips.Tip(f"t{n:02}", n, "cafe"))
    # The 20 best are gone (expired, say) but still in the index.
    client.delete(*(tips._key_tip(f"t{n:02}") for n in range(3, 23)))
    assert [t.tip_id for t in tips.best_tips(client, "cafe", limit=20)] == ["t02", "t01", "t00"]
    page, cursor = tips.best_tips_page(client, "cafe", limit=2)
    assert [t.tip_id for t in page] == ["t02", "t01"] and cursor is not None
    chat = project("chat")
    for n in range(25):
        chat.create_membership(client, chat.Membership(f"m{n:02}", "general", "ann", 0))
    client.delete(*(chat._key_membership(f"m{n:02}") for n in range(20)))
    page, cursor = chat.member_of_page(client, "general", "ann", limit=3)
    assert [m.membership_id for m in page] == ["m20", "m21", "m22"] and cursor == "m22"
    page, cursor = chat.member_of_page(client, "general", "ann", limit=3, after=cursor)
    assert [m.membership_id for m in page] == ["m23", "m24"] and cursor is None


def test_the_ledger_keeps_no_redundant_index(project: Any, client: Any) -> None:
    repo = project("ledger")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_transfer(client, repo.Transfer("t1", "idem-1", "rent", at))
    for n, (account, direction) in enumerate([("A", "debit"), ("B", "credit")]):
        repo.create_entry(client, repo.Entry(f"e{n}", account, "t1", Decimal(5), direction, at))
    # account_id reads share the sorted set by posted_at; the key lookup GETs its claim.
    keys = sorted(client.scan_iter("*"))
    assert not [k for k in keys if ":set:account_id=" in k or ":transfer:set:" in k], keys
    assert [t.transfer_id for t in repo.transfer_by_idempotency_key(client, "idem-1")] == ["t1"]
    assert repo.transfer_by_idempotency_key(client, "idem-2") == []
    assert repo.balance_check(client, "A")
    assert [e.entry_id for e in repo.account_statement(client, "B")] == ["e1"]


def test_a_lost_race_is_retried_a_bounded_number_of_times(
    project: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project("chat")
    support = importlib.import_module("chat.redis_support")
    errors = importlib.import_module("chat.errors")
    waits: list[int] = []
    tries: list[int] = []
    monkeypatch.setattr(support, "_TRIES", 4)
    monkeypatch.setattr(support, "_backoff", waits.append)

    def run(pipe: Any) -> None:
        # Another client changes the watched key every time before EXEC.
        tries.append(1)
        client.incr("watched")
        pipe.multi()
        pipe.set("written", "x")

    with pytest.raises(errors.ConflictError, match="gave up after 4 tries"):
        support._transaction(client, ["watched"], run, "watched")
    assert len(tries) == 4 and waits == [0, 1, 2, 3]
    assert not client.exists("written")
    # A race lost once is won on the next try.
    tries.clear()

    def once(pipe: Any) -> None:
        tries.append(1)
        if len(tries) == 1:
            client.incr("watched")
        pipe.multi()
        pipe.set("written", "x")

    assert support._transaction(client, ["watched"], once, "watched") == [True]
    assert len(tries) == 2 and client.get("written") == "x"


@pytest.mark.parametrize("retries", [0, 3])
def test_a_lost_script_reply_is_not_applied_twice(
    project: Any,
    client: Any,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    retries: int,
) -> None:
    # redis.Redis() retries a command 3 times after a lost connection by default: an
    # increment script whose reply was lost must not be sent again, whatever the client.
    repo = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("e1", "weekly", "alice", 100, at))
    retry = redis.retry.Retry(redis.backoff.NoBackoff(), retries)
    caller = redis.Redis.from_url(redis_server.url(DATABASE), decode_responses=True, retry=retry)
    parse = redis.Redis.parse_response

    def lose_script_reply(self: Any, connection: Any, command: str, **options: Any) -> Any:
        # The server runs the script; its reply is lost with the connection.
        reply = parse(self, connection, command, **options)
        if command.upper() in ("EVALSHA", "EVAL"):
            monkeypatch.setattr(redis.Redis, "parse_response", parse)
            raise redis.ConnectionError("reply lost")
        return reply

    monkeypatch.setattr(redis.Redis, "parse_response", lose_script_reply)
    with pytest.raises(redis.ConnectionError, match="may or may not have run"):
        repo.incr_score_score(caller, "e1", 10)
    stored = repo.fetch_score(client, "e1")
    assert stored is not None and stored.score == 110
    assert repo.top_100(client, "weekly") == [("alice", 110)]
    # The same for a counter no index is scored by (the plain increment script).
    inventory = project("ecommerce", "inventory")
    stock = inventory.StockLevel("s1", "sku", "w1", 10, 0, at)
    inventory.create_stock_level(client, stock)
    monkeypatch.setattr(redis.Redis, "parse_response", lose_script_reply)
    with pytest.raises(redis.ConnectionError, match="may or may not have run"):
        inventory.incr_stock_level_reserved(caller, "s1", 1)
    stored_stock = inventory.fetch_stock_level(client, "s1")
    assert stored_stock is not None and stored_stock.reserved == 1
    caller.close()


def test_an_increment_of_a_scored_field_follows_a_moved_item(project: Any, client: Any) -> None:
    # The script runs only if the item's other fields still hold the values its index
    # keys came from: an item moved to another board between the read and the script
    # gets its increment on the new board, and the old board keeps nothing of it.
    repo = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("e1", "weekly", "alice", 100, at))
    hgetall = client.hgetall
    moved: list[int] = []

    def read_then_move(key: str) -> Any:
        raw = hgetall(key)
        if not moved:
            moved.append(1)
            repo.update_score(client, "e1", lambda s: replace(s, board_id="monthly"))
        return raw

    client.hgetall = read_then_move
    assert repo.incr_score_score(client, "e1", 10) == 110
    assert repo.top_100(client, "monthly") == [("alice", 110)]
    assert repo.top_100(client, "weekly") == []


def test_an_increment_of_a_scored_field_ignores_fields_no_entry_is_built_from(
    project: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the board and the player make the entry: a touch of updated_at between the
    # read and the script is no conflict, so the script runs once, with no backoff.
    repo = project("leaderboard")
    support = importlib.import_module("game_leaderboard.redis_support")
    waits: list[int] = []
    monkeypatch.setattr(support, "_backoff", waits.append)
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_score(client, repo.Score("e1", "weekly", "alice", 100, at))
    hgetall = client.hgetall
    touched: list[int] = []

    def read_then_touch(key: str) -> Any:
        raw = hgetall(key)
        if not touched:
            touched.append(1)
            repo.update_score(client, "e1", lambda s: replace(s, updated_at=at + timedelta(1)))
        return raw

    client.hgetall = read_then_touch
    assert repo.incr_score_score(client, "e1", 10) == 110
    assert waits == []
    stored = repo.fetch_score(client, "e1")
    assert stored is not None and stored.updated_at == at + timedelta(1) and stored.score == 110
    assert repo.top_100(client, "weekly") == [("alice", 110)]


def test_readme_names_the_redis_version_the_commands_need() -> None:
    # PEXPIREAT NX/GT on index keys: Redis 7.0; GEOSEARCH or a page of a key index
    # (ZRANGE BYLEX LIMIT): 6.2; none of them: no line.
    (line,) = [s for s in _design("session-store").persistence if "Server version" in s]
    assert "Redis 7.0 or later" in line and "PEXPIREAT NX and GT" in line
    fleet = [s for s in _design("fleet").persistence if "Server version" in s]
    assert fleet and "Redis 7.0 or later" in fleet[0] and "GEOSEARCH since 6.2" in fleet[0]
    (chat,) = [s for s in _design("chat").persistence if "Server version" in s]
    assert "Redis 6.2 or later" in chat and "ZRANGE BYLEX" in chat
    assert not [s for s in _design("leaderboard").persistence if "Server version" in s]


def test_the_support_module_offers_the_claimed_bulk_save_whatever_the_entity_order() -> None:
    """An entity with a unique value, listed before one without, still gets its bulk save."""
    workload = parse_workload(
        """
name: users
entities:
  - {name: User, key: user_id, fields: {user_id: string, email: string}}
  - name: Note
    key: note_id
    parent: User
    fields: {note_id: string, user_id: string, text: string}
access_patterns:
  - {name: user_by_email, entity: User, kind: get, by: [email], limit: 1}
  - {name: notes_of_user, entity: Note, kind: query, by: [user_id]}
"""
    )
    (design,) = plan(workload, explicit(workload, Store.REDIS)).designs
    assert isinstance(design, RedisDesign)
    assert "save_claimed" in design.uses
    files = generate(workload, explicit(workload, Store.REDIS)).files
    support = next(text for path, text in files.items() if path.endswith("redis_support.py"))
    assert "def _save_many_claimed(" in support


def test_list_and_map_fields_hold_json_data(project: Any, client: Any) -> None:
    session_round_trip(project("session-store"), client, datetime.now(UTC))


def test_touch_sets_the_expiry_in_one_call(project: Any, client: Any) -> None:
    repo = project("session-store")
    final = session_touch(repo, client, datetime.now(UTC))
    left = final.expires_at.timestamp() - datetime.now(UTC).timestamp()
    # The hash and the index key of the user's sessions expire with the touched time.
    indexes = list(client.scan_iter(repo.SESSION_KEY + ":zset:*"))
    assert indexes
    for key in (repo._key_session("s1"), *indexes):
        assert left - 5 <= client.ttl(key) <= left + 5, key


def test_touch_moves_a_claim_only_while_the_item_holds_it(project: Any, client: Any) -> None:
    repo = project("tokens")
    errors = importlib.import_module("tokens.errors")
    now = datetime.now(UTC).replace(microsecond=0)
    repo.create_login(client, repo.Login("a", "tok", now + timedelta(minutes=5)))
    later = now + timedelta(hours=1)
    assert repo.touch_login(client, "a", later) is True
    left = later.timestamp() - datetime.now(UTC).timestamp()
    assert all(left - 5 <= client.ttl(k) <= left + 5 for k in client.scan_iter("tokens:*"))
    # A claim lost (evicted) and taken by another item stays that item's.
    (claim,) = client.scan_iter("tokens:login:unique:*")
    client.delete(claim)
    repo.create_login(client, repo.Login("b", "tok", now + timedelta(minutes=5)))
    with pytest.raises(errors.AlreadyExistsError):
        repo.touch_login(client, "a", later + timedelta(hours=1))
    assert client.get(claim) == "b"


def test_items_expire_to_the_millisecond(project: Any, client: Any) -> None:
    # EXPIREAT takes whole seconds, so an item could vanish up to a second early.
    repo = project("session-store")
    until = datetime.now(UTC) + timedelta(seconds=1, milliseconds=700)
    repo.create_session(client, repo.Session("s1", "u1", "t1", until, until, until, [], {}))
    left_ms = (until - datetime.now(UTC)).total_seconds() * 1000
    assert left_ms - 100 <= client.pttl(repo._key_session("s1")) <= left_ms + 5


def test_no_key_of_one_unique_group_or_index_spells_a_key_of_another(
    project: Any, client: Any
) -> None:
    # A one-field key was <fields>:<value>, so an email holding "tenant_id:..." spelled
    # another item's (email, tenant_id) claim and a legitimate create was refused; index
    # keys by tenant_id and by tenant_id + plan could meet the same way. Fields are now
    # joined by "," and end at "=", which no field name holds: no family of keys starts
    # with another's fixed part.
    repo = project("prefixes")
    blank = repo.Account("", "", "", "")
    families = [
        *repo._unique_keys_account(blank),
        repo._index_account_1(""),
        repo._index_account_2("", ""),
    ]
    fixed = [key.split("=")[0] + "=" for key in families]
    assert len(set(fixed)) == len(fixed) and all("=" in key for key in families), families
    for one in fixed:
        assert not [other for other in fixed if other != one and other.startswith(one)]
    # The attack of the review: an email that spells B's pair claim after the one-field part.
    pair = repo._unique_keys_account(repo.Account("b", "b@c", "t1", "free"))[1]
    repo.create_account(client, repo.Account("a", pair[len(fixed[0]) :], "t9", "free"))
    repo.create_account(client, repo.Account("b", "b@c", "t1", "free"))
    found = repo.by_email_and_tenant(client, "b@c", "t1")
    assert found is not None and found.account_id == "b"


def test_a_scan_returns_each_item_once_when_scan_repeats_a_key(
    project: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Redis documents that SCAN may return a key more than once (review 12: R7).
    catalog = project("ecommerce", "product_catalog")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    item = catalog.Product("p1", "S1", "Lamp", "A lamp", "Acme", "c1", Decimal(5), 4.5, {}, [], at)
    catalog.create_product(client, item)
    scan = client.scan_iter

    def twice(*args: Any, **kwargs: Any) -> Any:
        keys = list(scan(*args, **kwargs))
        return iter(keys + keys)

    monkeypatch.setattr(client, "scan_iter", twice)
    assert catalog.search_products(client, "lamp") == [item]


def test_an_update_with_no_tries_is_refused(project: Any, client: Any) -> None:
    # retries counts the tries: 0 tried nothing and reported the item "kept changing"
    # (review 12: R10).
    board = project("leaderboard")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    board.create_score(client, board.Score("e1", "b", "p1", 1, at))
    with pytest.raises(ValueError, match="at least 1"):
        board.update_score(client, "e1", lambda s: replace(s, score=2), retries=0)
    stored = board.update_score(client, "e1", lambda s: replace(s, score=2), retries=1)
    assert stored is not None and stored.score == 2


def test_a_delete_is_a_change_event_too(project: Any, client: Any) -> None:
    # Only saves were appended, so a consumer mirroring the data never heard that an
    # item was gone (review 12: R5); the delete's event goes in the MULTI that deletes.
    repo = project("feed")
    repo.ensure_event_group(client, "mirror")
    repo.create_order(client, repo.Order("o1", "new"))
    assert repo.delete_order(client, "o1")
    assert not repo.delete_order(client, "o1")
    events = [fields for _, fields in repo.read_events(client, "mirror", "c1")]
    assert events == [
        {"entity": "Order", "key": "o1", "op": "save"},
        {"entity": "Order", "key": "o1", "op": "delete"},
    ]


def test_a_leaderboard_drops_entries_whose_item_expired(project: Any, client: Any) -> None:
    # The board is read without loading items, so an expired entry stayed listed and
    # ranked until the whole board key expired, never for a busy board (review 12: R1).
    repo = project("weekly")
    now = datetime.now(UTC)
    repo.create_score(client, repo.Score("e1", "w1", "alice", 100, now + timedelta(seconds=0.3)))
    repo.create_score(client, repo.Score("e2", "w1", "bob", 50, now + timedelta(hours=1)))
    assert repo.top_players(client, "w1") == [("alice", 100), ("bob", 50)]
    time.sleep(0.5)
    assert repo.fetch_score(client, "e1") is None
    assert repo.top_players(client, "w1") == [("bob", 50)]
    assert repo.player_rank(client, "w1", "bob") == 0
    assert repo.player_rank(client, "w1", "alice") is None
    # Alice's place is free again, and a delete takes bob's expiry entry with it.
    repo.create_score(client, repo.Score("e3", "w1", "alice", 70, now + timedelta(hours=1)))
    assert repo.delete_score(client, "e2")
    assert repo.top_players(client, "w1") == [("alice", 70)]
    until = repo._until_score(repo._index_score_1("w1"))
    assert client.zrange(until, 0, -1) == ["alice"]


def test_a_near_read_reads_past_entries_whose_item_expired(project: Any, client: Any) -> None:
    # GEOSEARCH COUNT limit returned the five nearest entries, all of expired drivers,
    # and the read returned none of the three live ones farther out (review 12: R2).
    repo = project("heartbeats")
    now = datetime.now(UTC)
    for n in range(5):
        soon = now + timedelta(seconds=0.3)
        repo.create_driver(client, repo.Driver(f"gone{n}", "b", (13.40 + n / 1000, 52.5), soon))
    for n in range(3):
        later = now + timedelta(hours=1)
        repo.create_driver(client, repo.Driver(f"live{n}", "b", (13.45 + n / 1000, 52.5), later))
    time.sleep(0.5)
    near = repo.drivers_near(client, 13.4, 52.5)
    assert [d.driver_id for d in near] == ["live0", "live1", "live2"]


def test_equal_numbers_name_one_key(project: Any, client: Any) -> None:
    # Keys were built from a number's text: 9.90 was not found as 9.9, a weight stored
    # as 2 (an int, which a float field accepts) not as 2.0, and a voucher of 10.0 was
    # accepted beside one of 10 (review 12: R3). The hash keeps the value as given.
    repo = project("numbers")
    errors = importlib.import_module("catalog.errors")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    repo.create_product(client, repo.Product("p1", Decimal("9.90"), 1.5, at))
    repo.create_product(client, repo.Product("p2", Decimal("5"), 2, at))
    assert [p.sku for p in repo.products_at_price(client, Decimal("9.9"))] == ["p1"]
    assert [p.sku for p in repo.products_of_weight(client, 2.0)] == ["p2"]
    assert [p.sku for p in repo.products_of_weight(client, -0.0 + 2)] == ["p2"]
    stored = repo.fetch_product(client, "p1")
    assert stored is not None and str(stored.price) == "9.90"
    repo.create_voucher(client, repo.Voucher("v1", Decimal("10")))
    with pytest.raises(errors.AlreadyExistsError):
        repo.create_voucher(client, repo.Voucher("v2", Decimal("10.0")))
    with pytest.raises(errors.AlreadyExistsError):
        repo.create_voucher(client, repo.Voucher("v3", Decimal("1E+1")))
    found = repo.voucher_by_amount(client, Decimal("10.000"))
    assert found is not None and found.code == "v1"
    # Digits beyond the default context's 28 are kept apart, not rounded together.
    long = Decimal("1." + "0" * 40 + "1")
    repo.create_voucher(client, repo.Voucher("v4", long))
    repo.create_voucher(client, repo.Voucher("v5", Decimal("1." + "0" * 40 + "2")))
    assert repo._decimal_text(Decimal("-0.00")) == "0"


def test_a_floor_on_an_int_counter_is_exact_beyond_double_precision(
    project: Any, client: Any
) -> None:
    # The floor was checked with Lua numbers (doubles): past 2**53 a decrement below it
    # was applied and one landing on it refused, on both increment paths; past 64 bits
    # the scripts raised a ResponseError naming their hash (review 12: R4, R9).
    inventory = project("ecommerce", "inventory")
    at = datetime(2030, 1, 1, tzinfo=UTC)
    big = 2**53 + 3
    inventory.create_stock_level(client, inventory.StockLevel("s1", "sku1", "w1", big, big, at))
    for incr in (inventory.incr_stock_level_on_hand, inventory.incr_stock_level_reserved):
        assert incr(client, "s1", -1, minimum=big) is None
        assert incr(client, "s1", -1, minimum=big - 1) == big - 1
        assert incr(client, "s1", -(2**54), minimum=-(2**60)) == big - 1 - 2**54
        assert incr(client, "s1", 2**54, minimum=big) is None
        assert incr(client, "s1", 2**54, minimum=big - 1) == big - 1
        with pytest.raises(OverflowError, match="64 bits"):
            incr(client, "s1", 2**63 - 1)
    stored = inventory.fetch_stock_level(client, "s1")
    assert stored is not None and stored.on_hand == big - 1 and stored.reserved == big - 1
