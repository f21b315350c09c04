"""Programme returns and indicators in the API (``/api/v1/outcomes``).

A programme lead downloads the template of a period, uploads the filled-in file and gets
its receipt (201; a refused file answers 422 ``file_rejected`` with its receipt, which is
kept); VRU analysts review and approve, administrators reopen. Indicator results come from
approved returns and, for London or a borough, from the hub. A browser session must send
the CSRF token on uploads and workflow steps; scripts use an API token.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.ingest.bounded import read_limited
from vrhub.outcomes import return_templates, return_workflow, returns
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.hub_indicators import hub_results
from vrhub.outcomes.indicator_results import return_indicators
from vrhub.outcomes.indicators import indicator_set
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import current_principal
from vrhub.web.errors import error_body
from vrhub.web.outcomes_deps import outcomes

router = APIRouter(prefix="/api/v1/outcomes", tags=["Outcomes"], responses=ERROR_RESPONSES)
Caller = Annotated[Principal, Depends(current_principal)]
Service = Annotated[Outcomes, Depends(outcomes)]
ProgrammeQ = Annotated[str | None, Query(description="One programme (code).")]
AreaQ = Annotated[str | None, Query(description="A priority area (code).")]
BoroughQ = Annotated[str | None, Query(description="A borough (E09 code).")]


class ReturnReceipt(BaseModel):
    receipt: dict[str, Any] = Field(description="Rows read / accepted / quarantined; each "
                                    "problem with sheet, row, column, value, problem and "
                                    "how to fix it; identifiers removed; timeliness.")


class Rejected(BaseModel):
    error: dict[str, Any] = Field(description="code ``file_rejected``, the reason and how "
                                  "to fix it.")
    receipt: dict[str, Any] = Field(description="The kept receipt (status ``rejected``).")


class StepBody(BaseModel):
    note: str = Field(default="", max_length=2000,
                      description="Why (required to request changes or to reopen).")


@router.get("/programmes/{code}/template", summary="The return template of a programme's "
            "period (XLSX with dropdowns, or CSV)",
            responses={200: {"content": {return_templates.CONTENT_TYPES["xlsx"]: {},
                                         "text/csv": {}}}})
def template(code: str, principal: Caller, service: Service,
             period: Annotated[str, Query(description="Reporting period, e.g. 2024-25-Q1.")],
             format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx") -> Response:
    name, data = returns.return_template(service, principal, code, period, format)
    return Response(data, media_type=return_templates.CONTENT_TYPES[format],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


@router.post("/programmes/{code}/returns", response_model=ReturnReceipt, status_code=201,
             dependencies=[Depends(require_csrf)],
             responses={422: {"model": Rejected, "description": "The file was refused (its "
                              "receipt is kept)."}},
             summary="Submit a programme's return (the filled-in template)")
def submit(code: str, principal: Caller, service: Service,
           file: Annotated[UploadFile, File(description="The filled-in template (XLSX or "
                                            "CSV).")],
           period: Annotated[str | None, Form(description="Reporting period (else the one "
                                              "the template names).")] = None,
           ) -> ReturnReceipt | JSONResponse:
    data = read_limited(file.file, service.config.max_upload_bytes)
    receipt = returns.submit_return(service, principal, code, data or b"",
                                    file.filename or "upload", period=period,
                                    too_large=data is None)
    if receipt["status"] == "rejected":
        reason = receipt["errors"][0]
        return JSONResponse(status_code=422, content={
            **error_body("file_rejected", f"file {receipt['file']}: {reason['problem']}",
                         hint=reason.get("how_to_fix"), rule=reason["rule"]),
            "receipt": receipt})
    return ReturnReceipt(receipt=receipt)


@router.get("/returns", summary="Every version of the returns you may see, newest first")
def list_returns(principal: Caller, service: Service,
                 programme: ProgrammeQ = None) -> dict[str, Any]:
    return {"returns": returns.list_returns(service, principal, programme=programme)}


@router.get("/returns/board", summary="Returns due, late and awaiting review")
def board(principal: Caller, service: Service) -> dict[str, Any]:
    found = returns.board(service, principal)
    return {key: [r.to_dict() for r in rows] for key, rows in found.items()}


@router.get("/returns/{return_id}", summary="A return's receipt, figures and history")
def return_detail(return_id: str, principal: Caller, service: Service) -> dict[str, Any]:
    return returns.return_detail(service, principal, return_id)


@router.post("/returns/{return_id}/{step}", dependencies=[Depends(require_csrf)],
             summary="Review, approve, request changes to or reopen a return")
def take_step(return_id: str,
              step: Literal["review", "approve", "request_changes", "reopen"],
              principal: Caller, service: Service,
              body: StepBody | None = None) -> dict[str, Any]:
    status = return_workflow.move(service, principal, return_id, step,
                                  body.note if body else "")
    return {"return_id": return_id, "status": status}


@router.get("/indicators", summary="The indicators in force (definitions, targets)")
def indicators(principal: Caller, service: Service) -> dict[str, Any]:
    service.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES, "indicators")
    return indicator_set(service).to_dict()


@router.get("/indicators/results", summary="Indicator results against target from approved "
            "returns, for a programme, priority area, borough or all you may see")
def results(principal: Caller, service: Service, programme: ProgrammeQ = None,
            area: AreaQ = None, borough: BoroughQ = None) -> dict[str, Any]:
    return return_indicators(service, principal, programme=programme, area=area,
                             borough=borough).to_dict()


@router.get("/indicators/hub", summary="Hub indicators (ED, police, MPS) for London or a "
            "borough, as last computed")
def hub(principal: Caller, service: Service, borough: BoroughQ = None) -> dict[str, Any]:
    return {"results": hub_results(service, principal, borough=borough)}
