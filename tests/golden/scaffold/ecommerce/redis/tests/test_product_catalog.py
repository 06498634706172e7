"""Tests of the product_catalog component against a real Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis

from ecommerce import product_catalog as repo
from ecommerce.errors import AlreadyExistsError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(redis_client: redis.Redis) -> redis.Redis:
    """An empty Redis database (flushed after the test)."""
    return redis_client


def _make_product(n: int, /, **changes: Any) -> repo.Product:
    """Sample Product number ``n`` (0-3), with some fields changed."""
    item = repo.Product(
        product_id="product-" + str(n),
        sku="word" + str(n),
        name="word" + str(n),
        description="word" + str(n),
        brand="word" + str(n),
        category_id="word" + str(n),
        price=Decimal("9.99") + ORDER[n],
        rating=1.5 + ORDER[n],
        attributes={"k": "v" + str(n)},
        images=["tag" + str(n)],
        updated_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_review(n: int, /, **changes: Any) -> repo.Review:
    """Sample Review number ``n`` (0-3), with some fields changed."""
    item = repo.Review(
        review_id="review-" + str(n),
        product_id="word" + str(n),
        customer_id="word" + str(n),
        stars=10 + ORDER[n],
        title="word" + str(n),
        body="word" + str(n),
        created_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Product):
            repo.create_product(store, item)
        elif isinstance(item, repo.Review):
            repo.create_review(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


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
    values = [i.sku for i in items]
    items = [replace(i, sku=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_product(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_product(store, item.product_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], sku=items[1].sku)
    assert repo.save_many_product(store, [twin, items[0]]) == 2
    fetched = repo.fetch_product(store, items[0].product_id)
    assert fetched == items[0]


def test_update_product(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    sample = _make_product(1)
    new = replace(item, sku=sample.sku)
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
    other = _make_product(1).sku
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_product(store, item.product_id, lambda o: replace(o, sku=other))
        return old

    result = repo.update_product(store, item.product_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.sku
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched == result


def test_product_never_expires(store: Any) -> None:
    # No field says when Product items expire, so no TTL is made up.
    _seed(store, [_make_product(0)])
    stored = list(store.scan_iter(match=repo.PRODUCT_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_product_counts_every_concurrent_change(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, price=old.price + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_product(store, item.product_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_product(store, item.product_id)
    assert stored is not None and stored.price == item.price + 80


def test_delete_product(store: Any) -> None:
    item = _make_product(0)
    _seed(store, [item])
    deleted = repo.delete_product(store, item.product_id)
    assert deleted is True
    fetched = repo.fetch_product(store, item.product_id)
    assert fetched is None
    deleted = repo.delete_product(store, item.product_id)
    assert deleted is False


def test_create_review(store: Any) -> None:
    item = _make_review(0)
    _seed(store, [item])
    fetched = repo.fetch_review(store, item.review_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_review(store, item)


def test_save_many_review(store: Any) -> None:
    items = [_make_review(n) for n in range(4)]
    assert repo.save_many_review(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.product_id for i in items]
    items = [replace(i, product_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_review(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_review(store, item.review_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], product_id=items[1].product_id)
    assert repo.save_many_review(store, [twin, items[0]]) == 2
    fetched = repo.fetch_review(store, items[0].review_id)
    assert fetched == items[0]


def test_update_review(store: Any) -> None:
    item = _make_review(0)
    _seed(store, [item])
    sample = _make_review(1)
    new = replace(item, product_id=sample.product_id)
    got = repo.update_review(store, item.review_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_review(store, item.review_id)
    assert fetched == new
    missing = _make_review(3)
    gone = repo.update_review(store, missing.review_id, lambda old: old)
    assert gone is None


def test_update_review_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_review(0)
    _seed(store, [item])
    other = _make_review(1).product_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_review(store, item.review_id, lambda o: replace(o, product_id=other))
        return old

    result = repo.update_review(store, item.review_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.product_id
    fetched = repo.fetch_review(store, item.review_id)
    assert fetched == result


def test_review_never_expires(store: Any) -> None:
    # No field says when Review items expire, so no TTL is made up.
    _seed(store, [_make_review(0)])
    stored = list(store.scan_iter(match=repo.REVIEW_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_review_counts_every_concurrent_change(store: Any) -> None:
    item = _make_review(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, stars=old.stars + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_review(store, item.review_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_review(store, item.review_id)
    assert stored is not None and stored.stars == item.stars + 80


def test_delete_review(store: Any) -> None:
    item = _make_review(0)
    _seed(store, [item])
    deleted = repo.delete_review(store, item.review_id)
    assert deleted is True
    fetched = repo.fetch_review(store, item.review_id)
    assert fetched is None
    deleted = repo.delete_review(store, item.review_id)
    assert deleted is False


def test_get_product(store: Any) -> None:
    items = [_make_product(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.product_id == probe.product_id]
    got = repo.get_product(store, probe.product_id)
    assert got == expected[0]


def test_products_in_category(store: Any) -> None:
    items = [_make_product(n, category_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.category_id == probe.category_id]
    expected.sort(key=lambda i: i.price, reverse=False)
    got = repo.products_in_category(store, probe.category_id, limit=2)
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_products_in_category_page_reads_page_after_page(store: Any) -> None:
    items = [_make_product(n, category_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.category_id == probe.category_id]
    expected.sort(key=lambda i: i.price, reverse=False)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.products_in_category_page(
            store,
            probe.category_id,
            limit=2,
            after=cursor,
        )
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected]
    assert got_keys == expected_keys


def test_search_products(store: Any) -> None:
    items = [_make_product(n) for n in range(4)]
    _seed(store, items)
    expected = list(items)

    def texts(i: Any) -> tuple[str, ...]:
        return (i.sku, i.name, i.description, i.brand)

    expected = [i for i in expected if any("word2" in s for s in texts(i))]
    got = repo.search_products(store, "word2", limit=10)
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected]
    assert sorted(got_keys) == sorted(expected_keys)


def test_top_rated_in_category(store: Any) -> None:
    items = [_make_product(n, category_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.category_id == probe.category_id]
    expected.sort(key=lambda i: i.rating, reverse=True)
    got = repo.top_rated_in_category(store, probe.category_id, limit=2)
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_top_rated_in_category_page_reads_page_after_page(store: Any) -> None:
    items = [_make_product(n, category_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.category_id == probe.category_id]
    expected.sort(key=lambda i: i.rating, reverse=True)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.top_rated_in_category_page(
            store,
            probe.category_id,
            limit=2,
            after=cursor,
        )
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.product_id for i in got]
    expected_keys = [i.product_id for i in expected]
    assert got_keys == expected_keys


def test_reviews_of_product(store: Any) -> None:
    items = [_make_review(n, product_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.product_id == probe.product_id]
    expected.sort(key=lambda i: i.created_at, reverse=True)
    got = repo.reviews_of_product(store, probe.product_id, limit=2)
    got_keys = [i.review_id for i in got]
    expected_keys = [i.review_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_reviews_of_product_page_reads_page_after_page(store: Any) -> None:
    items = [_make_review(n, product_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.product_id == probe.product_id]
    expected.sort(key=lambda i: i.created_at, reverse=True)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.reviews_of_product_page(store, probe.product_id, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.review_id for i in got]
    expected_keys = [i.review_id for i in expected]
    assert got_keys == expected_keys
