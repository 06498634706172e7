"""Tests of the recommendations component against mongomock, or MongoDB when MONGODB_URI is set."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database
from pymongo.errors import WriteError

from ecommerce import recommendations as repo
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
    """Create each item, and the parent documents embedded children need."""
    parents_1 = sorted({i.customer_id for i in items if isinstance(i, repo.Purchase)})
    # Sample parent n for the n-th key, so that no two share a unique value.
    for n, ref in enumerate(parents_1):
        if repo.fetch_customer(store, ref) is None:
            repo.create_customer(store, _make_customer(n, customer_id=ref))
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
    fetched = repo.fetch_purchase(store, item.customer_id, item.purchase_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_purchase(store, item)


def test_save_many_purchase(store: Any) -> None:
    items = [_make_purchase(n) for n in range(4)]
    # Sample parent n for the n-th key, so that no two share a unique value.
    for n, ref in enumerate(sorted({i.customer_id for i in items})):
        parent = _make_customer(n, customer_id=ref)
        repo.create_customer(store, parent)
    assert repo.save_many_purchase(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.product_id for i in items]
    items = [replace(i, product_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_purchase(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_purchase(store, item.customer_id, item.purchase_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], product_id=items[1].product_id)
    assert repo.save_many_purchase(store, [twin, items[0]]) == 2
    fetched = repo.fetch_purchase(store, items[0].customer_id, items[0].purchase_id)
    assert fetched == items[0]


def test_update_purchase(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    sample = _make_purchase(1)
    new = replace(item, product_id=sample.product_id)
    got = repo.update_purchase(store, item.customer_id, item.purchase_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_purchase(store, item.customer_id, item.purchase_id)
    assert fetched == new
    missing = _make_purchase(3)
    gone = repo.update_purchase(store, missing.customer_id, missing.purchase_id, lambda old: old)
    assert gone is None


def test_update_purchase_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    other = _make_purchase(1).product_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_purchase(
                store,
                item.customer_id,
                item.purchase_id,
                lambda o: replace(o, product_id=other),
            )
        return old

    result = repo.update_purchase(store, item.customer_id, item.purchase_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.product_id
    fetched = repo.fetch_purchase(store, item.customer_id, item.purchase_id)
    assert fetched == result


def test_delete_purchase(store: Any) -> None:
    item = _make_purchase(0)
    _seed(store, [item])
    deleted = repo.delete_purchase(store, item.customer_id, item.purchase_id)
    assert deleted is True
    fetched = repo.fetch_purchase(store, item.customer_id, item.purchase_id)
    assert fetched is None
    deleted = repo.delete_purchase(store, item.customer_id, item.purchase_id)
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


def test_indexes(store: Database[Any]) -> None:
    info = store["customer"].index_information()
    found = [[tuple(k) for k in i["key"]] for i in info.values()]
    assert [("_id", 1)] in found
    info = store["product"].index_information()
    found = [[tuple(k) for k in i["key"]] for i in info.values()]
    assert [("_id", 1)] in found
    assert [("category_id", 1), ("purchase_count", -1), ("_id", -1)] in found


def test_validators(store: Database[Any], mongo_mock: bool) -> None:
    if mongo_mock:
        pytest.skip("mongomock has no $jsonSchema validators; set MONGODB_URI to run this")
    with pytest.raises(WriteError):
        store["customer"].insert_one({"_id": "incomplete"})


@pytest.mark.concurrency
def test_update_product_counts_every_concurrent_write(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])

    def plus_one(old: Any) -> Any:
        return replace(old, purchase_count=old.purchase_count + 1)

    def bump(_: int) -> int:
        done = 0
        for _ in range(10):
            try:
                repo.update_product(store, item.product_id, plus_one)
                done += 1
            except ConflictError:
                pass
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        done = sum(pool.map(bump, range(8)))
    stored = repo.fetch_product(store, item.product_id)
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
    assert rest.cursor is None
    assert [*page, *rest] == everything and len(everything) == 4
