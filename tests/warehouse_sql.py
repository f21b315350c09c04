"""The tests' own look into a warehouse: SQL on a DuckDB connection the test opens itself
over the workspace's ``warehouse.duckdb`` (and its Parquet parts), as an analyst would, so
a test's check does not pass through the code under test. In vrhub the warehouse's
connection and raw SQL are storage's own (``tests/unit/project/test_sql_in_storage.py``).

DuckDB opens a database file once per process: while a :class:`Warehouse` of this process
holds the file, ``duckdb.connect`` with the same settings gives a new connection to that
open database (with other settings it refuses). So the connection here has the settings
vrhub's has (the warehouse's folder as ``file_search_path``, which the views over Parquet
parts need), read-only unless something in this process has the file open for writing.
Reads run in a read-only transaction and see what is committed; each call opens and closes
its connection, so a file this helper opened is free again when it returns.

``where`` is a :class:`Warehouse` (opened if it is not yet), a warehouse file or a
workspace folder.

:func:`execute` and :func:`create_table` write, to set up what a test needs (a table of a
shape vrhub would not write, a changed row); each write commits at once.

:func:`own_connection` is the exception: the warehouse's own connection, for the tests of
the warehouse itself (how it opens, closes, checks its schema and lists its parts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from vrhub.storage.warehouse import Warehouse

Where = Warehouse | Path | str


def warehouse_file(where: Where) -> Path:
    """The DuckDB file of ``where``."""
    path = where.path if isinstance(where, Warehouse) else Path(where)
    return path / "warehouse.duckdb" if path.is_dir() else path


@contextmanager
def connection(where: Where, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of the test's own to ``where``'s warehouse, closed on leaving (a
    :class:`Warehouse` not open yet is opened first, as its own first question would)."""
    if isinstance(where, Warehouse):
        where.open()
    path = warehouse_file(where)
    config: dict[str, str | bool | int | float | list[str]] = {
        "file_search_path": str(path.parent)}
    con: duckdb.DuckDBPyConnection | None = None
    if not write:
        try:
            con = duckdb.connect(str(path), read_only=True, config=config)
        except duckdb.ConnectionException:  # held for writing by this process
            con = None
    if con is None:
        con = duckdb.connect(str(path), config=config)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def _reading(where: Where) -> Iterator[duckdb.DuckDBPyConnection]:
    with connection(where) as con:
        con.execute("BEGIN TRANSACTION READ ONLY")
        try:
            yield con
        finally:
            con.execute("ROLLBACK")


def query(where: Where, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """The answer to ``sql`` as a frame."""
    with _reading(where) as con:
        return con.execute(sql, list(params or [])).df()


def query_arrow(where: Where, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
    """The answer to ``sql`` as an Arrow table."""
    with _reading(where) as con:
        return con.sql(sql, params=list(params or [])).to_arrow_table()


def rows(where: Where, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
    """The answer's rows as tuples."""
    with _reading(where) as con:
        return con.execute(sql, list(params or [])).fetchall()


def scalar(where: Where, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first value of the answer's first row (None when there is no row)."""
    found = rows(where, sql, params)
    return found[0][0] if found else None


def execute(where: Where, sql: str, params: Sequence[Any] | None = None, *,
            many: Sequence[Sequence[Any]] | None = None) -> None:
    """Run a statement that changes the warehouse (with ``many``: once per row of it)."""
    with connection(where, write=True) as con:
        if many is not None:
            con.executemany(sql, [list(r) for r in many])
        else:
            con.execute(sql, list(params or []))


def create_table(where: Where, name: str, data: pd.DataFrame | pa.Table) -> None:
    """Create table ``name`` holding ``data``."""
    with connection(where, write=True) as con:
        con.register("_test_rows", data)
        try:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _test_rows')
        finally:
            con.unregister("_test_rows")


def own_connection(wh: Warehouse) -> duckdb.DuckDBPyConnection:
    """The warehouse's own connection (opening it): only for the tests of the warehouse
    itself, where that connection is what is tested."""
    return wh._con
