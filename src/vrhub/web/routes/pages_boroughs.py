"""Borough profiles (one per borough in the workspace) and the trends page.

A profile shows the borough's headline figures and trend, its wards on a map, violence and
deprivation, hotspots, when ED assaults happen (hour x day), ED against police counts, the
most frequent locations (record-level: only within the user's scope, audited) and
downloads. The ED sections show what :meth:`~vrhub.access.policy.Policy.ed_figures`
decides (one audited decision per page): exact figures inside the user's scope; outside
it the ED-police table disclosure-controlled and no hour x day profile. The trends page
compares every borough's last 12 months with the year before.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.analytics.trends import year_on_year
from vrhub.errors import NotFound, PermissionDenied, UserError
from vrhub.reports import borough_profile, comparison, ed_figures
from vrhub.reports.headlines import HEADLINE_CATEGORIES
from vrhub.standards.months import shift
from vrhub.storage import catalogue
from vrhub.storage.series import monthly_counts
from vrhub.storage.warehouse import Warehouse
from vrhub.web import printing
from vrhub.web.data import area_directory
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import (
    PERIOD_CHOICES,
    Filters,
    boroughs,
    cached_json,
    choose_period,
    headlines,
    london_monthly,
    months_available,
    mps_categories,
    open_warehouse,
    parse_filters,
)
from vrhub.web.templating import month_label

router = APIRouter(include_in_schema=False)

TOP_LOCATIONS = 10

VIEWS = (("VIOLENCE WITH INJURY", "Violence with injury"), ("ROBBERY", "Robbery"),
         ("POSSESSION OF WEAPONS", "Weapons (possession of weapons: the recorded-crime "
          "category nearest to knife crime)"))
"""One-click views of the categories the partnership reports on, shown where the data
hold them."""


def _borough_name(wh: Warehouse | None, code: str) -> str:
    for c, name in boroughs(wh):
        if c == code:
            return name
    raise NotFound(f"there is no borough {code!r} in this workspace",
                   hint="choose a borough from the list at /boroughs")


def top_locations(request: Request, wh: Warehouse, principal: Principal, borough: str,
                  filters: Filters) -> tuple[list[dict[str, Any]], str | None]:
    """The most frequent police.uk locations of violence in ``borough``: record-level, so
    asked of the policy layer (audited) and refused outside the principal's scope."""
    try:
        request.app.state.access.policy.enforce_scope(
            principal, Action.READ_RECORDS, "police_street", boroughs=[borough],
            detail="top locations on the borough profile")
    except PermissionDenied:
        return [], "Top locations are record-level data; your access does not include " \
                   "this borough."
    violence = ["Violence and sexual offences"]
    found = catalogue.top_locations(wh, borough=borough, categories=violence,
                                    period=(filters.start, filters.end), limit=TOP_LOCATIONS)
    if found:
        return [{"location": loc, "count": n} for loc, n in found], None
    return [], empty_locations_reason(catalogue.street_coverage(
        wh, borough=borough, categories=violence), filters)


def empty_locations_reason(coverage: dict[str, Any], filters: Filters) -> str:
    """Why the top locations list is empty, and what to do."""
    if not coverage["loaded"]:
        return ("No police.uk street-level crime is loaded, so there are no locations to "
                "list. Load it with vrhub load police PATH (or vrhub fetch police-uk).")
    if not coverage["crimes"]:
        return ("The police.uk street-level crime loaded has none in this borough: load the "
                "files of the force that covers it (Metropolitan or City of London).")
    if not coverage["matching"]:
        return (f"The police.uk street-level crime loaded for this borough "
                f"({coverage['crimes']:,} crimes, mostly {coverage['common'].lower()}) has "
                "no violence and sexual offences. Load the full monthly files, not one crime "
                "type, to list the locations of violence.")
    covered = f"{month_label(coverage['first'])} to {month_label(coverage['last'])}"
    asked = (f"{month_label(filters.start)} to {month_label(filters.end)}"
             if filters.start and filters.end else "the period chosen")
    return (f"No violence and sexual offences are recorded at street level in this borough "
            f"in {asked}; the police.uk data covers them from {covered}. Choose a period "
            "inside those months.")


