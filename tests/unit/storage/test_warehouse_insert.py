"""Warehouse appends: one-value columns filled by the database, and a thread setting that
is put back afterwards."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tests.warehouse_sql import query
from vrhub.standards.schema import Column, Table
from vrhub.storage.warehouse import Warehouse

THINGS = Table(
    name="things",
    description="test table",
    columns=(
        Column("name", "string", "a name", required=True),
        Column("month", "month", "a month", required=True),
        Column("file_id", "string", "a file", required=True),
        Column("flag", "boolean", "a flag", required=True),
    ),
)


def test_constants_fill_every_row_beside_the_columns_sent(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as w:
        w.ensure_tables([THINGS])
        rows = pa.table({"name": pa.DictionaryArray.from_arrays(
            pa.array([0, 1, 0], pa.int32()), pa.array(["a", "b"]))})
        n = w.insert(THINGS, rows, {"month": "2024-01", "file_id": "f1", "flag": False})
        assert n == 3
        got = query(w, "SELECT * FROM things ORDER BY name").to_dict("records")
        assert got == [{"name": name, "month": "2024-01", "file_id": "f1", "flag": False}
                       for name in ("a", "a", "b")]


def test_a_column_sent_and_given_as_constant_is_refused(tmp_path: Path):
    with Warehouse(tmp_path / "w.duckdb") as w:
        w.ensure_tables([THINGS])
        rows = pa.table({"name": ["a"], "month": ["2024-01"]})
        with pytest.raises(ValueError, match="given twice"):
            w.insert(THINGS, rows, {"month": "2024-02", "file_id": "f", "flag": True})
        with pytest.raises(ValueError, match="not declared"):
            w.insert(THINGS, rows, {"colour": "red"})
        assert w.count("things") == 0
