"""The critical-incident pages: the incidents a partner may see, logging one, and working
one (checklist, Critical Incidents Fund, after-action review, timeline, zone map).

Routes parse the form, call the incident desk (which asks the policy and audits every read
and change) and render; a form that cannot be recorded shows the page again with what is
wrong. Forms work without JavaScript; nothing here is public.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from vrhub.access.principal import Principal
from vrhub.access.roles import Action, Role
from vrhub.errors import UserError
from vrhub.partnership import incident_map
from vrhub.partnership.incident_forms import (
    IncidentError,
    NewIncident,
    Where,
    parse_uk_time,
    uk_time,
)
from vrhub.partnership.incidents import IncidentDesk, overdue
from vrhub.partnership.risk_zone import Zone
from vrhub.standards import incidents as codes
from vrhub.storage import catalogue
from vrhub.web.csrf import require_csrf
from vrhub.web.data import data_version, open_shared_warehouse
from vrhub.web.deps import signed_in
from vrhub.web.form_text import borough_names, sentence
from vrhub.web.incident_deps import incident_desk
from vrhub.web.navigation import render_page
from vrhub.web.pages_support import open_warehouse

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(signed_in)]
Desk = Annotated[IncidentDesk, Depends(incident_desk)]
Checked = [Depends(require_csrf)]
CODES = {"types": list(codes.INCIDENT_TYPES), "ages": list(codes.AGE_BANDS),
         "phases": list(codes.PHASES), "statuses": list(codes.ACTION_STATUSES)}




@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, who: Who, desk: Desk) -> HTMLResponse:
    rows = desk.listed(who)
    now = desk.clock()
    names = borough_names(request.app.state)
    listed = [{"reference": r.reference, "type": codes.INCIDENT_TYPES.label(r.incident_type),
               "borough": names.get(r.borough_code, r.borough_code),
               "occurred": uk_time(r.occurred_at), "status": r.status,
               "overdue": sum(overdue(a, now) for a in r.actions),
               "open_actions": sum(a.status not in codes.CLOSED_ACTION_STATUSES
                                   for a in r.actions)} for r in rows]
    return render_page(request, "pages/incidents.html", who, page_title="Critical incidents",
                       rows=listed, notices=desk.notices(who, unread_only=True),
                       subscriptions=desk.subscriptions(who),
                       boroughs=sorted(((c, names.get(c, c)) for c in who.boroughs),
                                       key=lambda x: x[1]),
                       email_configured=desk.mailer is not None)


@router.get("/incidents/new", response_class=HTMLResponse)
def new_page(request: Request, who: Who, desk: Desk) -> HTMLResponse:
    desk.policy.enforce_scope(who, Action.WRITE_INCIDENT, "incidents",
                              detail="open the form to log an incident")
    return _new(request, who, {}, {})


def _new(request: Request, who: Principal, values: dict[str, Any], errors: dict[str, str],
         status: int = 200) -> HTMLResponse:
    return render_page(request, "pages/incident_new.html", who, status_code=status,
                       page_title="Log a critical incident", values=values, errors=errors,
                       codes=CODES)


def _number(value: str, field: str) -> float | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise IncidentError(field, f"{value!r} is not a number",
                            hint="give the number only, e.g. 533500") from None


def where_from(values: dict[str, str]) -> Where:
    """The place as the form gives it: map point, BNG point, postcode or description."""
    return Where(easting=_number(values.get("easting", ""), "easting"),
                 northing=_number(values.get("northing", ""), "northing"),
                 latitude=_number(values.get("latitude", ""), "latitude"),
                 longitude=_number(values.get("longitude", ""), "longitude"),
                 postcode=values.get("postcode") or None,
                 description=values.get("description") or None)


@router.post("/incidents/new", dependencies=Checked)
async def log_incident(request: Request, who: Who, desk: Desk) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in form if k != "csrf_token"}
    try:
        new = NewIncident(parse_uk_time(values.get("occurred_at", "")),
                          values.get("incident_type", ""), values.get("victim_age_band", ""),
                          where_from(values))
        row = desk.log(who, new)
    except IncidentError as exc:
        return _new(request, who, values, {exc.field: sentence(exc)}, 422)
    return RedirectResponse(f"/incidents/{row.reference}", status_code=303)


def _zone(row: Any) -> Zone:
    return Zone.from_dict(row.zone)


@router.get("/incidents/{reference}", response_class=HTMLResponse)
def incident_page(request: Request, reference: str, who: Who, desk: Desk,
                  errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    row = desk.get(who, reference)
    now = desk.clock()
    zone = _zone(row)
    names = borough_names(request.app.state)
    places = incident_map.nearby(
        row.easting, row.northing, zone.radius_m,
        ed_sites=catalogue.ed_sites(open_shared_warehouse(request.app.state)),
        directory=directory_index(request))
    hotspots = borough_hotspots(request, row)
    actions = [{"id": a.id, "phase": codes.PHASES.label(a.phase), "text": a.text,
                "owner": a.owner, "due": uk_time(a.due_at), "status": a.status,
                "status_label": codes.ACTION_STATUSES.label(a.status), "note": a.note,
                "overdue": overdue(a, now)} for a in row.actions]
    return render_page(
        request, "pages/incident.html", who, status_code=status,
        page_title=f"Incident {row.reference}", incident=row, zone=zone,
        type_label=codes.INCIDENT_TYPES.label(row.incident_type),
        age_label=codes.AGE_BANDS.label(row.victim_age_band),
        borough=names.get(row.borough_code, row.borough_code),
        occurred=uk_time(row.occurred_at), actions=actions, places=places,
        hotspots=hotspots, legend=incident_map.LEGEND,
        events=[{"at": uk_time(e.at), "kind": e.kind, "text": e.text} for e in row.events],
        fund=row.fund, fund_limit=codes.FUND_LIMIT_POUNDS,
        may_decide=who.role is Role.PAN_LONDON_ANALYST, errors=errors or {}, codes=CODES)


def borough_hotspots(request: Request, row: Any) -> incident_map.BoroughHotspots:
    with open_warehouse(request) as wh:
        return incident_map.borough_hotspots(wh, row.borough_code, row.easting, row.northing,
                                             version=data_version(request))


def directory_index(request: Request) -> Any:
    from vrhub.web.directory_deps import directory_of

    try:
        return directory_of(request.app.state).index()
    except UserError:
        return None


@router.get("/incidents/{reference}/zone.geojson")
def zone_geojson(request: Request, reference: str, who: Who, desk: Desk) -> Response:
    row = desk.get(who, reference)
    zone = _zone(row)
    places = incident_map.nearby(
        row.easting, row.northing, zone.radius_m,
        ed_sites=catalogue.ed_sites(open_shared_warehouse(request.app.state)),
        directory=directory_index(request))
    label = (f"Near-repeat zone: {zone.radius_m:g} m for {zone.window_days:g} days "
             f"({'from the Knox test' if zone.basis == 'knox' else 'default'})")
    features = incident_map.zone_features(row.easting, row.northing, zone.radius_m, label,
                                          places, borough_hotspots(request, row))
    return JSONResponse({"type": "FeatureCollection", "features": features},
                        media_type="application/geo+json",
                        headers={"Cache-Control": "private, no-store"})


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k, "")) for k in form if k != "csrf_token"}


def _whole(value: str, field: str) -> int:
    text = (value or "").strip().replace(",", "").lstrip("£")
    if not text.isdigit():
        raise IncidentError(field, f"{value!r} is not a whole number of pounds",
                            hint="e.g. 2500")
    return int(text)


async def _act(request: Request, reference: str, who: Principal, desk: IncidentDesk,
               call: Any) -> Response:
    values = await _form(request)
    try:
        call(values)
    except IncidentError as exc:
        return incident_page(request, reference, who, desk, errors={exc.field: sentence(exc)},
                             status=422)
    return RedirectResponse(f"/incidents/{reference}", status_code=303)


@router.post("/incidents/{reference}/actions/{action_id}", dependencies=Checked)
async def update_action(request: Request, reference: str, action_id: int, who: Who,
                        desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.update_action(
        who, reference, action_id, status=v.get("status", ""), note=v.get("note") or None))


@router.post("/incidents/{reference}/fund", dependencies=Checked)
async def apply_for_fund(request: Request, reference: str, who: Who, desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.apply_for_fund(
        who, reference, applicant=v.get("applicant", ""), purpose=v.get("purpose", ""),
        amount=_whole(v.get("amount", ""), "amount")))


@router.post("/incidents/{reference}/fund/{application_id}/decision", dependencies=Checked)
async def decide_fund(request: Request, reference: str, application_id: int, who: Who,
                      desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.decide_fund(
        who, reference, application_id, decision=v.get("decision", ""),
        amount=_whole(v["amount"], "amount") if v.get("amount") else None))


@router.post("/incidents/{reference}/fund/{application_id}/spend", dependencies=Checked)
async def record_spend(request: Request, reference: str, application_id: int, who: Who,
                       desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.record_spend(
        who, reference, application_id, spent=_whole(v.get("spent", ""), "spent"),
        outcome=v.get("outcome") or None))


@router.post("/incidents/{reference}/review", dependencies=Checked)
async def review(request: Request, reference: str, who: Who, desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.review(
        who, reference, v.get("review", ""), close=v.get("close") == "1"))


@router.post("/incidents/{reference}/reopen", dependencies=Checked)
async def reopen(request: Request, reference: str, who: Who, desk: Desk) -> Response:
    return await _act(request, reference, who, desk, lambda v: desk.reopen(who, reference))


@router.post("/incidents-subscriptions", dependencies=Checked)
async def subscribe(request: Request, who: Who, desk: Desk) -> Response:
    values = await _form(request)
    if values.get("follow") == "0":
        desk.unsubscribe(who)
    else:
        desk.subscribe(who, values.get("borough") or None, email=values.get("email") == "1")
    return RedirectResponse("/incidents", status_code=303)

