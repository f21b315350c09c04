"""SVG charts for the dashboard pages (page support, not part of the API).

Each endpoint takes the same query parameters as the page that shows it, computes the same
(cached) figures the page's table shows, and returns an SVG image cached per parameter set
in the workspace. A public visitor's chart is drawn from the published outputs only (the
London monthly series ``vrhub publish`` wrote), never from the warehouse. A chart of ED
figures asks :meth:`~vrhub.access.policy.Policy.ed_figures` first (audited) and is kept
in memory only, keyed by the level and scope it was drawn for.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from vrhub.access.ed_figures import EDView
from vrhub.access.principal import Principal
from vrhub.errors import NotFound, UserError
from vrhub.reports import ed_figures
from vrhub.web import charts
from vrhub.web.data import data_version
from vrhub.web.deps import access, current_principal
from vrhub.web.ed_quality import quality_rows
from vrhub.web.pages_support import (
    cache_dir,
    cached_json,
    choose_period,
    london_monthly,
    months_available,
    open_warehouse,
    parse_filters,
    published_monthly,
    published_rows,
    published_version,
)
from vrhub.web.response_cache import Cached, cache_of

router = APIRouter(prefix="/charts", include_in_schema=False)


def svg_response(request: Request, name: str, params: dict[str, object],
                 build: object, version: str | None = None,
                 view: EDView | None = None) -> Response:
    """The chart ``build()`` draws, cached per parameters and ``version`` of the data
    (default: the warehouse's). A chart of ED figures passes its ``view``: part of the
    key, and the chart is kept in memory only."""
    version = data_version(request) if version is None else version
    if view is not None:
        params = {**params, "ed_view": view.cache_key()}
    key = hashlib.sha256(json.dumps([name, params, version],
                                    sort_keys=True, default=str).encode()).hexdigest()[:32]
    if view is not None:
        def draw() -> Cached:
            return Cached.of_bytes("", charts.to_svg(build()).encode(),  # type: ignore[operator]
                                   "image/svg+xml")

        entry = cache_of(request).get_or_build(f"private:chart-{name}-{key}", draw)
        return Response(entry.body, media_type="image/svg+xml",
                        headers={"cache-control": "private, no-store"})
    path = cache_dir(request) / f"chart-{name}-{key}.svg"
    if path.exists():
        svg = path.read_text(encoding="utf-8")
    else:
        svg = charts.to_svg(build())  # type: ignore[operator]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg, encoding="utf-8")
    return Response(svg, media_type="image/svg+xml",
                    headers={"cache-control": "private, max-age=300"})


@router.get("/trend.svg")
def trend(request: Request, principal: Annotated[Principal, Depends(current_principal)],
          category: str | None = None, to: str | None = None,
          borough: str | None = None) -> Response:
    """Monthly offences of a category in London or one borough."""
    filters, errors = parse_filters(category, request.query_params.get("from"), to, None,
                                    principal)
    if errors:
        raise UserError(next(iter(errors.values())))
    public = principal.is_public
    if borough and public:
        raise UserError("borough charts are for partners", hint="sign in")
    if public:
        published = published_rows(request, "mps-london-month")
        if published is None:
            raise NotFound("no public figures are published yet",
                           hint="an operator publishes them with vrhub publish")
        last = max((str(r["month"]) for r in published), default=None)
        filters, _period = choose_period(filters, request.query_params, last, errors)
        if errors:
            raise UserError(next(iter(errors.values())))
        rows = published_monthly(published, filters)
        return svg_response(
            request, "trend-public", filters.as_params(), lambda: charts.monthly_line(
                rows, title=f"{filters.category.capitalize()}, London, by month"),
            version=published_version(request))
    with open_warehouse(request) as wh:
        if wh is None:
            raise UserError("no data is loaded yet", hint="run vrhub demo or vrhub load")
        filters, _period = choose_period(filters, request.query_params,
                                         months_available(wh)[1], errors)
        if errors:
            raise UserError(next(iter(errors.values())))
        params = {**filters.as_params(), "borough": borough or ""}
        rows = cached_json(request, "london-monthly" if not borough else "borough-monthly",
                           params if borough else filters.as_params(),
                           lambda: london_monthly(wh, filters, borough))
    where = "this borough" if borough else "London"
    return svg_response(request, "trend", params, lambda: charts.monthly_line(
        rows, title=f"{filters.category.capitalize()}, {where}, by month"))


@router.get("/quality.svg")
def quality(request: Request, principal: Annotated[Principal, Depends(current_principal)],
            ) -> Response:
    """Quality score by month for the ED sites the principal may see."""
    rows, sites = quality_rows(request, principal)
    points = [{"site": r["site_code"], "month": r["month"], "score": r["quality_score"]}
              for r in rows if r["quality_score"] is not None]
    return svg_response(request, "quality", {"sites": sorted(sites)}, lambda: charts.score_lines(
        points, title="Quality score by month"))


@router.get("/hourday.svg")
def hour_day(request: Request, principal: Annotated[Principal, Depends(current_principal)],
             borough: str) -> Response:
    """ED assaults by hour and day of week in a borough: times of day are shown only inside
    the user's scope (refused, and audited, elsewhere)."""
    view = access(request).policy.ed_figures(principal, "hourday_chart", boroughs=[borough],
                                             fine=True).require()
    with open_warehouse(request) as wh:
        if wh is None:
            raise NotFound("no data is loaded yet", hint="run vrhub demo or vrhub load")
        rows = cached_json(request, "hourday", {"borough": borough},
                           lambda: ed_figures.hour_day(wh, view, borough), view=view)
    return svg_response(request, "hourday", {"borough": borough},
                        lambda: charts.hour_day_heatmap(rows, title="ED assaults by day and hour"),
                        view=view)
