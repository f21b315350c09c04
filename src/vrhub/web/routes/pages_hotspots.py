"""The hotspot explorer: pick source (police or ED), category, period, cell size and
method; see the result on a map with a summary, and download it.

Police points are open data; ED (ISTV) points are record-level, so an ED analysis is
limited to the boroughs the principal may see (audited through the policy layer).
Results are cached per parameter set, so a second look is instant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

import geopandas as gpd
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from vrhub.access.ed_figures import EDView
from vrhub.access.principal import Principal
from vrhub.analytics import hotspots, kde
from vrhub.errors import UserError
from vrhub.places.labels import place_labels
from vrhub.reports import periods
from vrhub.standards.months import ISO_MONTH, Month, Period
from vrhub.storage.catalogue import point_months
from vrhub.storage.points import load_points, load_study_area
from vrhub.storage.queries import catalogue as catalogue_queries
from vrhub.storage.warehouse import Warehouse
from vrhub.web.choropleth import PALETTE, classes, geojson_response
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import boroughs, cached_json, open_warehouse

router = APIRouter(include_in_schema=False)

METHODS = {
    "gistar": "Gi* hotspots (significant clusters)",
    "kde": "Kernel density (smoothed intensity)",
    "count": "Counts per grid cell",
    "change": "Change between the first and second half of the period",
    "classify": "Classify: persistent, emerging and former hotspots",
}
SOURCES = {"police": "Police-recorded crime (police.uk)", "istv": "ED assaults (ISTV)"}
CELL_SIZES = (0, 50, 100, 150, 200, 250, 500)

CLASSIFY_COLOURS = {"persistent hotspot": "#882255", "emerging hotspot": "#cc6677",
                    "intermittent hotspot": "#ddcc77", "former hotspot": "#999933",
                    "persistent coldspot": "#332288", "emerging coldspot": "#88ccee",
                    "intermittent coldspot": "#44aa99", "former coldspot": "#117733",
                    "mixed hot/coldspot": "#aa4499"}
"""Nine classes in Paul Tol's muted qualitative scheme, distinct under the common forms of
colour blindness; warm colours for hotspots, cool for coldspots. The stylesheet's swatch
classes (``vrhub-swatch--persistent-hotspot``...) hold the same colours (a test keeps them
equal)."""

MAX_CELLS_DRAWN = 3000
"""The map draws at most this many cells (the strongest); the downloads hold every cell."""
NAMED_ROWS = 10
"""Rows of the named-hotspots table under the map."""

KDE_CELL_SIZE = {"borough": 100, "london": 200}
"""Dashboard KDE cell sizes (metres) when none is given: street scale in a borough view."""


def swatch_slug(name: str) -> str:
    """'mixed hot/coldspot' -> 'mixed-hot-coldspot' (the stylesheet's swatch class)."""
    return "-".join(name.replace("/", " ").split())


@dataclass(frozen=True)
class HotspotParams:
    source: str = "police"
    category: str = ""
    start: str = ""
    end: str = ""
    cell_size: int = 0
    method: str = "gistar"
    borough: str = ""

    def query(self) -> str:
        return urlencode({"source": self.source, "category": self.category,
                          "from": self.start, "to": self.end,
                          "cell_size": self.cell_size or "", "method": self.method,
                          "borough": self.borough})


def parse_hotspot_params(query: Mapping[str, str]) -> tuple[HotspotParams, dict[str, str]]:
    errors: dict[str, str] = {}
    source = query.get("source") or "police"
    if source not in SOURCES:
        errors["source"] = f"Choose police or ED assaults (found {source!r})"
        source = "police"
    method = query.get("method") or "gistar"
    if method not in METHODS:
        errors["method"] = f"Choose one of the listed methods (found {method!r})"
        method = "gistar"
    start, end = (query.get("from") or "").strip(), (query.get("to") or "").strip()
    for name, value in (("from", start), ("to", end)):
        if value and not ISO_MONTH.fullmatch(value):
            errors[name] = f"Enter the month as YYYY-MM, for example 2024-06 (found {value!r})"
    if start and end and ISO_MONTH.fullmatch(start) and ISO_MONTH.fullmatch(end) and start > end:
        errors["from"] = f"The start month {start} is after the end month {end}"
    raw_size = (query.get("cell_size") or "").strip()
    size = 0
    if raw_size:
        if not raw_size.isdigit() or not 25 <= int(raw_size) <= 2000:
            errors["cell_size"] = (f"Enter a cell size from 25 to 2000 metres, or leave it empty "
                                   f"to choose one automatically (found {raw_size!r})")
        else:
            size = int(raw_size)
    params = HotspotParams(source, (query.get("category") or "").strip(),
                           start if "from" not in errors else "",
                           end if "to" not in errors else "", size, method,
                           (query.get("borough") or "").strip())
    return params, errors


def _categories(wh: Warehouse | None, source: str) -> list[str]:
    return catalogue_queries.categories(wh, source)


def _end_of_month(month: str) -> str:
    return Month.parse(month).last_day.isoformat()


def _check_scope(request: Request, principal: Principal,
                 params: HotspotParams) -> EDView | None:
    """ED points are finer than a ward: shown only inside the principal's scope (the one
    ED decision, audited); an ED data lead sees their own site's records. None for
    police data."""
    if params.source != "istv":
        return None
    policy = request.app.state.access.policy
    view: EDView = policy.ed_figures(principal, "hotspots_page",
                                     boroughs=[params.borough] if params.borough else (),
                                     fine=True, by_site=True).require()
    if not view.everything and not params.borough and not view.sites:
        raise UserError("an ED hotspot analysis needs a borough inside your access",
                        hint="choose one of your boroughs")
    return view


def run_analysis(wh: Warehouse, params: HotspotParams, view: EDView | None = None,
                 **extra: Any) -> hotspots.HotspotResult:
    points = load_points(wh, params.source, [params.category] if params.category else None,
                         start=params.start or None,
                         end=_end_of_month(params.end) if params.end else None,
                         borough=params.borough or None,
                         sites=view.sites if view is not None and view.sites else None)
    if not len(points.frame):
        raise UserError("there are no located events for these choices",
                        hint="widen the period or choose another category")
    area = load_study_area(wh, params.borough or None)
    return hotspots.run(points.frame, area.geometry, params.method,
                        cell_size=params.cell_size or None, **extra)


def _cell_styles(result: hotspots.HotspotResult) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Cells worth drawing, with fill, figures, a strength to rank them by (``score``) and
    whether each is a hot cell (``hot``: named in the table), and the legend entries."""
    frame = result.frame.copy()
    method = result.method
    legend: list[dict[str, Any]] = []
    if method == "gistar":
        frame = frame[frame["hotspot"].astype(str) != "none"].copy()
        kind = frame["hotspot"].astype(str)
        frame["fill"] = kind.map({"hotspot": "#d7301f", "coldspot": "#2171b5"})
        frame["figure"] = [f"{h}: {int(n):,} events, z = {z:.1f}" for h, n, z in
                           zip(kind.str.capitalize(), frame["n"], frame["gistar_z"],
                               strict=True)]
        frame["score"] = frame["gistar_z"].abs().astype(float)
        frame["hot"] = (kind == "hotspot").to_numpy()
        legend = [{"swatch": "hotspot", "label": "Hotspot"},
                  {"swatch": "coldspot", "label": "Coldspot"}]
    elif method == "classify":
        frame = frame[frame["classification"].astype(str) != "no pattern"].copy()
        kind = frame["classification"].astype(str)
        frame["fill"] = kind.map(CLASSIFY_COLOURS)
        frame["figure"] = [f"{k.capitalize()}: {int(n):,} events" for k, n in
                           zip(kind, frame["n"], strict=True)]
        rank = {k: len(CLASSIFY_COLOURS) - i for i, k in enumerate(CLASSIFY_COLOURS)}
        frame["score"] = kind.map(rank).astype(float) * 1e6 + frame["n"].astype(float)
        frame["hot"] = kind.str.endswith(" hotspot").to_numpy()
        legend = [{"swatch": swatch_slug(k), "label": k.capitalize()}
                  for k in CLASSIFY_COLOURS if (kind == k).any()]
    elif method == "change":
        frame = frame[frame["change"] != 0].copy()
        frame["fill"] = ["#d7301f" if c > 0 else "#2171b5" for c in frame["change"]]
        frame["figure"] = [f"{int(b):,} before, {int(a):,} after" for b, a in
                           zip(frame["n_before"], frame["n_after"], strict=True)]
        frame["score"] = frame["change"].abs().astype(float)
        frame["hot"] = (frame["change"] > 0).to_numpy()
        legend = [{"swatch": "hotspot", "label": "More events"},
                  {"swatch": "coldspot", "label": "Fewer events"}]
    else:
        column = "kde" if method == "kde" else "n"
        positive = frame[frame[column] > 0]
        cut = positive[column].quantile(0.5) if len(positive) else 0
        frame = positive[positive[column] >= cut].copy()
        values = [float(v) for v in frame[column]]
        klass, entries = classes(values)
        frame["fill"] = [PALETTE[k] if k is not None else "#b1b4b6" for k in klass]
        frame["figure"] = [f"{v:,.1f} events per km²" if method == "kde"
                           else f"{int(v):,} events" for v in values]
        frame["score"] = values
        frame["hot"] = True
        legend = [{"swatch": str(e["index"]),
                   "label": f"{e['low']:,.1f} to {e['high']:,.1f} per km²" if method == "kde"
                   else f"{int(e['low'])} to {int(e['high'])} events"} for e in entries]
    return frame, legend


def run_for_dashboard(wh: Warehouse, params: HotspotParams,
                      view: EDView | None = None) -> hotspots.HotspotResult:
    """The analysis with the dashboard's street-scale KDE defaults (announced in its notes):
    a 100 m grid in a borough (200 m London-wide) and a quartic radius of three cells,
    rather than the whole-area rules that blur a borough's streets into one blob."""
    if params.method != "kde" or params.cell_size:
        return run_analysis(wh, params, view)
    size = KDE_CELL_SIZE["borough" if params.borough else "london"]
    bandwidth = kde.street_bandwidth(size)
    result = run_analysis(wh, replace(params, cell_size=size), view, bandwidth=bandwidth)
    result.notes.insert(0, f"Street-scale defaults: {size} m grid cells and a {bandwidth:,.0f} m "
                        "kernel radius (three cells), so hotspots a street long stay "
                        "separate; enter a cell size to use the whole-area rules instead.")
    return result


def _named_cells(wh: Warehouse, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``place`` column ("Dalston ward, Kingsland High Street")."""
    frame = frame.copy()
    frame["place"] = place_labels(wh, frame["x"].to_numpy(float), frame["y"].to_numpy(float))
    return frame


def hotspot_cells(request: Request, wh: Warehouse, principal: Principal,
                  params: HotspotParams) -> dict[str, Any]:
    """The analysis as map features, summary, legend and the strongest hot cells named by
    ward and nearest street (cached per parameter set and ED view)."""
    view = _check_scope(request, principal, params)

    def compute() -> dict[str, Any]:
        result = run_for_dashboard(wh, params, view)
        frame, legend = _cell_styles(result)
        frame = frame.sort_values("score", ascending=False, kind="stable")
        frame = _named_cells(wh, frame.head(MAX_CELLS_DRAWN))
        half = result.grid.cell_size / 2
        boxes = shapely.box(frame["x"] - half, frame["y"] - half, frame["x"] + half,
                            frame["y"] + half)
        geo = gpd.GeoSeries(boxes, crs=27700).to_crs(4326)
        geo = gpd.GeoSeries(shapely.set_precision(geo.values, 1e-6), crs=4326)
        labels = [f"{p}: {f}" if p else f for p, f in
                  zip(frame["place"], frame["figure"], strict=True)]
        features = [{"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)),
                     "properties": {"fill": f, "label": lab, "stroke": "none"}}
                    for g, f, lab in zip(geo, frame["fill"], labels, strict=True)]
        hot = frame[frame["hot"]].head(NAMED_ROWS)
        named = [{"place": p or "Outside the loaded wards", "figure": f,
                  "easting": int(x), "northing": int(y)}
                 for p, f, x, y in zip(hot["place"], hot["figure"], hot["x"], hot["y"],
                                       strict=True)]
        meta = result.metadata
        return {"features": features, "legend": legend, "summary": meta["summary"],
                "notes": meta["notes"], "automatic": meta["automatic"],
                "cell_size": result.grid.cell_size, "cells_shown": len(features),
                "named": named}

    return cached_json(request, "hotspots", asdict(params), compute, view=view)


def with_period(wh: Warehouse | None, params: HotspotParams) -> tuple[HotspotParams,
                                                                      Period | None]:
    """``params`` with the period filled in: without months, the latest 12 complete
    months of the source's data (the default everywhere); with them, those months."""
    if params.start and params.end:
        return params, Period.custom(params.start, params.end)
    last = point_months(wh, params.source)[1] if wh is not None else None
    if last is None:
        return params, None
    if params.start or params.end:
        period = Period.custom(params.start or params.end, params.end or last)
    else:
        period = Period.latest_complete(last)
    return replace(params, start=period.first.iso, end=period.last.iso), period


@router.get("/hotspots", response_class=HTMLResponse)
def explorer(request: Request, principal: Annotated[Principal, Depends(signed_in)],
             ) -> HTMLResponse:
    params, errors = parse_hotspot_params(request.query_params)
    ran = bool(request.query_params) and not errors
    context: dict[str, Any] = {"params": params, "errors": errors, "methods": METHODS,
                               "sources": SOURCES, "result": None, "problem": None,
                               "tile_url": request.app.state.settings.tile_url or ""}
    with open_warehouse(request) as wh:
        context["categories"] = _categories(wh, params.source)
        context["boroughs"] = boroughs(wh)
        context["has_data"] = bool(_categories(wh, "police") or _categories(wh, "istv"))
        if ran and wh is not None:
            params, context["period"] = with_period(wh, params)
            context["params"] = params
            try:
                context["result"] = hotspot_cells(request, wh, principal, params)
            except UserError as exc:
                if exc.http_status in (401, 403):
                    raise
                context["problem"] = exc
    return render_page(request, "pages/hotspots.html", principal,
                       status_code=400 if errors else 200, page_title="Hotspot explorer",
                       query=params.query(), **context)


@router.get("/hotspots/download.{fmt}")
def download(request: Request, principal: Annotated[Principal, Depends(signed_in)],
             fmt: str) -> Response:
    if fmt not in ("csv", "geojson"):
        raise UserError(f"unknown download format {fmt!r}", hint="use csv or geojson")
    params, errors = parse_hotspot_params(request.query_params)
    if errors:
        raise UserError(next(iter(errors.values())))
    view = _check_scope(request, principal, params)
    with open_warehouse(request) as wh:
        if wh is None:
            raise UserError("no data is loaded yet", hint="run vrhub demo or vrhub load")
        params, period = with_period(wh, params)
        result = run_for_dashboard(wh, params, view)
    name = f"hotspots-{params.source}-{params.method}-{params.start}-to-{params.end}"
    if fmt == "csv":
        frame = result.frame.copy()
        # the period each cell's figures cover, stated in the file itself
        frame["period_from"], frame["period_to"] = params.start, params.end
        body = frame.to_csv(index=False)
        media = "text/csv"
    else:
        gdf = result.to_geodataframe().to_crs(4326)
        collection = json.loads(gdf.to_json())
        collection["metadata"] = {**result.metadata, "period": periods.describe(period)}
        body = json.dumps(collection, default=str)
        media = "application/geo+json"
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/maps/hotspots.geojson")
def hotspot_map(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                ) -> Response:
    """Grid cells are finer than wards: partners only."""
    params, errors = parse_hotspot_params(request.query_params)
    if errors:
        raise UserError(next(iter(errors.values())))
    with open_warehouse(request) as wh:
        if wh is None:
            return geojson_response([])
        params, _period = with_period(wh, params)
        cells = hotspot_cells(request, wh, principal, params)
    return geojson_response(cells["features"])
