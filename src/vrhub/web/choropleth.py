"""Choropleth maps of the dashboard: quintile classes and their palette, simplified
boundaries keyed by area code, area values for partners (from the warehouse) and for the
public (from the published outputs), and the GeoJSON features the Leaflet maps draw.

Boundaries come from the warehouse (EPSG:27700), are simplified there (tolerance by level)
and sent in WGS 84 with coordinates rounded to about a metre, so a borough map of wards is
tens of kilobytes. Each feature carries its value, its colour class and a label; the page
draws the same classes as an HTML legend.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from fastapi.responses import Response
from starlette.requests import Request

from vrhub.access.principal import Principal
from vrhub.errors import UserError
from vrhub.storage.series import area_geometries
from vrhub.storage.warehouse import Warehouse
from vrhub.web.pages_support import (
    area_totals,
    cached_json,
    choose_period,
    months_available,
    parse_filters,
    published_rows,
)

PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f", "#7f0000")
"""Five sequential classes (light to dark), distinguishable in greyscale too."""
NO_DATA = "#b1b4b6"
TOLERANCE = {"borough": 40.0, "ward": 15.0, "lsoa": 5.0}

GROUP_COLOURS = {
    "both": "#7f0000",
    "violence only": "#fc8d59",
    "deprivation only": "#6baed6",
    "neither": "#f3f2f1",
}


def classes(values: Sequence[float | None]) -> tuple[list[int | None], list[dict[str, Any]]]:
    """Quintile classes of ``values`` (None stays unclassed) and the legend entries."""
    known = np.array([v for v in values if v is not None and not pd.isna(v)], dtype=float)
    if not len(known):
        return [None] * len(values), []
    edges = np.unique(np.quantile(known, [0, 0.2, 0.4, 0.6, 0.8, 1.0]))
    if len(edges) == 1:
        edges = np.array([edges[0], edges[0]])
    n = len(edges) - 1
    out: list[int | None] = []
    for v in values:
        if v is None or pd.isna(v):
            out.append(None)
            continue
        k = int(np.searchsorted(edges, float(v), side="right") - 1)
        out.append(min(max(k, 0), n - 1))
    offset = 5 - n  # fewer classes use the darker end of the palette
    legend = [{"index": i + offset, "colour": PALETTE[i + offset],
               "low": float(edges[i]), "high": float(edges[i + 1])} for i in range(n)]
    return [None if k is None else k + offset for k in out], legend


def boundary_features(request: Request, wh: Warehouse, level: str) -> dict[str, Any]:
    """Simplified WGS 84 boundaries of ``level`` keyed by area code (cached)."""

    def compute() -> dict[str, Any]:
        frame = area_geometries(wh, level)
        if frame is None:
            return {}
        frame = frame.copy()
        frame["geometry"] = shapely.simplify(frame.geometry.values, TOLERANCE[level],
                                             preserve_topology=True)
        frame = frame.to_crs(4326)
        frame["geometry"] = shapely.set_precision(frame.geometry.values, 1e-5)
        return {str(code): json.loads(shapely.to_geojson(geom))
                for code, geom in zip(frame["area_code"], frame.geometry, strict=True)}

    result: dict[str, Any] = cached_json(request, "boundaries", {"level": level}, compute)
    return result


def geojson_response(features: list[dict[str, Any]]) -> Response:
    body = json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))
    return Response(body, media_type="application/geo+json")


MEASURES = ("rate", "count")


def parse_measure(value: str | None) -> str | None:
    """'rate' (per 1,000 residents), 'count', or None (rate when populations are loaded)."""
    if value in (None, ""):
        return None
    if value not in MEASURES:
        raise UserError(f"show a rate or a count (found {value!r})",
                        hint="use measure=rate or measure=count")
    return value


def choropleth(request: Request, wh: Warehouse, principal: Principal, *, category: str | None,
               start: str | None, end: str | None, level: str | None,
               borough: str | None, measure: str | None = None
               ) -> tuple[pd.DataFrame, list[dict[str, Any]], str]:
    """Area values, legend and the measure's name ('rate' or 'count') for a choropleth
    (over the default period, the latest 12 complete months, when none is given):
    ``measure`` asks for one; a rate needs populations and falls back to counts."""
    filters, errors = parse_filters(category, start, end, level, principal)
    if errors:
        raise UserError(next(iter(errors.values())))
    filters, _period = choose_period(filters, request.query_params if not (start or end)
                                     else {"from": start or "", "to": end or ""},
                                     months_available(wh)[1], errors)
    if errors:
        raise UserError(next(iter(errors.values())))

    def compute() -> dict[str, Any]:
        totals = area_totals(wh, filters, borough)
        return {"rows": json.loads(totals.to_json(orient="records"))}

    rows = cached_json(request, "area-totals",
                       {**filters.as_params(), "borough": borough or ""}, compute)["rows"]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "count", "population",
                                        "rate_per_1000"])
    has_rates = bool(frame["rate_per_1000"].notna().any())
    measure = "count" if measure == "count" or not has_rates else "rate"
    column = "rate_per_1000" if measure == "rate" else "count"
    values = [None if pd.isna(v) else float(v) for v in frame[column]]
    frame["class"], legend = classes(values)
    return frame, legend, measure


def published_choropleth(request: Request, category: str, level: str
                         ) -> tuple[pd.DataFrame, list[dict[str, Any]], str,
                                    tuple[str | None, str | None]]:
    """Area values, legend, measure and period of the published latest-12-months figures
    of ``category`` by ``level`` (borough or ward)."""
    rows = [r for r in published_rows(request, f"mps-{level}-year") or []
            if r.get("category") == category]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "count", "population",
                                        "rate_per_1000"]).sort_values("area_name")
    frame = frame.reset_index(drop=True)
    frame["rate_per_1000"] = frame["rate_per_1000"].astype("float64")
    measure = "rate" if frame["rate_per_1000"].notna().any() else "count"
    column = "rate_per_1000" if measure == "rate" else "count"
    values = [None if pd.isna(v) else float(v) for v in frame[column]]
    frame["class"], legend = classes(values)
    period = (rows[0]["period_from"], rows[0]["period_to"]) if rows else (None, None)
    return frame, legend, measure, period


def published_shapes(request: Request, level: str) -> dict[str, Any]:
    """Published boundaries of ``level`` keyed by area code."""
    return {str(r["area_code"]): r["geometry"]
            for r in published_rows(request, f"boundaries-{level}") or []}


def area_features(frame: pd.DataFrame, shapes: dict[str, Any]) -> list[dict[str, Any]]:
    features = []
    for r in frame.to_dict("records"):
        geometry = shapes.get(str(r["area_code"]))
        if geometry is None:
            continue
        known = r["count"] is not None and not pd.isna(r["count"])
        count = f"{int(r['count']):,}" if known else "suppressed"
        rate = r["rate_per_1000"]
        label = f"{r['area_name']}: {count}" + (
            f" ({rate:.1f} per 1,000 residents)" if rate is not None and pd.notna(rate) else "")
        klass = r["class"]
        fill = NO_DATA if klass is None or pd.isna(klass) else PALETTE[int(klass)]
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"code": r["area_code"], "label": label, "fill": fill}})
    return features


def outline_features(shapes: dict[str, Any], names: dict[str, str],
                     within: set[str] | None = None) -> list[dict[str, Any]]:
    """Outlines of named areas with a point inside each to write its name at."""
    codes = [c for c in shapes if within is None or c in within]
    if not codes:
        return []
    geoms = shapely.from_geojson([json.dumps(shapes[c]) for c in codes])
    inside = shapely.point_on_surface(geoms)
    return [{"type": "Feature", "geometry": shapes[c], "properties": {
                "code": c, "name": names.get(c, c),
                "at": [round(float(shapely.get_y(p)), 5), round(float(shapely.get_x(p)), 5)]}}
            for c, p in zip(codes, inside, strict=True)]
