"""Tests of the order_processing component against mongomock, or MongoDB when MONGODB_URI is set."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pymongo.database import Database
from pymongo.errors import WriteError

from ecommerce import order_processing as repo
from ecommerce.errors import AlreadyExistsError, ConflictError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(mongo_db: Database[Any], mongo_mock: bool) -> Database[Any]:
    """A fresh database with this component's collections, validators and indexes."""
    repo.ensure_schema(mongo_db, validators=not mongo_mock)
    return mongo_db


def _make_customer(n: int, /, **changes: Any) -> repo.Customer:
    """Sample Customer number ``n`` (0-3), with some fields changed."""
    item = repo.Customer(
        customer_id="customer-" + str(n),
        email="word" + str(n),
        name="word" + str(n),
        created_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_order(n: int, /, **changes: Any) -> repo.Order:
    """Sample Order number ``n`` (0-3), with some fields changed."""
    item = repo.Order(
        order_id="order-" + str(n),
        customer_id="word" + str(n),
        status="word" + str(n),
        total=Decimal("9.99") + ORDER[n],
        currency="word" + str(n),
        placed_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_order_line(n: int, /, **changes: Any) -> repo.OrderLine:
    """Sample OrderLine number ``n`` (0-3), with some fields changed."""
    item = repo.OrderLine(
        line_id="order_line-" + str(n),
        order_id="word" + str(n),
        sku="word" + str(n),
        quantity=10 + ORDER[n],
        unit_price=Decimal("9.99") + ORDER[n],
    )
    return replace(item, **changes)


def _make_payment(n: int, /, **changes: Any) -> repo.Payment:
    """Sample Payment number ``n`` (0-3), with some fields changed."""
    item = repo.Payment(
        payment_id="payment-" + str(n),
        order_id="word" + str(n),
        amount=Decimal("9.99") + ORDER[n],
        provider="word" + str(n),
        status="word" + str(n),
        created_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item, and the parent documents embedded children need."""
    parents_1 = sorted({i.order_id for i in items if isinstance(i, repo.OrderLine)})
    # Sample parent n for the n-th key, so that no two share a unique value.
    for n, ref in enumerate(parents_1):
        if repo.fetch_order(store, ref) is None:
            repo.create_order(store, _make_order(n, order_id=ref))
    parents_2 = sorted({i.order_id for i in items if isinstance(i, repo.Payment)})
    for n, ref in enumerate(parents_2):
        if repo.fetch_order(store, ref) is None:
            repo.create_order(store, _make_order(n, order_id=ref))
    for item in items:
        if isinstance(item, repo.Customer):
            repo.create_customer(store, item)
        elif isinstance(item, repo.Order):
            repo.create_order(store, item)
        elif isinstance(item, repo.OrderLine):
            repo.create_order_line(store, item)
        elif isinstance(item, repo.Payment):
            repo.create_payment(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_customer(store: Any) -> None:
    item = _make_customer(0)
    _seed(store, [item])
    fetched = repo.fetch_customer(store, item.customer_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_customer(store, item)


def test_save_many_customer(store: Any) -> None:
    items = [_make_customer(n) for n in range(4)]
    assert repo.save_many_customer(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.email for i in items]
    items = [replace(i, email=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_customer(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_customer(store, item.customer_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], email=items[1].email)
    assert repo.save_many_customer(store, [twin, items[0]]) == 2
    fetched = repo.fetch_customer(store, items[0].customer_id)
    assert fetched == items[0]


def test_update_customer(store: Any) -> None:
    item = _make_customer(0)
    _seed(store, [item])
    sample = _make_customer(1)
    new = replace(item, email=sample.email)
    got = repo.update_customer(store, item.customer_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_customer(store, item.customer_id)
    assert fetched == new
    missing = _make_customer(3)
    gone = repo.update_customer(store, missing.customer_id, lambda old: old)
    assert gone is None


def test_update_customer_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_customer(0)
    _seed(store, [item])
    other = _make_customer(1).email
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_customer(store, item.customer_id, lambda o: replace(o, email=other))
        return old

    result = repo.update_customer(store, item.customer_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.email
    fetched = repo.fetch_customer(store, item.customer_id)
    assert fetched == result


def test_delete_customer(store: Any) -> None:
    item = _make_customer(0)
    _seed(store, [item])
    deleted = repo.delete_customer(store, item.customer_id)
    assert deleted is True
    fetched = repo.fetch_customer(store, item.customer_id)
    assert fetched is None
    deleted = repo.delete_customer(store, item.customer_id)
    assert deleted is False


def test_create_order(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])
    fetched = repo.fetch_order(store, item.order_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_order(store, item)


def test_save_many_order(store: Any) -> None:
    items = [_make_order(n) for n in range(4)]
    assert repo.save_many_order(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.customer_id for i in items]
    items = [replace(i, customer_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_order(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_order(store, item.order_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], customer_id=items[1].customer_id)
    assert repo.save_many_order(store, [twin, items[0]]) == 2
    fetched = repo.fetch_order(store, items[0].order_id)
    assert fetched == items[0]


def test_update_order(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])
    sample = _make_order(1)
    new = replace(item, customer_id=sample.customer_id)
    got = repo.update_order(store, item.order_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_order(store, item.order_id)
    assert fetched == new
    missing = _make_order(3)
    gone = repo.update_order(store, missing.order_id, lambda old: old)
    assert gone is None


def test_update_order_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])
    other = _make_order(1).customer_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_order(store, item.order_id, lambda o: replace(o, customer_id=other))
        return old

    result = repo.update_order(store, item.order_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.customer_id
    fetched = repo.fetch_order(store, item.order_id)
    assert fetched == result


def test_delete_order(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])
    deleted = repo.delete_order(store, item.order_id)
    assert deleted is True
    fetched = repo.fetch_order(store, item.order_id)
    assert fetched is None
    deleted = repo.delete_order(store, item.order_id)
    assert deleted is False


def test_create_order_line(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    fetched = repo.fetch_order_line(store, item.order_id, item.line_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_order_line(store, item)


def test_save_many_order_line(store: Any) -> None:
    items = [_make_order_line(n) for n in range(4)]
    # Sample parent n for the n-th key, so that no two share a unique value.
    for n, ref in enumerate(sorted({i.order_id for i in items})):
        parent = _make_order(n, order_id=ref)
        repo.create_order(store, parent)
    assert repo.save_many_order_line(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.sku for i in items]
    items = [replace(i, sku=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_order_line(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_order_line(store, item.order_id, item.line_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], sku=items[1].sku)
    assert repo.save_many_order_line(store, [twin, items[0]]) == 2
    fetched = repo.fetch_order_line(store, items[0].order_id, items[0].line_id)
    assert fetched == items[0]


def test_update_order_line(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    sample = _make_order_line(1)
    new = replace(item, sku=sample.sku)
    got = repo.update_order_line(store, item.order_id, item.line_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_order_line(store, item.order_id, item.line_id)
    assert fetched == new
    missing = _make_order_line(3)
    gone = repo.update_order_line(store, missing.order_id, missing.line_id, lambda old: old)
    assert gone is None


def test_update_order_line_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    other = _make_order_line(1).sku
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_order_line(
                store,
                item.order_id,
                item.line_id,
                lambda o: replace(o, sku=other),
            )
        return old

    result = repo.update_order_line(store, item.order_id, item.line_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.sku
    fetched = repo.fetch_order_line(store, item.order_id, item.line_id)
    assert fetched == result


def test_delete_order_line(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    deleted = repo.delete_order_line(store, item.order_id, item.line_id)
    assert deleted is True
    fetched = repo.fetch_order_line(store, item.order_id, item.line_id)
    assert fetched is None
    deleted = repo.delete_order_line(store, item.order_id, item.line_id)
    assert deleted is False


def test_create_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    fetched = repo.fetch_payment(store, item.order_id, item.payment_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_payment(store, item)


def test_save_many_payment(store: Any) -> None:
    items = [_make_payment(n) for n in range(4)]
    # Sample parent n for the n-th key, so that no two share a unique value.
    for n, ref in enumerate(sorted({i.order_id for i in items})):
        parent = _make_order(n, order_id=ref)
        repo.create_order(store, parent)
    assert repo.save_many_payment(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.amount for i in items]
    items = [replace(i, amount=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_payment(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_payment(store, item.order_id, item.payment_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], amount=items[1].amount)
    assert repo.save_many_payment(store, [twin, items[0]]) == 2
    fetched = repo.fetch_payment(store, items[0].order_id, items[0].payment_id)
    assert fetched == items[0]


def test_update_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    sample = _make_payment(1)
    new = replace(item, amount=sample.amount)
    got = repo.update_payment(store, item.order_id, item.payment_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_payment(store, item.order_id, item.payment_id)
    assert fetched == new
    missing = _make_payment(3)
    gone = repo.update_payment(store, missing.order_id, missing.payment_id, lambda old: old)
    assert gone is None


def test_update_payment_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    other = _make_payment(1).amount
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_payment(
                store,
                item.order_id,
                item.payment_id,
                lambda o: replace(o, amount=other),
            )
        return old

    result = repo.update_payment(store, item.order_id, item.payment_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.amount
    fetched = repo.fetch_payment(store, item.order_id, item.payment_id)
    assert fetched == result


def test_delete_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    deleted = repo.delete_payment(store, item.order_id, item.payment_id)
    assert deleted is True
    fetched = repo.fetch_payment(store, item.order_id, item.payment_id)
    assert fetched is None
    deleted = repo.delete_payment(store, item.order_id, item.payment_id)
    assert deleted is False


def test_get_order(store: Any) -> None:
    items = [_make_order(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.order_id == probe.order_id]
    got = repo.get_order(store, probe.order_id)
    assert got == expected[0]


def test_customer_orders(store: Any) -> None:
    items = [_make_order(n, customer_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.customer_id == probe.customer_id]
    expected.sort(key=lambda i: i.placed_at, reverse=True)
    got = repo.customer_orders(store, probe.customer_id, limit=2)
    got_keys = [i.order_id for i in got]
    expected_keys = [i.order_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_lines_of_order(store: Any) -> None:
    items = [_make_order_line(n, order_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.order_id == probe.order_id]
    got = repo.lines_of_order(store, probe.order_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_fulfilment_queue(store: Any) -> None:
    items = [_make_order(n, status="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.status == probe.status]
    expected.sort(key=lambda i: i.placed_at, reverse=False)
    got = repo.fulfilment_queue(store, probe.status, limit=2)
    got_keys = [i.order_id for i in got]
    expected_keys = [i.order_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_revenue_by_status(store: Any) -> None:
    items = [
        _make_order(n, currency="match" if n < 3 else "other", status="g" + str(n % 2))
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.currency == probe.currency]
    values = sorted({i.status for i in expected})
    assert len(values) == 2, "the sample items fall into two groups"
    want = {}
    for value in values:
        members = [i for i in expected if i.status == value]
        want[value] = {
            "count": len(members),
            "sum_total": sum((i.total for i in members), Decimal(0)),
        }
    got = repo.revenue_by_status(store, probe.currency)
    assert got == want


def test_save_together(store: Any, mongo_mock: bool) -> None:
    if mongo_mock:
        pytest.skip("mongomock has no transactions; set MONGODB_URI to a replica set to run this")
    customer = _make_customer(1)
    order = _make_order(1, customer_id=customer.customer_id)
    order_line = _make_order_line(1, order_id=order.order_id)
    payment = _make_payment(1, order_id=order.order_id)
    # Children are listed first: the parents are still created before them.
    repo.save_together(store, [payment, order_line, order, customer])
    got_1 = repo.fetch_customer(store, customer.customer_id)
    assert got_1 == customer
    got_2 = repo.fetch_order(store, order.order_id)
    assert got_2 == order
    got_3 = repo.fetch_order_line(store, order_line.order_id, order_line.line_id)
    assert got_3 == order_line
    got_4 = repo.fetch_payment(store, payment.order_id, payment.payment_id)
    assert got_4 == payment
    # One create of an existing item aborts the whole transaction. Item 0: the updates
    # below take values of items 2 and 3, and a unique value cannot be held twice.
    fresh = _make_customer(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [fresh, customer])
    fetched = repo.fetch_customer(store, fresh.customer_id)
    assert fetched is None
    # An update applies only while the stored item is still the one that was read.
    sample = _make_customer(2)
    changed = replace(customer, email=sample.email)
    repo.save_together(store, updates=[(customer, changed)])
    fetched = repo.fetch_customer(store, changed.customer_id)
    assert fetched == changed
    sample = _make_customer(3)
    stale = replace(customer, email=sample.email)
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], updates=[(customer, stale)])
    fetched = repo.fetch_customer(store, changed.customer_id)
    assert fetched == changed
    fetched = repo.fetch_customer(store, fresh.customer_id)
    assert fetched is None
    # A create can depend on another item staying as it was read (a ConditionCheck).
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], unchanged=[customer])
    fetched = repo.fetch_customer(store, fresh.customer_id)
    assert fetched is None
    repo.save_together(store, [fresh], unchanged=[changed])
    fetched = repo.fetch_customer(store, fresh.customer_id)
    assert fetched == fresh


def test_indexes(store: Database[Any]) -> None:
    info = store["customer"].index_information()
    found = [[tuple(k) for k in i["key"]] for i in info.values()]
    assert [("_id", 1)] in found
    info = store["order"].index_information()
    found = [[tuple(k) for k in i["key"]] for i in info.values()]
    assert [("_id", 1)] in found
    assert [("customer_id", 1), ("placed_at", -1), ("_id", -1)] in found
    assert [("status", 1), ("placed_at", 1), ("_id", 1)] in found
    assert [("currency", 1)] in found


def test_validators(store: Database[Any], mongo_mock: bool) -> None:
    if mongo_mock:
        pytest.skip("mongomock has no $jsonSchema validators; set MONGODB_URI to run this")
    with pytest.raises(WriteError):
        store["customer"].insert_one({"_id": "incomplete"})


@pytest.mark.concurrency
def test_increment_order_loses_nothing_under_threads(store: Any, mongo_mock: bool) -> None:
    if mongo_mock:
        pytest.skip("mongomock cannot $inc Decimal128; set MONGODB_URI to run this")
    item = _make_order(0)
    _seed(store, [item])

    def bump(_: int) -> int:
        done = 0
        for _ in range(20):
            value = repo.increment_order(store, item.order_id, "total", Decimal(1))
            if value is not None:
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_order(store, item.order_id)
    assert done == 160 and stored is not None
    total = item.total + done
    assert stored.total == total
    # The minimum is a guard in the filter: the value never drops below it.
    floor = stored.total
    below = repo.increment_order(store, item.order_id, "total", -Decimal(1), floor)
    assert below is None
    above = repo.increment_order(store, item.order_id, "total", -Decimal(1), floor - Decimal(1))
    assert above is not None


@pytest.mark.concurrency
def test_update_order_counts_every_concurrent_write(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, total=old.total + 1)

    def bump(_: int) -> int:
        done = 0
        for _ in range(10):
            try:
                repo.update_order(store, item.order_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_order(store, item.order_id)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.total + done
    assert stored.total == total
    assert done > 0


@pytest.mark.concurrency
def test_update_order_line_counts_every_concurrent_write(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, quantity=old.quantity + 1)

    def bump(_: int) -> int:
        done = 0
        for _ in range(10):
            try:
                repo.update_order_line(store, item.order_id, item.line_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_order_line(store, item.order_id, item.line_id)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.quantity + done
    assert stored.quantity == total
    assert done > 0


@pytest.mark.concurrency
def test_update_payment_counts_every_concurrent_write(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, amount=old.amount + 1)

    def bump(_: int) -> int:
        done = 0
        for _ in range(10):
            try:
                repo.update_payment(store, item.order_id, item.payment_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_payment(store, item.order_id, item.payment_id)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.amount + done
    assert stored.amount == total
    assert done > 0


def test_customer_orders_pages(store: Any) -> None:
    first = _make_order(0)
    items = [_make_order(n, customer_id=first.customer_id) for n in range(4)]
    _seed(store, items)
    everything = repo.customer_orders(store, first.customer_id, limit=None)
    page = repo.customer_orders(store, first.customer_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.customer_orders(store, first.customer_id, limit=3, after=page.cursor)
    assert rest.cursor is None
    assert [*page, *rest] == everything and len(everything) == 4


def test_fulfilment_queue_pages(store: Any) -> None:
    first = _make_order(0)
    items = [_make_order(n, status=first.status) for n in range(4)]
    _seed(store, items)
    everything = repo.fulfilment_queue(store, first.status, limit=None)
    page = repo.fulfilment_queue(store, first.status, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.fulfilment_queue(store, first.status, limit=3, after=page.cursor)
    assert rest.cursor is None
    assert [*page, *rest] == everything and len(everything) == 4
