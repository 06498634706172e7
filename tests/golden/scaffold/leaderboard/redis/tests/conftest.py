"""Fixtures: one connection per database, to the servers the environment names.

The tests contact nothing else: MONGODB_URI (else mongomock), REDIS_URL (default
127.0.0.1:6379) and AWS_ENDPOINT_URL_DYNAMODB (required, so AWS itself is never used).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A client of the Redis server at REDIS_URL; its database is flushed after each test."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {url}: start one or set REDIS_URL")
    if client.dbsize():
        pytest.skip(f"{url} is not empty and the tests flush it: use an empty database")
    yield client
    client.flushdb()
    client.close()
