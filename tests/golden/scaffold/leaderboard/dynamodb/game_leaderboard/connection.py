"""Connections to the databases, configured by environment variables (see README.md)."""

from __future__ import annotations

import os
from typing import Any

import boto3


def dynamodb_resource() -> Any:
    """A DynamoDB resource; AWS_ENDPOINT_URL_DYNAMODB points it at DynamoDB Local."""
    return boto3.resource("dynamodb", region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
