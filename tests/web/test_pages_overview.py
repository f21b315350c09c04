"""The London overview, its maps and charts, navigation by role, and HTML error pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import query, scalar
from tests.web.conftest import sign_in
from tests.web.html import error_links, error_page, inset_texts, nav_labels, parse, text
from vrhub.standards.months import Period
from vrhub.storage.warehouse import Warehouse

HTML = {"accept": "text/html"}
QUINTILE_FILLS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f", "#7f0000")
"""The choropleth's five sequential classes, light to dark (written out, not imported)."""


def nav(html: str) -> list[str]:
    return nav_labels(parse(html))


def headline_values(page: BeautifulSoup) -> dict[str, str]:
    """Each headline figure by its label ("Robbery, October 2024 to September 2025")."""
    found = {}
    for box in page.find_all("div", class_="vrhub-headline"):
        label = box.find("span", class_="govuk-body-s")
        value = box.find("span", class_="vrhub-headline__value")
        found[text(label)] = text(value)
    return found


def map_sources(page: BeautifulSoup) -> list[str]:
    """The addresses of the GeoJSON layers the page's maps draw."""
    return [str(v) for tag in page.find_all(True) for k, v in tag.attrs.items()
            if k.startswith("data-") and isinstance(v, str) and ".geojson" in v]


def violence_last_12(home: Path) -> int:
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        return int(scalar(
            wh, "SELECT sum(count) FROM mps_crime_count WHERE level = 'borough' AND "
                "major_category = 'VIOLENCE AGAINST THE PERSON' AND month BETWEEN "
                "'2024-10' AND '2025-09'"))


def test_empty_workspace_says_what_to_do(app: FastAPI, make_user: Callable[..., str]) -> None:
    client = TestClient(app)
    response = client.get("/", headers=HTML)
    assert response.status_code == 200
    # a public visitor is told that nothing is published, and how it is
    [told] = inset_texts(parse(response.text))
    assert told.startswith("Nothing has been published yet")
    assert "with vrhub publish" in told
    assert nav(response.text) == ["Overview", "Public data", "Opportunities", "Sign in"]
    # a partner is told how to load data
    sign_in(client, make_user("pan@example.org", "pan_london_analyst"))
    partner = client.get("/", headers=HTML)
    [told] = inset_texts(parse(partner.text))
    assert told.startswith("No data has been loaded yet")
    assert "Run vrhub demo" in told


