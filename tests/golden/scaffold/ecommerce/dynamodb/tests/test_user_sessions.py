"""Tests of the user_sessions component against DynamoDB Local or moto."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecommerce import user_sessions as repo
from ecommerce.dynamodb_support import TTL_ATTRIBUTE
from ecommerce.errors import AlreadyExistsError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(dynamodb: Any) -> Iterator[Any]:
    """A fresh table with this component's GSIs, deleted after the test."""
    table = repo.ensure_schema(dynamodb, "test-" + uuid.uuid4().hex[:12])
    yield table
    table.delete()


def _make_session(n: int, /, **changes: Any) -> repo.Session:
    """Sample Session number ``n`` (0-3), with some fields changed."""
    item = repo.Session(
        session_id="session-" + str(n),
        user_id="word" + str(n),
        cart_id="word" + str(n),
        created_at=BASE + timedelta(hours=ORDER[n]),
        last_seen_at=BASE + timedelta(hours=ORDER[n]),
        expires_at=BASE + timedelta(hours=ORDER[n]),
        data={"k": "v" + str(n)},
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Session):
            repo.create_session(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_session(store: Any) -> None:
    item = _make_session(0)
    _seed(store, [item])
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_session(store, item)


def test_save_many_session(store: Any) -> None:
    items = [_make_session(n) for n in range(4)]
    assert repo.save_many_session(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.user_id for i in items]
    items = [replace(i, user_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_session(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_session(store, item.session_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], user_id=items[1].user_id)
    assert repo.save_many_session(store, [twin, items[0]]) == 2
    fetched = repo.fetch_session(store, items[0].session_id)
    assert fetched == items[0]


def test_update_session(store: Any) -> None:
    item = _make_session(0)
    _seed(store, [item])
    sample = _make_session(1)
    new = replace(item, user_id=sample.user_id)
    got = repo.update_session(store, item.session_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched == new
    missing = _make_session(3)
    gone = repo.update_session(store, missing.session_id, lambda old: old)
    assert gone is None


def test_update_session_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_session(0)
    _seed(store, [item])
    other = _make_session(1).user_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_session(store, item.session_id, lambda o: replace(o, user_id=other))
        return old

    result = repo.update_session(store, item.session_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.user_id
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched == result


def test_expired_session_is_not_served(store: Any) -> None:
    expired = datetime.now(UTC) - timedelta(minutes=1)
    item = _make_session(0, expires_at=expired)
    repo.save_many_session(store, [item])
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched is None
    # An expired item that the database has not deleted yet does not block a create.
    fresh = replace(item, expires_at=BASE)
    repo.create_session(store, fresh)
    fetched = repo.fetch_session(store, fresh.session_id)
    assert fetched == fresh


def test_touch_session(store: Any) -> None:
    item = _make_session(0)
    _seed(store, [item])
    later = item.expires_at + timedelta(hours=1)
    touched = repo.touch_session(store, item.session_id, later)
    assert touched is True
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched == replace(item, expires_at=later)
    missing = _make_session(3)
    touched = repo.touch_session(store, missing.session_id, later)
    assert touched is False


def test_delete_session(store: Any) -> None:
    item = _make_session(0)
    _seed(store, [item])
    deleted = repo.delete_session(store, item.session_id)
    assert deleted is True
    fetched = repo.fetch_session(store, item.session_id)
    assert fetched is None
    deleted = repo.delete_session(store, item.session_id)
    assert deleted is False


def test_get_session(store: Any) -> None:
    items = [_make_session(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.session_id == probe.session_id]
    got = repo.get_session(store, probe.session_id)
    assert got == expected[0]


def test_sessions_of_user(store: Any) -> None:
    items = [_make_session(n, user_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.user_id == probe.user_id]
    expected.sort(key=lambda i: i.last_seen_at, reverse=True)
    got = repo.sessions_of_user(store, probe.user_id, limit=2)
    got_keys = [i.session_id for i in got]
    expected_keys = [i.session_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_table(store: Any) -> None:
    description = store.meta.client.describe_table(TableName=store.name)["Table"]
    indexes = sorted(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))
    assert indexes == ["GSI1"]
    ttl = store.meta.client.describe_time_to_live(TableName=store.name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == TTL_ATTRIBUTE


def test_sessions_of_user_pages(store: Any) -> None:
    first = _make_session(0)
    items = [_make_session(n, user_id=first.user_id) for n in range(4)]
    _seed(store, items)
    everything = repo.sessions_of_user(store, first.user_id, limit=None)
    page = repo.sessions_of_user(store, first.user_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.sessions_of_user(store, first.user_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.sessions_of_user(store, first.user_id, after=rest.cursor)
        assert after == []


def _own_table(store: Any) -> Any:
    """A handle on the test table for one thread (boto3 resources are not thread-safe)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.resource("dynamodb", region_name=region).Table(store.name)
