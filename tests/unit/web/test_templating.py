"""What the page templates are given: months and dates in words, thousands separated,
the basemap a deployment chose, and pages rendered with their status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from tests.web.html import error_hint, error_page, parse
from vrhub import __version__
from vrhub.access.principal import PUBLIC
from vrhub.settings import Settings
from vrhub.standards.months import Month
from vrhub.web.templating import (
    BASEMAP_FILE_URL,
    basemap_attributes,
    long_date,
    make_templates,
    month_label,
    month_short,
    render,
)


@pytest.mark.parametrize(("value", "label", "short"), [
    ("2024-10", "October 2024", "Oct 2024"), (Month(2025, 1), "January 2025", "Jan 2025"),
    ("", "", ""), (None, "", ""), ("not a month", "not a month", "not a month")])
def test_months_in_words(value: object, label: str, short: str) -> None:
    assert (month_label(value), month_short(value)) == (label, short)


def test_dates_in_words() -> None:
    assert long_date(dt.date(2025, 12, 6)) == "6 December 2025"
    assert long_date(dt.datetime(2024, 2, 29, 23, 59)) == "29 February 2024"
    assert (long_date(None), long_date("soon")) == ("", "soon")


def test_the_basemap_a_deployment_chose(tmp_path: Path) -> None:
    def chosen(**overrides: object) -> dict[str, str]:
        return basemap_attributes(Settings.load({}, home=tmp_path, environment="test",
                                                **overrides))

    assert chosen() == {}  # clean outlines
    assert chosen(tile_url="https://tiles.example/{z}/{x}/{y}.png",
                  tile_attribution="© Example") == {
        "tile_url": "https://tiles.example/{z}/{x}/{y}.png", "attribution": "© Example"}
    assert chosen(basemap_file=tmp_path / "london.pmtiles") == {
        "pmtiles": BASEMAP_FILE_URL, "attribution": ""}


def test_filters_and_a_rendered_page() -> None:
    templates = make_templates()
    env = templates.env
    assert env.filters["thousands"](1234567) == "1,234,567"
    assert env.filters["thousands"](None) == ""
    assert env.globals["vrhub_version"] == __version__
    rendered = env.from_string("{{ m | month_label }} · {{ n | thousands }}").render(
        m="2024-03", n=12000.0)
    assert rendered == "March 2024 · 12,000"
    app = FastAPI()
    app.state.templates = templates

    @app.get("/gone")
    def gone(request: Request) -> Response:
        return render(request, "pages/error.html", status_code=410, page_title="Gone",
                      message="That page was taken down.", hint="use the overview",
                      status=410, principal=PUBLIC)

    response = TestClient(app).get("/gone")
    assert response.status_code == 410
    page = parse(response.text)
    assert error_page(page) == ("Gone", "That page was taken down.")
    assert error_hint(page) == "How to fix it: use the overview"
