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

from device_telemetry import repository as repo
from device_telemetry.dynamodb_support import TTL_ATTRIBUTE
from device_telemetry.errors import AlreadyExistsError, ConflictError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(dynamodb: Any) -> Iterator[Any]:
    """A fresh table with this component's GSIs, deleted after the test."""
    table = repo.ensure_schema(dynamodb, "test-" + uuid.uuid4().hex[:12])
    yield table
    table.delete()


def _make_device(n: int, /, **changes: Any) -> repo.Device:
    """Sample Device number ``n`` (0-3), with some fields changed."""
    item = repo.Device(
        device_id="device-" + str(n),
        site_id="word" + str(n),
        model="word" + str(n),
        firmware="word" + str(n),
        location=(13.4 + 0.01 * ORDER[n], 52.5),
        registered_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_reading(n: int, /, **changes: Any) -> repo.Reading:
    """Sample Reading number ``n`` (0-3), with some fields changed."""
    item = repo.Reading(
        reading_id="reading-" + str(n),
        device_id="word" + str(n),
        timestamp=BASE + timedelta(hours=ORDER[n]),
        temperature=1.5 + ORDER[n],
        humidity=1.5 + ORDER[n],
        battery=1.5 + ORDER[n],
        metrics={"k": "v" + str(n)},
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Device):
            repo.create_device(store, item)
        elif isinstance(item, repo.Reading):
            repo.create_reading(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_device(store: Any) -> None:
    item = _make_device(0)
    _seed(store, [item])
    fetched = repo.fetch_device(store, item.device_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_device(store, item)


def test_save_many_device(store: Any) -> None:
    items = [_make_device(n) for n in range(4)]
    assert repo.save_many_device(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.site_id for i in items]
    items = [replace(i, site_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_device(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_device(store, item.device_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], site_id=items[1].site_id)
    assert repo.save_many_device(store, [twin, items[0]]) == 2
    fetched = repo.fetch_device(store, items[0].device_id)
    assert fetched == items[0]


def test_update_device(store: Any) -> None:
    item = _make_device(0)
    _seed(store, [item])
    sample = _make_device(1)
    new = replace(item, site_id=sample.site_id)
    got = repo.update_device(store, item.device_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_device(store, item.device_id)
    assert fetched == new
    missing = _make_device(3)
    gone = repo.update_device(store, missing.device_id, lambda old: old)
    assert gone is None


def test_update_device_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_device(0)
    _seed(store, [item])
    other = _make_device(1).site_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_device(store, item.device_id, lambda o: replace(o, site_id=other))
        return old

    result = repo.update_device(store, item.device_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.site_id
    fetched = repo.fetch_device(store, item.device_id)
    assert fetched == result


def test_delete_device(store: Any) -> None:
    item = _make_device(0)
    _seed(store, [item])
    deleted = repo.delete_device(store, item.device_id)
    assert deleted is True
    fetched = repo.fetch_device(store, item.device_id)
    assert fetched is None
    deleted = repo.delete_device(store, item.device_id)
    assert deleted is False


def test_create_reading(store: Any) -> None:
    item = _make_reading(0)
    _seed(store, [item])
    fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_reading(store, item)


def test_save_many_reading(store: Any) -> None:
    items = [_make_reading(n) for n in range(4)]
    assert repo.save_many_reading(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.temperature for i in items]
    items = [replace(i, temperature=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_reading(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], temperature=items[1].temperature)
    assert repo.save_many_reading(store, [twin, items[0]]) == 2
    fetched = repo.fetch_reading(store, items[0].device_id, items[0].timestamp, items[0].reading_id)
    assert fetched == items[0]


def test_update_reading(store: Any) -> None:
    item = _make_reading(0)
    _seed(store, [item])
    sample = _make_reading(1)
    new = replace(item, temperature=sample.temperature)
    got = repo.update_reading(
        store,
        item.device_id,
        item.timestamp,
        item.reading_id,
        lambda old: new,
    )
    assert got == new
    fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert fetched == new
    missing = _make_reading(3)
    gone = repo.update_reading(
        store,
        missing.device_id,
        missing.timestamp,
        missing.reading_id,
        lambda old: old,
    )
    assert gone is None


def test_update_reading_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_reading(0)
    _seed(store, [item])
    other = _make_reading(1).temperature
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_reading(
                store,
                item.device_id,
                item.timestamp,
                item.reading_id,
                lambda o: replace(o, temperature=other),
            )
        return old

    result = repo.update_reading(store, item.device_id, item.timestamp, item.reading_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.temperature
    fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert fetched == result


def test_expired_reading_is_not_served(store: Any) -> None:
    expired = datetime.now(UTC) - timedelta(days=90) - timedelta(minutes=1)
    item = _make_reading(0, timestamp=expired)
    repo.save_many_reading(store, [item])
    fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert fetched is None
    # An expired item that the database has not deleted yet does not block a create.
    fresh = replace(item, timestamp=BASE)
    repo.create_reading(store, fresh)
    fetched = repo.fetch_reading(store, fresh.device_id, fresh.timestamp, fresh.reading_id)
    assert fetched == fresh


def test_delete_reading(store: Any) -> None:
    item = _make_reading(0)
    _seed(store, [item])
    deleted = repo.delete_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert deleted is True
    fetched = repo.fetch_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert fetched is None
    deleted = repo.delete_reading(store, item.device_id, item.timestamp, item.reading_id)
    assert deleted is False


def test_device_readings(store: Any) -> None:
    items = [_make_reading(n, device_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.device_id == probe.device_id]
    expected.sort(key=lambda i: i.timestamp, reverse=True)
    got = repo.device_readings(store, probe.device_id, limit=2)
    got_keys = [i.reading_id for i in got]
    expected_keys = [i.reading_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_latest_reading(store: Any) -> None:
    items = [_make_reading(n, device_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.device_id == probe.device_id]
    expected.sort(key=lambda i: i.timestamp, reverse=True)
    got = repo.latest_reading(store, probe.device_id, limit=2)
    got_keys = [i.reading_id for i in got]
    expected_keys = [i.reading_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_get_device(store: Any) -> None:
    items = [_make_device(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.device_id == probe.device_id]
    got = repo.get_device(store, probe.device_id)
    assert got == expected[0]


def test_devices_of_site(store: Any) -> None:
    items = [_make_device(n, site_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.site_id == probe.site_id]
    got = repo.devices_of_site(store, probe.site_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_table(store: Any) -> None:
    description = store.meta.client.describe_table(TableName=store.name)["Table"]
    indexes = sorted(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))
    assert indexes == ["GSI1"]
    ttl = store.meta.client.describe_time_to_live(TableName=store.name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == TTL_ATTRIBUTE


@pytest.mark.concurrency
def test_update_reading_counts_every_concurrent_write(store: Any) -> None:
    item = _make_reading(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, temperature=old.temperature + 1)

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(6):
            try:
                repo.update_reading(
                    table,
                    item.device_id,
                    item.timestamp,
                    item.reading_id,
                    plus_one,
                )
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_reading(
        store,
        item.device_id,
        item.timestamp,
        item.reading_id,
        consistent=True,
    )
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.temperature + done
    assert stored.temperature == total
    assert done > 0


def test_device_readings_pages(store: Any) -> None:
    first = _make_reading(0)
    items = [_make_reading(n, device_id=first.device_id) for n in range(4)]
    _seed(store, items)
    everything = repo.device_readings(store, first.device_id, limit=None)
    page = repo.device_readings(store, first.device_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.device_readings(store, first.device_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.device_readings(store, first.device_id, after=rest.cursor)
        assert after == []


def test_latest_reading_pages(store: Any) -> None:
    first = _make_reading(0)
    items = [_make_reading(n, device_id=first.device_id) for n in range(4)]
    _seed(store, items)
    everything = repo.latest_reading(store, first.device_id, limit=None)
    page = repo.latest_reading(store, first.device_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.latest_reading(store, first.device_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.latest_reading(store, first.device_id, after=rest.cursor)
        assert after == []


def test_devices_of_site_pages(store: Any) -> None:
    first = _make_device(0)
    items = [_make_device(n, site_id=first.site_id) for n in range(4)]
    _seed(store, items)
    everything = repo.devices_of_site(store, first.site_id, limit=None)
    page = repo.devices_of_site(store, first.site_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.devices_of_site(store, first.site_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.devices_of_site(store, first.site_id, after=rest.cursor)
        assert after == []


def _own_table(store: Any) -> Any:
    """A handle on the test table for one thread (boto3 resources are not thread-safe)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.resource("dynamodb", region_name=region).Table(store.name)
