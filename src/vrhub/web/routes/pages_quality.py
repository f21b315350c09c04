"""ED data quality: per ED site and month, completeness and geocoding scores, their trend,
and what to fix first. ED data leads see their own sites; pan-London analysts and
administrators see every site (the policy layer decides, and the read is audited).

Below it, police.uk points reconciled with the MPS published counts
(:mod:`vrhub.quality.reconcile`): open data of both publishers, the same for every reader.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vrhub.access.principal import Principal
from vrhub.quality.reconcile import Reconciliation, reconcile
from vrhub.web.deps import signed_in
from vrhub.web.ed_quality import quality_rows
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import open_warehouse

router = APIRouter(include_in_schema=False)

ELEMENTS = {
    "arrival_at": ("Arrival date and time", "send the arrival time from the ED system for "
                   "every attendance"),
    "assault_time": ("Time of the assault", "ask reception to record when the assault "
                     "happened, even roughly"),
    "assault_method": ("Method of assault", "record the weapon or method instead of "
                       "'unknown'"),
    "location_type": ("Type of location", "record the type of place (street, home, "
                      "licensed premises) instead of 'unknown'"),
    "location_description": ("Location description", "record the street, venue or "
                             "landmark where the assault happened"),
    "method_other_description": ("Description of 'other' methods", "describe the method "
                                 "when 'other' is chosen"),
}
GOOD = 90.0
"""Completeness (%) below which an element is listed to fix."""


def police_reconciliation(request: Request) -> Reconciliation | None:
    """police.uk against the MPS tables, or None when neither is loaded."""
    with open_warehouse(request) as wh:
        if wh is None or not (wh.has_table("police_street") and wh.has_table("mps_crime_count")):
            return None
        return reconcile(wh)


def fix_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per site, from its latest month: what to fix, most important first."""
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["site_code"] not in latest or r["month"] > latest[r["site_code"]]["month"]:
            latest[r["site_code"]] = r
    out = []
    for site, r in sorted(latest.items()):
        items: list[tuple[float, str]] = []
        for key, pct in r["completeness_pct"].items():
            if pct is not None and pct < GOOD:
                label, how = ELEMENTS.get(key, (key, "complete this element"))
                items.append((GOOD - pct, f"{label} is {pct:g}% complete: {how}."))
        geo = r["geocoded_pct"]
        weak = sum(v or 0 for k, v in geo.items() if k in ("low", "unresolved"))
        if weak > 10:
            items.append((weak, f"{weak:g}% of records could not be placed confidently on "
                          "the map: ask staff to record a street name, venue or station."))
        if r["quarantined"]:
            items.append((50.0, f"{r['quarantined']} records were set aside: open the "
                          "receipt to see which rows and why."))
        if r["late"]:
            items.append((40.0, f"The submission came {r['days_to_submit']} days after the "
                          "month ended: submit within 30 days."))
        if r["volume_flag"]:
            items.append((30.0, f"The number of records is unusually {r['volume_flag']} "
                          "for this site: check the extract covers the whole month."))
        items.sort(key=lambda kv: -kv[0])
        out.append({"site": site, "month": r["month"], "score": r["quality_score"],
                    "items": [text for _w, text in items]})
    return out


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                 ) -> HTMLResponse:
    rows, sites = quality_rows(request, principal)
    for r in rows:
        values = [v for v in r["completeness_pct"].values() if v is not None]
        r["complete_mean"] = round(sum(values) / len(values), 1) if values else None
    return render_page(request, "pages/quality.html", principal, page_title="ED data quality",
                       rows=rows, sites=sorted(sites), fixes=fix_first(rows),
                       elements=ELEMENTS, reconciliation=police_reconciliation(request))
