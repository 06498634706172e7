"""Tests of the order_processing component against a real Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis

from ecommerce import order_processing as repo
from ecommerce.errors import AlreadyExistsError, ConflictError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(redis_client: redis.Redis) -> redis.Redis:
    """An empty Redis database (flushed after the test)."""
    return redis_client


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
    """Create each item."""
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


def test_customer_never_expires(store: Any) -> None:
    # No field says when Customer items expire, so no TTL is made up.
    _seed(store, [_make_customer(0)])
    stored = list(store.scan_iter(match=repo.CUSTOMER_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


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


def test_order_never_expires(store: Any) -> None:
    # No field says when Order items expire, so no TTL is made up.
    _seed(store, [_make_order(0)])
    stored = list(store.scan_iter(match=repo.ORDER_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_order_counts_every_concurrent_change(store: Any) -> None:
    item = _make_order(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, total=old.total + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_order(store, item.order_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_order(store, item.order_id)
    assert stored is not None and stored.total == item.total + 80


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
    fetched = repo.fetch_order_line(store, item.line_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_order_line(store, item)


def test_save_many_order_line(store: Any) -> None:
    items = [_make_order_line(n) for n in range(4)]
    assert repo.save_many_order_line(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.order_id for i in items]
    items = [replace(i, order_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_order_line(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_order_line(store, item.line_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], order_id=items[1].order_id)
    assert repo.save_many_order_line(store, [twin, items[0]]) == 2
    fetched = repo.fetch_order_line(store, items[0].line_id)
    assert fetched == items[0]


def test_update_order_line(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    sample = _make_order_line(1)
    new = replace(item, order_id=sample.order_id)
    got = repo.update_order_line(store, item.line_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_order_line(store, item.line_id)
    assert fetched == new
    missing = _make_order_line(3)
    gone = repo.update_order_line(store, missing.line_id, lambda old: old)
    assert gone is None


def test_update_order_line_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    other = _make_order_line(1).order_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_order_line(store, item.line_id, lambda o: replace(o, order_id=other))
        return old

    result = repo.update_order_line(store, item.line_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.order_id
    fetched = repo.fetch_order_line(store, item.line_id)
    assert fetched == result


def test_order_line_never_expires(store: Any) -> None:
    # No field says when OrderLine items expire, so no TTL is made up.
    _seed(store, [_make_order_line(0)])
    stored = list(store.scan_iter(match=repo.ORDER_LINE_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_order_line_counts_every_concurrent_change(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, quantity=old.quantity + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_order_line(store, item.line_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_order_line(store, item.line_id)
    assert stored is not None and stored.quantity == item.quantity + 80


@pytest.mark.concurrency
def test_incr_order_line_quantity_loses_no_concurrent_increment(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])

    def work() -> None:
        for _ in range(25):
            value = repo.incr_order_line_quantity(store, item.line_id, 1)
            assert value is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_order_line(store, item.line_id)
    assert stored is not None and stored.quantity == item.quantity + 200
    # A missing item is not created by an increment.
    missing = _make_order_line(3)
    bumped = repo.incr_order_line_quantity(store, missing.line_id, 1)
    assert bumped is None
    fetched = repo.fetch_order_line(store, missing.line_id)
    assert fetched is None


def test_delete_order_line(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    deleted = repo.delete_order_line(store, item.line_id)
    assert deleted is True
    fetched = repo.fetch_order_line(store, item.line_id)
    assert fetched is None
    deleted = repo.delete_order_line(store, item.line_id)
    assert deleted is False


def test_create_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    fetched = repo.fetch_payment(store, item.payment_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_payment(store, item)


def test_save_many_payment(store: Any) -> None:
    items = [_make_payment(n) for n in range(4)]
    assert repo.save_many_payment(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.order_id for i in items]
    items = [replace(i, order_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_payment(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_payment(store, item.payment_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], order_id=items[1].order_id)
    assert repo.save_many_payment(store, [twin, items[0]]) == 2
    fetched = repo.fetch_payment(store, items[0].payment_id)
    assert fetched == items[0]


def test_update_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    sample = _make_payment(1)
    new = replace(item, order_id=sample.order_id)
    got = repo.update_payment(store, item.payment_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_payment(store, item.payment_id)
    assert fetched == new
    missing = _make_payment(3)
    gone = repo.update_payment(store, missing.payment_id, lambda old: old)
    assert gone is None


def test_update_payment_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    other = _make_payment(1).order_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_payment(store, item.payment_id, lambda o: replace(o, order_id=other))
        return old

    result = repo.update_payment(store, item.payment_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.order_id
    fetched = repo.fetch_payment(store, item.payment_id)
    assert fetched == result


def test_payment_never_expires(store: Any) -> None:
    # No field says when Payment items expire, so no TTL is made up.
    _seed(store, [_make_payment(0)])
    stored = list(store.scan_iter(match=repo.PAYMENT_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_payment_counts_every_concurrent_change(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, amount=old.amount + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_payment(store, item.payment_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_payment(store, item.payment_id)
    assert stored is not None and stored.amount == item.amount + 80


def test_delete_payment(store: Any) -> None:
    item = _make_payment(0)
    _seed(store, [item])
    deleted = repo.delete_payment(store, item.payment_id)
    assert deleted is True
    fetched = repo.fetch_payment(store, item.payment_id)
    assert fetched is None
    deleted = repo.delete_payment(store, item.payment_id)
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


def test_customer_orders_page_reads_page_after_page(store: Any) -> None:
    items = [_make_order(n, customer_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.customer_id == probe.customer_id]
    expected.sort(key=lambda i: i.placed_at, reverse=True)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.customer_orders_page(store, probe.customer_id, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.order_id for i in got]
    expected_keys = [i.order_id for i in expected]
    assert got_keys == expected_keys


def test_lines_of_order(store: Any) -> None:
    items = [_make_order_line(n, order_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.order_id == probe.order_id]
    got = repo.lines_of_order(store, probe.order_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_lines_of_order_page_reads_page_after_page(store: Any) -> None:
    items = [_make_order_line(n, order_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.order_id == probe.order_id]
    expected.sort(key=lambda i: str(i.line_id))
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.lines_of_order_page(store, probe.order_id, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.line_id for i in got]
    expected_keys = [i.line_id for i in expected]
    assert got_keys == expected_keys


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


def test_fulfilment_queue_page_reads_page_after_page(store: Any) -> None:
    items = [_make_order(n, status="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.status == probe.status]
    expected.sort(key=lambda i: i.placed_at, reverse=False)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.fulfilment_queue_page(store, probe.status, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.order_id for i in got]
    expected_keys = [i.order_id for i in expected]
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


def test_save_together(store: Any) -> None:
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
    got_3 = repo.fetch_order_line(store, order_line.line_id)
    assert got_3 == order_line
    got_4 = repo.fetch_payment(store, payment.payment_id)
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


def test_save_together_refuses_an_overdraft(store: Any) -> None:
    debited, credited = _make_order(0), _make_order(1)
    _seed(store, [debited, credited])
    record = _make_order(2)
    amount = debited.total
    # A transfer of more than the debited item holds: nothing at all is written.
    overdraft = [
        (debited, "total", -amount - 1, 0),
        (credited, "total", amount + 1, None),
    ]
    with pytest.raises(ConflictError):
        repo.save_together(store, [record], increments=overdraft)
    fetched = repo.fetch_order(store, record.order_id)
    assert fetched is None
    fetched = repo.fetch_order(store, debited.order_id)
    assert fetched == debited
    fetched = repo.fetch_order(store, credited.order_id)
    assert fetched == credited
    # Down to the minimum exactly: the debit, the credit and the create all apply.
    transfer = [
        (debited, "total", -amount, 0),
        (credited, "total", amount, None),
    ]
    repo.save_together(store, [record], increments=transfer)
    fetched = repo.fetch_order(store, record.order_id)
    assert fetched == record
    fetched = repo.fetch_order(store, debited.order_id)
    assert fetched is not None and fetched.total == 0
    fetched = repo.fetch_order(store, credited.order_id)
    assert fetched is not None
    assert fetched.total == credited.total + amount


def test_save_together_refuses_twins_within_one_call(store: Any) -> None:
    # The server checks each create against the stored items only: twins in one batch
    # are refused before anything is sent.
    item = _make_customer(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [item, item])
    fetched = repo.fetch_customer(store, item.customer_id)
    assert fetched is None


@pytest.mark.concurrency
def test_incr_order_line_quantity_keeps_its_minimum_under_threads(store: Any) -> None:
    item = _make_order_line(0)
    _seed(store, [item])
    floor = item.quantity - 5

    def take(_: int) -> int:
        done = 0
        for _ in range(5):
            value = repo.incr_order_line_quantity(store, item.line_id, -1, minimum=floor)
            if value is not None:
                assert value >= floor
                done += 1
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(take, range(8)))
    # 40 tries to take one of 5: exactly 5 pass the minimum, and none goes below it.
    stored = repo.fetch_order_line(store, item.line_id)
    assert done == 5
    assert stored is not None and stored.quantity == floor
    # An increment up from the minimum is not refused.
    value = repo.incr_order_line_quantity(store, item.line_id, 1, minimum=floor)
    assert value == floor + 1
