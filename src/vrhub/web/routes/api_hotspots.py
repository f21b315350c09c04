"""Hotspots (GeoJSON grid cells) and the Knox near-repeat test, on request.

Both read event points, so both are limited to analysts:

- police.uk street crime (open data): pan-London analysts, borough analysts and ED data
  leads; administrators are refused (administration and analysis are kept apart) and the
  public is pointed at ``/api/v1/public``; refusals are audited;
- ED assaults (``istv``): through :meth:`~vrhub.access.policy.Policy.ed_figures` like
  every ED figure; grid cells and point pairs are finer than a ward, so they are shown
  only inside the caller's scope (borough analysts their boroughs, pan-London analysts
  London) and refused elsewhere; one audit event per request.

Results are cached like the other heavy aggregates (``ETag``, ``Cache-Control: private``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vrhub.access.principal import Principal
from vrhub.access.roles import Action, Role
from vrhub.access.scopes import Scope
from vrhub.errors import PermissionDenied, UserError
from vrhub.reports import periods
from vrhub.standards.months import Period
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.api_support import (
    PRIVATE_CACHE,
    FromQuery,
    PeriodQuery,
    ToQuery,
    YearQuery,
    ed_view,
    json_rows,
    refuse_public,
    view_scope,
)
from vrhub.web.data import warehouse
from vrhub.web.deps import access, current_principal
from vrhub.web.response_cache import cached_response

router = APIRouter(prefix="/api/v1", tags=["hotspots"], responses=ERROR_RESPONSES)

Store = Annotated[Warehouse, Depends(warehouse)]
PointSource = Literal["police", "istv"]
ANALYST_ROLES = (Role.PAN_LONDON_ANALYST, Role.BOROUGH_ANALYST, Role.ICB_ANALYST,
                 Role.ED_DATA_LEAD)
BoroughQuery = Annotated[str | None, Query(
    max_length=80, description="Borough by GSS code (E09…) or name; none: London.")]
CategoriesQuery = Annotated[list[str] | None, Query(
    max_length=20, description="police.uk crime type or ISTV assault method (any case; a "
    "mistyped name is refused with the nearest names).")]
MAX_FEATURES = 50_000


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]] = Field(
        description="One Feature per grid cell (Polygon, WGS84) with the cell's measures.")
    metadata: dict[str, Any] = Field(
        description="Method, parameters, automatic choices, notes, grid, summary, source.")


class NearRepeatOut(BaseModel):
    table: list[dict[str, Any]] = Field(
        description="One row per distance band x time band: observed pairs, simulated "
        "mean and median, Knox ratios and p-value.")
    metadata: dict[str, Any]


def point_access(request: Request, principal: Principal, source: str,
                 borough: str | None, what: str) -> tuple[Scope | None, str | None]:
    """Check access; returns (scope for ED data, the borough to analyse)."""
    refuse_public(request, principal, what)
    code = borough.upper() if borough else None
    if source == "istv":
        scope = view_scope(ed_view(request, principal, [code] if code else [],
                                   surface=f"api_{what}", fine=True))
        if code is None and not scope.everything:
            if len(scope.boroughs) != 1:
                raise UserError("you have more than one borough: name one",
                                hint="add borough=E09…")
            code = next(iter(scope.boroughs))
        return scope, code
    if principal.role not in ANALYST_ROLES:
        access(request).audit.record(principal, Action.READ_AGGREGATES.value,
                                     f"aggregates:{what}", outcome="denied", scope={},
                                     detail=f"{what} need an analyst role")
        refused = PermissionDenied(
            f"the {principal.role.label.lower()} role may not run {what}",
            hint="hotspot and near-repeat analysis is for analysts; this attempt has been "
            "recorded in the audit trail")
        refused.audited = True  # written just above
        raise refused
    return None, code


@dataclass(frozen=True)
class PointQuestion:
    """A hotspot or near-repeat request's names resolved and its period chosen."""

    scope: Scope | None
    borough: str | None
    categories: list[str]
    period: Period | None

    @property
    def months(self) -> tuple[str | None, str | None]:
        return periods.bounds(self.period)

    def cache_scope(self) -> dict[str, Any]:
        return {"scope": self.scope.to_dict() if self.scope else None,
                "months": self.months, "borough": self.borough,
                "categories": self.categories}


def checked_point_access(request: Request, wh: Warehouse, source: str,
                         borough: str | None, categories: list[str] | None,
                         asked: dict[str, str | None], what: str) -> PointQuestion:
    """Who is asking, :func:`point_access`, names turned into codes and the period chosen
    (the latest 12 complete months of the source unless the address names one), together
    (one trip through the pool)."""
    from vrhub.reports.names import resolve_borough, resolve_categories

    principal = current_principal(request)
    refuse_public(request, principal, what)
    code = resolve_borough(wh, borough) if borough else None
    scope, code = point_access(request, principal, source, code, what)
    names = resolve_categories(wh, source, categories or [])
    period = periods.choose(wh, source, preset=asked["period"], year=asked["year"],
                            first=asked["from"], last=asked["to"])
    return PointQuestion(scope, code, names, period)


@router.get("/hotspots", response_model=FeatureCollection,
            summary="Hotspot grid as GeoJSON (WGS84)",
            responses={200: {"content": {"application/geo+json": {}}}})
