"""Counts and trends by area: the heavy aggregates of the API.

Who may ask:

- the public never runs ad-hoc aggregate queries; it is refused (403, audited) and pointed
  at the pre-computed, disclosure-checked outputs under ``/api/v1/public``;
- police.uk and MPS aggregates (open data): any signed-in role;
- ED (``istv``) aggregates: through :meth:`~vrhub.access.policy.Policy.ed_figures`, the
  one decision every surface showing ED data asks (one audit event per request): exact
  inside the caller's scope (pan-London analysts all of London, borough analysts their
  boroughs), disclosure-controlled elsewhere (1-7 suppressed, others rounded to 5, notes
  too), and LSOA figures (finer than a ward) only inside the scope. The answer says which
  (``detail``).

Each answer is computed once per query, caller scope and state of the warehouse, and kept
(:mod:`vrhub.web.response_cache`); responses carry that key as their ``ETag`` and
``Cache-Control: private, max-age=300``, and a matching ``If-None-Match`` gets 304. The
access check (and its audit event) always happens before the cache is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from vrhub.access.ed_figures import EDView
from vrhub.access.principal import Principal
from vrhub.access.scopes import Scope
from vrhub.errors import UserError
from vrhub.reports import ed_figures, periods
from vrhub.standards.months import Period
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES, Page
from vrhub.web.api_support import (
    PRIVATE_CACHE,
    FromQuery,
    PeriodQuery,
    ToQuery,
    YearQuery,
    ed_view,
    json_rows,
    next_page,
    refuse_public,
    view_scope,
)
from vrhub.web.data import warehouse
from vrhub.web.deps import current_principal
from vrhub.web.response_cache import cached_response

router = APIRouter(prefix="/api/v1", tags=["aggregates"], responses=ERROR_RESPONSES)

AREA_CODE = r"^[EeWw]\d{8}$"

Store = Annotated[Warehouse, Depends(warehouse)]
SourceName = Literal["mps", "police", "istv"]
LevelName = Literal["borough", "ward", "lsoa"]


PERIOD_DESCRIPTION = (
    "The months the answer covers and how they were chosen: preset (latest, rolling-12, "
    "financial-year, calendar-year or custom), from, to, months, title, label and "
    "statement (for example '12 months to September 2025 (October 2024 to September "
    "2025)'); null when the source holds no data.")


class CountPage(Page):
    source: SourceName
    level: LevelName
    rows: list[dict[str, Any]] = Field(
        description="area_code, area_name, category, month, count (null when suppressed).")
    scope: dict[str, Any] | None = Field(description="ED data: the scope counts were limited to.")
    detail: str | None = Field(
        default=None, description="ED data: exact (inside your scope) or disclosed "
        "(disclosure-controlled, outside it).")
    disclosure: dict[str, Any] | None = Field(
        description="What disclosure control did (ED data outside your scope).")
    provenance: list[dict[str, Any]]
    period: dict[str, Any] | None = Field(default=None, description=PERIOD_DESCRIPTION)
    notes: list[str]


class TrendResult(Page):
    source: SourceName
    level: LevelName
    parameters: dict[str, Any]
    summary: dict[str, Any]
    series: list[dict[str, Any]] = Field(
        description="Monthly counts with exact limits and rolling 12-month totals "
        "(one page of rows).")
    year_on_year: list[dict[str, Any]] = Field(
        description="Last 12 months against the same months a year earlier, per area and "
        "category: change, rate ratio with exact interval and p-value.")
    scope: dict[str, Any] | None
    detail: str | None = None
    disclosure: dict[str, Any] | None
    provenance: list[dict[str, Any]]
    period: dict[str, Any] | None = Field(default=None, description=PERIOD_DESCRIPTION)
    notes: list[str]


# -- access -------------------------------------------------------------------------------
def scoped_areas(areas: Sequence[str], scope: Scope | None) -> tuple[list[str], list[str]]:
    """(areas to query, areas to keep afterwards). Borough codes in ``areas`` are already
    inside ``scope``; finer codes are kept only among the scope's boroughs."""
    wanted = [a.upper() for a in areas]
    if scope is None or scope.everything:
        return wanted, []
    finer = [a for a in wanted if not a.startswith("E09")]
    boroughs = [a for a in wanted if a.startswith("E09")] or sorted(scope.boroughs)
    return boroughs, finer


