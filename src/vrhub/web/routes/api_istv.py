"""ISTV submissions over the API: upload (ED data leads, their own site), list and receipts.

A browser session must send the CSRF token (``X-CSRF-Token``); scripts use an API token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.ingest.bounded import UploadLimits
from vrhub.ingest.istv import upload
from vrhub.standards.months import ISO_MONTH_ANCHORED
from vrhub.storage.warehouse import Warehouse
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.data import warehouse, writing_warehouse
from vrhub.web.deps import access, current_principal
from vrhub.web.errors import error_body

router = APIRouter(prefix="/api/v1/istv", tags=["istv"], responses=ERROR_RESPONSES)

Caller = Annotated[Principal, Depends(current_principal)]
Store = Annotated[Warehouse, Depends(warehouse)]


class Receipts(BaseModel):
    receipts: list[dict[str, Any]] = Field(
        description="One receipt per submission in the file: rows read / accepted / "
        "quarantined, errors by rule with row numbers, overlaps, redactions, quality score.")


class SubmissionList(BaseModel):
    submissions: list[dict[str, Any]]


class Receipt(BaseModel):
    submission_id: str
    site_code: str
    receipt: dict[str, Any]


class Rejected(BaseModel):
    error: dict[str, Any] = Field(
        description="code ``file_rejected``, the reason (naming the file and, for a limit, "
        "the setting that raises it) and how to fix it.")
    receipts: list[dict[str, Any]] = Field(
        description="The receipt of the refused file (status ``rejected``, or ``dry_run`` "
        "with ``refused`` for a check).")


@router.post("/submissions", response_model=Receipts, status_code=201,
             dependencies=[Depends(require_csrf)],
             responses={422: {"model": Rejected, "description": "The file was refused (its "
                              "receipt is kept), or the request's parameters are not valid."}},
             summary="Upload an ISTV extract for one of your ED sites")
def upload_submission(
    request: Request, principal: Caller,
    file: Annotated[UploadFile, File(description="CSV, XLSX or ISTV XML extract.")],
    site: Annotated[str, Form(pattern=r"^[A-Za-z0-9]{3,9}$",
                              description="ODS code of the ED site.")],
    period: Annotated[str | None, Form(pattern=ISO_MONTH_ANCHORED,
                                       description="Reporting month YYYY-MM.")] = None,
    dry_run: Annotated[bool, Form(description="Check only: the receipts say what would be "
                                  "accepted, set aside and replaced; nothing is stored.")
                       ] = False,
    replace: Annotated[bool, Form(description="Confirm replacing a month with fewer than half "
                                  "the records it has now (or none); without it such a file "
                                  "is refused with 409 and nothing is stored.")] = False,
) -> Receipts | JSONResponse:
    site = site.upper()
    access(request).policy.enforce(principal, Action.UPLOAD_ISTV, Resource.submission(site),
                                   detail="upload through the API")
    with writing_warehouse(request.app.state) as wh:
        receipts = upload.receive_upload(
            wh, file.filename or "", file.file, site=site, period=period, dry_run=dry_run,
            replace=replace, limits=UploadLimits.from_settings(request.app.state.settings))
    refused = [r for r in receipts if r["status"] == "rejected" or r.get("refused")]
    if refused:
        reason = refused[0]["errors"][0]
        return JSONResponse(status_code=422, content={
            **error_body("file_rejected", f"file {refused[0]['file']}: {reason['message']}",
                         hint=reason.get("hint"), rule=reason["rule"]),
            "receipts": receipts})
    return Receipts(receipts=receipts)


@router.get("/submissions", response_model=SubmissionList,
            summary="ISTV submissions you may see")
def list_submissions(
    request: Request, principal: Caller, wh: Store,
    site: Annotated[list[str] | None, Query(description="Only these ED sites.")] = None,
) -> SubmissionList:
    scope = access(request).policy.enforce_scope(
        principal, Action.READ_ISTV_SUBMISSION, "istv_submission",
        sites=[s.upper() for s in site or []], detail="list submissions")
    sites = None if scope.everything and not site else set(scope.sites)
    return SubmissionList(submissions=upload.list_submissions(wh, sites))


@router.get("/submissions/{submission_id}", response_model=Receipt,
            summary="The receipt of one submission")
def get_receipt(request: Request, submission_id: str, principal: Caller,
                wh: Store) -> Receipt:
    site = upload.submission_site(wh, submission_id)
    access(request).policy.enforce(principal, Action.READ_ISTV_SUBMISSION,
                                   Resource.submission(site, submission_id),
                                   detail="read receipt")
    return Receipt(submission_id=submission_id, site_code=site,
                   receipt=upload.receipt(wh, submission_id))
