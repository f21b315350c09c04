"""Version 1: the warehouse records its schema version (table ``warehouse_schema``).

Warehouses written before versions existed (vrhub 0.1) hold exactly the tables of version
1, so upgrading them records the version and changes nothing else.
"""

from __future__ import annotations

import duckdb

DESCRIPTION = "record the warehouse's schema version (warehouses of vrhub 0.1 are version 1)"


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Nothing to change: the version table itself is created by the migration runner."""
