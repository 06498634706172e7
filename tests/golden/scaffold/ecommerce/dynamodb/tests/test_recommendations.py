"""Tests of the recommendations component against DynamoDB Local or moto."""

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

from ecommerce import recommendations as repo
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


def _make_customer(n: int, /, **changes: Any) -> repo.Customer:
    """Sample Customer number ``n`` (0-3), with some fields changed."""
    item = repo.Customer(
        customer_id="customer-" + str(n),
        segment="word" + str(n),
    )
    return replace(item, **changes)


def _make_product(n: int, /, **changes: Any) -> repo.Product:
    """Sample Product number ``n`` (0-3), with some fields changed."""
    item = repo.Product(
        product_id="product-" + str(n),
        category_id="word" + str(n),
        name="word" + str(n),
        purchase_count=10 + ORDER[n],
    )
    return replace(item, **changes)


def _make_purchase(n: int, /, **changes: Any) -> repo.Purchase:
    """Sample Purchase number ``n`` (0-3), with some fields changed."""
    item = repo.Purchase(
        purchase_id="purchase-" + str(n),
        customer_id="word" + str(n),
        product_id="word" + str(n),
        purchased_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Customer):
            repo.create_customer(store, item)
        elif isinstance(item, repo.Product):
            repo.create_product(store, item)
        elif isinstance(item, repo.Purchase):
            repo.create_purchase(store, item)


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
    values = [i.segment for i in items]
    items = [replace(i, segment=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_customer(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_customer(store, item.customer_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], segment=items[1].segment)
    assert repo.save_many_customer(store, [twin, items[0]]) == 2
    fetched = repo.fetch_customer(store, items[0].customer_id)
    assert fetched == items[0]


def test_update_customer(store: Any) -> None:
    item = _make_customer(0)
    _seed(store, [item])
    sample = _make_customer(1)
    new = replace(item, segment=sample.segment)
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
    other = _make_customer(1).segment
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_customer(store, item.customer_id, lambda o: replace(o, segment=other))
        return old

    result = repo.update_customer(store, item.customer_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.segment
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


def test_create_product(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_product(store, item)


def test_save_many_product(store: Any) -> None:
    items = [_make_product(n) for n in range(4)]
    assert repo.save_many_product(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.category_id for i in items]
    items = [replace(i, category_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_product(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_product(store, item.product_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], category_id=items[1].category_id)
    assert repo.save_many_product(store, [twin, items[0]]) == 2
    fetched = repo.fetch_product(store, items[0].product_id)
    assert fetched == items[0]


def test_update_product(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    sample = _make_product(1)
    new = replace(item, category_id=sample.category_id)
    got = repo.update_product(store, item.product_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched == new
    missing = _make_product(3)
    gone = repo.update_product(store, missing.product_id, lambda old: old)
    assert gone is None


def test_update_product_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    other = _make_product(1).category_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_product(store, item.product_id, lambda o: replace(o, category_id=other))
        return old

    result = repo.update_product(store, item.product_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.category_id
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched == result


def test_delete_product(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    deleted = repo.delete_product(store, item.product_id)
    assert deleted is True
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched is None
    deleted = repo.delete_product(store, item.product_id)
    assert deleted is False


def test_create_purchase(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    fetched = repo.fetch_purchase(store, item.purchase_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_purchase(store, item)


def test_save_many_purchase(store: Any) -> None:
    items = [_make_purchase(n) for n in range(4)]
    assert repo.save_many_purchase(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.customer_id for i in items]
    items = [replace(i, customer_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_purchase(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_purchase(store, item.purchase_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], customer_id=items[1].customer_id)
    assert repo.save_many_purchase(store, [twin, items[0]]) == 2
    fetched = repo.fetch_purchase(store, items[0].purchase_id)
    assert fetched == items[0]


def test_update_purchase(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    sample = _make_purchase(1)
    new = replace(item, customer_id=sample.customer_id)
    got = repo.update_purchase(store, item.purchase_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_purchase(store, item.purchase_id)
    assert fetched == new
    missing = _make_purchase(3)
    gone = repo.update_purchase(store, missing.purchase_id, lambda old: old)
    assert gone is None


def test_update_purchase_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    other = _make_purchase(1).customer_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_purchase(store, item.purchase_id, lambda o: replace(o, customer_id=other))
        return old

    result = repo.update_purchase(store, item.purchase_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.customer_id
    fetched = repo.fetch_purchase(store, item.purchase_id)
    assert fetched == result


def test_delete_purchase(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    deleted = repo.delete_purchase(store, item.purchase_id)
    assert deleted is True
    fetched = repo.fetch_purchase(store, item.purchase_id)
    assert fetched is None
    deleted = repo.delete_purchase(store, item.purchase_id)
    assert deleted is False


def test_also_bought(store: Any) -> None:
    items = [_make_product(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    with pytest.raises(NotImplementedError):
        repo.also_bought(store, probe.product_id)


def test_for_customer(store: Any) -> None:
    items = [_make_customer(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    with pytest.raises(NotImplementedError):
        repo.for_customer(store, probe.customer_id)


def test_bestsellers_in_category(store: Any) -> None:
    items = [_make_product(n, category_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.category_id == probe.category_id]
    expected.sort(key=lambda i: i.purchase_count, reverse=True)
    got = repo.bestsellers_in_category(store, probe.category_id, limit=2)
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_table(store: Any) -> None:
    description = store.meta.client.describe_table(TableName=store.name)["Table"]
    indexes = sorted(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))
    assert indexes == ["GSI1"]


@pytest.mark.concurrency
def test_update_product_counts_every_concurrent_write(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, purchase_count=old.purchase_count + 1)

    def bump(_: int) -> int:
        table, done = _own_table(store), 0
        for _ in range(6):
            try:
                repo.update_product(table, item.product_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_product(store, item.product_id, consistent=True)
    # Every update that returned is in the stored value: none overwrote another.
    assert stored is not None
    total = item.purchase_count + done
    assert stored.purchase_count == total
    assert done > 0


def test_bestsellers_in_category_pages(store: Any) -> None:
    first = _make_product(0)
    items = [_make_product(n, category_id=first.category_id) for n in range(4)]
    _seed(store, items)
    everything = repo.bestsellers_in_category(store, first.category_id, limit=None)
    page = repo.bestsellers_in_category(store, first.category_id, limit=3)
    assert len(page) == 3 and page.cursor is not None
    rest = repo.bestsellers_in_category(store, first.category_id, limit=3, after=page.cursor)
    assert [*page, *rest] == everything and len(everything) == 4
    # DynamoDB may hand out a token after the last item: the page it leads to is empty.
    if rest.cursor is not None:
        after = repo.bestsellers_in_category(store, first.category_id, after=rest.cursor)
        assert after == []


def _own_table(store: Any) -> Any:
    """A handle on the test table for one thread (boto3 resources are not thread-safe)."""
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    return boto3.resource("dynamodb", region_name=region).Table(store.name)
