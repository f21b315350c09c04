"""The warehouse questions behind the hub indicators, on a warehouse of a few rows: ED
assaults per month and borough (all, under 25, with a knife), MPS offences of a category
matched in any case, and residents per borough with age bands straddling 25 apportioned
by years. Every number is counted by hand from the rows below."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.standards.istv import ISTV_ASSAULT
from vrhub.standards.mps import MPS_CRIME_COUNT
from vrhub.standards.population import POPULATION
from vrhub.standards.schema import Table
from vrhub.storage.outcomes import hub
from vrhub.storage.warehouse import Warehouse

CAMDEN, HACKNEY = "E09000007", "E09000012"
LSOA_A, LSOA_B, LSOA_H = "E01000907", "E01000908", "E01001704"


def counts(frame: pd.DataFrame) -> dict[tuple[str, str | None], float]:
    return {(str(r["month"]), None if pd.isna(r["borough_code"]) else str(r["borough_code"])):
            float(r["count"]) for r in frame.to_dict("records")}


def insert(wh: Warehouse, table: Table, rows: list[dict[str, Any]]) -> None:
    wh.ensure_tables([table])
    wh.insert(table, pd.DataFrame(rows))


def assault(n: int, day: dt.date, age: str, method: str, borough: str | None
            ) -> dict[str, Any]:
    return {"assault_id": f"s:{n}", "submission_id": "s", "site_code": "RAL01",
            "assault_at": dt.datetime(day.year, day.month, day.day, 21),
            "assault_time_known": True, "assault_method": method, "location_type": "STREET",
            "age_band": age, "borough_code": borough}


def offence(level: str, area: str | None, major: str, minor: str, month: str,
            count: int) -> dict[str, Any]:
    return {"level": level, "area_code": area, "area_vintage": "2021", "area_name": "x",
            "borough_name": "x", "major_category": major, "minor_category": minor,
            "month": month, "count": count, "file_id": "f"}


def people(lsoa: str, source: str, year: int, band: str, count: int) -> dict[str, Any]:
    return {"lsoa_code": lsoa, "lsoa_vintage": "2021", "year": year, "source": source,
            "sex": "persons", "age_band": band, "count": count, "file_id": "f"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    path = tmp_path_factory.mktemp("hub") / "warehouse.duckdb"
    jan, feb = dt.date(2024, 1, 5), dt.date(2024, 2, 5)
    with Warehouse(path) as wh:
        insert(wh, ISTV_ASSAULT, [
            assault(1, jan, "11-15", "knife_sharp", CAMDEN),
            assault(2, jan, "18-24", "body", CAMDEN),
            assault(3, jan, "25-34", "knife_sharp", CAMDEN),
            assault(4, jan, "16-17", "body", None),  # no borough: London only
            assault(5, feb, "16-17", "knife_sharp", CAMDEN)])
        vap = "Violence Against the Person"
        insert(wh, MPS_CRIME_COUNT, [
            offence("borough", CAMDEN, vap, "Violence with Injury", "2024-01", 10),
            offence("borough", CAMDEN, vap, "Violence without Injury", "2024-01", 4),
            offence("borough", HACKNEY, vap, "Violence with Injury", "2024-01", 7),
            offence("borough", None, vap, "Violence with Injury", "2024-01", 3),
            offence("ward", "E05013652", vap, "Violence with Injury", "2024-01", 99),
            offence("borough", CAMDEN, "Knife Crime", "Knife Crime Offences", "2024-02", 2)])
        pop = []
        for lsoa, bands in ((LSOA_A, {"all": 1000, "0-15": 200, "16-19": 50, "20-29": 100,
                                      "30+": 650}),
                            (LSOA_B, {"all": 500, "0-15": 100, "16-19": 20, "20-29": 40,
                                      "30+": 340}),
                            (LSOA_H, {"all": 800, "0-15": 0, "16-19": 0, "20-29": 80,
                                      "30+": 720})):
            pop += [people(lsoa, "mye", 2022, band, n) for band, n in bands.items()]
            pop.append(people(lsoa, "census2021", 2021, "all", 1))  # older: not used
        insert(wh, POPULATION, pop)
        insert(wh, AREA_LOOKUP, [
            {"lsoa21_code": LSOA_A, "borough_code": CAMDEN, "file_id": "f"},
            {"lsoa21_code": LSOA_B, "borough_code": CAMDEN, "file_id": "f"},
            {"lsoa21_code": LSOA_H, "borough_code": HACKNEY, "file_id": "f"}])
    with Warehouse(path, read_only=True) as reader:
        yield reader


def test_ed_assaults_per_month_and_borough(warehouse: Warehouse) -> None:
    assert counts(hub.ed_assault_counts(warehouse)) == {
        ("2024-01", CAMDEN): 3, ("2024-01", None): 1, ("2024-02", CAMDEN): 1}
    assert counts(hub.ed_assault_counts(warehouse, under_25=True)) == {
        ("2024-01", CAMDEN): 2, ("2024-01", None): 1, ("2024-02", CAMDEN): 1}
    assert counts(hub.ed_assault_counts(warehouse, under_25=True, knife=True)) == {
        ("2024-01", CAMDEN): 1, ("2024-02", CAMDEN): 1}


def test_mps_offences_of_a_category_in_any_case(warehouse: Warehouse) -> None:
    # a minor category; only borough rows with a London borough code count
    assert counts(hub.mps_category_counts(warehouse, " violence WITH injury")) == {
        ("2024-01", CAMDEN): 10, ("2024-01", HACKNEY): 7}
    # else a major category: its minor categories summed
    assert counts(hub.mps_category_counts(warehouse, "violence against the person")) == {
        ("2024-01", CAMDEN): 14, ("2024-01", HACKNEY): 7}
    assert hub.mps_category_counts(warehouse, "arson").empty
    # without the Monthly Crime Dashboard, a recorded-crime category called Knife Crime
    assert counts(hub.knife_crime_counts(warehouse)) == {("2024-02", CAMDEN): 2}


def test_residents_from_the_newest_population_under_25_apportioned(
        warehouse: Warehouse) -> None:
    every, notes = hub.residents_by_borough(warehouse)
    assert dict(zip(every["borough_code"], every["population"], strict=True)) == {
        CAMDEN: 1500, HACKNEY: 800}
    assert notes == ["residents: mye 2022 (LSOA 2021), all ages"]
    young, notes = hub.residents_by_borough(warehouse, under_25=True)
    # 0-15 and 16-19 whole, half of 20-29 (20 to 24 of its ten years), none of 30+:
    # Camden 200 + 50 + 50 + 100 + 20 + 20, Hackney 80 / 2
    assert dict(zip(young["borough_code"], young["population"], strict=True)) == {
        CAMDEN: 440, HACKNEY: 40}
    assert notes == ["residents: mye 2022 (LSOA 2021), under 25 (age bands straddling 25 "
                     "apportioned by years)"]


def test_a_table_not_loaded_gives_no_data_not_an_error(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty.duckdb") as wh:
        for frame in (hub.ed_assault_counts(wh), hub.mps_category_counts(wh, "x"),
                      hub.knife_crime_counts(wh)):
            assert frame.empty and list(frame.columns) == ["month", "borough_code", "count"]
        residents, notes = hub.residents_by_borough(wh)
        assert residents.empty and notes == []
