"""The counts behind reconciling police.uk with the MPS tables: police.uk rows of one force
by the borough of their published LSOA name, as points and as crimes (a crime in two rows
once), other forces' rows of the same types, and nothing without the tables."""

from __future__ import annotations

from pathlib import Path

from tests.street_rows import street_warehouse
from vrhub.storage import reconcile
from vrhub.storage.warehouse import Warehouse

MPS = "Metropolitan Police Service"


def test_points_crimes_and_other_forces(tmp_path: Path) -> None:
    rows = [
        {"reported_by": MPS, "lsoa_name_published": "Camden 027B", "borough_code": "E09000007"},
        {"reported_by": MPS, "lsoa_name_published": "Camden 001A", "borough_code": "E09000033",
         "crime_id": "crime-1"},  # the same crime in a second row
        {"reported_by": MPS, "lsoa_name_published": "Camden 001A", "borough_code": "E09000007"},
        {"reported_by": MPS, "lsoa_name_published": "Westminster 010C",
         "borough_code": "E09000033", "crime_type": "Burglary"},
        {"reported_by": "City of London Police", "lsoa_name_published": "City of London 001A",
         "borough_code": "E09000001"},
    ]
    with street_warehouse(tmp_path / "w.duckdb", "a" * 64, rows) as wh:
        counts = reconcile.police_counts(wh, reported_by=MPS, crime_types=["Robbery"])
        months = reconcile.police_months(wh, reported_by=MPS, crime_types=["Robbery"])
        others = reconcile.other_force_rows(wh, reported_by=MPS, crime_types=["Robbery"])
        assert reconcile.police_counts(wh, reported_by=MPS, crime_types=[]).empty
        assert reconcile.mps_borough_counts(wh, ["ROBBERY"]).empty  # no MPS table
    camden = counts[counts["lsoa_borough"] == "Camden"]
    assert int(camden["points"].sum()) == 3
    assert int(camden["crimes"].sum()) == 2  # crime-1 counted once
    assert set(counts["lsoa_borough"]) == {"Camden"}  # Robbery only
    assert months.values.tolist() == [["Robbery", "2024-01"]]
    assert others.values.tolist() == [["City of London Police", 1]]


def test_nothing_without_the_tables(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert reconcile.police_counts(wh, reported_by=MPS, crime_types=["Robbery"]).empty
        assert reconcile.police_months(wh, reported_by=MPS, crime_types=["Robbery"]).empty
        assert reconcile.other_force_rows(wh, reported_by=MPS, crime_types=["Robbery"]).empty
        assert list(reconcile.mps_borough_counts(wh, ["ROBBERY"]).columns) == [
            "borough_code", "area_name", "month", "major_category", "minor_category", "count"]
