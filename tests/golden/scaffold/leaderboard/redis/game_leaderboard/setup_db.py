"""Set up the databases: ``python -m game_leaderboard.setup_db``."""

from __future__ import annotations

from game_leaderboard import connection


def main() -> None:
    """Create the collections, indexes and tables every component needs."""
    # Redis needs no schema: keys appear on first write. Check the server answers.
    connection.redis_client().ping()
    print("repository: Redis answers")


if __name__ == "__main__":
    main()
