"""MPS counts as the loader sees them: the London borough names of the loaded lookup, the
other files holding a level, one file's offences per month, and dropping a file's months
(the later publication of a month wins)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.warehouse_sql import query
from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.standards.mps import MPS_CRIME_COUNT
from vrhub.storage.queries import mps
from vrhub.storage.warehouse import Warehouse

CAMDEN = "E09000007"


def counts(file_id: str, months: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"level": "borough", "area_code": CAMDEN, "area_name": "Camden",
         "borough_code": CAMDEN, "borough_name": "Camden", "major_category": "THEFT",
         "minor_category": minor, "month": month, "count": n, "area_vintage": "borough",
         "file_id": file_id}
        for month, values in months.items()
        for minor, n in zip(("OTHER THEFT", "BICYCLE THEFT"), values, strict=True)])


def test_files_months_and_lookup_boroughs(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([MPS_CRIME_COUNT, AREA_LOOKUP])
        wh.insert(MPS_CRIME_COUNT, counts("old", {"2024-01": [10, 2], "2024-02": [11, 3]}))
        wh.insert(MPS_CRIME_COUNT, counts("new", {"2024-02": [12, 4], "2024-03": [13, 5]}))
        wh.insert(AREA_LOOKUP, pd.DataFrame({
            "lsoa21_code": ["E01000907", "W01000001"], "lsoa21_name": ["Camden 001A", "W"],
            "ward_code": ["E05013652", "W05000001"], "ward_name": ["Belsize", "W"],
            "borough_code": [CAMDEN, "W06000001"], "borough_name": ["Camden", "Anglesey"],
            "file_id": "lookup"}))
        assert mps.lookup_borough_names(wh) == [("Camden", CAMDEN)]  # London only
        assert mps.other_files(wh, "borough", "new") == ["old"]
        assert mps.other_files(wh, "ward", "new") == []
        totals = mps.month_totals(wh, "borough", "old", ["2024-02", "2024-03"])
        assert totals.values.tolist() == [["2024-02", 14]]
        assert mps.file_rows(wh, "old") == 4
        mps.drop_months(wh, "borough", "old", ["2024-02"])
        assert mps.file_rows(wh, "old") == 2
        left = query(wh, "SELECT month, sum(count) AS n FROM mps_crime_count GROUP BY 1 "
                         "ORDER BY 1")
        assert mps.file_provenance(wh, "old", "mps") is None  # written without a load
    assert left.values.tolist() == [["2024-01", 12], ["2024-02", 16], ["2024-03", 18]]
