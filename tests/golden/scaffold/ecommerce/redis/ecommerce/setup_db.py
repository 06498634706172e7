"""Set up the databases: ``python -m ecommerce.setup_db``."""

from __future__ import annotations

from ecommerce import connection


def main() -> None:
    """Create the collections, indexes and tables every component needs."""
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("user_sessions: Redis answers")
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("inventory: Redis answers")
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("product_catalog: Redis answers")
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("order_processing: Redis answers")
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("recommendations: Redis answers")


if __name__ == "__main__":
    main()
