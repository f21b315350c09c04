"""Population denominators: mid-year estimates by sex and age with the year from the file
name, Census 2021 age bands read from their headings, density, and the rows refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.errors import InputError
from vrhub.ingest.inputs import discover
from vrhub.ingest.population import SOURCES, load_population
from vrhub.ingest.report import LoadReport
from vrhub.progress import Recording
from vrhub.storage.warehouse import Warehouse

[SOURCE] = SOURCES


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def load(wh: Warehouse, path: Path, text: str) -> LoadReport:
    path.write_text(text, encoding="utf-8")
    return load_population(wh, discover([path], SOURCE.patterns), Recording())


def stored(wh: Warehouse, source: str) -> dict[tuple[str, str, str], int]:
    frame = query(wh, "SELECT lsoa_code, sex, age_band, count FROM population WHERE source = ?",
                      [source])
    return {(r.lsoa_code, r.sex, r.age_band): int(r.count) for r in frame.itertuples()}


def test_a_mid_year_estimate_is_stored_by_sex_and_band_for_the_year_in_its_name(
        wh: Warehouse, tmp_path: Path) -> None:
    report = load(wh, tmp_path / "london-mid2019-pop.csv",
                  "LSOA11CD,LSOA11NM,Persons_All-Ages,Persons_0-15,Males_All-Ages\n"
                  "e01000001,City of London 001A,1636,258,850\n"
                  "E01000002,City of London 001B,1500,-3,700\n"      # negative: refused
                  "E01000001,City of London 001A,1700,260,900\n"     # twice: first kept
                  "E01000003,City of London 001C,1200,150,\n")       # blank: refused
    assert (report.rows_loaded, report.rows_quarantined) == (1, 3)
    assert stored(wh, "mye") == {("E01000001", "persons", "all"): 1636,
                                 ("E01000001", "persons", "0-15"): 258,
                                 ("E01000001", "males", "all"): 850}
    assert set(query(wh, "SELECT DISTINCT year FROM population")["year"]) == {2019}
    rules = set(query(wh, "SELECT rule FROM quarantine")["rule"])
    assert {"count:range", "lsoa:duplicate"} <= rules


def test_census_age_headings_become_bands(wh: Warehouse, tmp_path: Path) -> None:
    load(wh, tmp_path / "census2021-ts007a-lsoa.csv",
         "date,geography,geography code,Age: Total,Age: Aged 4 years and under,"
         "Age: Aged 5 to 9 years,Age: Aged 85 years and over\n"
         "2021,City of London 001F,E01032739,1500,60,55,30\n")
    assert stored(wh, "census2021") == {("E01032739", "persons", "all"): 1500,
                                        ("E01032739", "persons", "0-4"): 60,
                                        ("E01032739", "persons", "5-9"): 55,
                                        ("E01032739", "persons", "85+"): 30}


def test_census_density_is_stored_per_square_kilometre(wh: Warehouse, tmp_path: Path) -> None:
    load(wh, tmp_path / "census2021-ts006-lsoa.csv",
         "date,geography,geography code,Population Density: Persons per square kilometre\n"
         "2021,City of London 001F,E01032739,12345.6\n")
    density = query(wh, "SELECT lsoa_code, year, persons_per_km2 FROM population_density")
    assert density.to_dict("records") == [{"lsoa_code": "E01032739", "year": 2021,
                                          "persons_per_km2": 12345.6}]


def test_an_estimate_without_its_year_or_an_unknown_table_is_refused(
        wh: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the mid-year"):
        load(wh, tmp_path / "london-mid-pop.csv",
             "LSOA11CD,Persons_All-Ages\nE01000001,1636\n")
    with pytest.raises(InputError, match="not a recognised population table"):
        load(wh, tmp_path / "london-mid2020-pop.csv", "code,people\nE01000001,1636\n")
    assert not wh.has_table("population") or wh.count("population") == 0
