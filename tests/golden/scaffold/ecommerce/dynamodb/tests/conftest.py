"""Fixtures: one connection per database, to the servers the environment names.

The tests contact nothing else: MONGODB_URI (else mongomock), REDIS_URL (default
127.0.0.1:6379) and AWS_ENDPOINT_URL_DYNAMODB (required, so AWS itself is never used).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest


@pytest.fixture
def dynamodb() -> Any:
    """A DynamoDB resource for DynamoDB Local or moto: the tests never run against AWS itself."""
    if not os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"):
        pytest.skip(
            "set AWS_ENDPOINT_URL_DYNAMODB to DynamoDB Local, or to a moto_server"
            ' with -m "not concurrency"'
        )
    return boto3.resource("dynamodb", region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
