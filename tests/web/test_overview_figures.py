"""The London overview's figures (vrhub.reports.overview_figures) against independent SQL
on the dashboard's test workspace: the latest year, London's monthly series, the headline
figures and the violence x deprivation wards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse_sql import query, scalar
from vrhub.reports import overview_figures as ov
from vrhub.storage.warehouse import Warehouse


@pytest.fixture(scope="module")
def wh(pages_template: Path) -> Iterator[Warehouse]:
    with Warehouse(pages_template / "warehouse.duckdb", read_only=True) as warehouse:
        yield warehouse


def borough_sums(wh: Warehouse, where: str, params: list[object]) -> pd.DataFrame:
    """MPS borough-level counts summed by month, written without vrhub's queries."""
    return query(wh, "SELECT month, sum(count) AS count FROM mps_crime_count "
                     f"WHERE level = 'borough' AND {where} GROUP BY month ORDER BY month",
                     params)


def previous_months(end: str, back: int, length: int) -> list[str]:
    """``length`` months ending ``back`` months before ``end`` (pandas' arithmetic)."""
    last = pd.Period(end, "M") - back
    return [str(last - i) for i in range(length)][::-1]


def test_the_latest_year_ends_at_the_last_month_loaded(wh: Warehouse) -> None:
    last = str(scalar(wh, "SELECT max(month) FROM mps_crime_count WHERE level = 'borough'"))
    start, end = ov.latest_year(wh)
    assert end == last
    assert start == str(pd.Period(last, "M") - 11)


def test_london_monthly_is_the_sum_of_the_boroughs(wh: Warehouse) -> None:
    figures = ov.london_monthly(wh)
    frame = figures.frame
    assert set(frame["area_code"]) == {"E12000007"}
    robbery = frame[frame["category"] == "ROBBERY"]
    assert len(robbery)
    expected = borough_sums(wh, "major_category = ?", ["ROBBERY"])
    assert list(robbery["month"]) == list(expected["month"])
    assert list(robbery["count"].astype(int)) == list(expected["count"].astype(int))
    # a minor category is its own series, under its own name
    minor = str(scalar(wh, "SELECT min(minor_category) FROM mps_crime_count "
                           "WHERE major_category = 'ROBBERY'"))
    rows = frame[frame["category"] == minor]
    expected = borough_sums(wh, "minor_category = ?", [minor])
    assert list(rows["count"].astype(int)) == list(expected["count"].astype(int))
    assert set(rows["major_category"]) == {"ROBBERY"}


def test_headlines_compare_the_latest_year_with_the_one_before(wh: Warehouse) -> None:
    frame = ov.headline_figures(wh).frame
    _start, end = ov.latest_year(wh)
    row = frame[frame["category"] == "VIOLENCE AGAINST THE PERSON"].iloc[0]
    sums = borough_sums(wh, "major_category = ?", ["VIOLENCE AGAINST THE PERSON"])
    by_month = dict(zip(sums["month"], sums["count"].astype(int), strict=True))
    current = sum(by_month.get(m, 0) for m in previous_months(end, 0, 12))
    previous = sum(by_month.get(m, 0) for m in previous_months(end, 12, 12))
    assert (int(row["current"]), int(row["previous"])) == (current, previous)
    assert (row["current_from"], row["current_to"]) == (str(pd.Period(end, "M") - 11), end)
    assert list(frame["category"])[:1] == ["VIOLENCE AGAINST THE PERSON"]


def test_violence_deprivation_wards_follow_the_350_offence_rule(wh: Warehouse) -> None:
    frame = ov.violence_deprivation_wards(wh).frame
    assert len(frame)
    start, end = ov.latest_year(wh)
    expected = query(
        wh, "SELECT area_code, sum(count) AS count FROM mps_crime_count WHERE level = 'ward' "
            "AND minor_category = 'VIOLENCE WITH INJURY' AND month BETWEEN ? AND ? "
            "GROUP BY area_code", [start, end])
    counts = dict(zip(expected["area_code"], expected["count"].astype(int), strict=True))
    for row in frame.itertuples():
        assert int(row.count) == counts[row.area_code]
        high_violence = int(row.count) > 350
        assert row.group == ("both" if high_violence and row.high_deprivation else
                             "violence only" if high_violence else
                             "deprivation only" if row.high_deprivation else "neither")


