"""Set up the databases: ``python -m device_telemetry.setup_db``."""

from __future__ import annotations

import os

from device_telemetry import connection, repository


def main() -> None:
    """Create the collections, indexes and tables every component needs."""
    prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "")
    resource = connection.dynamodb_resource()
    table = repository.ensure_schema(resource, prefix + repository.TABLE_NAME)
    print("repository: table " + table.name + " is ready")


if __name__ == "__main__":
    main()
