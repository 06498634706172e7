"""Fixtures: one connection per database, to the servers the environment names.

The tests contact nothing else: MONGODB_URI (else mongomock), REDIS_URL (default
127.0.0.1:6379) and AWS_ENDPOINT_URL_DYNAMODB (required, so AWS itself is never used).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import mongomock
import pytest
from mongomock.collection import BulkOperationBuilder
from mongomock.store import CollectionStore
from pymongo import MongoClient
from pymongo.database import Database


@pytest.fixture
def mongo_mock() -> bool:
    """True when MONGODB_URI is not set: the tests then run against mongomock."""
    return not os.environ.get("MONGODB_URI")


# mongomock takes no locks: one write can interleave with another's read of the same
# document. A server makes each single-document operation atomic, and the tests that run
# threads rely on that, so the fixture serialises these mongomock calls with one lock.
_MONGOMOCK_LOCK = threading.RLock()
_ATOMIC_CALLS = (
    "find_one",
    "find_one_and_update",
    "update_one",
    "insert_one",
    "delete_one",
    "bulk_write",
    "count_documents",
)


def _patch_mongomock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give mongomock a server's per-operation atomicity, TTL timing and bulk ``sort``.

    pymongo 4.11+ passes ``sort`` to bulk updates, which mongomock does not take; the
    generated code never sorts a bulk update, so dropping the argument changes nothing.
    """
    # mongomock deletes expired documents on every access, but a server's TTL monitor
    # runs only every 60 s: an expired document may still be there, holding its key and
    # unique values. Keeping them makes the tests check that the code does not rely on
    # the monitor having run.
    monkeypatch.setattr(CollectionStore, "_remove_expired_documents", lambda self: None)
    for name in ("add_update", "add_replace"):
        original = getattr(BulkOperationBuilder, name)

        def without_sort(self: Any, *args: Any, _call: Any = original, **kwargs: Any) -> Any:
            kwargs.pop("sort", None)
            return _call(self, *args, **kwargs)

        monkeypatch.setattr(BulkOperationBuilder, name, without_sort)
    for name in _ATOMIC_CALLS:
        method = getattr(mongomock.Collection, name)

        def atomic(self: Any, *args: Any, _call: Any = method, **kwargs: Any) -> Any:
            with _MONGOMOCK_LOCK:
                return _call(self, *args, **kwargs)

        monkeypatch.setattr(mongomock.Collection, name, atomic)


@pytest.fixture
def mongo_db(mongo_mock: bool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database[Any]]:
    """A database of its own for one test, dropped afterwards."""
    if mongo_mock:
        _patch_mongomock(monkeypatch)
        client: Any = mongomock.MongoClient(tz_aware=True)
    else:
        client = MongoClient(os.environ["MONGODB_URI"], tz_aware=True)
    name = "test_" + uuid.uuid4().hex[:12]
    yield client[name]
    client.drop_database(name)
    client.close()