@router.get("/boroughs", response_class=HTMLResponse)
def borough_list(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                 ) -> HTMLResponse:
    with open_warehouse(request) as wh:
        items = boroughs(wh)
    icbs = sorted(area_directory(request).icbs.values(), key=lambda i: i.short_name)
    return render_page(request, "pages/boroughs.html", principal, page_title="Boroughs",
                       boroughs=items, icbs=icbs)


@router.get("/icbs/{code}", response_class=HTMLResponse)
def icb_page(request: Request, code: str, principal: Annotated[Principal, Depends(signed_in)],
             to: str | None = None) -> HTMLResponse:
    """An Integrated Care Board's own system: its boroughs' figures against London, and
    its emergency departments."""
    directory = area_directory(request)
    icb = directory.icbs.get(code) or directory.icbs.get(directory.find_icb(code) or "")
    if icb is None:
        raise NotFound(f"there is no integrated care board {code!r} in this workspace",
                       hint="choose one from the boroughs page")
    _filters, errors = parse_filters(None, None, to, "borough", principal)
    if errors:
        raise UserError(next(iter(errors.values())))
    with open_warehouse(request) as wh:
        if wh is None:
            raise NotFound("no data is loaded yet", hint="run vrhub demo or vrhub load")
        _first, last = months_available(wh)
        end = to or last
        system: dict[str, Any] = {"rows": []}
        if end is not None:
            wanted = [c for c in HEADLINE_CATEGORIES if c in set(mps_categories(wh))]
            system = cached_json(
                request, "icb-system", {"end": end, "icb": icb.code},
                lambda: comparison.compare_system(wh, list(icb.boroughs), wanted,
                                                  shift(end, -11), end))
    sites = [directory.sites[s] for s in icb.sites if s in directory.sites]
    return render_page(request, "pages/icb.html", principal, page_title=icb.name, icb=icb,
                       system=system, sites=sites, directory=directory)


@router.get("/boroughs/{code}", response_class=HTMLResponse)
def profile(request: Request, code: str, principal: Annotated[Principal, Depends(signed_in)],
            category: str | None = None, to: str | None = None) -> HTMLResponse:
    filters, errors = parse_filters(category, request.query_params.get("from"), to, "ward",
                                    principal)
    with open_warehouse(request) as wh:
        name = _borough_name(wh, code)
        if wh is None:  # a borough was found, so the warehouse exists
            raise NotFound("no data is loaded yet", hint="run vrhub demo or vrhub load")
        categories = mps_categories(wh)
        if filters.category not in categories:
            if category:
                errors["category"] = f"There is no category called {filters.category!r}"
            filters = Filters(categories[0] if categories and
                              filters.category not in categories else filters.category,
                              filters.start, filters.end, "ward")
        first, last = months_available(wh)
        filters, period = choose_period(filters, request.query_params, last, errors)
        end = filters.end or last
        heads = cached_json(request, "headlines-borough", {"end": end, "borough": code},
                            lambda: headlines(wh, code, end))
        versus = borough_comparison(request, wh, code, end)
        monthly = cached_json(request, "borough-monthly",
                              {**filters.as_params(), "borough": code},
                              lambda: london_monthly(wh, filters, code))
        ed = request.app.state.access.policy.ed_figures(principal, "borough_profile",
                                                        boroughs=[code])
        has_ed = ed_figures.has_ed_data(wh)
        hourday: list[dict[str, Any]] = []
        if ed.exact:
            try:
                hourday = cached_json(request, "hourday", {"borough": code},
                                      lambda: ed_figures.hour_day(wh, ed, code), view=ed)
            except UserError:
                hourday = []
        try:
            comparison = cached_json(request, "ed-police", {**filters.as_params(),
                                                            "borough": code},
                                     lambda: ed_figures.ed_vs_police(wh, ed, code,
                                                                     filters.period),
                                     view=ed)
        except UserError:
            comparison = []
        locations, locations_denied = top_locations(request, wh, principal, code, filters)
        from vrhub.web.choropleth import choropleth, parse_measure

        map_level = request.query_params.get("areas") or "ward"
        if map_level not in ("ward", "lsoa"):
            errors["areas"] = f"Choose wards or LSOAs (found {map_level!r})"
            map_level = "ward"
        try:
            asked = parse_measure(request.query_params.get("measure"))
        except UserError as exc:
            errors["measure"] = exc.message
            asked = None
        area_frame, ward_legend, ward_measure = choropleth(
            request, wh, principal, category=filters.category, start=filters.start,
            end=filters.end, level=map_level, borough=code, measure=asked)
    # the table behind the map: each ward drills down to its LSOAs (pages_wards)
    area_rows = [{"code": r["area_code"], "name": r["area_name"], "count": int(r["count"]),
                  "rate": None if pd.isna(r["rate_per_1000"]) else float(r["rate_per_1000"])}
                 for r in area_frame.sort_values("area_name").to_dict("records")]
    query = urlencode({k: v for k, v in {"category": filters.category, "from": filters.start,
                                         "to": filters.end, "measure": ward_measure}.items()
                       if v})
    hotspot_query = urlencode({"source": "police", "category": "Violence and sexual offences",
                               "method": "gistar", "borough": code,
                               "from": filters.start or "", "to": filters.end or ""})
    return render_page(
        request, "pages/borough.html", principal, status_code=400 if errors else 200,
        page_title=name, code=code, name=name, filters=filters, errors=errors,
        period=period, period_choices=PERIOD_CHOICES,
        categories=categories, first=first, last=last, headlines=heads, monthly=monthly,
        hourday=hourday, days=ed_figures.DAYS, comparison=comparison,
        ed_detail=ed.detail.value, has_ed=has_ed, locations=locations,
        locations_denied=locations_denied, query=query, hotspot_query=hotspot_query,
        ward_legend=ward_legend, ward_measure=ward_measure, versus=versus,
        map_level=map_level, area_rows=area_rows,
        views=[(c, label) for c, label in VIEWS if c in categories],
        tile_url=request.app.state.settings.tile_url or "")


