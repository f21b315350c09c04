"""The outcomes dashboard (``/outcomes``) of a priority area, programme or borough, its
CSV/XLSX downloads, and the public outcomes page (``/outcomes/public``).

Figures come from :func:`vrhub.outcomes.dashboard.dashboard` (signed-in users, cut to
their scope) and :func:`vrhub.outcomes.public_figures.public_figures` (everyone,
disclosure-controlled).
The evidence library (``/outcomes/evidence``) is searched through
:func:`vrhub.outcomes.evidence_search.search` with a GET form that works without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from vrhub.access.principal import Principal
from vrhub.analytics import disclosure
from vrhub.errors import NotFound
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.dashboard import dashboard, download
from vrhub.outcomes.evidence import toolkit
from vrhub.outcomes.evidence_search import FILTERS, EvidenceFilterError, search
from vrhub.outcomes.programmes import list_programmes, openable
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


@router.get("/outcomes/evidence", response_class=HTMLResponse)
def evidence_page(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                  service: Service, search_text: Annotated[str, Query(alias="search")] = "",
                  priority_area: str = "", target_group: str = "", timing: str = "",
                  intervention_type: str = "", method: str = "", programme: str = "",
                  yef_strand: str = "") -> HTMLResponse:
    asked = {"priority_area": priority_area, "target_group": target_group, "timing": timing,
             "intervention_type": intervention_type, "method": method,
             "programme": programme, "yef_strand": yef_strand}
    errors: dict[str, str] = {}
    text, rest = search_text, dict(asked)
    while True:  # each refused filter is named; the rest of the search still runs
        try:
            found = search(service, principal, text, **rest)
            break
        except EvidenceFilterError as exc:
            errors[exc.field] = " ".join(_sentence(t) for t in (exc.message, exc.hint) if t)
            if exc.field == "search":
                text = ""
            rest.pop(exc.field, None)
    strands = {s.code: s.name for s in toolkit(service).strands}
    linked = openable(service, principal, {p for e in found.items for p in e.programmes})
    return render_page(request, "pages/outcomes_evidence.html", principal,
                       status_code=422 if errors else 200,
                       page_title="Evidence library", found=found, errors=errors,
                       asked={"search": search_text, **asked}, labels=FILTERS,
                       strands=strands, linked=linked)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?")) else text + "."
