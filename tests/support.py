"""Paths and scenarios shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

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