def borough_comparison(request: Request, wh: Warehouse, code: str, end: str | None
                       ) -> dict[str, Any] | None:
    """The borough's headline categories against similar boroughs and London over the 12
    months to ``end`` (None when the figures needed are not loaded)."""
    if end is None:
        return None
    wanted = [c for c in HEADLINE_CATEGORIES if c in set(mps_categories(wh))]
    try:
        result: dict[str, Any] = cached_json(
            request, "borough-comparison", {"end": end, "borough": code},
            lambda: comparison.compare(wh, code, wanted, shift(end, -11), end))
    except UserError:
        return None
    return result


def _profile(request: Request, code: str, principal: Principal, to: str | None
             ) -> tuple[borough_profile.BoroughProfile, str]:
    """The board summary of borough ``code`` for the 12 months ending ``to`` (default: the
    latest month loaded), and the query string that reproduces it."""
    _filters, errors = parse_filters(None, None, to, "ward", principal)
    if errors:
        raise UserError(next(iter(errors.values())))
    with open_warehouse(request) as wh:
        name = _borough_name(wh, code)
        if wh is None:
            raise NotFound("no data is loaded yet", hint="run vrhub demo or vrhub load")
        _first, last = months_available(wh)
        end = to or last
        if end is None:
            raise NotFound("no police counts are loaded", hint="run vrhub load mps")
        ed = request.app.state.access.policy.ed_figures(principal, "borough_profile",
                                                        boroughs=[code])
        profile = borough_profile.build(wh, code, name, end, ed)
        profile.versus = borough_comparison(request, wh, code, end)
    return profile, (f"?{urlencode({'to': to})}" if to else "")


@router.get("/boroughs/{code}/profile", response_class=HTMLResponse)
def board_summary(request: Request, code: str,
                  principal: Annotated[Principal, Depends(signed_in)],
                  to: str | None = None) -> HTMLResponse:
    """The board summary as an accessible page, with a link to the same as a PDF."""
    profile, query = _profile(request, code, principal, to)
    return render_page(request, "pages/profile.html", principal,
                       page_title=f"{profile.name}: board summary", profile=profile,
                       query=query)


