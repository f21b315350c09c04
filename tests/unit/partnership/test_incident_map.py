"""The map of an incident's near-repeat zone: ED sites within 5 km listed nearest first
with their distance, the zone drawn as a circle of its radius (in WGS84), each place a
labelled feature, and no hotspots without police.uk data."""

from __future__ import annotations

import math

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from vrhub.partnership.incident_map import (
    ED_COLOUR,
    ZONE_COLOUR,
    borough_hotspots,
    nearby,
    zone_features,
)

E, N = 530000.0, 180000.0
SITES = [{"site_code": "RJ121", "site_name": "Guy's", "easting": E + 3000, "northing": N + 4000},
         {"site_code": "RJ122", "site_name": None, "easting": E - 600, "northing": N + 800},
         {"site_code": "FAR", "site_name": "Far away", "easting": E + 4000, "northing": N + 4000},
         {"site_code": "NOWHERE", "easting": None, "northing": None}]


def test_ed_sites_within_five_km_nearest_first() -> None:
    found = nearby(E, N, 400, ed_sites=SITES, directory=None)
    assert [(p.name, p.distance_m) for p in found] == [("RJ122", 1000.0), ("Guy's", 5000.0)]
    assert math.hypot(4000, 4000) > 5000  # FAR lies just beyond


def test_the_zone_and_the_places_are_labelled_features() -> None:
    places = nearby(E, N, 400, ed_sites=SITES, directory=None)
    features = zone_features(E, N, 400, "Zone: 400 m, 14 days", places)
    assert features[0]["properties"]["fill"] == ZONE_COLOUR
    assert features[0]["properties"]["label"] == "Zone: 400 m, 14 days"
    zone = shape(features[0]["geometry"])
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    xs, ys = to_bng.transform(*(list(c) for c in zip(*zone.exterior.coords, strict=True)))
    back = shapely.Polygon(zip(xs, ys, strict=True))
    assert back.area == pytest.approx(math.pi * 400 ** 2, rel=0.01)
    assert back.centroid.distance(shapely.Point(E, N)) < 1
    labels = [f["properties"]["label"] for f in features]
    assert labels[1] == "Where the incident happened"
    assert labels[2:] == ["Emergency department: RJ122 (1,000 m)",
                          "Emergency department: Guy's (5,000 m)"]
    assert {f["properties"]["fill"] for f in features[2:]} == {ED_COLOUR}


def test_no_hotspots_without_police_data() -> None:
    none = borough_hotspots(None, "E09000007", E, N)
    assert none.note == "no police.uk street crimes are loaded, so no hotspots"
    assert (none.cells, none.numbered, none.caption) == ([], [], "Violence hotspots")
