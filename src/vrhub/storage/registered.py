"""Data in memory (an Arrow table, a pandas frame) shown to DuckDB under a name for the
statements of one ``with`` block: a load's new rows, listings or keys joined to stored
tables without being written first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: Any) -> Iterator[str]:
    """``data`` readable as the relation ``name`` on ``con`` inside the block (and gone
    after it, whatever happens inside); yields ``name``."""
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)