def split_boroughs(areas: Sequence[str]) -> list[str]:
    return [a.upper() for a in areas if a.upper().startswith("E09")]


# -- helpers ------------------------------------------------------------------------------


def _keep_areas(frame: pd.DataFrame, finer: Sequence[str]) -> pd.DataFrame:
    if not finer:
        return frame
    return frame[frame["area_code"].astype(str).str.upper().isin(finer)]


AreaQuery = Annotated[list[str] | None, Query(
    description="Areas of the level by GSS code or name (Hackney, 'Abbey, Merton'), or "
    "boroughs (E09… or a name) for every area of the level in them.", max_length=50)]
CategoryQuery = Annotated[list[str] | None, Query(
    description="MPS minor or major category, police.uk crime type or ISTV assault method "
    "(any case; a mistyped name is refused with the nearest names).", max_length=20)]
LimitQuery = Annotated[int, Query(ge=1, le=5000)]
OffsetQuery = Annotated[int, Query(ge=0, le=10_000_000)]


@dataclass(frozen=True)
class AreaQuestion:
    """What a counts or trends request asks: the query parameters both endpoints take."""

    source: SourceName
    level: LevelName
    areas: list[str]
    categories: list[str]
    month_from: str | None
    month_to: str | None
    limit: int
    offset: int
    period: str | None = None
    year: str | None = None


async def area_question(
    source: SourceName = "police", level: LevelName = "borough",
    area: AreaQuery = None, category: CategoryQuery = None,
    month_from: FromQuery = None, month_to: ToQuery = None,
    period: PeriodQuery = None, year: YearQuery = None,
    limit: LimitQuery = 500, offset: OffsetQuery = 0,
) -> AreaQuestion:
    return AreaQuestion(source, level, list(area or []), list(category or []), month_from,
                        month_to, limit, offset, period, year)


Question = Annotated[AreaQuestion, Depends(area_question)]


@dataclass(frozen=True)
class Resolved:
    """An :class:`AreaQuestion` with names turned into codes and its period chosen."""

    areas: list[str]
    categories: list[str]
    period: Period | None

    @property
    def months(self) -> tuple[str | None, str | None]:
        return periods.bounds(self.period)


def resolve(wh: Warehouse, q: AreaQuestion) -> Resolved:
    """Names accepted wherever codes are ("did you mean" for a mistyped one), and the
    period the question covers (the latest 12 complete months unless it names one)."""
    from vrhub.reports.names import resolve_areas, resolve_categories

    areas = resolve_areas(wh, q.level, q.areas) if q.areas else []
    categories = resolve_categories(wh, q.source, q.categories) if q.categories else []
    period = periods.choose(wh, q.source, preset=q.period, year=q.year, first=q.month_from,
                            last=q.month_to, level=q.level if q.source == "mps" else None)
    return Resolved(areas, categories, period)


def _check_codes(areas: Sequence[str]) -> None:
    import re

    for code in areas:
        if not re.match(AREA_CODE, code):
            raise UserError(f"{code!r} is not an area code",
                            hint="give GSS codes such as E09000007 (borough) or E05… (ward), "
                            "or area names")


def _access(request: Request, principal: Principal, wh: Warehouse, q: AreaQuestion,
            what: str) -> tuple[EDView | None, Resolved]:
    refuse_public(request, principal, what)
    asked = resolve(wh, q)
    _check_codes(asked.areas)
    if q.source == "istv":
        return ed_view(request, principal, split_boroughs(asked.areas), surface=f"api_{what}",
                       fine=q.level == "lsoa"), asked
    return None, asked


async def checked_access(request: Request, wh: Warehouse, q: AreaQuestion,
                         what: str) -> tuple[EDView | None, Resolved]:
    """Who is asking, :func:`_access` and the question's names and period, from an
    asynchronous endpoint, in one trip through the thread pool (all may read a store)."""
    def check() -> tuple[EDView | None, Resolved]:
        return _access(request, current_principal(request), wh, q, what)

    return await run_in_threadpool(check)


def _cache_scope(view: EDView | None, asked: Resolved) -> dict[str, Any]:
    """What the answer depends on beyond its address: the caller's ED view and the period
    the address resolved to (the default moves when a month ends)."""
    return {"ed": view.cache_key() if view else None, "months": asked.months}


