"""Data in memory shown to DuckDB under a name for one block, and gone after it."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from vrhub.storage.registered import registered


def _names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() UNION "
                                            "SELECT view_name FROM duckdb_views() WHERE "
                                            "NOT internal").fetchall()}


def test_the_data_is_readable_by_its_name_inside_the_block_only() -> None:
    con = duckdb.connect()
    with registered(con, "_new_ids", pa.table({"crime_id": ["a", "b", "b"]})) as name:
        assert name == "_new_ids"
        assert con.execute(f"SELECT count(DISTINCT crime_id) FROM {name}").fetchall() == [(2,)]
    with pytest.raises(duckdb.CatalogException, match="_new_ids"):
        con.execute("SELECT * FROM _new_ids")
    assert "_new_ids" not in _names(con)


def test_the_name_goes_when_the_block_fails() -> None:
    con = duckdb.connect()
    with pytest.raises(RuntimeError, match="bad rows"), \
            registered(con, "_rows", pa.table({"n": [1, 2]})):
        raise RuntimeError("bad rows")
    with pytest.raises(duckdb.CatalogException, match="_rows"):
        con.execute("SELECT * FROM _rows")