async def hotspots(
    request: Request, wh: Store,
    source: PointSource = "police",
    method: Literal["count", "kde", "gistar"] = "gistar",
    category: CategoriesQuery = None,
    month_from: FromQuery = None, month_to: ToQuery = None,
    period: PeriodQuery = None, year: YearQuery = None,
    borough: BoroughQuery = None,
    cell_size: Annotated[float | None, Query(ge=50, le=2000, description=(
        "Cell size in metres; none: chosen from the data and announced."))] = None,
    nonzero: Annotated[bool, Query(description="Only cells with events or a "
                                   "significant Gi* result.")] = True,
) -> Response:
    """Grid cells with event counts (and KDE, Gi* z, FDR-adjusted p and hotspot label for
    gistar), as a GeoJSON FeatureCollection in WGS84 with the result's metadata."""
    from vrhub.analytics.hotspots import run
    from vrhub.storage.points import load_points, load_study_area

    asked = {"period": period, "year": year, "from": month_from, "to": month_to}
    q = await run_in_threadpool(checked_point_access, request, wh, source, borough,
                                category, asked, "hotspots")
    scope, code = q.scope, q.borough

    def build() -> FeatureCollection:
        points = load_points(wh, source, q.categories or None, *q.months, code)
        if points.frame.empty:
            raise UserError("no events with a location match these filters",
                            hint="check source, category, borough, from and to")
        area = load_study_area(wh, code)
        result = run(points.frame, area.geometry, method, cell_size=cell_size)
        geo = result.to_geodataframe()
        if nonzero:
            keep = (geo["n"] > 0) if "n" in geo.columns else (geo["kde"] > 0)
            if "hotspot" in geo.columns:
                keep |= geo["hotspot"].astype(str) != "none"
            geo = geo[keep]
        if len(geo) > MAX_FEATURES:
            raise UserError(f"{len(geo):,} cells is too many to send",
                            hint="use a larger cell_size or name a borough")
        geo = geo.to_crs("EPSG:4326").drop(columns=["x", "y"], errors="ignore")
        features = json.loads(geo.to_json(na="null", drop_id=True))["features"]
        metadata = json.loads(json.dumps({
            **{k: v for k, v in result.metadata.items() if k != "crs"},
            "crs": "EPSG:4326 (cells computed on EPSG:27700)",
            "source": {"source": source, "table": points.table,
                       "categories": q.categories, "borough": area.code,
                       "area_name": area.name, "from": q.months[0], "to": q.months[1],
                       "events_without_location": points.without_location,
                       "date_precision": points.date_precision},
            "period": periods.describe(q.period),
            "scope": scope.to_dict() if scope else None,
        }, default=str))
        return FeatureCollection(features=features, metadata=metadata)

    return await cached_response(request, q.cache_scope(), build,
                                 cache_control=PRIVATE_CACHE,
                                 media_type="application/geo+json")


def _bands(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(f"{name} {text!r} is not a list of numbers",
                        hint=f"write {name} as comma-separated edges, e.g. 0,100,200,400"
                        ) from None
    return values


@router.get("/nearrepeat", response_model=NearRepeatOut,
            summary="Knox near-repeat test (table)")
async def nearrepeat(
    request: Request, wh: Store,
    source: PointSource = "police",
    category: CategoriesQuery = None,
    month_from: FromQuery = None, month_to: ToQuery = None,
    period: PeriodQuery = None, year: YearQuery = None,
    borough: BoroughQuery = None,
    distance_bands: Annotated[str, Query(max_length=200, description=(
        "Distance band edges in metres."))] = "0,100,200,400,800",
    time_bands: Annotated[str, Query(max_length=200, description=(
        "Time band edges in days."))] = "0,7,14,28,56",
    permutations: Annotated[int, Query(ge=9, le=999)] = 99,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 1,
) -> Response:
    """Are events close in space also close in time more often than chance? Pairs are
    counted in distance x time bands and compared with the same counts after shuffling
    times among locations (``permutations`` runs, ``seed`` for repeatability)."""
    from vrhub.analytics.nearrepeat import near_repeat
    from vrhub.storage.points import load_points

    asked = {"period": period, "year": year, "from": month_from, "to": month_to}
    q = await run_in_threadpool(checked_point_access, request, wh, source, borough,
                                category, asked, "near-repeat tests")
    scope, code = q.scope, q.borough

    def build() -> NearRepeatOut:
        points = load_points(wh, source, q.categories or None, *q.months, code)
        if len(points.frame) < 2:
            raise UserError("fewer than two events with a location match these filters",
                            hint="check source, category, borough, from and to")
        result = near_repeat(points.frame,
                             distance_bands=_bands(distance_bands, "distance_bands"),
                             time_bands=_bands(time_bands, "time_bands"),
                             permutations=permutations, seed=seed)
        metadata = json.loads(json.dumps({
            **result.metadata,
            "source": {"source": source, "categories": q.categories, "borough": code,
                       "from": q.months[0], "to": q.months[1], "events": len(points.frame),
                       "temporal_resolution": points.date_precision},
            "period": periods.describe(q.period),
            "scope": scope.to_dict() if scope else None,
        }, default=str))
        return NearRepeatOut(table=json_rows(result.table), metadata=metadata)

    return await cached_response(request, q.cache_scope(), build,
                                 cache_control=PRIVATE_CACHE)
