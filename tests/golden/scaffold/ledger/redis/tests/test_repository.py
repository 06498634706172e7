"""Tests of the repository component against a real Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis

from ledger import repository as repo
from ledger.errors import AlreadyExistsError

BASE = datetime(2030, 1, 1, tzinfo=UTC)
# A fixed shuffle, so that sorting by any sample field differs from insertion order.
ORDER = (2, 0, 3, 1)


@pytest.fixture
def store(redis_client: redis.Redis) -> redis.Redis:
    """An empty Redis database (flushed after the test)."""
    return redis_client


def _make_account(n: int, /, **changes: Any) -> repo.Account:
    """Sample Account number ``n`` (0-3), with some fields changed."""
    item = repo.Account(
        account_id="account-" + str(n),
        owner_id="word" + str(n),
        currency="word" + str(n),
        kind="word" + str(n),
        balance=Decimal("9.99") + ORDER[n],
        created_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_transfer(n: int, /, **changes: Any) -> repo.Transfer:
    """Sample Transfer number ``n`` (0-3), with some fields changed."""
    item = repo.Transfer(
        transfer_id="transfer-" + str(n),
        idempotency_key="word" + str(n),
        memo="word" + str(n),
        posted_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _make_entry(n: int, /, **changes: Any) -> repo.Entry:
    """Sample Entry number ``n`` (0-3), with some fields changed."""
    item = repo.Entry(
        entry_id="entry-" + str(n),
        account_id="word" + str(n),
        transfer_id="word" + str(n),
        amount=Decimal("9.99") + ORDER[n],
        direction="word" + str(n),
        posted_at=BASE + timedelta(hours=ORDER[n]),
    )
    return replace(item, **changes)


def _seed(store: Any, items: Sequence[Any]) -> None:
    """Create each item."""
    for item in items:
        if isinstance(item, repo.Account):
            repo.create_account(store, item)
        elif isinstance(item, repo.Transfer):
            repo.create_transfer(store, item)
        elif isinstance(item, repo.Entry):
            repo.create_entry(store, item)


def test_module_is_documented() -> None:
    assert repo.__doc__


def test_create_account(store: Any) -> None:
    item = _make_account(0)
    _seed(store, [item])
    assert repo.fetch_account(store, item.account_id) == item
    with pytest.raises(AlreadyExistsError):
        repo.create_account(store, item)


def test_save_many_account(store: Any) -> None:
    items = [_make_account(n) for n in range(4)]
    repo.save_many_account(store, items)
    repo.save_many_account(store, items)  # saving again replaces, never duplicates
    for item in items:
        assert repo.fetch_account(store, item.account_id) == item


def test_update_account(store: Any) -> None:
    item = _make_account(0)
    repo.create_account(store, item)
    new = replace(item, owner_id=_make_account(1).owner_id)
    assert repo.update_account(store, item.account_id, lambda old: new) == new
    assert repo.fetch_account(store, item.account_id) == new
    assert repo.update_account(store, _make_account(3).account_id, lambda old: old) is None


def test_create_transfer(store: Any) -> None:
    item = _make_transfer(0)
    _seed(store, [item])
    assert repo.fetch_transfer(store, item.transfer_id) == item
    with pytest.raises(AlreadyExistsError):
        repo.create_transfer(store, item)


def test_save_many_transfer(store: Any) -> None:
    items = [_make_transfer(n) for n in range(4)]
    repo.save_many_transfer(store, items)
    repo.save_many_transfer(store, items)  # saving again replaces, never duplicates
    for item in items:
        assert repo.fetch_transfer(store, item.transfer_id) == item


def test_update_transfer(store: Any) -> None:
    item = _make_transfer(0)
    repo.create_transfer(store, item)
    new = replace(item, idempotency_key=_make_transfer(1).idempotency_key)
    assert repo.update_transfer(store, item.transfer_id, lambda old: new) == new
    assert repo.fetch_transfer(store, item.transfer_id) == new
    assert repo.update_transfer(store, _make_transfer(3).transfer_id, lambda old: old) is None


def test_create_entry(store: Any) -> None:
    item = _make_entry(0)
    _seed(store, [item])
    assert repo.fetch_entry(store, item.entry_id) == item
    with pytest.raises(AlreadyExistsError):
        repo.create_entry(store, item)


def test_save_many_entry(store: Any) -> None:
    items = [_make_entry(n) for n in range(4)]
    repo.save_many_entry(store, items)
    repo.save_many_entry(store, items)  # saving again replaces, never duplicates
    for item in items:
        assert repo.fetch_entry(store, item.entry_id) == item


def test_update_entry(store: Any) -> None:
    item = _make_entry(0)
    repo.create_entry(store, item)
    new = replace(item, account_id=_make_entry(1).account_id)
    assert repo.update_entry(store, item.entry_id, lambda old: new) == new
    assert repo.fetch_entry(store, item.entry_id) == new
    assert repo.update_entry(store, _make_entry(3).entry_id, lambda old: old) is None


def test_get_account(store: Any) -> None:
    items = [
        _make_account(n)
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    got = repo.get_account(store, probe.account_id)
    assert got == expected[0]


def test_account_statement(store: Any) -> None:
    items = [
        _make_entry(n, account_id="match" if n < 3 else "other")
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    expected.sort(key=lambda i: i.posted_at, reverse=True)
    got = repo.account_statement(store, probe.account_id, limit=2)
    assert [i.entry_id for i in got] == [i.entry_id for i in expected[:2]]


def test_entries_of_transfer(store: Any) -> None:
    items = [
        _make_entry(n, transfer_id="match" if n < 3 else "other")
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.transfer_id == probe.transfer_id]
    got = repo.entries_of_transfer(store, probe.transfer_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_transfer_by_idempotency_key(store: Any) -> None:
    items = [
        _make_transfer(n, idempotency_key="match" if n < 3 else "other")
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.idempotency_key == probe.idempotency_key]
    got = repo.transfer_by_idempotency_key(store, probe.idempotency_key, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_balance_check(store: Any) -> None:
    items = [
        _make_entry(n, account_id="match" if n < 3 else "other")
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    assert repo.balance_check(store, probe.account_id) == {"count": len(expected), "sum_amount": sum((i.amount for i in expected), Decimal(0))}


def test_save_together(store: Any) -> None:
    account = _make_account(1)
    transfer = _make_transfer(1)
    entry = _make_entry(1, account_id=account.account_id)
    repo.save_together(store, [account, transfer, entry])
    assert repo.fetch_account(store, account.account_id) == account
    assert repo.fetch_transfer(store, transfer.transfer_id) == transfer
    assert repo.fetch_entry(store, entry.entry_id) == entry
