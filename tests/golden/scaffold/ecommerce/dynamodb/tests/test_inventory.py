"""Tests of the inventory component against DynamoDB Local or moto."""

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

from ecommerce import inventory as repo
from ecommerce.errors import AlreadyExistsError, ConflictError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(dynamodb: Any) -> Iterator[Any]:
    """A fresh table with this component's GSIs, deleted after the test."""
    table = repo.ensure_schema(dynamodb, "test-" + uuid.uuid4().hex[:12])
    yield table
    table.delete()


def _make_warehouse(n: int, /, **changes: Any) -> repo.Warehouse:
    """Sample Warehouse number ``n`` (0-3), with some fields changed."""
    item = repo.Warehouse(
        warehouse_id="warehouse-" + str(n),
        name="word" + str(n),
        region="word" + str(n),
        location=(13.4 + 0.01 * ORDER[n], 52.5),
    )
    return replace(item, **changes)


def _make_stock_level(n: int, /, **changes: Any) -> repo.StockLevel:
    """Sample StockLevel number ``n`` (0-3), with some fields changed."""
    item = repo.StockLevel(
        stock_id="stock_level-" + str(n),
        sku="word" + str(n),
        warehouse_id="word" + str(n),
        on_hand=10 + ORDER[n],
        reserved=10 + ORDER[n],
        updated_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_reservation(n: int, /, **changes: Any) -> repo.Reservation:
    """Sample Reservation number ``n`` (0-3), with some fields changed."""
    item = repo.Reservation(
        reservation_id="reservation-" + str(n),
        stock_id="word" + str(n),
        order_id="word" + str(n),
        quantity=10 + ORDER[n],
        expires_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Warehouse):
            repo.create_warehouse(store, item)
        elif isinstance(item, repo.StockLevel):
            repo.create_stock_level(store, item)
        elif isinstance(item, repo.Reservation):
            repo.create_reservation(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_warehouse(store: Any) -> None:
    item = _make_warehouse(0)
    _seed(store, [item])
    fetched = repo.fetch_warehouse(store, item.warehouse_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_warehouse(store, item)


def test_save_many_warehouse(store: Any) -> None:
    items = [_make_warehouse(n) for n in range(4)]
    assert repo.save_many_warehouse(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.name for i in items]
    items = [replace(i, name=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_warehouse(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_warehouse(store, item.warehouse_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], name=items[1].name)
    assert repo.save_many_warehouse(store, [twin, items[0]]) == 2
    fetched = repo.fetch_warehouse(store, items[0].warehouse_id)
    assert fetched == items[0]


def test_update_warehouse(store: Any) -> None:
    item = _make_warehouse(0)
    _seed(store, [item])
    sample = _make_warehouse(1)
    new = replace(item, name=sample.name)
    got = repo.update_warehouse(store, item.warehouse_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_warehouse(store, item.warehouse_id)
    assert fetched == new
    missing = _make_warehouse(3)
    gone = repo.update_warehouse(store, missing.warehouse_id, lambda old: old)
    assert gone is None


def test_update_warehouse_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_warehouse(0)
    _seed(store, [item])
    other = _make_warehouse(1).name
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_warehouse(store, item.warehouse_id, lambda o: replace(o, name=other))
        return old

    result = repo.update_warehouse(store, item.warehouse_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.name
    fetched = repo.fetch_warehouse(store, item.warehouse_id)
    assert fetched == result


def test_delete_warehouse(store: Any) -> None:
    item = _make_warehouse(0)
    _seed(store, [item])
    deleted = repo.delete_warehouse(store, item.warehouse_id)
    assert deleted is True
    fetched = repo.fetch_warehouse(store, item.warehouse_id)
    assert fetched is None
    deleted = repo.delete_warehouse(store, item.warehouse_id)
    assert deleted is False


def test_create_stock_level(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])
    fetched = repo.fetch_stock_level(store, item.stock_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_stock_level(store, item)


def test_save_many_stock_level(store: Any) -> None:
    items = [_make_stock_level(n) for n in range(4)]
    assert repo.save_many_stock_level(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.sku for i in items]
    items = [replace(i, sku=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_stock_level(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_stock_level(store, item.stock_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], sku=items[1].sku)
    assert repo.save_many_stock_level(store, [twin, items[0]]) == 2
    fetched = repo.fetch_stock_level(store, items[0].stock_id)
    assert fetched == items[0]


def test_update_stock_level(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])
    sample = _make_stock_level(1)
    new = replace(item, sku=sample.sku)
    got = repo.update_stock_level(store, item.stock_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_stock_level(store, item.stock_id)
    assert fetched == new
    missing = _make_stock_level(3)
    gone = repo.update_stock_level(store, missing.stock_id, lambda old: old)
    assert gone is None


def test_update_stock_level_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])
    other = _make_stock_level(1).sku
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_stock_level(store, item.stock_id, lambda o: replace(o, sku=other))
        return old

    result = repo.update_stock_level(store, item.stock_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.sku
    fetched = repo.fetch_stock_level(store, item.stock_id)
    assert fetched == result


def test_delete_stock_level(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])
    deleted = repo.delete_stock_level(store, item.stock_id)
    assert deleted is True
    fetched = repo.fetch_stock_level(store, item.stock_id)
    assert fetched is None
    deleted = repo.delete_stock_level(store, item.stock_id)
    assert deleted is False


def test_create_reservation(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])
    fetched = repo.fetch_reservation(store, item.reservation_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_reservation(store, item)


def test_save_many_reservation(store: Any) -> None:
    items = [_make_reservation(n) for n in range(4)]
    assert repo.save_many_reservation(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.stock_id for i in items]
    items = [replace(i, stock_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_reservation(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_reservation(store, item.reservation_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], stock_id=items[1].stock_id)
    assert repo.save_many_reservation(store, [twin, items[0]]) == 2
    fetched = repo.fetch_reservation(store, items[0].reservation_id)
    assert fetched == items[0]


def test_update_reservation(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])
    sample = _make_reservation(1)
    new = replace(item, stock_id=sample.stock_id)
    got = repo.update_reservation(store, item.reservation_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_reservation(store, item.reservation_id)
    assert fetched == new
    missing = _make_reservation(3)
    gone = repo.update_reservation(store, missing.reservation_id, lambda old: old)
    assert gone is None


def test_update_reservation_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])
    other = _make_reservation(1).stock_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_reservation(
                store,
                item.reservation_id,
                lambda o: replace(o, stock_id=other),
            )
        return old

    result = repo.update_reservation(store, item.reservation_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.stock_id
    fetched = repo.fetch_reservation(store, item.reservation_id)
    assert fetched == result


def test_delete_reservation(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])
    deleted = repo.delete_reservation(store, item.reservation_id)
    assert deleted is True
    fetched = repo.fetch_reservation(store, item.reservation_id)
    assert fetched is None
    deleted = repo.delete_reservation(store, item.reservation_id)
    assert deleted is False


def test_get_stock(store: Any) -> None:
    items = [_make_stock_level(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.stock_id == probe.stock_id]
    got = repo.get_stock(store, probe.stock_id)
    assert got == expected[0]


def test_stock_for_sku(store: Any) -> None:
    items = [_make_stock_level(n, sku="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.sku == probe.sku]
    expected.sort(key=lambda i: i.on_hand, reverse=True)
    got = repo.stock_for_sku(store, probe.sku, limit=2)
    got_keys = [i.stock_id for i in got]
    expected_keys = [i.stock_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_low_stock_in_warehouse(store: Any) -> None:
    items = [_make_stock_level(n, warehouse_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.warehouse_id == probe.warehouse_id]
    expected.sort(key=lambda i: i.on_hand, reverse=False)
    got = repo.low_stock_in_warehouse(store, probe.warehouse_id, limit=2)
    got_keys = [i.stock_id for i in got]
    expected_keys = [i.stock_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_reservations_of_order(store: Any) -> None:
    items = [_make_reservation(n, order_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.order_id == probe.order_id]
    got = repo.reservations_of_order(store, probe.order_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_save_together(store: Any) -> None:
    warehouse = _make_warehouse(1)
    stock_level = _make_stock_level(1, warehouse_id=warehouse.warehouse_id)
    reservation = _make_reservation(1, stock_id=stock_level.stock_id)
    # Children are listed first: the parents are still created before them.
    repo.save_together(store, [reservation, stock_level, warehouse])
    got_1 = repo.fetch_warehouse(store, warehouse.warehouse_id)
    assert got_1 == warehouse
    got_2 = repo.fetch_stock_level(store, stock_level.stock_id)
    assert got_2 == stock_level
    got_3 = repo.fetch_reservation(store, reservation.reservation_id)
    assert got_3 == reservation
    # One create of an existing item aborts the whole transaction. Item 0: the updates
    # below take values of items 2 and 3, and a unique value cannot be held twice.
    fresh = _make_warehouse(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [fresh, warehouse])
    fetched = repo.fetch_warehouse(store, fresh.warehouse_id)
    assert fetched is None
    # An update applies only while the stored item is still the one that was read.
    sample = _make_warehouse(2)
    changed = replace(warehouse, name=sample.name)
    repo.save_together(store, updates=[(warehouse, changed)])
    fetched = repo.fetch_warehouse(store, changed.warehouse_id)
    assert fetched == changed
    sample = _make_warehouse(3)
    stale = replace(warehouse, name=sample.name)
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], updates=[(warehouse, stale)])
    fetched = repo.fetch_warehouse(store, changed.warehouse_id)
    assert fetched == changed
    fetched = repo.fetch_warehouse(store, fresh.warehouse_id)
    assert fetched is None
    # A create can depend on another item staying as it was read (a ConditionCheck).
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], unchanged=[warehouse])
    fetched = repo.fetch_warehouse(store, fresh.warehouse_id)
    assert fetched is None
    repo.save_together(store, [fresh], unchanged=[changed])
    fetched = repo.fetch_warehouse(store, fresh.warehouse_id)
    assert fetched == fresh


def test_save_together_refuses_an_overdraft(store: Any) -> None:
    debited, credited = _make_stock_level(0), _make_stock_level(1)
    _seed(store, [debited, credited])
    record = _make_stock_level(2)
    amount = debited.on_hand
    # A transfer of more than the debited item holds: nothing at all is written.
    overdraft = [
        (debited, "on_hand", -amount - 1, 0),
        (credited, "on_hand", amount + 1, None),
    ]
    with pytest.raises(ConflictError):
        repo.save_together(store, [record], increments=overdraft)
    fetched = repo.fetch_stock_level(store, record.stock_id)
    assert fetched is None
    fetched = repo.fetch_stock_level(store, debited.stock_id)
    assert fetched == debited
    fetched = repo.fetch_stock_level(store, credited.stock_id)
    assert fetched == credited
    # Down to the minimum exactly: the debit, the credit and the create all apply.
    transfer = [
        (debited, "on_hand", -amount, 0),
        (credited, "on_hand", amount, None),
    ]
    repo.save_together(store, [record], increments=transfer)
    fetched = repo.fetch_stock_level(store, record.stock_id)
    assert fetched == record
    fetched = repo.fetch_stock_level(store, debited.stock_id)
    assert fetched is not None and fetched.on_hand == 0
    fetched = repo.fetch_stock_level(store, credited.stock_id)
    assert fetched is not None
    assert fetched.on_hand == credited.on_hand + amount


def test_save_together_refuses_twins_within_one_call(store: Any) -> None:
    # The server checks each create against the stored items only: twins in one batch
    # are refused before anything is sent.
    item = _make_warehouse(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [item, item])
    fetched = repo.fetch_warehouse(store, item.warehouse_id)
    assert fetched is None


def test_table(store: Any) -> None:
    description = store.meta.client.describe_table(TableName=store.name)["Table"]
    indexes = sorted(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))
    assert indexes == ["GSI1", "GSI2", "GSI3"]


@pytest.mark.concurrency
def test_increment_stock_level_loses_nothing_under_threads(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(10):
            value = repo.increment_stock_level(table, item.stock_id, "on_hand", 1)
            if value is not None:
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_stock_level(store, item.stock_id, consistent=True)
    assert done == 80 and stored is not None
    total = item.on_hand + done
    assert stored.on_hand == total
    # The minimum is a ConditionExpression: the value never drops below it.
    floor = stored.on_hand
    below = repo.increment_stock_level(store, item.stock_id, "on_hand", -1, floor)
    assert below is None
    above = repo.increment_stock_level(store, item.stock_id, "on_hand", -1, floor - 1)
    assert above is not None


@pytest.mark.concurrency
def test_update_stock_level_counts_every_concurrent_write(store: Any) -> None:
    item = _make_stock_level(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, on_hand=old.on_hand + 1)

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(6):
            try:
                repo.update_stock_level(table, item.stock_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_stock_level(store, item.stock_id, consistent=True)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.on_hand + done
    assert stored.on_hand == total
    assert done > 0


@pytest.mark.concurrency
def test_increment_reservation_loses_nothing_under_threads(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(10):
            value = repo.increment_reservation(table, item.reservation_id, "quantity", 1)
            if value is not None:
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_reservation(store, item.reservation_id, consistent=True)
    assert done == 80 and stored is not None
    total = item.quantity + done
    assert stored.quantity == total
    # The minimum is a ConditionExpression: the value never drops below it.
    floor = stored.quantity
    below = repo.increment_reservation(store, item.reservation_id, "quantity", -1, floor)
    assert below is None
    above = repo.increment_reservation(store, item.reservation_id, "quantity", -1, floor - 1)
    assert above is not None


@pytest.mark.concurrency
def test_update_reservation_counts_every_concurrent_write(store: Any) -> None:
    item = _make_reservation(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, quantity=old.quantity + 1)

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(6):
            try:
                repo.update_reservation(table, item.reservation_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_reservation(store, item.reservation_id, consistent=True)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.quantity + done
    assert stored.quantity == total
    assert done > 0


def test_stock_for_sku_pages(store: Any) -> None:
    first = _make_stock_level(0)
    items = [_make_stock_level(n, sku=first.sku) for n in range(4)]
    _seed(store, items)
    everything = repo.stock_for_sku(store, first.sku, limit=None)
    page = repo.stock_for_sku(store, first.sku, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.stock_for_sku(store, first.sku, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.stock_for_sku(store, first.sku, after=rest.cursor)
        assert after == []


def test_low_stock_in_warehouse_pages(store: Any) -> None:
    first = _make_stock_level(0)
    items = [_make_stock_level(n, warehouse_id=first.warehouse_id) for n in range(4)]
    _seed(store, items)
    everything = repo.low_stock_in_warehouse(store, first.warehouse_id, limit=None)
    page = repo.low_stock_in_warehouse(store, first.warehouse_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.low_stock_in_warehouse(store, first.warehouse_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.low_stock_in_warehouse(store, first.warehouse_id, after=rest.cursor)
        assert after == []


def test_reservations_of_order_pages(store: Any) -> None:
    first = _make_reservation(0)
    items = [_make_reservation(n, order_id=first.order_id) for n in range(4)]
    _seed(store, items)
    everything = repo.reservations_of_order(store, first.order_id, limit=None)
    page = repo.reservations_of_order(store, first.order_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.reservations_of_order(store, first.order_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.reservations_of_order(store, first.order_id, after=rest.cursor)
        assert after == []


def _own_table(store: Any) -> Any:
    """A handle on the test table for one thread (boto3 resources are not thread-safe)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.resource("dynamodb", region_name=region).Table(store.name)
