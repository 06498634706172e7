"""Connections to the databases, configured by environment variables (see README.md)."""

from __future__ import annotations

import os

import redis


def redis_client() -> redis.Redis:
    """A client of the Redis server at REDIS_URL (strings in, strings out)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return redis.Redis.from_url(url, decode_responses=True)
