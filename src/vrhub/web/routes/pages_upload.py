"""ISTV upload for ED data leads, and each submission's receipt as a readable page.

The upload goes through the same receiving code as ``vrhub istv submit``: identifier
guard, header, record checks, history, geocoding, receipt. The receipt page lists what was
accepted and, for each rule broken, the rows and how to fix them. Uploading and reading a
receipt are record-level actions on one ED site, decided and audited by the policy layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.errors import NotFound, PermissionDenied, UserError
from vrhub.ingest.istv.upload import receive_upload
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.routes.pages_support import open_warehouse

router = APIRouter(include_in_schema=False)

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xml", ".txt")

HOW_TO_FIX = {
    "required": "fill in the missing value in these rows",
    "code_list": "use a code from the ISTV code list (or the wording of its labels)",
    "date": "write dates as DD/MM/YYYY and times as HH:MM",
    "period": "records must fall inside the reporting period of the file",
}

FLAG_LABELS = {
    "assault_time_missing": "No assault time",
    "location_description_missing": "No location description",
}


def _may_upload(principal: Principal) -> None:
    if Action.UPLOAD_ISTV not in ROLE_ACTIONS[principal.role]:
        raise PermissionDenied(f"the {principal.role.label.lower()} role may not upload ED "
                               "submissions",
                               hint="ED data leads upload their site's ISTV files")


def _receipts_for(request: Request, principal: Principal) -> list[dict[str, Any]]:
    with open_warehouse(request) as wh:
        if wh is None or not wh.has_table("istv_submission") or not principal.sites:
            return []
        marks = ", ".join("?" for _ in principal.sites)
        frame = wh.query(
            "SELECT submission_id, site_code, file_name, strftime(period_start, '%Y-%m') AS "
            "month, received_at, status, rows_read, rows_accepted, rows_quarantined, "
            f"quality_score FROM istv_submission WHERE site_code IN ({marks}) "
            "ORDER BY received_at DESC LIMIT 20", sorted(principal.sites))
    return [{str(k): (None if v != v else v) for k, v in r.items()}
            for r in frame.to_dict("records")]


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                ) -> HTMLResponse:
    _may_upload(principal)
    return render_page(request, "pages/upload.html", principal, page_title="Upload ED data",
                       errors={}, receipts=_receipts_for(request, principal),
                       sites=sorted(principal.sites), site="")


@router.post("/upload", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
async def upload(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                 file: UploadFile | None = None,
                 site: Annotated[str, Form(max_length=10)] = "") -> Response:
    _may_upload(principal)
    errors: dict[str, str] = {}
    site = site.strip().upper()
    if not site:
        errors["site"] = "Choose the ED site the file is from"
    elif site not in principal.sites:
        errors["site"] = f"{site} is not one of your ED sites"
    name = Path(file.filename or "").name if file is not None else ""
    if not name:
        errors["file"] = "Choose a file to upload"
    elif not name.lower().endswith(SUFFIXES):
        errors["file"] = (f"The file {name} is not CSV, Excel (.xlsx) or XML: save the "
                          "extract in one of those formats")
    if errors:
        return render_page(request, "pages/upload.html", principal, status_code=400,
                           page_title="Upload ED data", errors=errors, site=site,
                           receipts=_receipts_for(request, principal),
                           sites=sorted(principal.sites))
    if file is None:  # unreachable: a missing file is reported above
        raise UserError("choose a file to upload")
    request.app.state.access.policy.enforce(principal, Action.UPLOAD_ISTV,
                                            Resource.submission(site),
                                            detail="upload through the web")
    with open_warehouse(request, write=True) as wh:
        assert wh is not None
        outcome = receive_upload(wh, name, file.file, site=site)
    receipt = outcome[0] if outcome else None
    if receipt is None:
        raise UserError("the file produced no receipt", hint="check it is an ISTV extract")
    if receipt["status"] == "rejected":
        return render_page(request, "pages/receipt.html", principal, status_code=400,
                           page_title="Your file was not accepted", receipt=receipt,
                           how_to_fix=HOW_TO_FIX, flag_labels=FLAG_LABELS)
    return RedirectResponse(f"/upload/receipts/{receipt['submission_id']}", status_code=303)


@router.get("/upload/receipts/{submission_id}", response_class=HTMLResponse)
def receipt_page(request: Request, submission_id: str,
                 principal: Annotated[Principal, Depends(signed_in)]) -> HTMLResponse:
    with open_warehouse(request) as wh:
        frame = (wh.query("SELECT site_code, receipt FROM istv_submission WHERE "
                          "submission_id = ?", [submission_id])
                 if wh is not None and wh.has_table("istv_submission") else None)
    if frame is None or not len(frame) or frame["site_code"][0] is None:
        raise NotFound(f"there is no receipt {submission_id!r}",
                       hint="open your receipts from the upload page")
    request.app.state.access.policy.enforce(
        principal, Action.READ_ISTV_SUBMISSION,
        Resource.submission(str(frame["site_code"][0]), submission_id),
        detail="receipt page")
    receipt = json.loads(frame["receipt"][0])
    return render_page(request, "pages/receipt.html", principal,
                       page_title=f"Receipt for {receipt['file']}", receipt=receipt,
                       how_to_fix=HOW_TO_FIX, flag_labels=FLAG_LABELS)
