"""The caseload pages: a worker's referrals, making one, and working one to close.

Routes parse the form, call the pathway service (which checks the caseload policy and
audits every read) and render; a form that cannot be recorded shows the page again with
what is wrong. Forms work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import UserError
from vrhub.pathways import fhir_export, records_rights, referral_figures
from vrhub.pathways.directory import Directory
from vrhub.pathways.referral_forms import (
    ConsentInput,
    FlagInput,
    Identity,
    NewReferral,
    SharingInput,
)
from vrhub.pathways.referrals import Pathway
from vrhub.standards import pathway_codes as codes
from vrhub.standards.months import Month
from vrhub.storage import directory_reads
from vrhub.storage import referrals as referral_store
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.directory_deps import directory
from vrhub.web.form_text import sentence
from vrhub.web.navigation import render_page
from vrhub.web.pathway_deps import pathway

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(signed_in)]
Service = Annotated[Pathway, Depends(pathway)]

CODES = {"moments": list(codes.REACHABLE_MOMENTS), "referrers": list(codes.REFERRER_KINDS),
         "needs": list(codes.NEEDS), "support": list(codes.SUPPORT_OFFERED),
         "givers": list(codes.CONSENT_GIVERS), "methods": list(codes.CONSENT_METHODS),
         "scopes": list(codes.CONSENT_SCOPES), "bases": list(codes.LAWFUL_BASES),
         "categories": list(codes.SAFEGUARDING_CATEGORIES),
         "levels": list(codes.SAFEGUARDING_LEVELS), "modes": list(codes.CONTACT_MODES),
         "contact_outcomes": list(codes.CONTACT_OUTCOMES),
         "onward": list(codes.ONWARD_STATUSES), "statuses": dict(codes.STATUSES),
         "outcomes": [(m, label, codes.OUTCOME_VALUES[m]) for m, label in
                      codes.OUTCOME_MEASURES]}



@router.get("/referrals", response_class=HTMLResponse)
def caseload_page(request: Request, who: Who, service: Service) -> HTMLResponse:
    rows = service.caseload(who)
    return render_page(request, "pages/referrals.html", who, page_title="Caseload",
                       rows=rows, is_lead=bool(service.caseload_of(who).led_teams))


def _teams(service: Pathway) -> list[tuple[int, str]]:
    with service.sessions() as session:
        return [(t.id, t.name) for t in referral_store.teams(session)]


@router.get("/referrals/new", response_class=HTMLResponse)
def new_page(request: Request, who: Who, service: Service) -> HTMLResponse:
    return _new(request, who, service, {}, {})


def _new(request: Request, who: Principal, service: Pathway, values: dict[str, Any],
         errors: dict[str, str], status: int = 200) -> HTMLResponse:
    return render_page(request, "pages/referral_new.html", who, status_code=status,
                       page_title="Make a referral", teams=_teams(service), values=values,
                       errors=errors, codes=CODES,
                       now=dt.datetime.now().strftime("%Y-%m-%dT%H:%M"))


def _date(value: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{label} {value!r} is not a date",
                        hint="give it as YYYY-MM-DD") from None


def _moment(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"the reachable moment {value!r} is not a date and time",
                        hint="give it as YYYY-MM-DD HH:MM") from None


@router.post("/referrals/new", dependencies=[Depends(require_csrf)])
async def create(request: Request, who: Who, service: Service) -> Response:
    form = await request.form()
    values: dict[str, Any] = {k: [str(v) for v in form.getlist(k)] if k in ("needs", "scope")
                              else str(form.get(k, "")) for k in form}
    try:
        team = str(values.get("team_id") or "")
        if not team.isdigit():
            raise UserError("choose the team the referral is for")
        consent = None
        if values.get("consent") in ("given", "refused"):
            consent = ConsentInput(str(values["consent"]), str(values.get("given_by") or ""),
                                   str(values.get("method") or ""),
                                   [str(s) for s in values.get("scope", [])])
        sharing = None
        if values.get("lawful_basis"):
            sharing = SharingInput(True, str(values.get("shared_what") or "the referral"),
                                   str(values.get("shared_with") or "the receiving team"),
                                   str(values["lawful_basis"]),
                                   str(values.get("rationale") or "") or None,
                                   safeguarding=values.get("lawful_basis") == "safeguarding")
        flags = [FlagInput(str(values["flag_category"]), str(values.get("flag_level") or ""),
                           str(values.get("flag_note") or "") or None)] \
            if values.get("flag_category") else []
        new = NewReferral(
            team_id=int(team),
            identity=Identity(str(values.get("given_name") or ""),
                              str(values.get("family_name") or ""),
                              _date(str(values.get("date_of_birth") or ""), "date of birth"),
                              str(values.get("phone") or "") or None,
                              str(values.get("email") or "") or None,
                              str(values.get("postcode") or "") or None),
            reachable_moment=str(values.get("reachable_moment") or ""),
            moment_at=_moment(str(values.get("moment_at") or "")),
            referrer_kind=str(values.get("referrer_kind") or ""),
            referrer=str(values.get("referrer") or "") or None,
            needs=[str(n) for n in values.get("needs", [])], consent=consent,
            sharing=sharing, flags=flags, allocate_to_me=values.get("allocate_to_me") == "1")
        view = service.create(who, new)
    except UserError as exc:
        if exc.http_status == 403:
            raise
        return _new(request, who, service, values, {"form": sentence(exc)}, status=422)
    return RedirectResponse(f"/referrals/{view.reference}", status_code=303)


def _detail(request: Request, who: Principal, service: Pathway, key: str,
            errors: dict[str, str] | None = None, status: int = 200,
            done: str | None = None) -> HTMLResponse:
    view = service.open(who, key)
    caseload = service.caseload_of(who)
    members: list[tuple[int, str, str, bool]] = []
    if view.team_id in caseload.led_teams:
        with service.sessions() as session:
            members = referral_store.members(session, view.team_id)
    return render_page(request, "pages/referral.html", who, status_code=status,
                       page_title=f"Referral {view.reference}", case=view, codes=CODES,
                       errors=errors or {}, done=done, members=members)


@router.get("/referrals/figures", response_class=HTMLResponse)
def figures_page(request: Request, who: Who) -> HTMLResponse:
    request.app.state.access.policy.enforce(who, Action.READ_REFERRAL_FIGURES,
                                            Resource.aggregates("referral_figures"))
    today = dt.date.today()
    last = Month(today.year, today.month)
    try:
        first = Month.parse(request.query_params.get("from") or str(last + (-11)))
        last = Month.parse(request.query_params.get("to") or str(last))
    except UserError as exc:
        return render_page(request, "pages/referral_figures.html", who, status_code=400,
                           page_title="Referral figures", result=None,
                           errors={"from": sentence(exc)})
    by_borough = request.query_params.get("by") == "borough"
    result = referral_figures.figures(request.app.state.access.sessions, first.first_day,
                                      (last + 1).first_day, by_borough=by_borough)
    return render_page(request, "pages/referral_figures.html", who,
                       page_title="Referral figures", result=result.to_dict(), errors={},
                       first=str(first), last=str(last), by_borough=by_borough)


@router.get("/referrals/subject-access", response_class=HTMLResponse)
def subject_access_page(request: Request, who: Who) -> HTMLResponse:
    return render_page(request, "pages/subject_access.html", who,
                       page_title="Subject access request", result=None, errors={},
                       values={})


@router.post("/referrals/subject-access", dependencies=[Depends(require_csrf)])
async def subject_access(request: Request, who: Who, service: Service) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("given_name", "family_name",
                                                "date_of_birth", "format")}
    try:
        result = records_rights.subject_access(
            service, who, given_name=values["given_name"],
            family_name=values["family_name"],
            date_of_birth=_date(values["date_of_birth"], "date of birth"))
    except UserError as exc:
        if exc.http_status == 403:
            raise
        return render_page(request, "pages/subject_access.html", who, status_code=422,
                           page_title="Subject access request", result=None,
                           errors={"date_of_birth": sentence(exc)}, values=values)
    if values["format"] == "json":
        return JSONResponse(result.to_dict(), headers={
            "content-disposition": "attachment; filename=subject-access.json"})
    return render_page(request, "pages/subject_access.html", who,
                       page_title="Subject access request", result=result, errors={},
                       values=values)


@router.get("/referrals/{key}", response_class=HTMLResponse)
def referral_page(request: Request, key: str, who: Who, service: Service) -> HTMLResponse:
    return _detail(request, who, service, key, done=request.query_params.get("done"))


@router.get("/referrals/{key}/fhir.json")
def fhir(key: str, who: Who, service: Service) -> JSONResponse:
    view = service.open(who, key, detail="FHIR export")
    return JSONResponse(fhir_export.bundle(view), media_type="application/fhir+json",
                        headers={"content-disposition":
                                 f"attachment; filename={view.reference}-fhir.json"})


@router.post("/referrals/{key}", dependencies=[Depends(require_csrf)])
async def act(request: Request, key: str, who: Who, service: Service,
              dir_: Annotated[Directory, Depends(directory)]) -> Response:
    """One form on the referral page: ``action`` says which."""
    form = await request.form()
    action = str(form.get("action", ""))

    def text(name: str) -> str | None:
        value = str(form.get(name, "") or "").strip()
        return value or None

    try:
        if action == "status":
            service.transition(who, key, text("status") or "", reason=text("reason"))
        elif action == "allocate":
            service.allocate(who, key, text("worker") or "")
        elif action == "contact":
            at = text("at")
            service.record_contact(who, key, mode=text("mode") or "",
                                   outcome=text("outcome") or "", note=text("note"),
                                   at=dt.datetime.fromisoformat(at) if at else None)
        elif action == "plan":
            review = text("review_on")
            service.add_plan_item(who, key, goal=text("goal") or "", support=text("support"),
                                  review_on=_date(review, "review date") if review else None)
        elif action == "consent":
            service.record_consent(who, key, ConsentInput(
                text("decision") or "", text("given_by") or "", text("method") or "",
                [str(s) for s in form.getlist("scope")]))
        elif action == "withdraw":
            service.withdraw_consent(who, key, int(text("consent_id") or 0),
                                     reason=text("reason"))
        elif action == "sharing":
            service.record_sharing(who, key, SharingInput(
                text("shared") == "yes", text("what") or "", text("with_whom") or "",
                text("lawful_basis") or "", text("rationale"),
                safeguarding=text("lawful_basis") == "safeguarding"))
        elif action == "flag":
            service.raise_flag(who, key, FlagInput(text("category") or "",
                                                   text("level") or "", text("note")))
        elif action == "resolve":
            service.resolve_flag(who, key, int(text("flag_id") or 0))
        elif action == "onward":
            with dir_.sessions() as session:
                found = directory_reads.service(session, (text("service_id") or "").lower())
            if found is None:
                raise UserError(f"there is no directory service {text('service_id')!r}",
                                hint="copy the id from the listing's page")
            service.refer_on(who, key, service_id=found.id, service_name=found.name)
        elif action == "onward_reply":
            service.onward_reply(who, key, int(text("onward_id") or 0), text("status") or "")
        elif action == "close":
            outcomes = {str(m): str(form.get(f"outcome_{m}"))
                        for m, _l, _v in CODES["outcomes"] if form.get(f"outcome_{m}")}
            service.close(who, key, outcomes=outcomes, status=text("status") or "completed",
                          reason=text("reason"))
        else:
            raise UserError(f"unknown action {action!r}")
    except UserError as exc:
        if exc.http_status in (403, 404):
            raise
        return _detail(request, who, service, key, errors={action or "form": sentence(exc)},
                       status=422)
    except ValueError:
        return _detail(request, who, service, key,
                       errors={action or "form": "A number in the form is not right."},
                       status=422)
    return RedirectResponse(f"/referrals/{key}?done={action}#{action}", status_code=303)
