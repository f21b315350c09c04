"""ISTV upload for ED data leads: the template, a check before sending, the submission,
its receipt, the set-aside rows to fix, and what is due from each site.

The upload goes through the same receiving code as ``vrhub istv submit``: identifier
guard, header, record checks, history, geocoding, receipt. *Check only* is the dry run
(nothing stored). A file that would leave a month with far fewer records than it has now
is held in memory (never on disk) until the sender confirms, on a page showing before and
after. A receipt with nothing accepted reads as a failure. Uploading and reading a receipt
are record-level actions on one ED site, decided and audited by the policy layer.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.errors import MonthError, NotFound, PermissionDenied, UserError
from vrhub.ingest.bounded import UploadLimits
from vrhub.ingest.istv.replacement import Replacement, ReplacementNotConfirmed
from vrhub.ingest.istv.upload import SUFFIXES, read_upload
from vrhub.standards.months import Month
from vrhub.storage import istv_submissions
from vrhub.storage.names import ed_sites
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import open_warehouse
from vrhub.web.pending_uploads import PendingUpload

router = APIRouter(include_in_schema=False)


HOW_TO_FIX = {
    "required": "fill in the missing value in these rows",
    "code_list": "use a code from the ISTV code list (or the wording of its labels)",
    "format": "write dates day-first as DD/MM/YYYY (or as 2025-10-13) and times as HH:MM",
    "date": "write dates as DD/MM/YYYY and times as HH:MM",
    "period": "records must fall inside the reporting period of the file",
    "outside_period": "move these records to the file for their month, or correct the date",
    "future_date": "correct the date: it cannot be after the file was sent",
    "assault_after_arrival": "check the assault and arrival dates and times",
    "duplicate": "remove the repeated row",
    "already_submitted": "resubmit the earlier period instead, or leave these rows out",
}

FLAG_LABELS = {
    "assault_time_missing": "No assault time",
    "location_description_missing": "No location description",
}


def how_to_fix(rule: str) -> str:
    head = rule.split(":")[-1] if rule.split(":")[-1] in HOW_TO_FIX else rule.split(":")[0]
    return HOW_TO_FIX.get(head, "correct these rows in your extract and upload the month again")


def _may_upload(principal: Principal) -> None:
    if Action.UPLOAD_ISTV not in ROLE_ACTIONS[principal.role]:
        raise PermissionDenied(f"the {principal.role.label.lower()} role may not upload ED "
                               "submissions",
                               hint="ED data leads upload their site's ISTV files")


def _site_names(request: Request, principal: Principal) -> dict[str, str | None]:
    """The principal's sites with their hospital names (None where not loaded)."""
    with open_warehouse(request) as wh:
        frame = ed_sites(wh) if wh is not None else None
    names = ({str(c): str(n) for c, n in zip(frame["site_code"], frame["site_name"],
                                             strict=True)} if frame is not None else {})
    return {s: names.get(s) for s in sorted(principal.sites)}


def _form_context(request: Request, principal: Principal) -> dict[str, Any]:
    from vrhub.quality.istv_calendar import calendar, reporting_clock

    sites = _site_names(request, principal)
    with open_warehouse(request) as wh:
        receipts = istv_submissions.recent(wh, sites) if wh is not None else []
        received = istv_submissions.months_received(wh, sites) if wh is not None else None
        latest = istv_submissions.latest_month(wh) if wh is not None else None
    today = dt.date.today()
    clock = reporting_clock(latest, today)
    months = Month.span(Month.last_complete(today) - 11, Month.containing(today))
    return {"sites": sites, "receipts": receipts,
            "calendar": calendar(received, sites, today=today, clock=clock),
            "calendar_clock": clock,
            "template_months": list(reversed(months)),
            "default_month": Month.last_complete(today).iso}


def _upload_form(request: Request, principal: Principal, *, errors: dict[str, str],
                 site: str = "", status_code: int = 200) -> HTMLResponse:
    return render_page(request, "pages/upload.html", principal, status_code=status_code,
                       page_title="Upload ED data", errors=errors, site=site,
                       **_form_context(request, principal))


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                ) -> HTMLResponse:
    _may_upload(principal)
    return _upload_form(request, principal, errors={})


