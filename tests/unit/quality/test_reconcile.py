"""Reconciling the Met's police.uk robberies with the MPS borough table on a handful of
rows: the cells and their ratios, the summary, the cells outside ±10% and the measured
causes, and the requests refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.street_rows import street_warehouse
from vrhub.errors import UserError
from vrhub.quality.reconcile import reconcile
from vrhub.standards.mps import MPS_CRIME_COUNT
from vrhub.storage.warehouse import Warehouse

MPS = "Metropolitan Police Service"
CAMDEN, WESTMINSTER = "E09000007", "E09000033"


def _warehouse(path: Path) -> Warehouse:
    camden = {"reported_by": MPS, "lsoa_name_published": "Camden 027B",
              "borough_code": CAMDEN}
    rows = [
        camden, camden, camden,
        {**camden, "crime_id": "crime-1"},  # crime-1 listed again: 4 points, 3 crimes
        # a Westminster LSOA whose point was snapped into Camden
        {"reported_by": MPS, "lsoa_name_published": "Westminster 010C",
         "borough_code": CAMDEN},
        {"reported_by": MPS, "lsoa_name_published": None},  # published without a location
        {"reported_by": MPS, "lsoa_name_published": "City of London 001A"},
        {"reported_by": MPS, "lsoa_name_published": "Epping Forest 001A"},
        {"reported_by": "City of London Police", "lsoa_name_published": "City of London 001A"},
    ]
    street_warehouse(path, "a" * 64, rows).close()
    mps = pd.DataFrame([
        ("Camden", CAMDEN, 4), ("Westminster", WESTMINSTER, 2), ("Unknown", None, 3)],
        columns=["area_name", "borough_code", "count"])
    mps["area_code"] = mps["borough_code"]
    mps["borough_name"] = mps["area_name"]
    mps = mps.assign(level="borough", area_vintage="borough", major_category="ROBBERY",
                     minor_category="Robbery of personal property", month="2024-01",
                     file_id="b" * 64)
    with Warehouse(path) as wh:
        wh.ensure_tables([MPS_CRIME_COUNT])
        wh.insert(MPS_CRIME_COUNT, mps[list(MPS_CRIME_COUNT.column_names)])
    return Warehouse(path, read_only=True)


def test_cells_summary_and_causes_of_one_month(tmp_path: Path) -> None:
    with _warehouse(tmp_path / "w.duckdb") as wh:
        found = reconcile(wh, categories=["Robbery"])
        crimes = reconcile(wh, categories=["Robbery"], count="crimes")
    cells = found.cells[["borough_code", "month", "police", "mps", "ratio"]]
    # Camden: 3 robberies and crime-1 again = 4 points against 4; Westminster: 1 against 2
    assert cells.values.tolist() == [[CAMDEN, "2024-01", 4, 4, 1.0],
                                     [WESTMINSTER, "2024-01", 1, 2, 0.5]]
    assert crimes.cells["ratio"].tolist() == [0.75, 0.5]  # crime-1 counted once
    [summary] = found.summary
    assert (summary["cells"], summary["police"], summary["mps"]) == (2, 5, 6)
    assert summary["ratio_of_totals"] == pytest.approx(5 / 6)
    assert summary["median_ratio"] == pytest.approx(0.75)
    assert summary["within_5pct"] == summary["within_10pct"] == 0.5
    assert summary["outside"] == 1
    assert found.outside["borough_code"].tolist() == [WESTMINSTER]
    causes = {c["cause"]: c["figure"] for c in found.causes}
    assert causes == {"no_location": 1, "snapping": 1, "city_lsoa": 1, "other_force": 1,
                      "outside_london": 1, "mps_unattributed": 3, "repeated_id": 1,
                      "recording_date": None}
    shares = {c["cause"]: c["share_of_mps"] for c in found.causes}
    assert shares["mps_unattributed"] == pytest.approx(3 / 6)  # of the 6 attributed
    assert found.to_json()["outside"][0]["ratio"] == 0.5
    assert found.notes == []


def test_a_later_period_has_no_cells_and_says_why(tmp_path: Path) -> None:
    with _warehouse(tmp_path / "w.duckdb") as wh:
        found = reconcile(wh, categories=["Robbery"], period=("2024-02", None))
    assert found.cells.empty and found.summary == []
    assert found.notes == [
        "police.uk and the MPS tables share no month for these crime types"]


def test_unknown_categories_counts_and_reversed_periods_are_refused(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(UserError, match=r"no MPS counterpart for police\.uk crime type "
                           r"'Robery'"):
            reconcile(wh, categories=["Robery"])
        with pytest.raises(UserError, match="unknown count 'cases'"):
            reconcile(wh, count="cases")
        with pytest.raises(UserError, match=r"the period starts \(2024-03\) after it ends "
                           r"\(2024-01\)"):
            reconcile(wh, period=("2024-03", "2024-01"))
