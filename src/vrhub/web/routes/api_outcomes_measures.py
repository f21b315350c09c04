"""Participants' measures, pre/post change, i-Statements, survey responses and their KPIs
in the API (``/api/v1/outcomes``).

Uploads answer with the receipt (201 when stored, 200 for a check only); a browser session
must send the CSRF token, scripts use an API token. A participant's measures are a
participant-level read, audited.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.errors import InputError, Location
from vrhub.ingest.bounded import read_limited
from vrhub.outcomes import (
    dashboard,
    istatement_kpis,
    istatements,
    measures,
    prepost,
    public_figures,
    reach,
    survey_responses,
)
from vrhub.outcomes.context import Outcomes
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import current_principal
from vrhub.web.outcomes_deps import outcomes

router = APIRouter(prefix="/api/v1/outcomes", tags=["Outcomes"], responses=ERROR_RESPONSES)

Caller = Annotated[Principal, Depends(current_principal)]
Service = Annotated[Outcomes, Depends(outcomes)]
PERIOD = Form(description="Reporting period: 2024-25-Q1 (quarter), 2024-10 (month) or "
              "2024-25 (financial year).")
DRY_RUN = Form(description="Check only: the receipt says what would be stored; nothing is.")
ProgrammeQ = Annotated[str | None, Query(description="One programme (code).")]
AreaQ = Annotated[str | None, Query(description="A priority area (code).")]
BoroughQ = Annotated[str | None, Query(description="A borough (E09 code): the programmes "
                                       "serving it.")]


class UploadReceipt(BaseModel):
    receipt: dict[str, Any] = Field(description="Rows read / stored / set aside; each row set "
                                    "aside with row, column, value, problem and how to fix "
                                    "it; columns ignored; identifiers removed.")


def _read(service: Outcomes, file: UploadFile) -> bytes:
    limit = service.config.max_upload_bytes
    data = read_limited(file.file, limit)
    if data is None:
        raise InputError(f"the file is over the upload limit of {limit / 1048576:.0f} MB",
                         Location(file.filename or "upload"),
                         hint="split the file by period, or ask an administrator to raise "
                         "VRHUB_OUTCOMES_MAX_UPLOAD_BYTES")
    return data


def _answer(receipt: dict[str, Any]) -> JSONResponse:
    status = 200 if receipt.get("dry_run") else 201
    return JSONResponse(status_code=status, content={"receipt": receipt})


@router.post("/programmes/{code}/measures", response_model=UploadReceipt, status_code=201,
             dependencies=[Depends(require_csrf)],
             summary="Upload participants' measures (CSV or XLSX) for a programme's period")
def upload_measures(
    code: str, principal: Caller, service: Service,
    file: Annotated[UploadFile, File(description="The measures file: one row per young "
                                     "person per timepoint (pre or post).")],
    period: Annotated[str, PERIOD],
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> JSONResponse:
    return _answer(measures.submit(service, principal, code, period, _read(service, file),
                                   file.filename or "upload", dry_run=dry_run))


@router.get("/measures/uploads", summary="Measures uploads you may see")
def measures_uploads(principal: Caller, service: Service,
                     programme: ProgrammeQ = None) -> dict[str, Any]:
    return {"uploads": measures.uploads(service, principal, programme)}


@router.get("/measures/uploads/{upload_id}", response_model=UploadReceipt,
            summary="The receipt of a measures upload")
def measures_receipt(upload_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Caller,
                     service: Service) -> UploadReceipt:
    return UploadReceipt(receipt=measures.upload_receipt(service, principal, upload_id))


@router.get("/programmes/{code}/participants/{participant_id}",
            summary="One participant's measures (participant-level; audited)")
def participant_measures(code: str, participant_id: str, principal: Caller,
                         service: Service) -> dict[str, Any]:
    return {"programme": code.upper(), "participant_id": participant_id,
            "measures": measures.participant(service, principal, code, participant_id)}


@router.get("/prepost", summary="Pre/post change per item, with attrition")
def prepost_change(principal: Caller, service: Service, programme: ProgrammeQ = None,
                   area: AreaQ = None, borough: BoroughQ = None) -> dict[str, Any]:
    return prepost.prepost(service, principal, programme=programme, area=area,
                           borough=borough).to_dict()


@router.get("/istatements", summary="i-Statements, their workshops and surveys")
def list_istatements(principal: Caller, service: Service) -> dict[str, Any]:
    found = istatements.catalogue(service, principal)
    return {k: [i.to_dict() for i in v] for k, v in found.items()}


@router.post("/programmes/{code}/survey-responses", response_model=UploadReceipt,
             status_code=201, dependencies=[Depends(require_csrf)],
             summary="Upload i-Statement survey responses for a programme's period")
def upload_responses(
    code: str, principal: Caller, service: Service,
    file: Annotated[UploadFile, File(description="One row per respondent, one column per "
                                     "i-Statement code, answered 1 to 5.")],
    period: Annotated[str, PERIOD],
    survey: Annotated[str | None, Form(description="Survey code (default: the "
                                       "programme's).")] = None,
    dry_run: Annotated[bool, DRY_RUN] = False,
) -> JSONResponse:
    return _answer(survey_responses.submit(service, principal, code, period,
                                           _read(service, file), file.filename or "upload",
                                           survey_code=survey, dry_run=dry_run))


@router.get("/kpis", summary="i-Statement KPIs: % agreeing with a 95% Wilson interval")
def kpis(principal: Caller, service: Service, programme: ProgrammeQ = None,
         area: AreaQ = None, borough: BoroughQ = None,
         kpi_set: Annotated[str | None, Query(alias="set", description="Only this KPI set "
                                              "(e.g. NHS Vanguard).")] = None,
         ) -> dict[str, Any]:
    return istatement_kpis.kpis(service, principal, programme=programme, area=area,
                                borough=borough, kpi_set=kpi_set).to_dict()



@router.get("/reach", summary="Reach totals from approved returns, with the counting rule")
def reach_totals(principal: Caller, service: Service, programme: ProgrammeQ = None,
                 area: AreaQ = None, borough: BoroughQ = None) -> dict[str, Any]:
    return reach.reach_totals(service, principal, programme=programme, area=area,
                              borough=borough).to_dict()


@router.get("/dashboard", summary="The outcomes dashboard: KPIs, pre/post change and reach")
def outcomes_dashboard(principal: Caller, service: Service, programme: ProgrammeQ = None,
                       area: AreaQ = None, borough: BoroughQ = None) -> dict[str, Any]:
    return dashboard.dashboard(service, principal, programme=programme, area=area,
                               borough=borough).to_dict()


@router.get("/public", summary="Public outcome figures (disclosure-controlled)")
def outcomes_public(principal: Caller, service: Service) -> dict[str, Any]:
    figures = public_figures.public_figures(service, principal)
    return {"framework_version": figures.framework_version, "rule": figures.rule,
            "sections": [asdict(s) for s in figures.sections]}
