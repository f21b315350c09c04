"""The postcode directory kept in memory answers as the query on the warehouse does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.warehouse_sql import execute
from vrhub.pathways.postcode_source import WarehousePostcodes
from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.storage import postcodes
from vrhub.storage.warehouse import Warehouse

ROWS = [
    ("SE17EH", 531000.0, 179800.0, "E01003963", "E05011095", "E09000022"),
    ("SW1A1AA", 529090.0, 179645.0, "E01004736", None, "E09000033"),
    ("E16AN", 533500.0, 181900.0, None, None, None),
    ("N11AA", 531500.0, 183800.0, "", "E05000001", "E09000019"),
]


def _warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    wh.ensure_tables([GAZETTEER_POSTCODE])
    wh.insert(GAZETTEER_POSTCODE, pd.DataFrame(ROWS, columns=[
        "postcode", "easting", "northing", "lsoa21_code", "ward_code", "borough_code"]))
    return wh


def test_every_postcode_and_unknown_ones_answer_as_the_query_does(tmp_path: Path) -> None:
    with _warehouse(tmp_path) as wh:
        table = postcodes.postcode_table(wh, most=100)
        assert table is not None and len(table) == len(ROWS)
        for code in [r[0] for r in ROWS] + ["SE17EJ", "A", "ZZ99ZZ", "", "E16AM"]:
            assert table.row(code) == postcodes.postcode_row(wh, code), code
        found = table.row("SW1A1AA")
        assert found is not None
        assert (found.easting, found.ward_code, found.borough_code) == (
            529090.0, None, "E09000033")


def test_a_directory_too_large_or_missing_is_not_kept(tmp_path: Path) -> None:
    with _warehouse(tmp_path) as wh:
        assert postcodes.postcode_table(wh, most=3) is None
    with Warehouse(tmp_path / "empty.duckdb") as empty:
        assert postcodes.postcode_table(empty, most=100) is None


def test_the_source_reads_again_after_the_warehouse_was_reopened(tmp_path: Path) -> None:
    opened = {"wh": _warehouse(tmp_path)}
    source = WarehousePostcodes(lambda: opened["wh"])
    assert source.postcode("SE17EH") == ROWS[0][1:]
    assert source.postcode("W11AA") is None
    execute(opened["wh"], "INSERT INTO gazetteer_postcode (postcode, easting, northing) "
                          "VALUES ('W11AA', 1.0, 2.0)")
    assert source.postcode("W11AA") is None  # the same open warehouse: kept as read
    opened["wh"].close()
    opened["wh"] = Warehouse(tmp_path / "warehouse.duckdb")  # reopened after a write
    assert source.postcode("W11AA") == (1.0, 2.0, None, None, None)
    opened["wh"].close()


def test_a_new_postcode_is_known_without_a_query_once_the_directory_is_in_memory(
        tmp_path: Path) -> None:
    """The open feed answers on its event loop when no query is needed (a postcode not
    asked before is still answered from memory); otherwise it asks off the loop."""
    from vrhub.geography.postcodes import PostcodeLookup

    opened = {"wh": _warehouse(tmp_path)}
    source = WarehousePostcodes(lambda: opened["wh"])
    lookup = PostcodeLookup(source)
    assert not source.in_memory() and not lookup.known("SE1 7EH")  # nothing read yet
    assert lookup.place("SW1A 1AA") is not None  # reads the directory into memory
    assert source.in_memory()
    assert lookup.known("SE1 7EH") and lookup.known("W1 1AA")  # never asked, in memory
    assert not lookup.known("SE1")  # a district is asked of the warehouse
    assert lookup.known("not a postcode")  # refused without a look-up
    opened["wh"].close()  # a write closes the warehouse the directory was read from
    assert not source.in_memory() and not lookup.known("E1 6AN")
    assert lookup.known("SW1A 1AA")  # asked before: cached
