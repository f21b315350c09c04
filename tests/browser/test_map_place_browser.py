"""Maps that show place, in a real browser: borough and ward outlines drawn with their
names, a hotspot cell clicked for its named figures, distinct legend colours, axe clean.
Screenshots go to test-artifacts/screenshots/map-place-*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely

from tests.browser.support import axe_check, screenshot
from tests.browser.test_journeys import dashboard, maps_ready, sign_in  # noqa: F401
from tests.warehouse_sql import query
from tests.web.pages_workspace import BOROUGH
from vrhub.storage.warehouse import Warehouse

pytestmark = pytest.mark.browser


def names(home: Path, level: str, borough: str | None = None) -> set[str]:
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        frame = query(wh, "SELECT name, borough_code, geometry FROM area_boundary "
                          "WHERE level = ?", [level])
    return {str(n) for n, b, g in frame.itertuples(index=False)
            if borough is None or b == borough or shapely.from_wkb(bytes(g)) is None}


def test_hotspot_map_names_its_wards_and_cells(dashboard: Callable[[], Any],  # noqa: F811
                                               pages_template: Path) -> None:
    page = dashboard()
    sign_in(page, "pan@example.org")
    page.goto(f"/hotspots?source=police&category=Robbery&method=gistar&cell_size=200"
              f"&borough={BOROUGH}")
    maps_ready(page)
    map_element = page.locator("#map-result")
    wards = names(pages_template, "ward22", BOROUGH)
    page.wait_for_function(
        "n => document.querySelectorAll('#map-result .vrhub-map__label--ward').length >= n",
        arg=len(wards))
    shown = set(map_element.locator(".vrhub-map__label--ward").all_inner_texts())
    assert shown == wards
    outlines = map_element.locator(".leaflet-outlines-pane path").count()
    assert outlines == len(names(pages_template, "borough")) + len(wards)
    first_place = page.locator("#named-hotspots tbody tr").first.locator("td").first
    place = first_place.inner_text()
    assert " ward" in place
    cell = map_element.locator(".leaflet-overlay-pane path.leaflet-interactive").first
    cell.click(force=True)
    popup = map_element.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert " ward" in text and "events, z = " in text
    screenshot(page, "map-place-hotspots")
    assert axe_check(page, "hotspots with places") == []


def test_classify_legend_colours_are_distinct(dashboard: Callable[[], Any]) -> None:  # noqa: F811
    page = dashboard()
    sign_in(page, "pan@example.org")
    page.goto("/hotspots?method=classify&category=Burglary")
    maps_ready(page)
    colours = page.eval_on_selector_all(
        ".vrhub-legend .vrhub-swatch", "els => els.map(e => getComputedStyle(e).backgroundColor)")
    fills = page.eval_on_selector_all(
        "#map-result .leaflet-overlay-pane path", "els => [...new Set(els.map("
        "e => e.getAttribute('fill')))]")
    assert len(colours) >= 2 and len(set(colours)) == len(colours)
    assert "rgb(177, 180, 181)" not in colours  # no grey "no data" swatches
    hexes = {"#" + "".join(f"{int(v):02x}" for v in c[4:-1].split(", ")) for c in colours}
    assert set(fills) == hexes
    screenshot(page, "map-place-classify")
    assert axe_check(page, "classify legend") == []


def test_an_area_between_the_cells_shows_its_figures(dashboard: Callable[[], Any],  # noqa: F811
                                                     pages_template: Path) -> None:
    """Selecting a ward anywhere (not only on a cell) opens its count for the same crime
    type and months as the cells, checked against the warehouse with SQL."""
    page = dashboard()
    sign_in(page, "pan@example.org")
    page.goto(f"/hotspots?source=police&category=Robbery&method=gistar&cell_size=200"
              f"&borough={BOROUGH}")
    maps_ready(page)
    map_element = page.locator("#map-result")
    wards = names(pages_template, "ward22", BOROUGH)
    page.wait_for_function(
        "n => document.querySelectorAll('#map-result .leaflet-areas-pane path').length >= n",
        arg=len(wards))
    area = map_element.locator(".leaflet-areas-pane path").last  # a ward, drawn last
    box = area.bounding_box()
    assert box is not None
    # the event Leaflet hears when the ward itself (not a cell above it) is selected
    area.dispatch_event("click", {"clientX": box["x"] + box["width"] / 2,
                                  "clientY": box["y"] + box["height"] / 2, "bubbles": True})
    popup = map_element.locator(".leaflet-popup-content")
    page.wait_for_function(
        "() => { const p = document.querySelector('#map-result .leaflet-popup-content');"
        " return p && !p.textContent.includes('counting'); }")
    text = popup.inner_text()
    name = text.split(":", 1)[0]
    assert name in wards, text
    with Warehouse(pages_template / "warehouse.duckdb", read_only=True) as wh:
        last = query(wh, "SELECT max(month) FROM police_street").iloc[0, 0]
        first = query(wh, "SELECT strftime(CAST(? || '-01' AS DATE) - INTERVAL 11 MONTH, "
                          "'%Y-%m')", [last]).iloc[0, 0]
        count = int(query(
            wh, "SELECT count(*) FROM police_street p JOIN area_boundary a ON a.code = "
                "p.ward_code WHERE a.name = ? AND a.borough_code = ? AND p.crime_type = "
                "'Robbery' AND p.month BETWEEN ? AND ?", [name, BOROUGH, first, last]).iloc[0, 0])
    assert text.startswith(f"{name}: {count:,} (Robbery, "), text
    screenshot(page, "map-place-area-figures")
    assert axe_check(page, "hotspots with an area's figures") == []


def _basemap_file(path: Path) -> Path:
    """A small raster PMTiles file over the synthetic boroughs (zooms 8 to 16), each tile a
    plain 256 x 256 PNG of one colour, written with the pmtiles package."""
    import io
    import math

    from PIL import Image
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    (west, east), (south, north) = zip(to_wgs84.transform(515_000, 165_000),
                                       to_wgs84.transform(535_000, 185_000), strict=True)
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (214, 229, 201)).save(buffer, format="PNG")
    png = buffer.getvalue()

    def tile(lon: float, lat: float, z: int) -> tuple[int, int]:
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    ids = []
    for z in range(8, 17):
        (x0, y0), (x1, y1) = tile(west, north, z), tile(east, south, z)
        ids += [zxy_to_tileid(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    with path.open("wb") as handle:
        writer = Writer(handle)
        for tile_id in sorted(ids):
            writer.write_tile(tile_id, png)
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                         "min_zoom": 8, "max_zoom": 16,
                         "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
                         "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7)},
                        {"attribution": "test tiles"})
    return path


def test_a_deployments_pmtiles_basemap_is_drawn_from_vrhub_itself(
        pages_template: Path, tmp_path: Path, live_server_factory: Any,
        page_factory: Callable[[str], Any]) -> None:
    """With VRHUB_BASEMAP_FILE set, the map draws raster tiles read from that file through
    /maps/basemap.pmtiles (byte ranges), nothing from another origin (the browser fixture
    fails any such request), with the attribution shown; axe clean."""
    from tests.web.pages_workspace import add_accounts, copy_workspace, settings_for
    from vrhub.web.app import create_app

    tiles = _basemap_file(tmp_path / "basemap.pmtiles")
    app = create_app(settings_for(copy_workspace(pages_template, tmp_path / "home"),
                                  basemap_file=tiles, tile_attribution="Test tiles"))
    add_accounts(app)
    server = live_server_factory(app)
    page = page_factory(server.url)
    page.set_default_timeout(20_000)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    sign_in(page, "pan@example.org")
    page.goto(f"/hotspots?source=police&category=Robbery&method=gistar&borough={BOROUGH}")
    maps_ready(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#map-result .leaflet-tile-pane img, "
        "#map-result .leaflet-tile-pane canvas')].some(t => (t.naturalWidth || t.width) > 0"
        " && (t.complete === undefined || t.complete))")
    assert any(u.endswith("/maps/basemap.pmtiles") for u in asked)
    assert all(u.startswith(server.url) or u.startswith(("blob:", "data:")) for u in asked)
    assert "Test tiles" in page.locator("#map-result .leaflet-control-attribution").inner_text()
    screenshot(page, "map-place-pmtiles")
    assert axe_check(page, "hotspots over a PMTiles basemap") == []