def test_public_overview_is_disclosure_controlled(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    page = parse(client.get("/", headers=HTML).text)
    shown = headline_values(page)["Violence against the person, October 2024 to September 2025"]
    value = int(shown.replace(",", ""))
    exact = violence_last_12(Path(demo_app.state.settings.home))
    assert value % 5 == 0 and abs(value - exact) <= 2.5
    # No small-area detail for the public: no LSOA level, no hotspot cells.
    level = page.find("select", id="level")
    assert isinstance(level, Tag)
    assert "lsoa" not in [o.get("value") for o in level.find_all("option")]
    assert not any("/maps/hotspots.geojson" in src for src in map_sources(page))
    refused = client.get("/?level=lsoa", headers=HTML)
    assert refused.status_code == 400
    assert list(error_links(parse(refused.text))) == ["#level"]


def test_analyst_sees_exact_figures_and_the_analyst_navigation(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    sign_in(client, "pan@example.org")
    html = client.get("/", headers=HTML).text
    assert nav(html) == ["Overview", "Boroughs", "Hotspots", "Trends", "Data quality",
                         "Returns", "Outcomes", "Incidents", "Plans", "Needs assessments",
                         "Account"]
    exact = violence_last_12(Path(demo_app.state.settings.home))
    page = parse(html)
    assert headline_values(page)[
        "Violence against the person, October 2024 to September 2025"] == f"{exact:,}"
    assert any(src.startswith("/maps/hotspots.geojson?") for src in map_sources(page))
    assert client.get("/?level=lsoa", headers=HTML).status_code == 200


def test_filters_live_in_the_url_and_bad_months_are_explained(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    ok = client.get("/?category=ROBBERY&level=ward&from=2025-01&to=2025-03", headers=HTML)
    assert ok.status_code == 200
    page = parse(ok.text)
    category = page.find("select", id="category")
    assert isinstance(category, Tag)
    assert [o.get("value") for o in category.find_all("option", selected=True)] == ["ROBBERY"]
    assert "/maps/areas.geojson?category=ROBBERY&level=ward&from=2025-01&to=2025-03" \
        in map_sources(page)
    bad = client.get("/?from=2025-13", headers=HTML)
    assert bad.status_code == 400
    summary = error_links(parse(bad.text))
    assert list(summary) == ["#from"]
    assert summary["#from"].startswith("Enter the start month as a month and year")
    assert "2025-13" in summary["#from"]


def test_choropleth_geojson_matches_the_table(demo_app: FastAPI) -> None:
    client = TestClient(demo_app)
    sign_in(client, "pan@example.org")
    data = client.get("/maps/areas.geojson?level=borough&category=ROBBERY").json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 6
    for feature in data["features"]:
        assert feature["properties"]["fill"] in QUINTILE_FILLS
        lon, lat = feature["geometry"]["coordinates"][0][0][:2] if \
            feature["geometry"]["type"] == "Polygon" else \
            feature["geometry"]["coordinates"][0][0][0][:2]
        assert -1 < lon < 1 and 51 < lat < 52  # WGS84 for Leaflet
    home = Path(demo_app.state.settings.home)
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        # the default period: the latest 12 complete months the data holds
        period = Period.latest_complete(str(scalar(wh, "SELECT max(month) FROM "
                                                       "mps_crime_count")))
        expected = {str(c): int(n) for c, n in query(
            wh, "SELECT area_code, sum(count) FROM mps_crime_count WHERE level = 'borough' "
                "AND major_category = 'ROBBERY' AND month BETWEEN ? AND ? GROUP BY 1",
            [period.first.iso, period.last.iso]).itertuples(index=False)}
    for feature in data["features"]:
        shown = re.search(r": ([\d,]+)", feature["properties"]["label"])
        assert shown and int(shown.group(1).replace(",", "")) == \
            expected[feature["properties"]["code"]]


def test_violence_deprivation_map_uses_the_strategy_groups(demo_app: FastAPI) -> None:
    data = TestClient(demo_app).get("/maps/deprivation.geojson").json()
    assert len(data["features"]) == 24
    labels = {f["properties"]["label"].split(": ")[1] for f in data["features"]}
    assert labels <= {"both", "violence only", "deprivation only", "neither"}


def test_chart_is_an_svg_image(demo_app: FastAPI) -> None:
    response = TestClient(demo_app).get("/charts/trend.svg?category=ROBBERY")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.lstrip().startswith("<svg")
    svg = BeautifulSoup(response.text, "html.parser")
    assert "Robbery, London, by month" in [text(t) for t in svg.find_all(["title", "text"])]


def test_page_errors_are_html_and_api_errors_stay_json(demo_app: FastAPI) -> None:
    client = TestClient(demo_app, raise_server_exceptions=False)
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert error_page(parse(page.text))[0] == "Page not found"
    api = client.get("/api/v1/no-such-thing", headers=HTML)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    redirect = client.get("/boroughs", headers=HTML, follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/sign-in?next=%2Fboroughs"


def test_unexpected_errors_show_a_generic_page(demo_app: FastAPI,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import vrhub.web.routes.home as home

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(home, "headlines", broken)
    client = TestClient(demo_app, raise_server_exceptions=False)
    sign_in(client, "pan@example.org")
    response = client.get("/?to=2025-02", headers=HTML)
    assert response.status_code == 500
    assert error_page(parse(response.text)) == ("Something went wrong",
                                                "Something went wrong on our side.")
    assert "secret internals" not in response.text
    assert json.loads(client.get("/api/v1/openapi.json").text)["openapi"]
