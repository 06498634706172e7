"""Tests of the repository component against a real Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis

from ledger import repository as repo
from ledger.errors import AlreadyExistsError, ConflictError

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
    fetched = repo.fetch_account(store, item.account_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_account(store, item)


def test_save_many_account(store: Any) -> None:
    items = [_make_account(n) for n in range(4)]
    assert repo.save_many_account(store, items) == len(items)
    # Saving again overwrites existing items with the new values, on every database.
    values = [i.owner_id for i in items]
    items = [replace(i, owner_id=values[(n + 1) % 4]) for n, i in enumerate(items)]
    assert repo.save_many_account(store, items) == len(items)
    for item in items:
        fetched = repo.fetch_account(store, item.account_id)
        assert fetched == item
    # Of two items with one key in one call the last one is stored, on every database.
    twin = replace(items[0], owner_id=items[1].owner_id)
    assert repo.save_many_account(store, [twin, items[0]]) == 2
    fetched = repo.fetch_account(store, items[0].account_id)
    assert fetched == items[0]


def test_update_account(store: Any) -> None:
    item = _make_account(0)
    _seed(store, [item])
    sample = _make_account(1)
    new = replace(item, owner_id=sample.owner_id)
    got = repo.update_account(store, item.account_id, lambda old: new)
    assert got == new
    fetched = repo.fetch_account(store, item.account_id)
    assert fetched == new
    missing = _make_account(3)
    gone = repo.update_account(store, missing.account_id, lambda old: old)
    assert gone is None


def test_update_account_never_loses_a_concurrent_write(store: Any) -> None:
    item = _make_account(0)
    _seed(store, [item])
    other = _make_account(1).owner_id
    seen = []

    def mutate(old: Any) -> Any:
        seen.append(old)
        if len(seen) == 1:
            # Another client writes between this read and this write.
            repo.update_account(store, item.account_id, lambda o: replace(o, owner_id=other))
        return old

    result = repo.update_account(store, item.account_id, mutate)
    # The first write was refused and retried on a fresh read, so the other change survives.
    assert len(seen) == 2
    assert result is not None
    assert other == result.owner_id
    fetched = repo.fetch_account(store, item.account_id)
    assert fetched == result


def test_account_never_expires(store: Any) -> None:
    # No field says when Account items expire, so no TTL is made up.
    _seed(store, [_make_account(0)])
    stored = list(store.scan_iter(match=repo.ACCOUNT_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


@pytest.mark.concurrency
def test_update_account_counts_every_concurrent_change(store: Any) -> None:
    item = _make_account(0)
    _seed(store, [item])

    def bump(old: Any) -> Any:
        return replace(old, balance=old.balance + 1)

    def work() -> None:
        for _ in range(10):
            changed = repo.update_account(store, item.account_id, bump, retries=1000)
            assert changed is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(work) for _ in range(8)]:
            future.result()
    stored = repo.fetch_account(store, item.account_id)
    assert stored is not None and stored.balance == item.balance + 80


def test_delete_account(store: Any) -> None:
    item = _make_account(0)
    _seed(store, [item])
    deleted = repo.delete_account(store, item.account_id)
    assert deleted is True
    fetched = repo.fetch_account(store, item.account_id)
    assert fetched is None
    deleted = repo.delete_account(store, item.account_id)
    assert deleted is False


def test_create_transfer(store: Any) -> None:
    item = _make_transfer(0)
    _seed(store, [item])
    fetched = repo.fetch_transfer(store, item.transfer_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_transfer(store, item)


def test_transfer_is_append_only(store: Any) -> None:
    # Nothing in the module changes, deletes or overwrites a written Transfer.
    assert not hasattr(repo, "update_transfer")
    assert not hasattr(repo, "delete_transfer")
    assert not hasattr(repo, "save_many_transfer")
    item = _make_transfer(0)
    _seed(store, [item])
    new = replace(item, memo=_make_transfer(1).memo)
    with pytest.raises(TypeError, match="append-only"):
        repo.save_together(store, updates=[(item, new)])
    fetched = repo.fetch_transfer(store, item.transfer_id)
    assert fetched == item


def test_transfer_never_expires(store: Any) -> None:
    # No field says when Transfer items expire, so no TTL is made up.
    _seed(store, [_make_transfer(0)])
    stored = list(store.scan_iter(match=repo.TRANSFER_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


def test_create_transfer_keeps_idempotency_key_unique(store: Any) -> None:
    item = _make_transfer(0)
    _seed(store, [item])
    twin = replace(_make_transfer(1), idempotency_key=item.idempotency_key)
    with pytest.raises(AlreadyExistsError):
        repo.create_transfer(store, twin)
    fetched = repo.fetch_transfer(store, twin.transfer_id)
    assert fetched is None


def test_create_entry(store: Any) -> None:
    item = _make_entry(0)
    _seed(store, [item])
    fetched = repo.fetch_entry(store, item.entry_id)
    assert fetched == item
    with pytest.raises(AlreadyExistsError):
        repo.create_entry(store, item)


def test_entry_is_append_only(store: Any) -> None:
    # Nothing in the module changes, deletes or overwrites a written Entry.
    assert not hasattr(repo, "update_entry")
    assert not hasattr(repo, "delete_entry")
    assert not hasattr(repo, "save_many_entry")
    assert not hasattr(repo, "incr_entry_amount")
    item = _make_entry(0)
    _seed(store, [item])
    new = replace(item, account_id=_make_entry(1).account_id)
    with pytest.raises(TypeError, match="append-only"):
        repo.save_together(store, updates=[(item, new)])
    fetched = repo.fetch_entry(store, item.entry_id)
    assert fetched == item


def test_entry_never_expires(store: Any) -> None:
    # No field says when Entry items expire, so no TTL is made up.
    _seed(store, [_make_entry(0)])
    stored = list(store.scan_iter(match=repo.ENTRY_KEY + ":*"))
    assert stored and all(store.ttl(key) == -1 for key in stored)


def test_get_account(store: Any) -> None:
    items = [_make_account(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    got = repo.get_account(store, probe.account_id)
    assert got == expected[0]


def test_account_statement(store: Any) -> None:
    items = [_make_entry(n, account_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    expected.sort(key=lambda i: i.posted_at, reverse=True)
    got = repo.account_statement(store, probe.account_id, limit=2)
    got_keys = [i.entry_id for i in got]
    expected_keys = [i.entry_id for i in expected[:2]]
    assert got_keys == expected_keys


def test_account_statement_page_reads_page_after_page(store: Any) -> None:
    items = [_make_entry(n, account_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    expected.sort(key=lambda i: i.posted_at, reverse=True)
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.account_statement_page(store, probe.account_id, limit=2, after=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.entry_id for i in got]
    expected_keys = [i.entry_id for i in expected]
    assert got_keys == expected_keys


def test_entries_of_transfer(store: Any) -> None:
    items = [_make_entry(n, transfer_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.transfer_id == probe.transfer_id]
    got = repo.entries_of_transfer(store, probe.transfer_id, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_entries_of_transfer_page_reads_page_after_page(store: Any) -> None:
    items = [_make_entry(n, transfer_id="match" if n < 3 else "other") for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.transfer_id == probe.transfer_id]
    expected.sort(key=lambda i: str(i.entry_id))
    got: list[Any] = []
    pages = 0
    cursor = None
    while True:
        page, cursor = repo.entries_of_transfer_page(
            store,
            probe.transfer_id,
            limit=2,
            after=cursor,
        )
        got += page
        pages += 1
        if cursor is None:
            break
    assert pages == max(1, -(-len(expected) // 2))
    got_keys = [i.entry_id for i in got]
    expected_keys = [i.entry_id for i in expected]
    assert got_keys == expected_keys


def test_transfer_by_idempotency_key(store: Any) -> None:
    items = [_make_transfer(n) for n in range(4)]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.idempotency_key == probe.idempotency_key]
    got = repo.transfer_by_idempotency_key(store, probe.idempotency_key, limit=2)
    assert len(got) == min(2, len(expected))
    assert all(i in expected for i in got)


def test_balance_check(store: Any) -> None:
    items = [
        _make_entry(n, account_id="match" if n < 3 else "other", direction="g" + str(n % 2))
        for n in range(4)
    ]
    _seed(store, items)
    probe = items[0]
    expected = [i for i in items if i.account_id == probe.account_id]
    values = sorted({i.direction for i in expected})
    assert len(values) == 2, "the sample items fall into two groups"
    want = {}
    for value in values:
        members = [i for i in expected if i.direction == value]
        want[value] = {
            "count": len(members),
            "sum_amount": sum((i.amount for i in members), Decimal(0)),
        }
    got = repo.balance_check(store, probe.account_id)
    assert got == want


def test_save_together(store: Any) -> None:
    account = _make_account(1)
    transfer = _make_transfer(1)
    entry = _make_entry(1, account_id=account.account_id)
    # Children are listed first: the parents are still created before them.
    repo.save_together(store, [entry, transfer, account])
    got_1 = repo.fetch_account(store, account.account_id)
    assert got_1 == account
    got_2 = repo.fetch_transfer(store, transfer.transfer_id)
    assert got_2 == transfer
    got_3 = repo.fetch_entry(store, entry.entry_id)
    assert got_3 == entry
    # One create of an existing item aborts the whole transaction. Item 0: the updates
    # below take values of items 2 and 3, and a unique value cannot be held twice.
    fresh = _make_account(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [fresh, account])
    fetched = repo.fetch_account(store, fresh.account_id)
    assert fetched is None
    # An update applies only while the stored item is still the one that was read.
    sample = _make_account(2)
    changed = replace(account, owner_id=sample.owner_id)
    repo.save_together(store, updates=[(account, changed)])
    fetched = repo.fetch_account(store, changed.account_id)
    assert fetched == changed
    sample = _make_account(3)
    stale = replace(account, owner_id=sample.owner_id)
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], updates=[(account, stale)])
    fetched = repo.fetch_account(store, changed.account_id)
    assert fetched == changed
    fetched = repo.fetch_account(store, fresh.account_id)
    assert fetched is None
    # A create can depend on another item staying as it was read (a ConditionCheck).
    with pytest.raises(ConflictError):
        repo.save_together(store, [fresh], unchanged=[account])
    fetched = repo.fetch_account(store, fresh.account_id)
    assert fetched is None
    repo.save_together(store, [fresh], unchanged=[changed])
    fetched = repo.fetch_account(store, fresh.account_id)
    assert fetched == fresh


def test_save_together_refuses_an_overdraft(store: Any) -> None:
    debited, credited = _make_account(0), _make_account(1)
    _seed(store, [debited, credited])
    record = _make_account(2)
    amount = debited.balance
    # A transfer of more than the debited item holds: nothing at all is written.
    overdraft = [
        (debited, "balance", -amount - 1, 0),
        (credited, "balance", amount + 1, None),
    ]
    with pytest.raises(ConflictError):
        repo.save_together(store, [record], increments=overdraft)
    fetched = repo.fetch_account(store, record.account_id)
    assert fetched is None
    fetched = repo.fetch_account(store, debited.account_id)
    assert fetched == debited
    fetched = repo.fetch_account(store, credited.account_id)
    assert fetched == credited
    # Down to the minimum exactly: the debit, the credit and the create all apply.
    transfer = [
        (debited, "balance", -amount, 0),
        (credited, "balance", amount, None),
    ]
    repo.save_together(store, [record], increments=transfer)
    fetched = repo.fetch_account(store, record.account_id)
    assert fetched == record
    fetched = repo.fetch_account(store, debited.account_id)
    assert fetched is not None and fetched.balance == 0
    fetched = repo.fetch_account(store, credited.account_id)
    assert fetched is not None
    assert fetched.balance == credited.balance + amount


def test_save_together_refuses_twins_within_one_call(store: Any) -> None:
    # The server checks each create against the stored items only: twins in one batch
    # are refused before anything is sent.
    item = _make_account(0)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [item, item])
    fetched = repo.fetch_account(store, item.account_id)
    assert fetched is None
    first = _make_transfer(0)
    twin = replace(_make_transfer(1), idempotency_key=first.idempotency_key)
    with pytest.raises(AlreadyExistsError):
        repo.save_together(store, [first, twin])
    held = repo.fetch_transfer(store, first.transfer_id)
    assert held is None
    held = repo.fetch_transfer(store, twin.transfer_id)
    assert held is None
