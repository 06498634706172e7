"""Set up the databases: ``python -m ecommerce.setup_db``."""

from __future__ import annotations

import os

from ecommerce import (
    connection,
    inventory,
    order_processing,
    product_catalog,
    recommendations,
    user_sessions,
)


def main() -> None:
    """Create the collections, indexes and tables every component needs."""
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = user_sessions.ensure_schema(resource, prefix + user_sessions.TABLE_NAME)
    print("user_sessions: table " + table.name + " is ready")
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = inventory.ensure_schema(resource, prefix + inventory.TABLE_NAME)
    print("inventory: table " + table.name + " is ready")
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = product_catalog.ensure_schema(resource, prefix + product_catalog.TABLE_NAME)
    print("product_catalog: table " + table.name + " is ready")
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = order_processing.ensure_schema(resource, prefix + order_processing.TABLE_NAME)
    print("order_processing: table " + table.name + " is ready")
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = recommendations.ensure_schema(resource, prefix + recommendations.TABLE_NAME)
    print("recommendations: table " + table.name + " is ready")


if __name__ == "__main__":
    main()
