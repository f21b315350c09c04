"""Pages of programme returns: the returns board (due, late, awaiting review), a
programme's page (its returns by period, its indicators against target, the template and
the upload form), a return's receipt with its history and the review steps, and the
indicators dashboard per priority area, programme or borough.

Forms work without JavaScript. Every page asks the outcomes services, which ask the
policy layer: a programme lead sees only their programmes, a borough analyst the
programmes serving their boroughs, VRU analysts everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.errors import UserError
from vrhub.ingest.bounded import read_limited
from vrhub.outcomes import return_templates, return_workflow, returns
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.hub_indicators import hub_results
from vrhub.outcomes.indicator_results import return_indicators
from vrhub.outcomes.programmes import get_programme, list_programmes
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.outcomes_deps import outcomes

router = APIRouter(include_in_schema=False)
Caller = Annotated[Principal, Depends(signed_in)]
Service = Annotated[Outcomes, Depends(outcomes)]
STEP_LABELS = {"review": "Mark reviewed", "approve": "Approve and lock",
               "request_changes": "Request changes", "reopen": "Reopen"}


def may(principal: Principal, action: Action) -> bool:
    return action in ROLE_ACTIONS[principal.role]


@router.get("/outcomes/returns", response_class=HTMLResponse)
def board_page(request: Request, principal: Caller, service: Service) -> HTMLResponse:
    found = returns.board(service, principal)
    programmes = list_programmes(service, principal)
    return render_page(request, "pages/outcomes_board.html", principal,
                       page_title="Programme returns", board=found, programmes=programmes,
                       due_days=service.config.return_due_days)


@router.get("/outcomes/programmes/{code}", response_class=HTMLResponse)
def programme_page(request: Request, code: str, principal: Caller,
                   service: Service) -> HTMLResponse:
    return _programme(request, principal, service, code, errors={})


def _programme(request: Request, principal: Principal, service: Outcomes, code: str, *,
               errors: dict[str, str], status_code: int = 200,
               period: str = "") -> HTMLResponse:
    programme = get_programme(service, principal, code)
    periods = returns.timeliness(service, principal, programme=programme.code)
    results = return_indicators(service, principal, programme=programme.code)
    life = programme.periods()
    return render_page(request, "pages/outcomes_programme.html", principal,
                       status_code=status_code, page_title=f"{programme.code} "
                       f"{programme.name}", programme=programme, periods=periods,
                       results=results, life=life, errors=errors, chosen_period=period or (
                           periods[-1].period if periods else life[0].code),
                       may_submit=may(principal, Action.SUBMIT_RETURN))


@router.get("/outcomes/programmes/{code}/template")
def template_download(code: str, principal: Caller, service: Service, period: str = "",
                      format: str = "xlsx") -> Response:
    name, data = returns.return_template(service, principal, code, period, format)
    return Response(data, media_type=return_templates.CONTENT_TYPES[format.lower()],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.post("/outcomes/programmes/{code}/returns", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def upload(request: Request, code: str, principal: Caller, service: Service,
           file: UploadFile | None = None,
           period: Annotated[str, Form(max_length=12)] = "") -> Response:
    errors: dict[str, str] = {}
    name = Path(file.filename or "").name if file is not None else ""
    if not name:
        errors["file"] = "Choose the filled-in template to upload"
    elif not name.lower().endswith((".xlsx", ".xlsm", ".csv")):
        errors["file"] = f"The file {name} is not the template: upload the .xlsx or .csv"
    if not period:
        errors["period"] = "Choose the period the return is for"
    if errors or file is None:
        return _programme(request, principal, service, code, errors=errors, status_code=400,
                          period=period)
    data = read_limited(file.file, service.config.max_upload_bytes)
    try:
        receipt = returns.submit_return(service, principal, code, data or b"", name,
                                        period=period, too_large=data is None)
    except UserError as exc:
        if exc.http_status in (400, 409):
            return _programme(request, principal, service, code, status_code=exc.http_status,
                              errors={"period": f"{exc.message}. {exc.hint or ''}".strip()},
                              period=period)
        raise
    return RedirectResponse(f"/outcomes/returns/{receipt['return_id']}", status_code=303)


@router.get("/outcomes/returns/{return_id}", response_class=HTMLResponse)
def receipt_page(request: Request, return_id: str, principal: Caller,
                 service: Service) -> HTMLResponse:
    detail = returns.return_detail(service, principal, return_id)
    steps = [s for s, step in return_workflow.STEPS.items()
             if detail["is_current"] and detail["status"] in step.allowed_from
             and may(principal, step.action)]
    title = ("Your file was not accepted" if detail["status"] == "rejected"
             else f"Receipt for {detail['file']}")
    return render_page(request, "pages/outcomes_receipt.html", principal,
                       status_code=200, page_title=title, r=detail, steps=steps,
                       step_labels=STEP_LABELS, needs_note={
                           s for s, st in return_workflow.STEPS.items() if st.needs_note},
                       errors={})


@router.post("/outcomes/returns/{return_id}/steps", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def take_step(request: Request, return_id: str, principal: Caller, service: Service,
              step: Annotated[str, Form(max_length=20)] = "",
              note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    return_workflow.move(service, principal, return_id, step, note)
    return RedirectResponse(f"/outcomes/returns/{return_id}", status_code=303)


@router.get("/outcomes/indicators", response_class=HTMLResponse)
def indicators_page(request: Request, principal: Caller, service: Service,
                    programme: str = "", area: str = "",
                    borough: str = "") -> HTMLResponse:
    results = return_indicators(service, principal, programme=programme or None,
                                area=area or None, borough=borough or None)
    hub = []
    if not programme and not area and (borough or may(principal, Action.REVIEW_RETURN)
                                       or may(principal, Action.MANAGE_PROGRAMMES)):
        hub = hub_results(service, principal, borough=borough or None)
    framework = service.framework()
    return render_page(request, "pages/outcomes_indicators.html", principal,
                       page_title="Outcome indicators", results=results, hub=hub,
                       areas=framework.priority_areas,
                       programmes=list_programmes(service, principal),
                       chosen={"programme": programme, "area": area, "borough": borough})