def test_regroup_judges_the_disclosed_counts() -> None:
    frame = pd.DataFrame({"count": [355.0, 350.0, None, 400.0],
                          "high_deprivation": [True, True, True, False]})
    assert list(ov.regroup(frame)["group"]) == [
        "both", "deprivation only", "deprivation only", "violence only"]


def test_the_threshold_is_a_setting_of_350_by_default(tmp_path: Path) -> None:
    from vrhub.settings import Settings

    assert Settings.load({"VRHUB_HOME": str(tmp_path)}).high_violence_offences == 350
    chosen = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_HIGH_VIOLENCE_OFFENCES": "200"})
    assert chosen.high_violence_offences == 200
    frame = pd.DataFrame({"count": [250.0, 150.0], "high_deprivation": [True, False]})
    assert list(ov.regroup(frame, high_violence=200)["group"]) == ["both", "neither"]
    assert list(ov.regroup(frame)["group"]) == ["deprivation only", "neither"]


def test_one_borough_s_headlines_are_the_same_on_every_surface(wh: Warehouse) -> None:
    """The dashboard's panel, the borough profile and the service give the same counts for
    a borough, and they are the independent sums of its rows."""
    from vrhub.reports import borough_profile, headlines
    from vrhub.web.pages_support import headlines as panel

    code = str(scalar(wh, "SELECT min(area_code) FROM mps_crime_count WHERE level = 'borough'"))
    _start, end = ov.latest_year(wh)
    service = headlines.headline_changes(wh, code, end).frame
    assert list(service["category"]) == [c for c in headlines.HEADLINE_CATEGORIES
                                         if c in set(service["category"])]
    sums = borough_sums(wh, "major_category = ? AND area_code = ?",
                        ["VIOLENCE AGAINST THE PERSON", code])
    by_month = dict(zip(sums["month"], sums["count"].astype(int), strict=True))
    current = sum(by_month.get(m, 0) for m in previous_months(end, 0, 12))
    previous = sum(by_month.get(m, 0) for m in previous_months(end, 12, 12))
    row = service[service["category"] == "VIOLENCE AGAINST THE PERSON"].iloc[0]
    assert (int(row["current"]), int(row["previous"])) == (current, previous)
    profile = {h.category: (h.current, h.previous)
               for h in borough_profile.headline_changes(wh, code, end)}
    shown = {p["category"].upper(): (p["current"], p["previous"])
             for p in panel(wh, code, end)}
    expected = {str(r["category"]): (int(r["current"]), int(r["previous"]))
                for _, r in service.iterrows()}
    assert profile == shown == expected
    assert expected["VIOLENCE AGAINST THE PERSON"] == (current, previous)


def test_the_overview_and_the_cli_map_classify_wards_alike(wh: Warehouse) -> None:
    """One derivation of ward deprivation (population-weighted where population is
    loaded) behind the overview's map and ``vrhub deprivation map``."""
    from vrhub.reports import violence_analysis as va

    _start, end = ov.latest_year(wh)
    overview = ov.violence_deprivation_wards(wh).frame.set_index("area_code")
    cli = va.deprivation_map(wh, level="ward", min_vwi=350, period=(None, end)).frame
    cli = cli.set_index("area_code")
    common = overview.index.intersection(cli.index)
    assert len(common) == len(overview)
    assert list(overview.loc[common, "imd_decile"]) == list(cli.loc[common, "imd_decile"])
    assert list(overview.loc[common, "group"]) == list(cli.loc[common, "group"])
    assert scalar(wh, "SELECT count(*) FROM population") > 0
