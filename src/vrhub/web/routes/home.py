"""The London overview: headline figures with their trends, a choropleth by borough, ward
or LSOA, the violence x deprivation map of the VRU strategy, and current hotspots.

Everyone may see it. Partners see exact figures computed from the warehouse. A public
visitor sees only what ``vrhub publish`` wrote into ``<home>/public`` (disclosure-
controlled and scanned there; no LSOA level, no hotspot cells): the page never queries the
warehouse for them, and before anything is published it says so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.analytics.deprivation import GROUPS
from vrhub.web.choropleth import GROUP_COLOURS, PALETTE, choropleth, published_choropleth
from vrhub.web.deprivation_map import published_deprivation, violence_by_deprivation
from vrhub.web.deps import current_principal
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import (
    DEFAULT_CATEGORY,
    LEVEL_LABELS,
    PERIOD_CHOICES,
    PUBLIC_LEVELS,
    cached_json,
    choose_period,
    headlines,
    london_monthly,
    months_available,
    mps_categories,
    open_warehouse,
    parse_filters,
    published_categories,
    published_headlines,
    published_manifest,
    published_monthly,
    published_rows,
)

router = APIRouter(include_in_schema=False)


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def public_overview(request: Request, filters: Any, errors: dict[str, str],
                    context: dict[str, Any]) -> dict[str, Any]:
    """The overview's figures for a public visitor, from the published outputs only."""
    if published_manifest(request) is None:
        return {**context, "published": False}
    monthly_rows = published_rows(request, "mps-london-month") or []
    categories = published_categories(monthly_rows)
    if not categories:
        return {**context, "published": True}
    months = sorted({str(r["month"]) for r in monthly_rows})
    # the monthly series follows the period chosen (by default the latest 12 complete
    # published months); the map and headlines are published for the latest 12 only
    filters, period = choose_period(filters, request.query_params, months[-1], errors)
    if filters.category not in categories:
        errors["category"] = f"There is no category called {filters.category!r}"
        filters = replace(filters, category=DEFAULT_CATEGORY)
    frame, legend, measure, map_period = published_choropleth(request, filters.category,
                                                              filters.level)
    vxd_rows, vxd_summary = published_deprivation(request)
    query = query_string(category=filters.category, level=filters.level,
                         **{"from": filters.start, "to": filters.end})
    return {**context, "published": True, "has_data": True, "filters": filters,
            "categories": categories, "first": months[0], "last": months[-1],
            "headlines": published_headlines(
                published_rows(request, "overview-headlines") or []),
            "areas": json.loads(frame.to_json(orient="records")), "legend_entries": legend,
            "measure": measure, "map_period": map_period, "period": period,
            "monthly": published_monthly(monthly_rows, filters), "query": query,
            "vxd_rows": vxd_rows, "vxd_summary": vxd_summary,
            "group_colours": GROUP_COLOURS, "palette": PALETTE, "hotspot_query": "",
            "tile_url": request.app.state.settings.tile_url or ""}


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, principal: Annotated[Principal, Depends(current_principal)],
             category: str | None = None, level: str | None = None,
             to: str | None = None) -> HTMLResponse:
    start = request.query_params.get("from")
    filters, errors = parse_filters(category, start, to, level, principal)
    request.app.state.access.policy.enforce(
        principal, Action.READ_AGGREGATES, Resource.aggregates("overview"))
    context: dict[str, Any] = {"filters": filters, "errors": errors, "has_data": False,
                               "levels": [(k, LEVEL_LABELS[k]) for k in
                                          (PUBLIC_LEVELS if principal.is_public
                                           else ("borough", "ward", "lsoa"))],
                               "groups": GROUPS, "period_choices": PERIOD_CHOICES,
                               "high_violence": request.app.state.settings.high_violence_offences}
    if principal.is_public:
        context = public_overview(request, filters, errors, context)
        return render_page(request, "pages/overview.html", principal,
                           status_code=400 if errors else 200,
                           page_title="London overview", **context)
    with open_warehouse(request) as wh:
        categories = mps_categories(wh)
        if wh is not None and categories:
            first, last = months_available(wh)
            filters, period = choose_period(filters, request.query_params, last, errors)
            context.update(period=period, filters=filters)
            end = filters.end or last
            heads = cached_json(request, "headlines", {"end": end},
                                lambda: headlines(wh, None, end))
            if filters.category not in categories:
                errors["category"] = f"There is no category called {filters.category!r}"
                filters = replace(filters, category=DEFAULT_CATEGORY)
                context["filters"] = filters
            frame, legend, measure = choropleth(
                request, wh, principal, category=filters.category, start=filters.start,
                end=filters.end, level=filters.level, borough=None)
            monthly = cached_json(request, "london-monthly", filters.as_params(),
                                  lambda: london_monthly(wh, filters, None))
            vxd_rows, vxd_summary = violence_by_deprivation(request, wh, borough=None,
                                                            end=filters.end)
            query = query_string(category=filters.category, level=filters.level,
                                 **{"from": filters.start, "to": filters.end})
            context.update(
                has_data=True, categories=categories, first=first, last=last,
                headlines=heads, areas=json.loads(frame.to_json(orient="records")),
                legend_entries=legend, measure=measure, monthly=monthly, query=query,
                vxd_rows=vxd_rows, vxd_summary=vxd_summary, group_colours=GROUP_COLOURS,
                palette=PALETTE, hotspot_query=query_string(
                    source="police", category="Violence and sexual offences",
                    method="gistar", **{"from": filters.start, "to": filters.end}),
                tile_url=request.app.state.settings.tile_url or "")
    return render_page(request, "pages/overview.html", principal,
                       status_code=400 if errors else 200, page_title="London overview",
                       **context)
