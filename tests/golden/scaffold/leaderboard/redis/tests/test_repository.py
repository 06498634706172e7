"""Tests of the repository component against a real Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from game_leaderboard import repository as repo
from game_leaderboard.errors import AlreadyExistsError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(redis_client: redis.Redis) -> redis.Redis:
    """An empty Redis database (flushed after the test)."""
    return redis_client


def _make_player(n: int, /, **changes: Any) -> repo.Player:
    """Sample Player number ``n`` (0-3), with some fields changed."""
    item = repo.Player(
        player_id="player-" + str(n),
        display_name="word" + str(n),
        country="word" + str(n),
    )
    return replace(item, **changes)


def _make_score(n: int, /, **changes: Any) -> repo.Score:
    """Sample Score number ``n`` (0-3), with some fields changed."""
    item = repo.Score(
        entry_id="score-" + str(n),
        board_id="word" + str(n),
        player_id="word" + str(n),
        score=10 + ORDER[n],
        updated_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Player):
            repo.create_player(store, item)
        elif isinstance(item, repo.Score):
            repo.create_score(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_player(store: Any) -> None:
    item = _make_player(0)
    _seed(store, [item])
    fetched = repo.fetch_player(store, item.player_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_player(store, item)


def test_save_many_player(store: Any) -> None:
    items = [_make_player(n) for n in range(4)]
    assert repo.save_many_player(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.display_name for i in items]
    items = [replace(i, display_name=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_player(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_player(store, item.player_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], display_name=items[1].display_name)
    assert repo.save_many_player(store, [twin, items[0]]) == 2
    fetched = repo.fetch_player(store, items[0].player_id)
    assert fetched == items[0]


def test_update_player(store: Any) -> None:
    item = _make_player(0)
    _seed(store, [item])
    sample = _make_player(1)
    new = replace(item, display_name=sample.display_name)
    got = repo.update_player(store, item.player_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_player(store, item.player_id)
    assert fetched == new
    missing = _make_player(3)
    gone = repo.update_player(store, missing.player_id, lambda old: old)
    assert gone is None


def test_update_player_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_player(0)
    _seed(store, [item])
    other = _make_player(1).display_name
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_player(store, item.player_id, lambda o: replace(o, display_name=other))
        return old

    result = repo.update_player(store, item.player_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.display_name
    fetched = repo.fetch_player(store, item.player_id)
    assert fetched == result


def test_player_never_expires(store: Any) -> None:
    # No field says when Player items expire, so no TTL is made up.
    _seed(store, [_make_player(0)])
    stored = list(store.scan_iter(match=repo.PLAYER_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


def test_delete_player(store: Any) -> None:
    item = _make_player(0)
    _seed(store, [item])
    deleted = repo.delete_player(store, item.player_id)
    assert deleted is True
    fetched = repo.fetch_player(store, item.player_id)
    assert fetched is None
    deleted = repo.delete_player(store, item.player_id)
    assert deleted is False


def test_create_score(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    fetched = repo.fetch_score(store, item.entry_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_score(store, item)


def test_save_many_score(store: Any) -> None:
    items = [_make_score(n) for n in range(4)]
    assert repo.save_many_score(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.score for i in items]
    items = [replace(i, score=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_score(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_score(store, item.entry_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], score=items[1].score)
    assert repo.save_many_score(store, [twin, items[0]]) == 2
    fetched = repo.fetch_score(store, items[0].entry_id)
    assert fetched == items[0]


def test_update_score(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    sample = _make_score(1)
    new = replace(item, score=sample.score)
    got = repo.update_score(store, item.entry_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_score(store, item.entry_id)
    assert fetched == new
    missing = _make_score(3)
    gone = repo.update_score(store, missing.entry_id, lambda old: old)
    assert gone is None


def test_update_score_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    other = _make_score(1).score
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_score(store, item.entry_id, lambda o: replace(o, score=other))
        return old

    result = repo.update_score(store, item.entry_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.score
    fetched = repo.fetch_score(store, item.entry_id)
    assert fetched == result


def test_score_never_expires(store: Any) -> None:
    # No field says when Score items expire, so no TTL is made up.
    _seed(store, [_make_score(0)])
    stored = list(store.scan_iter(match=repo.SCORE_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_score_counts_every_concurrent_change(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, score=old.score + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_score(store, item.entry_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_score(store, item.entry_id)
    assert stored is not None and stored.score == item.score + 80


@pytest.mark.concurrency
def test_incr_score_score_loses_no_concurrent_increment(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])

    def work() -> None:
        for _ in range(25):
            value = repo.incr_score_score(store, item.entry_id, 1)
            assert value is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_score(store, item.entry_id)
    assert stored is not None and stored.score == item.score + 200
    # A missing item is not created by an increment.
    missing = _make_score(3)
    bumped = repo.incr_score_score(store, missing.entry_id, 1)
    assert bumped is None
    fetched = repo.fetch_score(store, missing.entry_id)
    assert fetched is None


def test_delete_score(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    deleted = repo.delete_score(store, item.entry_id)
    assert deleted is True
    fetched = repo.fetch_score(store, item.entry_id)
    assert fetched is None
    deleted = repo.delete_score(store, item.entry_id)
    assert deleted is False


def test_create_score_keeps_board_id_player_id_unique(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    twin = replace(_make_score(1), board_id=item.board_id, player_id=item.player_id)
    with pytest.raises(AlreadyExistsError):
        repo.create_score(store, twin)
    fetched = repo.fetch_score(store, twin.entry_id)
    assert fetched is None


def test_top_100(store: Any) -> None:
    items = [_make_score(n, board_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.board_id == probe.board_id]
    expected.sort(key=lambda i: i.score, reverse=True)
    got = repo.top_100(store, probe.board_id, limit=2)
    assert got == [(i.player_id, i.score) for i in expected[:2]]


def test_top_100_page_reads_page_after_page(store: Any) -> None:
    items = [_make_score(n, board_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.board_id == probe.board_id]
    expected.sort(key=lambda i: i.score, reverse=True)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.top_100_page(store, probe.board_id, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    assert got == [(i.player_id, i.score) for i in expected]


def test_player_rank(store: Any) -> None:
    items = [_make_score(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.board_id == probe.board_id and i.player_id == probe.player_id]
    group = [i for i in items if i.board_id == probe.board_id]
    best = sorted(expected, key=lambda i: i.score, reverse=True)[0]
    ahead = [i for i in group if i.score > best.score]
    rank = repo.player_rank(store, probe.board_id, probe.player_id)
    assert rank == len(ahead)


def test_get_player(store: Any) -> None:
    items = [_make_player(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.player_id == probe.player_id]
    got = repo.get_player(store, probe.player_id)
    assert got == expected[0]


@pytest.mark.concurrency
def test_incr_score_score_keeps_its_minimum_under_threads(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    floor = item.score - 5

    def take(_: int) -> int:
        done = 0
        for _ in range(5):
            value = repo.incr_score_score(store, item.entry_id, -1, minimum=floor)
            if value is not None:
                assert value >= floor
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(take, range(8)))
    # 40 tries to take one of 5: exactly 5 pass the minimum, and none goes below it.
    stored = repo.fetch_score(store, item.entry_id)
    assert done == 5
    assert stored is not None and stored.score == floor
    # An increment up from the minimum is not refused.
    value = repo.incr_score_score(store, item.entry_id, 1, minimum=floor)
    assert value == floor + 1
