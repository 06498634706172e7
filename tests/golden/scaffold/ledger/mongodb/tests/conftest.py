"""Fixtures: one connection per database, to the servers the environment names.

The tests contact nothing else: MONGODB_URI (else mongomock), REDIS_URL (default
127.0.0.1:6379) and AWS_ENDPOINT_URL_DYNAMODB (required, so AWS itself is never used).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import mongomock
import pytest
from pymongo import MongoClient
from pymongo.database import Database


@pytest.fixture
def mongo_mock() -> bool:
    """True when MONGODB_URI is not set: the tests then run against mongomock."""
    return not os.environ.get("MONGODB_URI")


@pytest.fixture
def mongo_db(mongo_mock: bool) -> Iterator[Database[Any]]:
    """A database of its own for one test, dropped afterwards."""
    if mongo_mock:
        client: Any = mongomock.MongoClient(tz_aware=True)
    else:
        client = MongoClient(os.environ["MONGODB_URI"], tz_aware=True)
    name = "test_" + uuid.uuid4().hex[:12]
    yield client[name]
    client.drop_database(name)
    client.close()
