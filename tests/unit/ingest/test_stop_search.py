"""Loading a police.uk stop and search file: force and month from its name, times in UTC,
searches without a location kept without a point, bad rows quarantined, and a file
named without its month refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.errors import InputError
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.stop_search import load_stop_search
from vrhub.storage.warehouse import Warehouse

HEADER = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
          "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
          "Object of search,Outcome,Outcome linked to object of search,"
          "Removal of more than just outer clothing\n")
ROWS = [
    # Trafalgar Square, about 530000 E 180400 N
    "Person search,2024-01-05T18:05:00+00:00,False,,51.50775,-0.12800,Male,18-24,,,"
    "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False\n",
    "Vehicle search,2024-01-06T09:30:00+01:00,TRUE,,,,Female,over 34,,,,Stolen goods,"
    "A no further action disposal,,\n",
    "Person search,not a date,False,,51.5,-0.1,Male,18-24,,,,Offensive weapons,Arrest,,\n",
    "Person search,2024-01-07T10:00:00+00:00,False,,51.5,-0.1,Male,18-24,,,,"
    "Offensive weapons,=HYPERLINK(\"x\"),,\n",
]


def _file(folder: Path, name: str = "2024-01-metropolitan-stop-and-search.csv") -> InputFile:
    path = folder / name
    path.write_text(HEADER + "".join(ROWS))
    return InputFile(path)


def test_a_file_loads_its_searches_and_quarantines_the_bad_rows(tmp_path: Path) -> None:
    source = _file(tmp_path)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        [done] = load_stop_search(wh, [source]).files
        assert (done.status, done.rows_read, done.rows_loaded, done.rows_quarantined) == (
            "loaded", 4, 2, 2)
        assert done.partition == "metropolitan/2024-01"
        assert done.quarantined_by_rule == {"date_invalid": 1, "formula_cell": 1}
        rows = query(
            wh, "SELECT row_number, force, month, search_type, datetime, easting, northing, "
                "coordinate_flag, part_of_operation, outcome_linked_to_object, "
                "removal_of_outer_clothing, policing_operation FROM police_stop_search "
                "ORDER BY row_number").to_dict("records")
        assert [r["row_number"] for r in rows] == [1, 2]
        assert {(r["force"], r["month"]) for r in rows} == {("metropolitan", "2024-01")}
        first, second = rows
        assert str(first["datetime"]) == "2024-01-05 18:05:00"
        assert str(second["datetime"]) == "2024-01-06 08:30:00"  # +01:00 is an hour ahead
        assert first["easting"] == pytest.approx(530000, abs=300)
        assert first["northing"] == pytest.approx(180400, abs=300)
        assert (first["part_of_operation"], first["outcome_linked_to_object"],
                first["removal_of_outer_clothing"]) == (False, True, False)
        assert first["policing_operation"] is None  # a blank cell is no value
        assert second["part_of_operation"] is True  # 'TRUE' in any case
        assert second["outcome_linked_to_object"] is None
        assert second["coordinate_flag"] == "missing"
        assert second["easting"] != second["easting"]  # no point: NaN
        assert second["search_type"] == "Vehicle search"

        [again] = load_stop_search(wh, [source]).files
        assert again.status == "unchanged"
        assert wh.count("police_stop_search") == 2


def test_a_file_named_without_its_month_is_refused(tmp_path: Path) -> None:
    source = _file(tmp_path, "metropolitan-stop-and-search.csv")
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(
            InputError, match="the file name does not say the month and force"):
        load_stop_search(wh, [source])
