"""Set up the databases: ``python -m game_leaderboard.setup_db``."""

from __future__ import annotations

from game_leaderboard import connection, repository


def main() -> None:
    """Create the collections, indexes and tables every component needs."""
    repository.ensure_schema(connection.mongo_database())
    print("repository: collections, validators and indexes are ready")


if __name__ == "__main__":
    main()
