"""Tests of the repository component against DynamoDB Local or moto."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from game_leaderboard import repository as repo
from game_leaderboard.errors import AlreadyExistsError, ConflictError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(dynamodb: Any) -> Iterator[Any]:
    """A fresh table with this component's GSIs, deleted after the test."""
    table = repo.ensure_schema(dynamodb, "test-" + uuid.uuid4().hex[:12])
    yield table
    table.delete()


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
    fetched = repo.fetch_score(store, item.player_id, item.board_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_score(store, item)


def test_save_many_score(store: Any) -> None:
    items = [_make_score(n) for n in range(4)]
    assert repo.save_many_score(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.entry_id for i in items]
    items = [replace(i, entry_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_score(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_score(store, item.player_id, item.board_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], entry_id=items[1].entry_id)
    assert repo.save_many_score(store, [twin, items[0]]) == 2
    fetched = repo.fetch_score(store, items[0].player_id, items[0].board_id)
    assert fetched == items[0]


def test_update_score(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    sample = _make_score(1)
    new = replace(item, entry_id=sample.entry_id)
    got = repo.update_score(store, item.player_id, item.board_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_score(store, item.player_id, item.board_id)
    assert fetched == new
    missing = _make_score(3)
    gone = repo.update_score(store, missing.player_id, missing.board_id, lambda old: old)
    assert gone is None


def test_update_score_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    other = _make_score(1).entry_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_score(
                store,
                item.player_id,
                item.board_id,
                lambda o: replace(o, entry_id=other),
            )
        return old

    result = repo.update_score(store, item.player_id, item.board_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.entry_id
    fetched = repo.fetch_score(store, item.player_id, item.board_id)
    assert fetched == result


def test_delete_score(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    deleted = repo.delete_score(store, item.player_id, item.board_id)
    assert deleted is True
    fetched = repo.fetch_score(store, item.player_id, item.board_id)
    assert fetched is None
    deleted = repo.delete_score(store, item.player_id, item.board_id)
    assert deleted is False


def test_create_score_keeps_board_id_player_id_unique(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])
    twin = replace(_make_score(1), board_id=item.board_id, player_id=item.player_id)
    with pytest.raises(AlreadyExistsError):
        repo.create_score(store, twin)
    # The unique fields are the item's key here: the first item is still stored as it was.
    fetched = repo.fetch_score(store, twin.player_id, twin.board_id)
    assert fetched == item


def test_top_100(store: Any) -> None:
    items = [_make_score(n, board_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.board_id == probe.board_id]
    expected.sort(key=lambda i: i.score, reverse=True)
    got = repo.top_100(store, probe.board_id, limit=2)
    got_keys = [i.entry_id for i in got]
    expected_keys = [i.entry_id for i in expected[:2]]
    assert got_keys == expected_keys


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


def test_table(store: Any) -> None:
    description = store.meta.client.describe_table(TableName=store.name)["Table"]
    indexes = sorted(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))
    assert indexes == ["GSI1"]


@pytest.mark.concurrency
def test_increment_score_loses_nothing_under_threads(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(10):
            value = repo.increment_score(table, item.player_id, item.board_id, "score", 1)
            if value is not None:
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_score(store, item.player_id, item.board_id, consistent=True)
    assert done == 80 and stored is not None
    total = item.score + done
    assert stored.score == total
    # The minimum is a ConditionExpression: the value never drops below it.
    floor = stored.score
    below = repo.increment_score(store, item.player_id, item.board_id, "score", -1, floor)
    assert below is None
    above = repo.increment_score(store, item.player_id, item.board_id, "score", -1, floor - 1)
    assert above is not None


@pytest.mark.concurrency
def test_update_score_counts_every_concurrent_write(store: Any) -> None:
    item = _make_score(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, score=old.score + 1)

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(6):
            try:
                repo.update_score(table, item.player_id, item.board_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_score(store, item.player_id, item.board_id, consistent=True)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.score + done
    assert stored.score == total
    assert done > 0


def test_top_100_pages(store: Any) -> None:
    first = _make_score(0)
    items = [_make_score(n, board_id=first.board_id) for n in range(4)]
    _seed(store, items)
    everything = repo.top_100(store, first.board_id, limit=None)
    page = repo.top_100(store, first.board_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.top_100(store, first.board_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.top_100(store, first.board_id, after=rest.cursor)
        assert after == []


def _own_table(store: Any) -> Any:
    """A handle on the test table for one thread (boto3 resources are not thread-safe)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.resource("dynamodb", region_name=region).Table(store.name)
