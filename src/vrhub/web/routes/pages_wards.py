"""A ward of a borough, drilled down to its LSOAs: the table behind the borough map's LSOA
layer, reached from the borough page's ward table.

Signed-in partners only, like the borough pages (the public sees published borough and
ward figures, nothing finer). Counts are the MPS recorded-crime figures the borough map
uses (:func:`vrhub.web.choropleth.choropleth`, over the same period and category), each
LSOA's rate per 1,000 residents beside its count, sorted by the measure chosen.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vrhub.access.principal import Principal
from vrhub.errors import NotFound, UserError
from vrhub.storage.series import lsoa_lookup
from vrhub.web.choropleth import choropleth, parse_measure
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import (
    boroughs,
    choose_period,
    months_available,
    open_warehouse,
    parse_filters,
)

router = APIRouter(include_in_schema=False)


@router.get("/boroughs/{code}/wards/{ward}", response_class=HTMLResponse)
def ward_page(request: Request, code: str, ward: str,
              principal: Annotated[Principal, Depends(signed_in)],
              category: str | None = None, to: str | None = None,
              measure: str | None = None) -> HTMLResponse:
    """The LSOAs of one ward with their counts and rates for a category and period."""
    start = request.query_params.get("from")
    chosen = parse_measure(measure)
    code, ward = code.upper(), ward.upper()
    with open_warehouse(request) as wh:
        names = dict(boroughs(wh))
        if wh is None or code not in names:
            raise NotFound(f"there is no borough {code!r} in this workspace",
                           hint="choose a borough from the list at /boroughs")
        lookup = lsoa_lookup(wh, "ward")
        inside = lookup[(lookup["area_code"] == ward) & (lookup["borough_code"] == code)]
        if inside.empty:
            raise NotFound(f"there is no ward {ward!r} in {names[code]}",
                           hint=f"choose a ward from the table at /boroughs/{code}")
        filters, errors = parse_filters(category, start, to, "lsoa", principal)
        if errors:
            raise UserError(next(iter(errors.values())))
        filters, period = choose_period(filters, request.query_params,
                                        months_available(wh)[1], errors)
        if errors:
            raise UserError(next(iter(errors.values())))
        frame, _legend, shown = choropleth(
            request, wh, principal, category=filters.category, start=filters.start,
            end=filters.end, level="lsoa", borough=code, measure=chosen)
    frame = frame[frame["area_code"].isin(set(inside["lsoa_code"]))]
    column = "rate_per_1000" if shown == "rate" else "count"
    frame = frame.sort_values([column, "area_name"], ascending=[False, True],
                              na_position="last")
    rows: list[dict[str, Any]] = [
        {"code": r["area_code"], "name": r["area_name"], "count": int(r["count"]),
         "population": None if pd.isna(r["population"]) else int(r["population"]),
         "rate": None if pd.isna(r["rate_per_1000"]) else float(r["rate_per_1000"])}
        for r in frame.to_dict("records")]
    base = {"category": filters.category, "from": filters.start or "",
            "to": filters.end or ""}
    return render_page(
        request, "pages/ward.html", principal,
        page_title=f"{inside['area_name'].iloc[0]}, {names[code]}",
        code=code, borough_name=names[code], ward=ward,
        ward_name=str(inside["area_name"].iloc[0]), filters=filters, period=period,
        rows=rows, measure=shown, total=sum(r["count"] for r in rows),
        borough_query=urlencode({**base, "measure": shown}),
        rate_query=urlencode({**base, "measure": "rate"}),
        count_query=urlencode({**base, "measure": "count"}))
