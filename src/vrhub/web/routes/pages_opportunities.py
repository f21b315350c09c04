"""The public search of the opportunities directory: no sign-in, no tracking, works
without JavaScript, made for a phone first.

Routes parse the form, call :mod:`vrhub.pathways.opportunity_search` and render. Nothing
here sets a cookie or reads the visitor's session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from vrhub.errors import NotFound
from vrhub.pathways import opportunity_search as finder
from vrhub.pathways.directory import Directory
from vrhub.pathways.referral_figures import listing_figures
from vrhub.storage.postcodes import boroughs
from vrhub.web.data import open_shared_warehouse
from vrhub.web.deps import current_principal
from vrhub.web.directory_deps import directory
from vrhub.web.navigation import render_page

router = APIRouter(include_in_schema=False)


def _form(request: Request) -> finder.PublicSearch:
    q = request.query_params
    try:
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        page = 1
    return finder.PublicSearch(
        q=q.get("q", "")[:200], type=q.get("type", "")[:40], where=q.get("where", "")[:12],
        borough=q.get("borough", "")[:9], distance=q.get("distance", "5000")[:6],
        day=q.get("day", "")[:2], time=q.get("time", "")[:10], age=q.get("age", "")[:3],
        free=q.get("free") == "1", page=page)


@router.get("/opportunities", response_class=HTMLResponse)
def search_page(request: Request, dir_: Annotated[Directory, Depends(directory)]
                ) -> HTMLResponse:
    principal = current_principal(request)
    form = _form(request)
    errors: dict[str, str] = {}
    results = None
    status = 200
    if form.asked:
        try:
            results = finder.search(dir_, form)
        except finder.SearchProblem as exc:
            errors[exc.field] = exc.message[:1].upper() + exc.message[1:] + (
                f". {exc.hint[:1].upper() + exc.hint[1:]}." if exc.hint else "")
            status = 400
    return render_page(
        request, "pages/opportunities.html", principal, status_code=status,
        page_title="Find things to do and people to help", form=form, errors=errors,
        results=results, categories=finder.categories(), distances=finder.DISTANCES,
        days=finder.DAYS, times=finder.TIMES,
        boroughs=boroughs(open_shared_warehouse(request.app.state)))


@router.get("/opportunities/{service_id}", response_class=HTMLResponse)
def listing_page(request: Request, service_id: str,
                 dir_: Annotated[Directory, Depends(directory)]) -> HTMLResponse:
    principal = current_principal(request)
    figures = listing_figures(dir_.sessions, [service_id.strip().lower()])
    item = finder.detail(dir_, service_id, figures.get(service_id.strip().lower()))
    if item is None:
        raise NotFound(f"there is no listing {service_id!r}",
                       hint="search the directory at /opportunities")
    back = request.headers.get("referer") or "/opportunities"
    if not back.startswith(str(request.base_url)):
        back = "/opportunities"
    return render_page(request, "pages/opportunity.html", principal,
                       page_title=item["name"], item=item, back=back)
