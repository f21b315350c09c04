"""Map layers (vrhub.web.routes.maps): the basemap file, outline levels, and borough maps
kept for partners."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.route_paths import path_of
from vrhub.settings import Settings
from vrhub.web.app import create_app
from vrhub.web.routes import maps

JSON = {"accept": "application/json"}  # errors as JSON, not as a page


def test_the_basemap_is_served_only_when_the_deployment_has_one(tmp_path: Path) -> None:
    url = path_of(maps, maps.basemap)
    none = TestClient(create_app(Settings.load({}, home=tmp_path / "a",
                                               environment="test"))).get(url, headers=JSON)
    assert none.status_code == 404
    assert none.json()["error"]["message"] == "this deployment has no basemap file"
    tiles = tmp_path / "london.pmtiles"
    missing = TestClient(create_app(Settings.load(
        {}, home=tmp_path / "b", environment="test", basemap_file=tiles))).get(url, headers=JSON)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == f"the basemap file {tiles} is missing"
    tiles.write_bytes(b"PMTiles" + bytes(range(200)))
    served = TestClient(create_app(Settings.load(
        {}, home=tmp_path / "c", environment="test", basemap_file=tiles))).get(
        url, headers={"range": "bytes=0-6"})
    assert served.status_code == 206 and served.content == b"PMTiles"
    assert served.headers["content-type"] == "application/vnd.pmtiles"


def test_outlines_are_drawn_for_boroughs_and_wards_only(app: FastAPI) -> None:
    response = TestClient(app).get(path_of(maps, maps.outlines), params={"level": "lsoa"},
                                                   headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "outlines are drawn for boroughs and wards (found 'lsoa')")


@pytest.mark.parametrize("endpoint", [maps.outlines, maps.deprivation])
def test_a_visitor_is_refused_borough_maps(app: FastAPI, endpoint: object) -> None:
    response = TestClient(app).get(path_of(maps, endpoint),  # type: ignore[arg-type]
                                   params={"borough": "E09000007"}, headers=JSON)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "borough maps are for partners"