@router.get("/boroughs/{code}/profile.pdf")
def board_summary_pdf(request: Request, code: str,
                      principal: Annotated[Principal, Depends(signed_in)],
                      to: str | None = None) -> Response:
    """The board summary as a PDF (one or two A4 pages)."""
    profile, _query = _profile(request, code, principal, to)
    html = printing.html_for_print(request, "print/profile.html", profile=profile)
    name = f"{profile.name.lower().replace(' ', '-')}-board-summary-{profile.end}.pdf"
    return Response(printing.pdf(html), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.get("/boroughs/{code}/monthly.csv")
def monthly_csv(request: Request, code: str,
                principal: Annotated[Principal, Depends(signed_in)],
                category: str | None = None, to: str | None = None) -> Response:
    """Monthly counts per ward and category of the borough (aggregates)."""
    filters, errors = parse_filters(category, request.query_params.get("from"), to, "ward",
                                    principal)
    if errors:
        raise UserError(next(iter(errors.values())))
    with open_warehouse(request) as wh:
        _borough_name(wh, code)
        if wh is None:
            raise NotFound("no data is loaded yet", hint="run vrhub demo or vrhub load")
        filters, _period = choose_period(filters, request.query_params,
                                         months_available(wh)[1], errors)
        if errors:
            raise UserError(next(iter(errors.values())))
        counts = monthly_counts(wh, source="mps", level="ward", areas=[code],
                                categories=[filters.category], period=filters.period)
    buffer = io.StringIO()
    counts.data.to_csv(buffer, index=False)
    months = f"{filters.start}-to-{filters.end}" if filters.start else "all-months"
    return Response(buffer.getvalue(), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="{code}-monthly-by-ward-{months}.csv"'})


@router.get("/trends", response_class=HTMLResponse)
def trends(request: Request, principal: Annotated[Principal, Depends(signed_in)],
           category: str | None = None, to: str | None = None) -> HTMLResponse:
    """Each borough's change: the chosen period (by default the latest 12 complete months)
    against the same months a year before."""
    filters, errors = parse_filters(category, request.query_params.get("from"), to,
                                    "borough", principal)
    rows: list[dict[str, Any]] = []
    categories: list[str] = []
    first = last = None
    period = None
    with open_warehouse(request) as wh:
        if wh is not None:
            categories = mps_categories(wh)
            first, last = months_available(wh)
        if wh is not None and categories:
            filters, period = choose_period(filters, request.query_params, last, errors)
            if filters.category not in categories:
                errors["category"] = f"There is no category called {filters.category!r}"
                filters = replace(filters, category=categories[0])
            window = min(len(period), 12) if period is not None else 12
            if period is not None and len(period) > 12:
                errors["from"] = (f"Choose at most 12 months to compare with the year before "
                                  f"({period.label} is {len(period)} months)")

            def compute() -> list[dict[str, Any]]:
                counts = monthly_counts(wh, source="mps", level="borough",
                                        categories=[filters.category],
                                        period=(None, filters.end))
                yoy = year_on_year(counts.data, period=(None, filters.end),
                                   coverage=counts.coverage, window=window)
                yoy = yoy.sort_values("pct_change", ascending=False)
                return [{"code": r["area_code"], "name": r["area_name"],
                         "current": int(r["current"]), "previous": int(r["previous"]),
                         "pct": None if pd.isna(r["pct_change"]) else round(r["pct_change"], 1),
                         "lower": r["ratio_lower"], "upper": r["ratio_upper"],
                         "significant": bool(r["p_value"] < 0.05),
                         "from": r["current_from"], "to": r["current_to"]}
                        for r in yoy.to_dict("records")]

            if "from" not in errors:
                try:
                    rows = cached_json(request, "trends",
                                       {**filters.as_params(), "window": window}, compute)
                except UserError as exc:
                    errors["to"] = exc.message[:1].upper() + exc.message[1:]
    return render_page(request, "pages/trends.html", principal,
                       status_code=400 if errors else 200, page_title="Trends",
                       filters=filters, errors=errors, categories=categories, rows=rows,
                       first=first, last=last, period=period,
                       period_choices=PERIOD_CHOICES,
                       query=urlencode({"category": filters.category,
                                        **(period.query() if period else {})}))
