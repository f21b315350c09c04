"""GeoJSON behind the dashboard's Leaflet maps (page support, not part of the API): the
choropleth's areas, boundary outlines, the violence x deprivation wards and the basemap
(:mod:`vrhub.web.choropleth` and :mod:`vrhub.web.deprivation_map` draw them; the hotspot
cells are served by the hotspot explorer's routes).

A public visitor's maps are drawn only from published outputs (``vrhub publish``): the
latest 12 months per borough or ward, the violence x deprivation wards and the boundary
layers, all in ``<home>/public``; no warehouse query is made for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from vrhub.access.principal import Principal
from vrhub.errors import NotFound, UserError
from vrhub.storage.names import area_names
from vrhub.web.choropleth import (
    area_features,
    boundary_features,
    choropleth,
    geojson_response,
    outline_features,
    parse_measure,
    published_choropleth,
    published_shapes,
)
from vrhub.web.deprivation_map import (
    deprivation_features,
    published_deprivation,
    violence_by_deprivation,
)
from vrhub.web.deps import current_principal
from vrhub.web.pages_support import open_warehouse, parse_filters, published_rows

router = APIRouter(prefix="/maps", include_in_schema=False)

@router.get("/areas.geojson")
def areas(request: Request, principal: Annotated[Principal, Depends(current_principal)],
          category: str | None = None, level: str | None = None, borough: str | None = None,
          to: str | None = None, measure: str | None = None) -> Response:
    start = request.query_params.get("from")
    chosen = parse_measure(measure)
    if principal.is_public:
        filters, errors = parse_filters(category, start, to, level, principal)
        if errors:
            raise UserError(next(iter(errors.values())))
        if borough:
            raise UserError("borough maps are for partners", hint="sign in")
        frame, _legend, _measure, _period = published_choropleth(
            request, filters.category, filters.level)
        return geojson_response(area_features(frame, published_shapes(request,
                                                                       filters.level)))
    with open_warehouse(request) as wh:
        if wh is None:
            return geojson_response([])
        frame, _legend, _measure = choropleth(request, wh, principal, category=category,
                                             start=start, end=to, level=level,
                                             borough=borough, measure=chosen)
        shapes = boundary_features(request, wh, level or "borough")
    return geojson_response(area_features(frame, shapes))


@router.get("/basemap.pmtiles")
def basemap(request: Request) -> Response:
    """The deployment's basemap file (VRHUB_BASEMAP_FILE), served with byte ranges for the
    PMTiles reader. Public, like the outlines: it holds no figures."""
    path = request.app.state.settings.basemap_file
    if path is None:
        raise NotFound("this deployment has no basemap file",
                        hint="set VRHUB_BASEMAP_FILE to a raster PMTiles file")
    if not Path(path).is_file():
        raise NotFound(f"the basemap file {path} is missing",
                        hint="check VRHUB_BASEMAP_FILE")
    return FileResponse(path, media_type="application/vnd.pmtiles",
                        headers={"cache-control": "public, max-age=86400"})


@router.get("/outlines.geojson")
def outlines(request: Request, principal: Annotated[Principal, Depends(current_principal)],
             level: str = "borough", borough: str | None = None) -> Response:
    """Borough or ward outlines with their names, drawn over every map (a ward layer can be
    limited to one borough). Boundaries are public: a visitor gets the published ones."""
    if level not in ("borough", "ward"):
        raise UserError(f"outlines are drawn for boroughs and wards (found {level!r})",
                        hint="use level=borough or level=ward")
    if principal.is_public:
        names = {str(r["area_code"]): str(r["area_name"])
                 for r in published_rows(request, f"mps-{level}-year") or []}
        within = None
        if borough:
            raise UserError("borough maps are for partners", hint="sign in")
        return geojson_response(outline_features(published_shapes(request, level), names,
                                                 within))
    with open_warehouse(request) as wh:
        if wh is None:
            return geojson_response([])
        shapes = boundary_features(request, wh, level)
        frame = area_names(wh, level)
        names = dict(zip(frame["code"].astype(str), frame["name"].astype(str), strict=True))
        if borough:
            parents = dict(zip(frame["code"].astype(str), frame["borough_code"].astype(str),
                               strict=True))
            within = {c for c in shapes if parents.get(c) == borough or c == borough}
        else:
            within = None
    return geojson_response(outline_features(shapes, names, within))


@router.get("/deprivation.geojson")
def deprivation(request: Request, principal: Annotated[Principal, Depends(current_principal)],
                borough: str | None = None, to: str | None = None) -> Response:
    if principal.is_public:
        if borough:
            raise UserError("borough maps are for partners", hint="sign in")
        rows, _summary = published_deprivation(request)
        return geojson_response(deprivation_features(rows, published_shapes(request,
                                                                             "ward")))
    with open_warehouse(request) as wh:
        if wh is None:
            return geojson_response([])
        rows, _summary = violence_by_deprivation(request, wh, borough=borough, end=to)
        shapes = boundary_features(request, wh, "ward")
    return geojson_response(deprivation_features(rows, shapes))
