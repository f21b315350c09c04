"""Indicator results on the app database (SQLite and real PostgreSQL): return indicators
move when a return is approved; hub indicators computed from a small warehouse match
hand counts and are stored with the versions they were computed under."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers_outcomes import ADMIN, CAMDEN, HACKNEY, VRU, borough_analyst, lead
from tests.helpers_returns import CODE, filled, setup, to_bytes
from tests.warehouse_sql import connection, execute
from vrhub.access.services import AccessServices
from vrhub.errors import PermissionDenied
from vrhub.outcomes import returns
from vrhub.outcomes.hub_indicators import LONDON, compute_and_store, hub_results
from vrhub.outcomes.indicator_results import return_indicators
from vrhub.outcomes.return_workflow import move
from vrhub.storage.warehouse import Warehouse


def by_code(results):  # type: ignore[no-untyped-def]
    return {r.indicator.code: r for r in results.results}


def test_the_kpi_moves_when_a_return_is_approved(services: AccessServices) -> None:
    outcomes = setup(services)
    values = {("young_people_new", "total", ""): 20, ("young_people_completed", "total", ""): 11,
              ("young_people_reached", "total", ""): 40, ("contact_hours", "total", ""): 200}
    receipt = returns.submit_return(outcomes, lead(), CODE, to_bytes(filled(outcomes,
                                                                            values=values)),
                                    "q1.xlsx")
    before = by_code(return_indicators(outcomes, lead(), programme=CODE))
    assert before["RET-COMPLETION"].status == "no data"  # submitted, not approved
    move(outcomes, VRU, receipt["return_id"], "review")
    move(outcomes, VRU, receipt["return_id"], "approve")
    after = return_indicators(outcomes, lead(), programme=CODE)
    assert after.framework_version == "vru-strategy-2025-1"
    assert after.indicator_version == "vru-indicators-2025-2"
    found = by_code(after)
    completion = found["RET-COMPLETION"].latest
    assert completion is not None
    assert (completion.period, completion.status) == ("2024-25-Q1", "off track")
    assert completion.value == pytest.approx(55.0)  # 11 of 20 = 55 per 100, target 60
    hours = found["RET-HOURS-PER-YP"].latest
    assert hours is not None and (hours.value, hours.status) == (5.0, "off track")
    # a borough analyst of Camden sees it; of Hackney does not
    assert by_code(return_indicators(outcomes, borough_analyst(CAMDEN), borough=CAMDEN))[
        "RET-YP-REACHED"].latest.value == 40  # type: ignore[union-attr]
    assert by_code(return_indicators(outcomes, borough_analyst(HACKNEY),
                                     borough=HACKNEY))["RET-YP-REACHED"].latest is None


def _warehouse(path: Path) -> Warehouse:
    wh = Warehouse(path)
    with connection(wh, write=True) as con:
        con.execute("CREATE TABLE istv_assault (assault_at TIMESTAMP, borough_code VARCHAR, "
                    "age_band VARCHAR, assault_method VARCHAR)")
        rows = []
        # April-June 2024: Camden 6 (2 under 25, 1 of them with a knife), Hackney 3, unplaced 1
        for month in ("04", "05", "06"):
            rows += [(f"2024-{month}-10 12:00", CAMDEN, "16-17", "knife_sharp"),
                     (f"2024-{month}-11 12:00", CAMDEN, "35-44", "fist"),
                     (f"2024-{month}-12 12:00", HACKNEY, "18-24", "fist")]
        rows = [*rows[:-1], ("2024-06-20 12:00", None, "25-34", "fist"),
                ("2024-07-01 12:00", CAMDEN, "25-34", "fist")]  # July: Q2 starts
        con.executemany("INSERT INTO istv_assault VALUES (?, ?, ?, ?)", rows)
        con.execute("CREATE TABLE mps_crime_count (level VARCHAR, month VARCHAR, area_code "
                    "VARCHAR, major_category VARCHAR, minor_category VARCHAR, count DOUBLE)")
        mps = []
        for month in ("2024-04", "2024-05", "2024-06"):
            mps += [("borough", month, CAMDEN, "Violence Against the Person",
                     "Violence with Injury", 10.0),
                    ("borough", month, HACKNEY, "Violence Against the Person",
                     "Violence with Injury", 4.0)]
        con.executemany("INSERT INTO mps_crime_count VALUES (?, ?, ?, ?, ?, ?)", mps)
        con.execute("CREATE TABLE area_lookup (lsoa21_code VARCHAR, borough_code VARCHAR)")
        con.executemany("INSERT INTO area_lookup VALUES (?, ?)",
                        [("E01000001", CAMDEN), ("E01000002", HACKNEY)])
        con.execute("CREATE TABLE population (lsoa_code VARCHAR, lsoa_vintage VARCHAR, "
                    "sex VARCHAR, age_band VARCHAR, source VARCHAR, year INTEGER, count DOUBLE)")
        con.executemany("INSERT INTO population VALUES (?, '2021', 'persons', ?, 'census2021', "
                        "2021, ?)", [("E01000001", "all", 200_000), ("E01000001", "0-15", 30_000),
                                     ("E01000001", "16-29", 28_000),
                                     ("E01000002", "all", 100_000), ("E01000002", "0-15", 20_000),
                                     ("E01000002", "16-29", 14_000)])
    return wh


def test_hub_indicators_match_hand_counts(services: AccessServices, tmp_path: Path) -> None:
    outcomes = setup(services)
    with _warehouse(tmp_path / "w.duckdb") as wh:
        done = compute_and_store(outcomes, VRU, wh)
    assert done["indicator_version"] == "vru-indicators-2025-2"
    camden = {h["indicator"]["code"]: h for h in hub_results(outcomes, VRU, borough=CAMDEN)}
    ed = camden["HUB-ED-ASSAULT"]
    # Q2 2024/25 has only July's ED data: not complete in every source, so "no data"
    assert [p["period"] for p in ed["series"]] == ["2024-25-Q1", "2024-25-Q2"]
    assert ed["series"][1]["value"] is None
    assert ed["latest"]["period"] == "2024-25-Q1"
    assert ed["latest"]["numerator"] == 6 and ed["latest"]["value"] == pytest.approx(3.0)
    # under 25: 3 of Camden's (16-17) / residents under 25 = 30,000 + 28,000 * 9/14
    u25 = camden["HUB-ED-ASSAULT-U25"]["latest"]
    assert u25["denominator"] == pytest.approx(30_000 + 28_000 * 9 / 14)
    assert u25["value"] == pytest.approx(3 / (30_000 + 18_000) * 100_000)
    assert camden["HUB-ED-KNIFE"]["latest"]["numerator"] == 3
    assert camden["HUB-VWI"]["latest"]["value"] == pytest.approx(30 / 200_000 * 1000)
    assert camden["HUB-ED-POLICE-RATIO"]["latest"]["value"] == pytest.approx(6 / 30)
    assert camden["HUB-KNIFE-CRIME"]["status"] == "no data"  # no such table loaded
    assert camden["HUB-ED-ASSAULT"]["framework_version"] == "vru-strategy-2025-1"
    london = {h["indicator"]["code"]: h for h in hub_results(outcomes, VRU)}
    # London counts the unplaced record too: 6 + 2 + 1 (Hackney lost one row above)
    assert london["HUB-ED-ASSAULT"]["latest"]["numerator"] == 9
    assert london["HUB-ED-ASSAULT"]["area"] == LONDON
    with pytest.raises(PermissionDenied,
                       match=r"may not read outcomes: outside your boroughs: E09000007"):
        hub_results(outcomes, borough_analyst(HACKNEY), borough=CAMDEN)
    with pytest.raises(PermissionDenied,
                       match=r"may not manage programmes: the programme lead role may not "
                             r"manage programmes"):
        compute_and_store(outcomes, lead(), Warehouse(tmp_path / "w.duckdb"))
    # computing again replaces, never duplicates
    with Warehouse(tmp_path / "w.duckdb") as wh:
        again = compute_and_store(outcomes, ADMIN, wh)
    assert again["results"] == done["results"]


def test_knife_crime_indicator_reads_the_monthly_crime_dashboard(
        services: AccessServices, tmp_path: Path) -> None:
    from vrhub.standards.mps_dashboard import MPS_DASHBOARD_COUNT

    outcomes = setup(services)
    with _warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([MPS_DASHBOARD_COUNT])
        rows = []
        for month, camden, hackney in (("2024-04", 5, 2), ("2024-05", 7, 1),
                                       ("2024-06", 3, 4)):
            for code, count in ((CAMDEN, camden), (HACKNEY, hackney)):
                rows += [(month, "Borough", code, "Knife Crime", "Knife Crime", "Offences",
                          count),
                         # other subtypes, measures and an SNT row are not knife crime
                         (month, "Borough", code, "Knife Crime", "Knife Crime with Injury",
                          "Offences", 100),
                         (month, "Borough", code, "Knife Crime", "Knife Crime",
                          "Positive Outcomes", 100),
                         (month, "Safer Neighbourhood Teams", "E05013570", "Knife Crime",
                          "Knife Crime", "Offences", 100)]
        execute(wh, "INSERT INTO mps_dashboard_count (month, area_type, area_code, crime_type, "
                "crime_subtype, measure, count, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'f')",
                many=rows)
        compute_and_store(outcomes, VRU, wh)
    camden = {h["indicator"]["code"]: h for h in hub_results(outcomes, VRU, borough=CAMDEN)}
    knife = camden["HUB-KNIFE-CRIME"]["latest"]
    assert knife["period"] == "2024-25-Q1" and knife["numerator"] == 5 + 7 + 3
    assert knife["value"] == pytest.approx(15 / 200_000 * 100_000)
    london = {h["indicator"]["code"]: h for h in hub_results(outcomes, VRU)}
    assert london["HUB-KNIFE-CRIME"]["latest"]["numerator"] == 15 + 7
