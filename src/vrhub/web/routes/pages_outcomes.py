"""The outcomes dashboard (``/outcomes``) of a priority area, programme or borough, its
CSV/XLSX downloads, and the public outcomes page (``/outcomes/public``).

Figures come from :func:`vrhub.outcomes.dashboard.dashboard` (signed-in users, cut to
their scope) and :func:`vrhub.outcomes.public_figures.public_figures` (everyone,
disclosure-controlled).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from vrhub.access.principal import Principal
from vrhub.analytics import disclosure
from vrhub.errors import NotFound
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.dashboard import dashboard, download
from vrhub.outcomes.programmes import list_programmes
from vrhub.outcomes.public_figures import public_figures
from vrhub.web.deps import current_principal, signed_in
from vrhub.web.navigation import render_page
from vrhub.web.outcomes_deps import outcomes

router = APIRouter(include_in_schema=False)

Service = Annotated[Outcomes, Depends(outcomes)]
FORMATS = ("csv", "xlsx")


def _query(programme: str | None, area: str | None, borough: str | None) -> str:
    for key, value in (("programme", programme), ("area", area), ("borough", borough)):
        if value:
            return f"{key}={value}"
    return ""


@router.get("/outcomes", response_class=HTMLResponse)
def outcomes_page(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                  service: Service, programme: str | None = None, area: str | None = None,
                  borough: str | None = None) -> HTMLResponse:
    board = dashboard(service, principal, programme=programme, area=area, borough=borough)
    framework = service.framework()
    visible = list_programmes(service, principal)
    boroughs = sorted({b for p in visible for b in p.boroughs})
    return render_page(request, "pages/outcomes.html", principal, page_title="Outcomes",
                       board=board, framework=framework, programmes=visible,
                       boroughs=boroughs, query=_query(programme, area, borough))


@router.get("/outcomes/figures.{fmt}")
def outcomes_download(fmt: str, principal: Annotated[Principal, Depends(signed_in)],
                      service: Service, programme: str | None = None,
                      area: str | None = None, borough: str | None = None) -> Response:
    if fmt not in FORMATS:
        raise NotFound(f"there is no {fmt!r} download", hint="use .csv or .xlsx")
    board = dashboard(service, principal, programme=programme, area=area, borough=borough)
    body, media = download(board, fmt)
    name = (board.view.code or "all").lower()
    return Response(body, media_type=media, headers={
        "content-disposition": f'attachment; filename="outcomes-{name}.{fmt}"',
        "cache-control": "private, no-store"})


@router.get("/outcomes/public", response_class=HTMLResponse)
def outcomes_public(request: Request,
                    principal: Annotated[Principal, Depends(current_principal)],
                    service: Service) -> HTMLResponse:
    figures = public_figures(service, principal)
    return render_page(request, "pages/outcomes_public.html", principal,
                       page_title="Outcomes of the partnership's programmes",
                       figures=figures, rule=disclosure.RULE)
