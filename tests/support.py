"""Paths and scenarios shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def database_overlay(folder: Path, name: str, old: str, new: str) -> Path:
    """A copy of the built-in ``databases/<name>.yaml`` in ``folder``, ``old`` replaced once.

    Loading it as an overlay replaces the built-in database, so a test can change one fact
    and see what the loader or the engine makes of it.
    """
    from advisor.resources import resource_text

    text = resource_text(f"databases/{name}.yaml")
    assert old in text, f"{name}.yaml no longer contains {old!r}"
    path = folder / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# The ledger example's money scenario, run against each store's generated project.
LEDGER_WORKERS = 8


def ledger_accounts(repo: Any, store: Any, at: datetime) -> tuple[Any, Any]:
    """Accounts a (100) and b (0), created in the generated ledger project's store."""
    a = repo.Account("a", "o", "EUR", "cash", Decimal(100), at)
    b = repo.Account("b", "o", "EUR", "cash", Decimal(0), at)
    repo.create_account(store, a)
    repo.create_account(store, b)
    return a, b


def ledger_transfers(
    repo: Any, store: Callable[[], Any], conflict: type[Exception], at: datetime, worker: int
) -> int:
    """One worker's eight transfers of 10 from a to b, each one save_together; how many passed.

    A transfer creates its Transfer and two Entries and adds -10 to a (minimum 0) and 10
    to b; one refused for the minimum raises ``conflict`` and must write nothing.
    """
    accounts = [repo.Account(n, "o", "EUR", "cash", Decimal(0), at) for n in ("a", "b")]
    mine, done = store(), 0
    for n in range(8):
        tid = f"t{worker}-{n}"
        entries = [
            repo.Entry(f"{tid}-d", "a", tid, Decimal(-10), "debit", at),
            repo.Entry(f"{tid}-c", "b", tid, Decimal(10), "credit", at),
        ]
        try:
            repo.save_together(
                mine,
                creates=[repo.Transfer(tid, f"key-{tid}", "m", at), *entries],
                increments=[
                    (accounts[0], "balance", Decimal(-10), Decimal(0)),
                    (accounts[1], "balance", Decimal(10), None),
                ],
            )
            done += 1
        except conflict:
            pass
    return done


def check_ledger_conserved(repo: Any, store: Any, done: int) -> None:
    """64 attempts of 10 from an account of 100: exactly 10 passed, nothing went negative,
    and a refused transfer wrote none of its entries."""
    assert done == 10
    after_a, after_b = repo.fetch_account(store, "a"), repo.fetch_account(store, "b")
    assert after_a is not None and after_b is not None
    assert (after_a.balance, after_b.balance) == (Decimal(0), Decimal(100))
    debits = repo.account_statement(store, "a", limit=None)
    assert len(debits) == done and sum(e.amount for e in debits) == Decimal(-100)


# The session-store example's list and map fields: JSON data that each store must give
# back as it was given, and values the models must refuse before any store sees them.
SESSION_DATA = {
    "cart": [{"sku": "a-1", "qty": 2, "price": 9.5}],
    "flags": {"beta": True, "note": None},
    "visits": 2**62,
    "reach": 1e20,
    "name": "Zoë",
}
NOT_JSON: tuple[tuple[str, Any, str], ...] = (
    ("data", {"seen": datetime(2030, 1, 1)}, "datetime is not JSON data"),
    ("data", {"total": Decimal("1.5")}, "Decimal is not JSON data"),
    ("data", {"ratio": float("nan")}, "not a finite number"),
    ("data", {"visits": 2**64}, "does not fit in 64 bits"),
    ("data", {1: "one"}, "is not a string"),
    ("data", {"nul\x00": 1}, "without NUL"),
    ("data", {"huge": 1e200}, "outside DynamoDB's range"),
    ("roles", ("admin",), "tuple is not JSON data"),
)


def session_round_trip(repo: Any, store: Any, at: datetime) -> None:
    """A session with nested list and map values comes back equal; non-JSON values are refused."""
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # BSON dates hold milliseconds
    item = repo.Session(
        "s1", "u1", "t1", at, at, at.replace(year=at.year + 1), ["admin"], SESSION_DATA
    )
    repo.create_session(store, item)
    assert repo.fetch_session(store, "s1") == item
    for field, value, words in NOT_JSON:
        fields = {"roles": ["admin"], "data": {}, field: value}
        with pytest.raises(ValueError, match=words):
            repo.Session("s2", "u1", "t1", at, at, at, fields["roles"], fields["data"])


def session_touch(repo: Any, store: Any, at: datetime) -> Any:
    """touch_session sets the expiry in one call and an update running at the same time keeps it.

    Returns the session as stored at the end, for a store's own checks of its TTL.
    """
    at = at.replace(microsecond=0)  # BSON dates hold milliseconds
    soon, later = at + timedelta(hours=1), at + timedelta(hours=2)
    repo.create_session(store, repo.Session("s1", "u1", "t1", at, at, soon, ["admin"], {}))
    assert repo.touch_session(store, "s1", later) is True
    touched = repo.fetch_session(store, "s1")
    assert touched is not None and touched.expires_at == later and touched.roles == ["admin"]
    assert repo.touch_session(store, "nobody", later) is False
    with pytest.raises(ValueError, match="timezone-aware"):
        repo.touch_session(store, "s1", later.replace(tzinfo=None))
    # A touch between an update's read and its write: the update reads again and keeps
    # the touched time rather than writing the one it read.
    latest, seen = later + timedelta(hours=1), at + timedelta(minutes=5)
    touched_once: list[bool] = []

    def mutate(session: Any) -> Any:
        if not touched_once:
            touched_once.append(repo.touch_session(store, "s1", latest))
        return replace(session, last_seen_at=seen)

    repo.update_session(store, "s1", mutate)
    final = repo.fetch_session(store, "s1")
    assert touched_once == [True]
    assert final is not None and final.expires_at == latest and final.last_seen_at == seen
    return final


# An expiring entity with a unique value (a get with limit 1 by a field other than the key
# is taken as a uniqueness constraint): its claim expires with it.
TOKENS = """
name: tokens
needs: [ttl]
entities:
  - name: Login
    key: login_id
    fields: {login_id: string, token: string, expires_at: datetime}
access_patterns:
  - {name: login_by_token, entity: Login, kind: get, by: [token], limit: 1}
"""