@router.get("/upload/template.csv")
def template(request: Request, principal: Annotated[Principal, Depends(signed_in)],
             site: str = "", month: str = "") -> Response:
    """The submission template for one of the principal's sites and a month."""
    from vrhub.ingest.istv.template import template_csv, template_name

    _may_upload(principal)
    site = site.strip().upper()
    if site not in principal.sites:
        raise UserError(f"{site or 'no site'} is not one of your ED sites",
                        hint="choose one of your sites on the upload page")
    try:
        chosen = Month.parse(month) if month else Month.last_complete()
    except MonthError as exc:
        raise UserError(f"{month!r} is not a month", hint="choose a month such as "
                        "October 2025 (2025-10)") from exc
    return Response(template_csv(site, chosen), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="{template_name(site, chosen)}"'})


@router.post("/upload", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
async def upload(request: Request, principal: Annotated[Principal, Depends(signed_in)],
                 file: UploadFile | None = None,
                 site: Annotated[str, Form(max_length=10)] = "",
                 action: Annotated[str, Form(max_length=10)] = "submit") -> Response:
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
    if errors or file is None:
        return _upload_form(request, principal, errors=errors, site=site, status_code=400)
    request.app.state.access.policy.enforce(principal, Action.UPLOAD_ISTV,
                                            Resource.submission(site),
                                            detail="upload through the web")
    data = read_upload(file.file, name, _limits(request))
    held = PendingUpload(principal.email, site, name, data)
    return _receive(request, principal, held, dry_run=action == "check", replace=False)


@router.post("/upload/confirm", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def confirm(request: Request, principal: Annotated[Principal, Depends(signed_in)],
            token: Annotated[str, Form(max_length=64)] = "",
            decision: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Send a held (checked, or replacement-held) file: ``decision`` is ``submit`` or
    ``replace`` (the confirmation of a replacement)."""
    _may_upload(principal)
    store = request.app.state.pending_uploads
    held = store.get(token, principal.email)
    if held is None:
        return _upload_form(request, principal, status_code=400, errors={
            "file": "Your file is no longer held (files are kept for 15 minutes and only "
                    "for you): choose it again"})
    request.app.state.access.policy.enforce(principal, Action.UPLOAD_ISTV,
                                            Resource.submission(held.site),
                                            detail="upload through the web (confirmed)")
    store.drop(token)
    return _receive(request, principal, held, dry_run=False, replace=decision == "replace")


def _receive(request: Request, principal: Principal, held: PendingUpload, *,
             dry_run: bool, replace: bool) -> Response:
    from vrhub.ingest.istv.memory import receive_bytes

    store = request.app.state.pending_uploads
    try:
        with open_warehouse(request, write=not dry_run) as wh:
            assert wh is not None
            receipts = receive_bytes(wh, held.file_name, held.data, site=held.site,
                                     dry_run=dry_run, replace=replace,
                                     limits=_limits(request))
    except ReplacementNotConfirmed as exc:
        token = store.hold(principal.email, held.site, held.file_name, held.data)
        return _confirmation(request, principal, exc.held, token)
    if dry_run:
        token = store.hold(principal.email, held.site, held.file_name, held.data)
        refused = any(r.get("refused") for r in receipts)
        return render_page(request, "pages/upload_check.html", principal,
                           status_code=400 if refused else 200,
                           page_title=f"Check of {held.file_name}", receipts=receipts,
                           token=None if refused else token, how_to_fix=how_to_fix,
                           flag_labels=FLAG_LABELS, file_name=held.file_name)
    receipt = receipts[0] if receipts else None
    if receipt is None:
        raise UserError("the file produced no receipt", hint="check it is an ISTV extract")
    if receipt["status"] == "rejected":
        return render_page(request, "pages/receipt.html", principal, status_code=400,
                           page_title="Your file was not accepted", receipt=receipt,
                           how_to_fix=how_to_fix, flag_labels=FLAG_LABELS)
    return RedirectResponse(f"/upload/receipts/{receipt['submission_id']}", status_code=303)


def _limits(request: Request) -> UploadLimits:
    return UploadLimits.from_settings(request.app.state.settings)


def _confirmation(request: Request, principal: Principal, held: list[Replacement],
                  token: str) -> HTMLResponse:
    return render_page(request, "pages/upload_confirm.html", principal, status_code=409,
                       page_title="Replace a month with fewer records?", held=held,
                       token=token)


def _stored_receipt(request: Request, principal: Principal, submission_id: str,
                    detail: str) -> dict[str, Any]:
    from vrhub.ingest.istv.upload import receipt as stored_receipt
    from vrhub.ingest.istv.upload import submission_site

    with open_warehouse(request) as wh:
        if wh is None:
            raise NotFound(f"there is no receipt {submission_id!r}",
                           hint="open your receipts from the upload page")
        try:
            site = submission_site(wh, submission_id)
        except NotFound:
            raise NotFound(f"there is no receipt {submission_id!r}",
                           hint="open your receipts from the upload page") from None
        request.app.state.access.policy.enforce(
            principal, Action.READ_ISTV_SUBMISSION, Resource.submission(site, submission_id),
            detail=detail)
        return stored_receipt(wh, submission_id)


@router.get("/upload/receipts/{submission_id}", response_class=HTMLResponse)
def receipt_page(request: Request, submission_id: str,
                 principal: Annotated[Principal, Depends(signed_in)]) -> HTMLResponse:
    receipt = _stored_receipt(request, principal, submission_id, "receipt page")
    return render_page(request, "pages/receipt.html", principal,
                       page_title=f"Receipt for {receipt['file']}", receipt=receipt,
                       how_to_fix=how_to_fix, flag_labels=FLAG_LABELS)


@router.get("/upload/receipts/{submission_id}/set-aside.csv")
def set_aside_download(request: Request, submission_id: str,
                       principal: Annotated[Principal, Depends(signed_in)]) -> Response:
    """The rows a submission set aside: row, column, value found, problem, how to fix."""
    receipt = _stored_receipt(request, principal, submission_id, "set-aside rows download")
    rows = receipt.get("quarantined_rows")
    with open_warehouse(request) as wh:
        assert wh is not None
        frame = istv_submissions.set_aside(wh, receipt["sha256"], rows)
    headings = receipt.get("headings") or {}
    frame["column"] = [headings.get(c, c) if c else c for c in frame["column"]]
    frame["how_to_fix"] = [how_to_fix(str(r)) for r in frame["rule"]]
    out = io.StringIO()
    frame.to_csv(out, index=False)
    name = Path(str(receipt["file"])).stem
    return Response(out.getvalue(), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="{name}-set-aside.csv"'})