# -- endpoints ----------------------------------------------------------------------------
@router.get("/counts", response_model=CountPage, summary="Monthly counts by area")
async def counts(request: Request, wh: Store, q: Question) -> Response:
    """Counts per area, category and month from MPS recorded crime, police.uk street crime
    or ED assault attendances (ISTV, disclosure-controlled and limited to your scope)."""
    from vrhub.storage import series

    view, asked = await checked_access(request, wh, q, "counts")
    scope = view_scope(view) if view else None

    def build() -> CountPage:
        query_areas, finer = scoped_areas(asked.areas, scope)
        result = series.monthly_counts(wh, source=q.source, level=q.level,
                                       areas=query_areas or None,
                                       categories=asked.categories or None,
                                       period=asked.months)
        frame = _keep_areas(result.data, finer).sort_values(
            ["area_code", "category", "month"]).reset_index(drop=True)
        control, notes = None, list(result.notes)
        if view is not None:
            frame = ed_figures.shown_counts(frame, view)
            control = ed_figures.disclosure_of(frame, view)
            notes = ed_figures.shown_notes(notes, view)
        total = len(frame)
        page = frame.iloc[q.offset:q.offset + q.limit]
        return CountPage(source=q.source, level=q.level, total=total, limit=q.limit,
                         offset=q.offset, next=next_page(request, q.limit, q.offset, total),
                         rows=json_rows(page),
                         scope=scope.to_dict() if scope else None,
                         detail=view.detail.value if view else None, disclosure=control,
                         provenance=json_rows(pd.DataFrame(result.provenance)),
                         period=periods.describe(asked.period),
                         notes=notes)

    return await cached_response(request, _cache_scope(view, asked), build,
                                 cache_control=PRIVATE_CACHE)


@router.get("/trends", response_model=TrendResult,
            summary="Monthly series with rolling totals, and year-on-year change")
async def trends(request: Request, wh: Store, q: Question) -> Response:
    """Per area and category: monthly counts with exact Poisson limits and rolling 12-month
    totals, and the last 12 months against the year before (rate ratio with an exact
    conditional interval). ED data is disclosure-controlled and limited to your scope."""
    from vrhub.reports import trend_analysis as ta

    view, asked = await checked_access(request, wh, q, "trends")
    scope = view_scope(view) if view else None
    disclose = view is not None and not view.exact

    def build() -> TrendResult:
        query_areas, finer = scoped_areas(asked.areas, scope)
        period = asked.months
        counts = ta.trend_counts(wh, source=q.source, level=q.level, areas=query_areas,
                                 categories=asked.categories, period=period)
        series_result = ta.trend_series(wh, source=q.source, level=q.level,
                                        areas=query_areas, categories=asked.categories,
                                        period=period, counts=counts, disclose=disclose)
        yoy_notes: list[str] = []
        try:
            yoy = ta.trend_yoy(wh, source=q.source, level=q.level, areas=query_areas,
                               categories=asked.categories, period=period, counts=counts,
                               disclose=disclose)
            yoy_frame = _keep_areas(yoy.frame, finer)
            yoy_notes = list(yoy.notes)
        except UserError as exc:  # e.g. less than two years of data: the series stands
            yoy_frame = pd.DataFrame()
            yoy_notes = [f"no year-on-year change: {exc.message}"]
        frame = _keep_areas(series_result.frame, finer)
        total = len(frame)
        notes = [*series_result.notes, *yoy_notes]
        if view is not None:
            notes = ed_figures.shown_notes(notes, view)
        return TrendResult(
            source=q.source, level=q.level, total=total, limit=q.limit, offset=q.offset,
            next=next_page(request, q.limit, q.offset, total),
            parameters=series_result.parameters, summary=series_result.summary,
            series=json_rows(frame.iloc[q.offset:q.offset + q.limit]),
            year_on_year=json_rows(yoy_frame), scope=scope.to_dict() if scope else None,
            detail=view.detail.value if view else None,
            disclosure=series_result.disclosure if disclose else None,
            provenance=json_rows(pd.DataFrame(series_result.provenance)),
            period=periods.describe(asked.period), notes=notes)

    return await cached_response(request, _cache_scope(view, asked), build,
                                 cache_control=PRIVATE_CACHE)
