"""When a filter finds no events, the error names the part of the filter that emptied it,
with the counts the warehouse holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.street_rows import street_warehouse
from vrhub.errors import UserError
from vrhub.reports.empty_results import no_events
from vrhub.storage.warehouse import Warehouse

CAMDEN, HACKNEY, ISLINGTON, LAMBETH = "E09000007", "E09000012", "E09000019", "E09000022"
# (borough, month, crime type): Camden 3, Hackney 3, Islington 1; January to March 2024
ROWS = [(CAMDEN, "2024-01", "Burglary"), (CAMDEN, "2024-02", "Robbery"),
        (CAMDEN, "2024-03", "Burglary"), (HACKNEY, "2024-01", "Burglary"),
        (HACKNEY, "2024-02", "Burglary"), (HACKNEY, "2024-03", "Robbery"),
        (ISLINGTON, "2024-02", "Burglary")]


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = street_warehouse(tmp_path / "w.duckdb", "b" * 64, [
        {"month": month, "crime_type": kind, "easting": 528000.0 + i, "borough_code": borough}
        for i, (borough, month, kind) in enumerate(ROWS, start=1)])
    yield wh
    wh.close()


def test_nothing_loaded_is_refused_saying_how_to_load_it(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty.duckdb") as empty, \
            pytest.raises(UserError, match=r"no police\.uk street crimes in the warehouse") \
            as refused:
        no_events(empty, "police", categories=["Burglary"])
    assert "vrhub load police" in (refused.value.hint or "")


def test_months_outside_the_loaded_span_are_named(warehouse: Warehouse) -> None:
    error = no_events(warehouse, "police", start="2023-01", end="2023-06")
    assert str(error).startswith(
        "the police.uk street crimes loaded run from 2024-01 to 2024-03; "
        "none fall in 2023-01 to 2023-06")
    assert error.hint == "choose months between 2024-01 and 2024-03"


def test_a_borough_without_any_events_is_named(warehouse: Warehouse) -> None:
    error = no_events(warehouse, "police", borough=LAMBETH, borough_name="Lambeth")
    assert str(error).startswith(
        "the loaded police.uk street crimes (2024-01 to 2024-03) have none in Lambeth at all")


def test_a_category_that_never_occurs_is_named(warehouse: Warehouse) -> None:
    error = no_events(warehouse, "police", categories=["Arson", "Shoplifting"])
    assert str(error).startswith(
        "no police.uk street crimes are of the category Arson or Shoplifting in any month")


def test_a_category_missing_from_one_borough_gives_the_boroughs_count(
        warehouse: Warehouse) -> None:
    error = no_events(warehouse, "police", categories=["Robbery"], borough=ISLINGTON,
                      borough_name="Islington")
    assert str(error).startswith("Islington has 1 police.uk street crimes in 2024-01 to "
                                 "2024-03 but none of the category Robbery")


def test_months_that_miss_the_matching_events_give_their_count(warehouse: Warehouse) -> None:
    # Camden's one robbery was in February
    error = no_events(warehouse, "police", categories=["Robbery"], borough=CAMDEN,
                      borough_name="Camden", start="2024-03", end="2024-03")
    assert str(error).startswith("1 police.uk street crimes Robbery in Camden in 2024-01 to "
                                 "2024-03, but none in 2024-03 to 2024-03")
    assert error.hint == "widen the months (the data runs 2024-01 to 2024-03)"


def test_events_that_match_but_have_no_location_are_counted(warehouse: Warehouse) -> None:
    error = no_events(warehouse, "police", categories=["Burglary"], borough=HACKNEY,
                      start="2024-01", end="2024-02")
    assert str(error).startswith("2 police.uk street crimes match, but none has a location")
    told = no_events(warehouse, "police", categories=["Burglary"], selected=5)
    assert str(told).startswith("5 police.uk street crimes match")
