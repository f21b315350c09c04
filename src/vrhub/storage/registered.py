"""Data in memory (an Arrow table, a pandas frame) shown to DuckDB under a name for the
statements of one ``with`` block: a load's new rows, listings or keys joined to stored
tables without being written first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

from vrhub.standards.schema import Table


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, data: Any) -> Iterator[str]:
    """``data`` readable as the relation ``name`` on ``con`` inside the block (and gone
    after it, whatever happens inside); yields ``name``."""
    con.register(name, data)
    try:
        yield name
    finally:
        con.unregister(name)


def append_rows(con: duckdb.DuckDBPyConnection, table: Table,
                rows: Sequence[tuple[Any, ...]]) -> None:
    """``rows`` (tuples in the order of ``table``'s columns) inserted in one statement."""
    if not rows:
        return
    data = pa.table({name: list(values) for name, values in zip(
        table.column_names, zip(*rows, strict=True), strict=True)},
        schema=table.arrow_schema())
    names = ", ".join(f'"{name}"' for name in table.column_names)
    with registered(con, "_vrhub_appended_rows", data) as relation:
        con.execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {relation}')
