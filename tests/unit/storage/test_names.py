"""The names people type, as the warehouse holds them: areas of each level with their
borough (one row per code), categories of each source, ED sites; nothing when a table is
not loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse_sql import execute
from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.storage.names import (
    AREA_COLUMNS,
    area_names,
    assault_methods,
    ed_sites,
    mps_categories,
    police_crime_types,
)
from vrhub.storage.warehouse import Warehouse

# LSOA, its ward, its borough
LOOKUP = [("E01001700", "Hackney 001A", "E05009372", "Dalston", "E09000012", "Hackney"),
          ("E01001701", "Hackney 001B", "E05009372", "Dalston", "E09000012", "Hackney"),
          ("E01001702", "Hackney 002A", "E05009373", "De Beauvoir", "E09000012", "Hackney"),
          ("E01003000", "Lambeth 001A", "E05014100", "Brixton North", "E09000022",
           "Lambeth")]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    frame = pd.DataFrame(LOOKUP, columns=["lsoa21_code", "lsoa21_name", "ward_code",
                                          "ward_name", "borough_code", "borough_name"])
    frame["file_id"] = "f"
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        warehouse.ensure_tables([AREA_LOOKUP])
        warehouse.insert(AREA_LOOKUP, frame[[c for c in frame.columns
                                             if c in AREA_LOOKUP.column_names]])
        execute(warehouse, "CREATE TABLE mps_crime_count (major_category VARCHAR, "
                           "minor_category VARCHAR)")
        execute(warehouse, "INSERT INTO mps_crime_count VALUES ('THEFT', 'SHOPLIFTING'), "
                           "('THEFT', 'BICYCLE THEFT'), ('ROBBERY', NULL)")
        yield warehouse


def names(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    assert list(frame.columns) == AREA_COLUMNS
    return {r.code: (r.name, r.borough_code) for r in frame.itertuples()}


def test_each_level_lists_each_area_once_with_its_borough(wh: Warehouse) -> None:
    assert names(area_names(wh, "borough")) == {"E09000012": ("Hackney", "E09000012"),
                                                "E09000022": ("Lambeth", "E09000022")}
    wards = area_names(wh, "ward")
    assert names(wards) == {"E05009372": ("Dalston", "E09000012"),
                            "E05009373": ("De Beauvoir", "E09000012"),
                            "E05014100": ("Brixton North", "E09000022")}
    assert set(wards["borough_name"]) == {"Hackney", "Lambeth"}
    assert len(area_names(wh, "lsoa")) == 4


def test_categories_are_the_distinct_majors_and_minors_sorted(wh: Warehouse) -> None:
    assert mps_categories(wh) == ["BICYCLE THEFT", "ROBBERY", "SHOPLIFTING", "THEFT"]


def test_tables_not_loaded_give_no_names(tmp_path: Path, wh: Warehouse) -> None:
    assert police_crime_types(wh) == [] and assault_methods(wh) == []
    assert list(ed_sites(wh).columns) == ["site_code", "site_name", "borough_code"]
    assert ed_sites(wh).empty
    with Warehouse(tmp_path / "empty.duckdb") as empty:
        assert area_names(empty, "ward").empty
        assert mps_categories(empty) == []
