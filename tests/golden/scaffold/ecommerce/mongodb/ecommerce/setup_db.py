"""Set up the databases: ``python -m ecommerce.setup_db``."""

from __future__ import annotations

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
    user_sessions.ensure_schema(connection.mongo_database())
    print("user_sessions: collections, validators and indexes are ready")
    inventory.ensure_schema(connection.mongo_database())
    print("inventory: collections, validators and indexes are ready")
    product_catalog.ensure_schema(connection.mongo_database())
    print("product_catalog: collections, validators and indexes are ready")
    order_processing.ensure_schema(connection.mongo_database())
    print("order_processing: collections, validators and indexes are ready")
    recommendations.ensure_schema(connection.mongo_database())
    print("recommendations: collections, validators and indexes are ready")


if __name__ == "__main__":
    main()
