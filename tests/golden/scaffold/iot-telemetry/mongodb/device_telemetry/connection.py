"""Connections to the databases, configured by environment variables (see README.md)."""

from __future__ import annotations

import os
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database


def mongo_database() -> Database[Any]:
    """The database MONGODB_DATABASE on the MongoDB server at MONGODB_URI."""
    uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    client: MongoClient[Any] = MongoClient(uri, tz_aware=True)
    return client[os.environ.get("MONGODB_DATABASE", "device_telemetry")]
