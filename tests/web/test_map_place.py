"""Maps that show place: borough and ward outlines with names, hotspots named by ward and
nearest street (checked against a brute-force search over the warehouse), distinct legend
colours kept equal to the stylesheet, street-scale KDE defaults and a basemap file served
with byte ranges."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scipy import ndimage

from tests.warehouse_sql import query
from tests.web.conftest import sign_in
from tests.web.html import parse, table
from tests.web.pages_workspace import BOROUGH, add_accounts, copy_workspace, settings_for
from vrhub.analytics import hotspots, kde
from vrhub.storage.points import load_points, load_study_area
from vrhub.storage.warehouse import Warehouse
from vrhub.web.app import create_app
from vrhub.web.routes.pages_hotspots import CLASSIFY_COLOURS, swatch_slug

HTML = {"accept": "text/html"}
SCSS = Path(__file__).resolve().parents[2] / "src/vrhub/web/scss/vrhub.scss"


def warehouse(app: FastAPI) -> Warehouse:
    return Warehouse(Path(app.state.settings.home) / "warehouse.duckdb", read_only=True)


def client_for(app: FastAPI, email: str = "pan@example.org") -> TestClient:
    client = TestClient(app)
    sign_in(client, email)
    return client


def boundaries(app: FastAPI, level: str) -> dict[str, tuple[str, str, object]]:
    with warehouse(app) as wh:
        frame = query(wh, "SELECT code, name, borough_code, geometry FROM area_boundary "
                          "WHERE level = ?", [level])
    return {str(c): (str(n), str(b), shapely.from_wkb(bytes(g))) for c, n, b, g in
            frame.itertuples(index=False)}


def test_outlines_carry_every_area_name_at_a_point_inside_it(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    expected = boundaries(demo_app, "borough")
    data = client.get("/maps/outlines.geojson?level=borough").json()
    got = {f["properties"]["code"]: f for f in data["features"]}
    assert set(got) == set(expected)
    from pyproj import Transformer

    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    for code, feature in got.items():
        name, _parent, shape = expected[code]
        assert feature["properties"]["name"] == name
        lat, lon = feature["properties"]["at"]
        x, y = to_bng.transform(lon, lat)
        assert shape.buffer(5).contains(shapely.Point(x, y)), name
    wards = boundaries(demo_app, "ward22")
    mine = client.get(f"/maps/outlines.geojson?level=ward&borough={BOROUGH}").json()
    assert {f["properties"]["code"] for f in mine["features"]} == {
        c for c, (_n, parent, _g) in wards.items() if parent == BOROUGH}
    assert client.get("/maps/outlines.geojson?level=lsoa").status_code == 400


def brute_force_place(app: FastAPI, x: float, y: float) -> str:
    """Ward by point-in-polygon over every ward, street by the nearest police.uk point
    whose name ends in a street type: independent of the KD-tree and the place index."""
    wards = boundaries(app, "ward22")
    ward = next((n for n, _b, g in wards.values() if g.covers(shapely.Point(x, y))), None)
    with warehouse(app) as wh:
        streets = query(wh, "SELECT DISTINCT replace(location, 'On or near ', '') AS name, "
                            "easting, northing FROM police_street WHERE easting IS NOT NULL")
    last = streets["name"].str.split().str[-1].str.lower()
    streets = streets[last.isin({"road", "walk", "way", "terrace", "place", "close",
                                 "street", "lane", "avenue", "gardens", "grove", "drive",
                                 "crescent", "row", "square", "hill", "mews", "court"})]
    d = np.hypot(streets["easting"] - x, streets["northing"] - y)
    street = str(streets["name"].iloc[int(np.argmin(d))]) if d.min() <= 250 else None
    parts = [f"{ward} ward" if ward else None, street]
    return ", ".join(p for p in parts if p) if ward else (f"near {street}" if street else "")


def test_hotspots_are_named_by_ward_and_nearest_street(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    params = f"source=police&category=Robbery&method=gistar&cell_size=200&borough={BOROUGH}"
    page = parse(client.get(f"/hotspots?{params}", headers=HTML).text)
    rows = table(page, "Where the strongest hotspots are")
    assert rows, "the named-hotspots table is empty"
    for place, figure, centre in rows:
        x, y = (float(v) for v in centre.split(", "))
        assert place == brute_force_place(demo_app, x, y)
        assert figure.startswith("Hotspot: ")
    assert all(" ward, " in r[0] for r in rows)  # synthetic streets lie near every cell
    zs = [float(r[1].rsplit("z = ", 1)[1]) for r in rows]
    assert zs == sorted(zs, reverse=True)
    features = client.get(f"/maps/hotspots.geojson?{params}").json()["features"]
    labels = {f["properties"]["label"] for f in features}
    assert {f"{r[0]}: {r[1]}" for r in rows} <= labels


def rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def test_classify_legend_swatches_are_the_cells_colours(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    page = parse(client.get("/hotspots?method=classify&category=Burglary", headers=HTML).text)
    swatches = [s["class"][1] for s in page.select(".vrhub-legend .vrhub-swatch")]
    scss = dict(re.findall(r'"([a-z-]+)": (#[0-9a-f]{6})', SCSS.read_text()))
    assert swatches and "vrhub-swatch--none" not in swatches
    for name, colour in CLASSIFY_COLOURS.items():
        assert scss[swatch_slug(name)] == colour
    cells = client.get("/maps/hotspots.geojson?method=classify&category=Burglary").json()
    fills = {f["properties"]["fill"] for f in cells["features"]}
    assert fills == {scss[s.removeprefix("vrhub-swatch--")] for s in swatches}
    # nine distinct colours, and hotspots warm (red to yellow) where coldspots are cool
    assert len(set(CLASSIFY_COLOURS.values())) == len(CLASSIFY_COLOURS)
    for name, colour in CLASSIFY_COLOURS.items():
        hue = colorsys.rgb_to_hls(*rgb(colour))[0] * 360
        if name.endswith(" hotspot"):
            assert hue >= 300 or hue <= 70, name
        elif name.endswith(" coldspot"):
            assert 90 <= hue <= 270, name


def peaks(result: hotspots.HotspotResult) -> int:
    grid = np.zeros(result.grid.mask.shape)
    grid[result.grid.mask] = result.frame["kde"].to_numpy()
    top = grid >= np.quantile(result.frame["kde"], 0.9)
    return int((ndimage.maximum_filter(grid, size=3) == grid)[top & (grid > 0)].sum())


def test_dashboard_kde_resolves_street_scale_hotspots(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    params = f"source=police&category=Burglary&method=kde&borough={BOROUGH}"
    page = parse(client.get(f"/hotspots?{params}", headers=HTML).text)
    assert "100 m grid cells and a 300 m kernel radius" in page.get_text(" ")
    with warehouse(demo_app) as wh:
        points = load_points(wh, "police", ["Burglary"], borough=BOROUGH).frame
        area = load_study_area(wh, BOROUGH).geometry
    street = hotspots.run(points, area, "kde", cell_size=100,
                          bandwidth=kde.street_bandwidth(100))
    whole = hotspots.run(points, area, "kde", cell_size=100)
    assert whole.parameters["bandwidth"] > 2 * street.parameters["bandwidth"]
    assert peaks(street) > peaks(whole)
    assert street.parameters["bandwidth"] == 300


def test_basemap_file_is_served_in_ranges_and_drawn(pages_template: Path,
                                                    tmp_path: Path) -> None:
    tiles = tmp_path / "london.pmtiles"
    tiles.write_bytes(bytes(range(256)) * 64)
    home = copy_workspace(pages_template, tmp_path / "home")
    app = create_app(settings_for(home, basemap_file=tiles,
                                  tile_attribution="© OpenStreetMap contributors"))
    add_accounts(app)
    client = TestClient(app)
    part = client.get("/maps/basemap.pmtiles", headers={"range": "bytes=100-163"})
    assert part.status_code == 206
    assert part.content == tiles.read_bytes()[100:164]
    assert "blob:" in part.headers["content-security-policy"]
    sign_in(client, "pan@example.org")
    page = parse(client.get("/hotspots?method=count&category=Burglary", headers=HTML).text)
    element = page.select_one("[data-vrhub-map]")
    assert element is not None and element["data-pmtiles"] == "/maps/basemap.pmtiles"
    assert element["data-tile-attribution"] == "© OpenStreetMap contributors"
    assert page.select_one('script[src="/static/vendor/pmtiles/pmtiles.js"]') is not None


def test_without_a_basemap_maps_draw_outlines_only(demo_app: FastAPI) -> None:
    client = client_for(demo_app)
    assert client.get("/maps/basemap.pmtiles").status_code == 404
    page = parse(client.get(f"/boroughs/{BOROUGH}", headers=HTML).text)
    for element in page.select("[data-vrhub-map]"):
        assert not element.has_attr("data-pmtiles") and not element.has_attr("data-tile-url")
        assert element["data-borough"] == BOROUGH


@pytest.mark.parametrize("level", ["borough", "ward"])
def test_public_outlines_come_from_the_published_boundaries(demo_app: FastAPI,
                                                            level: str) -> None:
    public = TestClient(demo_app)
    data = public.get(f"/maps/outlines.geojson?level={level}").json()
    names = {c: n for c, (n, _b, _g) in
             boundaries(demo_app, "borough" if level == "borough" else "ward22").items()}
    got = {f["properties"]["code"]: f["properties"]["name"] for f in data["features"]}
    assert got == names  # every published area, named
    refused = public.get(f"/maps/outlines.geojson?level=ward&borough={BOROUGH}")
    assert refused.status_code >= 400
