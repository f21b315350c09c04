"""Names for map points: the nearest named street within 250 m (not a shop or a car park),
from the police.uk snap points when no gazetteer is built, and the ward."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.street_rows import street_warehouse
from vrhub.places.labels import STREET_RADIUS_M, describe, is_street, nearest_streets
from vrhub.storage.streets import street_points
from vrhub.storage.warehouse import Warehouse

# snap points: (location, easting, northing, how many crimes there)
SNAPS = [("On or near Mare Street", 535000.0, 184500.0, 3),
         ("On or near Supermarket", 535010.0, 184500.0, 1),
         ("On or near Broadway", 535500.0, 184500.0, 2),
         ("On or near Parking Area", 535700.0, 184500.0, 1)]


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    rows = [{"location": name, "easting": x, "northing": y, "lsoa21_code": "E01001700",
             "ward_code": "E05009372", "borough_code": "E09000012"}
            for name, x, y, n in SNAPS for _ in range(n)]
    wh = street_warehouse(tmp_path / "w.duckdb", "c" * 64, rows)
    yield wh
    wh.close()


@pytest.mark.parametrize(("name", "street"), [
    ("Kingsland High Street", True), ("Mare St", True), ("Broadway", True),
    ("Strand", True), ("Old Kent Road Superstore", False), ("Supermarket", False),
    ("Parking Area", False), ("", False)])
def test_only_names_ending_in_a_street_type_are_streets(name: str, street: bool) -> None:
    assert is_street(name) is street


def test_without_a_gazetteer_the_snap_points_in_the_box_are_the_streets(
        warehouse: Warehouse) -> None:
    found = street_points(warehouse, (534900, 184400, 535600, 184600))
    by_name = dict(zip(found["name"], found["weight"], strict=True))
    assert by_name == {"On or near Mare Street": 3.0, "On or near Supermarket": 1.0,
                       "On or near Broadway": 2.0}  # Parking Area lies outside the box


def test_each_point_is_named_by_the_nearest_street_within_reach(warehouse: Warehouse) -> None:
    east = np.array([535020.0, 535480.0, 535700.0, 535500.0 + STREET_RADIUS_M + 1])
    north = np.full(4, 184500.0)
    # the supermarket is nearer the first point, but it is no street; the car park is
    # no street either, and the last point is just beyond reach of the Broadway
    assert nearest_streets(warehouse, east, north) == ["Mare Street", "Broadway",
                                                       "Broadway", None]
    assert nearest_streets(warehouse, east, north, radius=10) == [None, None, None, None]
    assert nearest_streets(warehouse, np.array([]), np.array([])) == []


def test_a_label_names_what_is_known() -> None:
    assert describe("Dalston", "Kingsland High Street") == "Dalston ward, Kingsland High Street"
    assert describe("Dalston", None) == "Dalston ward"
    assert describe(None, "Mare Street") == "near Mare Street"
    assert describe(None, None) == ""
