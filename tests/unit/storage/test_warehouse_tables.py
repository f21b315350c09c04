"""``Warehouse.has_table``: tables and views, read once while opened read-only (a page asks
dozens of times), asked afresh on a writable warehouse and after the warehouse is opened
again."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.warehouse_sql import execute, own_connection
from vrhub.storage.warehouse import Warehouse


class _Refusing:
    """A connection that fails if asked anything."""

    def execute(self, *_args: object) -> None:
        raise AssertionError("the warehouse was asked again")

    def cursor(self) -> _Refusing:
        return self


def test_read_only_names_are_read_once_and_again_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        execute(wh, "CREATE TABLE counts (n INTEGER)")
        execute(wh, "CREATE VIEW counts_view AS SELECT * FROM counts")
        assert wh.has_table("counts") and not wh.has_table("later")
        execute(wh, "CREATE TABLE later (n INTEGER)")
        assert wh.has_table("later")  # writable: asked every time
    reader = Warehouse(path, read_only=True)
    assert reader.has_table("counts") and reader.has_table("counts_view")
    real = own_connection(reader)
    reader._connection = _Refusing()  # type: ignore[assignment]
    try:
        assert reader.has_table("later") and not reader.has_table("missing")
        cursor = reader.cursor()
        assert cursor.has_table("counts") and not cursor.has_table("missing")
        with pytest.raises(AssertionError, match="asked again"):
            own_connection(reader).execute("SELECT 1")
    finally:
        reader._connection = real
        reader.close()
    with Warehouse(path) as wh:
        execute(wh, "CREATE TABLE newest (n INTEGER)")
    assert isinstance(own_connection(reader), duckdb.DuckDBPyConnection)  # opened again
    try:
        assert reader.has_table("newest")
    finally:
        reader.close()


def test_cursors_share_the_names_whichever_asks_first(tmp_path: Path) -> None:
    """A server makes a cursor per request it serves at once, before any has asked: the
    first cursor to ask reads the names for all of them and for the parent."""
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        execute(wh, "CREATE TABLE counts (n INTEGER)")
    reader = Warehouse(path, read_only=True).open()
    try:
        first, second = reader.cursor(), reader.cursor()
        assert first.has_table("counts") and not first.has_table("missing")
        for other in (second, reader):
            real = own_connection(other)
            other._connection = _Refusing()  # type: ignore[assignment]
            try:
                assert other.has_table("counts") and not other.has_table("missing")
            finally:
                other._connection = real
    finally:
        reader.close()


def test_remembered_answers_last_while_read_only_and_open(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with Warehouse(path) as wh:
        wh.open()
        assert (wh.remembered("k", compute), wh.remembered("k", compute)) == (1, 2)
    reader = Warehouse(path, read_only=True)
    try:
        assert reader.remembered("k", compute) == 3
        assert reader.remembered("k", compute) == 3
        assert reader.cursor().remembered("k", compute) == 3  # shared with cursors
    finally:
        reader.close()
    assert reader.remembered("k", compute) == 4  # opened again: computed again
    reader.close()
