"""The violence x deprivation map: wards grouped by violence with injury over 12 months
and IMD deprivation, for partners from the warehouse (with the deployment's threshold),
for the public from the published outputs, and drawn as GeoJSON features. Groups and
their totals are counted here from the rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request

from vrhub.analytics.deprivation import GROUPS
from vrhub.standards.months import shift
from vrhub.web.choropleth import GROUP_COLOURS
from vrhub.web.deprivation_map import (
    deprivation_features,
    published_deprivation,
    violence_by_deprivation,
)
from vrhub.web.pages_support import open_warehouse


def asked(app: FastAPI) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/maps/deprivation.geojson",
                    "query_string": b"", "headers": [], "app": app})


def totals(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    areas = Counter(r["group"] for r in rows)
    events: Counter[str] = Counter()
    for r in rows:
        events[r["group"]] += r["count"] or 0
    return {g: {"areas": areas[g], "events": events[g]} for g in GROUPS}


def test_partners_see_every_ward_grouped_by_the_deployments_threshold(
        demo_app: FastAPI) -> None:
    threshold = int(demo_app.state.settings.high_violence_offences)
    with open_warehouse(asked(demo_app)) as wh:
        assert wh is not None
        rows, summary = violence_by_deprivation(asked(demo_app), wh, borough=None, end=None)
        assert rows
        for r in rows:
            violent = r["count"] > threshold
            assert r["group"] in (("both", "violence only") if violent else
                                  ("deprivation only", "neither")), r
        counted = totals(rows)
        assert {g: summary["groups"][g]["areas"] for g in GROUPS} == {
            g: counted[g]["areas"] for g in GROUPS}
        assert {g: summary["groups"][g]["events"] for g in GROUPS} == {
            g: counted[g]["events"] for g in GROUPS}
        first, last = summary["period"]
        assert first == shift(last, -11)  # twelve months
        one = rows[0]["area_code"]
        by_code = {r["area_code"]: r for r in rows}
        borough_rows, _ = violence_by_deprivation(asked(demo_app), wh, borough="E09990001",
                                                  end=last)
        assert 0 < len(borough_rows) < len(rows)  # one of the demo's six boroughs
        assert all(r == by_code[r["area_code"]] for r in borough_rows)
        demo_app.state.settings = demo_app.state.settings.model_copy(
            update={"high_violence_offences": 0})
        strict, _ = violence_by_deprivation(asked(demo_app), wh, borough=None, end=last)
    # with a threshold of none, every ward with an offence is a high-violence ward
    assert {r["group"] for r in strict if r["count"]} <= {"both", "violence only"}
    assert len(strict) == len(rows) and one in {r["area_code"] for r in strict}


def test_the_public_sees_the_published_wards_and_their_groups(demo_app: FastAPI) -> None:
    rows, summary = published_deprivation(asked(demo_app))
    assert rows
    assert summary["groups"] == totals(rows)
    assert summary["period"] == (rows[0]["period_from"], rows[0]["period_to"])


def test_features_are_drawn_for_wards_with_a_shape() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    rows = [{"area_code": "E05000001", "area_name": "Ward A", "group": "both"},
            {"area_code": "E05000002", "area_name": "Ward B", "group": "neither"},
            {"area_code": "E05000003", "area_name": "Ward C", "group": "unknown"}]
    features = deprivation_features(rows, {"E05000001": square, "E05000003": square})
    assert [f["properties"] for f in features] == [
        {"code": "E05000001", "fill": GROUP_COLOURS["both"], "label": "Ward A: both"},
        {"code": "E05000003", "fill": "#b1b4b6", "label": "Ward C: unknown"}]
    assert features[0]["geometry"] is square
