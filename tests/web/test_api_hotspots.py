"""Hotspots (GeoJSON) and near-repeat over the API, and data quality per source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from tests.web.test_access_matrix import CAMDEN, CAMDEN_SITE, HACKNEY, World, build_world
from vrhub.settings import Settings
from vrhub.standards.geography_tables import AREA_BOUNDARY
from vrhub.storage.warehouse import Warehouse


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    path = home / "warehouse.duckdb"
    w = build_world(Settings.load({}, home=home, environment="test"))
    boxes = {CAMDEN: shapely.box(526000, 182000, 531000, 187000),
             HACKNEY: shapely.box(532000, 182000, 537000, 187000)}
    wh = w.app.state.warehouse if hasattr(w.app.state, "warehouse") else Warehouse(path)
    w.app.state.warehouse = wh
    wh.ensure_tables([AREA_BOUNDARY])
    import pandas as pd

    frame = pd.DataFrame([{"level": "borough", "code": code, "name": code,
                           "borough_code": code, "area_m2": box.area,
                           "geometry": shapely.to_wkb(box), "file_id": "b" * 64}
                          for code, box in boxes.items()])
    wh.insert(AREA_BOUNDARY, frame[[c for c in frame.columns
                                    if c in AREA_BOUNDARY.column_names]])
    yield w
    w.app.state.access.close()


def test_hotspot_cells_are_wgs84_polygons_summing_to_the_events(world: World) -> None:
    response = world.client.get("/api/v1/hotspots", params={
        "method": "count", "borough": CAMDEN, "cell_size": 250, "nonzero": "false"},
        headers=world.headers["camden"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    events = sum(f["properties"]["n"] for f in body["features"])
    # as seeded (month i has 8 + 4 * (i % 4) rows, all inside the box): by default the
    # latest 12 complete months, the second year of the 24
    assert events == sum(8 + 4 * (i % 4) for i in range(12, 24)) == 168
    assert body["metadata"]["period"]["preset"] == "latest"
    assert body["metadata"]["period"]["months"] == 12
    whole = world.client.get("/api/v1/hotspots", params={
        "method": "count", "borough": CAMDEN, "cell_size": 250, "nonzero": "false",
        "period": "custom", "from": "2000-01", "to": "2099-12"},
        headers=world.headers["camden"]).json()
    assert sum(f["properties"]["n"] for f in whole["features"]) == sum(
        8 + 4 * (i % 4) for i in range(24)) == 336
    assert whole["metadata"]["period"]["preset"] == "custom"
    lon, lat = shape(body["features"][0]["geometry"]).centroid.coords[0]
    assert -0.3 < lon < 0.0 and 51.4 < lat < 51.6
    assert body["metadata"]["source"]["borough"] == CAMDEN


def test_istv_hotspots_follow_the_borough_scope(world: World) -> None:
    before = world.audit_count()
    ok = world.client.get("/api/v1/hotspots?source=istv&method=count&cell_size=500",
                          headers=world.headers["camden"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["metadata"]["source"]["borough"] == CAMDEN
    assert world.audit_count() == before + 1
    refused = world.client.get(f"/api/v1/hotspots?source=istv&borough={HACKNEY}",
                               headers=world.headers["camden"])
    assert refused.status_code == 403
    assert world.audit_count() == before + 2


def test_administrators_do_not_run_police_hotspots(world: World) -> None:
    before = world.audit_count()
    response = world.client.get(f"/api/v1/hotspots?borough={CAMDEN}",
                                headers=world.headers["admin"])
    assert response.status_code == 403
    assert world.audit_count() == before + 1


def test_near_repeat_table(world: World) -> None:
    response = world.client.get("/api/v1/nearrepeat", params={
        "borough": CAMDEN, "distance_bands": "0,100,400", "time_bands": "0,31,62",
        "permutations": 19, "seed": 3}, headers=world.headers["pan"])
    assert response.status_code == 200, response.text
    table = response.json()["table"]
    assert len(table) == 4
    assert all(0 < r["p_value"] <= 1 for r in table)
    again = world.client.get(str(response.request.url),
                             headers=world.headers["pan"]).json()["table"]
    assert again == table  # seeded: repeatable
    bad = world.client.get("/api/v1/nearrepeat?distance_bands=a,b",
                           headers=world.headers["pan"])
    assert bad.status_code == 400 and "distance_bands" in bad.json()["error"]["message"]


def test_quality_istv_is_limited_to_the_leads_sites(world: World) -> None:
    body = world.client.get("/api/v1/quality/istv", headers=world.headers["ed"]).json()
    assert body["sites"] == [CAMDEN_SITE]
    assert {r["site_code"] for r in body["data"]["site_months"]} <= {CAMDEN_SITE}
    pan = world.client.get("/api/v1/quality/istv", headers=world.headers["pan"]).json()
    assert pan["sites"] is None
    assert world.client.get("/api/v1/quality/nope",
                            headers=world.headers["pan"]).status_code == 404


def test_api_and_command_line_near_repeat_give_the_same_table(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from vrhub.cli.main import main

    bands = {"distance_bands": "0,100,400", "time_bands": "0,31,62"}
    api = world.client.get("/api/v1/nearrepeat", params={
        "borough": CAMDEN, **bands, "period": "custom", "from": "2023-01", "to": "2024-12",
        "permutations": 19, "seed": 5}, headers=world.headers["pan"])
    assert api.status_code == 200, api.text
    capsys.readouterr()
    code = main(["nearrepeat", "--source", "police", "--borough", CAMDEN, "--from", "2023-01",
                 "--to", "2024-12", "--distance-bands", bands["distance_bands"],
                 "--time-bands", bands["time_bands"], "--permutations", "19", "--seed", "5",
                 "--json"], {"VRHUB_HOME": str(world.home), "VRHUB_ENVIRONMENT": "test"})
    cli = json.loads(capsys.readouterr().out)
    assert code == 0
    assert api.json()["metadata"]["n_events"] == cli["metadata"]["n_events"] == 336
    assert api.json()["table"] == cli["table"]
    assert sum(r["observed"] for r in cli["table"]) > 0
