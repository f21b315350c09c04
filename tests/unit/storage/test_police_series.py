"""Which loaded police.uk series a new file revises, by its rows: a new download sharing
most Crime IDs is a revision, a category extract sharing a few is not (unless only the start
of a file is asked about), and a file without Crime IDs revises the series of the same forces
and crime types."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from tests.street_rows import DEFAULTS, street_warehouse
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.file_load import FileLedger
from vrhub.storage.police_series import SHARED, MonthRows, forces_of, revised_series, series_for
from vrhub.storage.warehouse import Warehouse

MONTH = "2024-01"


def new_rows(ids: list[str | None], *, by: str = "metropolitan",
             types: tuple[str, ...] = ("Robbery",)) -> pa.Table:
    return pa.table({"crime_id": pa.array(ids, pa.string()), "reported_by": [by] * len(ids),
                     "crime_type": [types[i % len(types)] for i in range(len(ids))]})


def test_a_file_sharing_most_crime_ids_revises_the_series(tmp_path: Path) -> None:
    held = [{"reported_by": "metropolitan"} for _ in range(10)]  # crime-1 .. crime-10
    btp = [{"crime_id": None, "series": "btp-street", "reported_by": "British Transport Police",
            "crime_type": t} for t in ("Robbery", "Theft from the person")]
    with street_warehouse(tmp_path / "w.duckdb", "a" * 64, held + btp) as wh:
        download = new_rows([f"crime-{i}" for i in range(1, 9)] + ["new-1", "new-2"])
        extract = new_rows(["crime-1", "crime-2", "crime-3", "x-1", "x-2", "x-3", "x-4"])
        start = new_rows(["crime-1", "crime-2", "crime-3"])
        assert SHARED == 0.5
        assert revised_series(wh, MONTH, download) == "metropolitan-street"  # 8 of 10 both ways
        assert revised_series(wh, MONTH, extract) is None  # 3 of 7, 3 of 10
        assert revised_series(wh, MONTH, start) is None  # 3 of the series' 10
        assert revised_series(wh, MONTH, start, whole=False) == "metropolitan-street"
        assert revised_series(wh, "2024-02", download) is None  # another month
        no_ids = new_rows([None, None], by="British Transport Police",
                          types=("Robbery", "Theft from the person"))
        assert revised_series(wh, MONTH, no_ids) == "btp-street"
        fewer = new_rows([None], by="British Transport Police")
        assert revised_series(wh, MONTH, fewer) is None
        assert revised_series(wh, MONTH, fewer, whole=False) == "btp-street"
        # a file whose name gives a series not loaded for the month: its rows decide
        assert series_for(wh, "police", MONTH, "other-street", lambda: download) \
            == "metropolitan-street"
        assert series_for(wh, "police", MONTH, "other-street", lambda: None) == "other-street"


def test_without_police_rows_the_name_decides(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert series_for(wh, "police", MONTH, "city-of-london-street",
                          lambda: new_rows(["crime-1"])) == "city-of-london-street"
        assert revised_series(wh, MONTH, new_rows(["crime-1"])) is None


def test_a_new_file_is_compared_with_its_forces_files_of_the_month_only(tmp_path: Path) -> None:
    met, kent = "a" * 64, "b" * 64
    held = [{"reported_by": "metropolitan"} for _ in range(10)]  # crime-1 .. crime-10
    with street_warehouse(tmp_path / "w.duckdb", met, held) as wh:
        rows = pd.DataFrame([{**DEFAULTS, "file_id": kent, "row_number": i,
                              "crime_id": f"kent-{i}", "reported_by": "Kent Police",
                              "force": "kent", "series": "kent-street"} for i in range(1, 6)])
        wh.insert(POLICE_STREET, rows[[c for c in rows.columns
                                       if c in POLICE_STREET.column_names]])
        months = MonthRows(wh, FileLedger.read(wh, "police"))
        assert months.files(MONTH) == {met, kent}
        assert months.files(MONTH, frozenset({"metropolitan"})) == {met}
        assert months.files(MONTH, frozenset({"Kent Police", "metropolitan"})) == {met, kent}
        assert months.files(MONTH, frozenset({"Essex Police"})) == set()
        assert months.files("2024-02") == set()
        # files this load stores: with the forces of their rows, or (streamed) not known
        months.add(MONTH, "c" * 64, frozenset({"Essex Police"}))
        assert months.files(MONTH, frozenset({"Essex Police"})) == {"c" * 64}
        months.add(MONTH, "d" * 64, None)
        assert months.files(MONTH, frozenset({"Kent Police"})) == {kent, "d" * 64}

        download = new_rows([f"crime-{i}" for i in range(1, 9)] + ["new-1", "new-2"])
        assert forces_of(download) == frozenset({"metropolitan"})
        assert series_for(wh, "police", MONTH, "other-street", lambda: download,
                          months=months) == "metropolitan-street"
        kent_download = new_rows([f"kent-{i}" for i in range(1, 6)], by="Kent Police")
        assert series_for(wh, "police", MONTH, "other-street", lambda: kent_download,
                          months=months) == "kent-street"
        # the Met's Crime IDs under another force: not compared with the Met's parts
        essex = new_rows([f"crime-{i}" for i in range(1, 9)], by="Essex Police")
        assert series_for(wh, "police", MONTH, "essex-street", lambda: essex,
                          months=months) == "essex-street"
        assert series_for(wh, "police", MONTH, "essex-street", lambda: essex) \
            == "metropolitan-street"  # (compared with every part, they would be the Met's)
        # a month with no stored row: the rows are not even read
        assert series_for(wh, "police", "2024-02", "kent-street", lambda: 1 / 0,  # type: ignore
                          months=months) == "kent-street"


def test_the_series_loaded_are_the_loads_ledgers(tmp_path: Path) -> None:
    with street_warehouse(tmp_path / "w.duckdb", "a" * 64, [{}]) as wh:
        ledger = FileLedger.read(wh, "police")
        months = MonthRows(wh, ledger)
        assert months.source == "police"
        assert not months.loaded("metropolitan-street", MONTH)  # rows, but no provenance
        # the ledger is told of each file the load stores
        ledger.record("b" * 64, "loaded", f"kent-street/{MONTH}")
        assert months.loaded("kent-street", MONTH)
        assert not months.loaded("kent-street", "2024-02")
        ledger.record("c" * 64, "replaced", f"metropolitan-street/{MONTH}")  # replaced only
        assert not months.loaded("metropolitan-street", MONTH)
        # a file of a series loaded for the month is that series, whatever its rows
        assert series_for(wh, "police", MONTH, "kent-street", lambda: 1 / 0,  # type: ignore
                          months=months) == "kent-street"
