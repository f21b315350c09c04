"""Rows outside the study area, on the real files: British Transport Police's national
files beside the City of London's, with the national ONS lookup (so BTP crimes in Leeds
or Cardiff have their own district). They are announced at load and left out of counts,
trends, hotspots, near-repeat and the published borough figures; rolling totals are
complete only over months a force publishing in the area has a file for. Expected figures
come from the files and the lookup, counted with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers_geography import install_boundaries
from vrhub.reports.trend_analysis import trend_series
from vrhub.storage import points
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

CITY_MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
BTP_MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04")


@pytest.fixture
def loaded(run, shared_data: Path) -> dict:
    police = shared_data / "police-uk"
    city = [police / "city-of-london" / f"{m}-city-of-london-street.csv.gz"
            for m in CITY_MONTHS]
    btp = [police / "btp" / f"{m}-btp-street.csv.gz" for m in BTP_MONTHS]
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        install_boundaries(w, shared_data, lookup=False)
    code, _, err = run("load", "ward-lookup", shared_data / "lookups" / "lsoa_to_ward.csv.gz")
    assert code == 0, err
    code, out, err = run("load", "police", *city, *btp, "--json")
    assert code == 0, err
    lookup = pd.read_csv(shared_data / "lookups" / "lsoa_to_ward.csv.gz", dtype=str,
                         encoding="utf-8-sig").set_index("LSOA21CD")["LAD24CD"]
    rows = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in city + btp],
                     ignore_index=True)
    rows["district"] = rows["LSOA code"].map(lookup)
    return {"report": json.loads(out), "rows": rows}


def test_rows_outside_the_study_area_are_announced_and_never_counted(run, loaded):
    rows = loaded["rows"]
    # inside: a London district, or no location at all (counted in totals, in no area)
    london = rows["district"].fillna("").str.startswith("E09") | (
        rows["district"].isna() & (rows["Longitude"] == ""))
    outside = int((~london).sum())
    assert outside > 10_000  # BTP's crimes across England, Wales and Scotland
    note = next(n for n in loaded["report"]["notes"] if "outside the study area" in n)
    assert note.startswith(f"{outside:,} of {len(rows):,} rows lie outside the study area: "
                           "London")
    inside = rows[london]
    # each crime once: City Crime IDs repeated within a file count once; BTP has none
    with_id = inside[inside["Crime ID"] != ""]
    expected = with_id["Crime ID"].nunique() + int((inside["Crime ID"] == "").sum())

    with Warehouse(Workspace(run.home).warehouse_path) as w:
        assert points.count_events(w, "police") == expected
        located = points.load_points(w, "police")
        assert len(located.frame) + located.without_location == expected
        assert set(located.frame["borough_code"]) <= set(w.study_area.districts)
        violence = "Violence and sexual offences"
        events, without, _ = points.near_repeat_events(w, "police", category=violence,
                                                       borough=None, start=None, end=None)
        in_violence = inside[inside["Crime type"] == violence]
        assert len(events) + without == in_violence["Crime ID"].replace("", None).nunique(
            ) + int((in_violence["Crime ID"] == "").sum())
        # trends: London's districts only, with the months of the forces publishing there
        result = trend_series(w, source="police", level="borough", window=6)
        frame = result.frame
        assert set(frame["area_code"]) <= set(w.study_area.districts)
        # each crime from its first row (files in month order, rows in file order)
        first = pd.concat([with_id.drop_duplicates("Crime ID"),
                           inside[inside["Crime ID"] == ""]])
        assert len(first) == expected
        assert frame["count"].sum() == int(first["district"].notna().sum())
        city = frame[(frame["area_code"] == "E09000001") & (frame["month"] == "2024-06")]
        assert city["rolling_complete"].all()  # the City's force has all six months
        only_btp = set(inside.loc[inside["Reported by"] == "British Transport Police",
                                  "district"]) - set(
            inside.loc[inside["Reported by"] != "British Transport Police", "district"])
        borough = sorted(only_btp)[0]
        late = frame[(frame["area_code"] == borough) & (frame["month"] >= "2024-05")]
        assert len(late) and not late["rolling_complete"].any()  # BTP's files end in April
        assert (late["rolling_months"] == 4).all()

    for method in ("gistar", "kde", "count"):
        code, out, err = run("hotspots", method, "--source", "police", "--category",
                             violence, "--json")
        assert code == 0, err
        summary = json.loads(out)
        assert summary["area"] == "London"
        # every crime of the study area, none from outside it (Gi* and KDE alike)
        assert summary["events"] + summary["events_outside_area"] + summary[
            "events_without_location"] == len(events) + without
        assert summary["events_outside_area"] == 0

    code, _, err = run("publish")
    assert code == 0, err
    published = pd.read_csv(run.home / "public" / "police-borough-month.csv", dtype={
        "area_code": str})
    assert set(published["area_code"]) <= set(f"E09{n:06d}" for n in range(1, 34))
    assert len(set(published["area_code"])) > 20
