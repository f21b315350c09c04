"""The critical-incident API: log, list and read incidents, work their checklist, the
Critical Incidents Fund and the after-action review.

Each route parses, asks the incident desk (which asks the policy and writes the audit
event) and answers JSON. Nothing here is public: borough leads reach their borough's
incidents, the VRU every incident.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.partnership.incident_forms import NewIncident, Where, parse_uk_time
from vrhub.partnership.incident_views import fund_dict as _fund
from vrhub.partnership.incident_views import summary, whole
from vrhub.partnership.incidents import IncidentDesk
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.incident_deps import incident_desk

router = APIRouter(prefix="/api/v1", tags=["Critical incidents"], responses=ERROR_RESPONSES)
Who = Annotated[Principal, Depends(signed_in)]
Desk = Annotated[IncidentDesk, Depends(incident_desk)]
Checked = [Depends(require_csrf)]


class IncidentIn(BaseModel):
    occurred_at: str = Field(description="When it happened, UK time: YYYY-MM-DD HH:MM",
                             examples=["2025-11-03 21:40"])
    incident_type: str = Field(description="stabbing, shooting, homicide or other")
    victim_age_band: str = Field(description="under_13, 13_15, 16_17, 18_24, 25_plus or "
                                 "unknown")
    easting: float | None = Field(default=None, description="British National Grid metres")
    northing: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    postcode: str | None = Field(default=None, max_length=10)
    description: str | None = Field(default=None, max_length=200,
                                    description="A street and area, station or landmark")


class ActionIn(BaseModel):
    status: str = Field(description="to_do, in_progress, done or not_needed")
    note: str | None = Field(default=None, max_length=500)


class FundIn(BaseModel):
    applicant: str = Field(max_length=200)
    purpose: str = Field(max_length=1000)
    amount: int = Field(description="Whole pounds; the fund's limit is £5,000 per incident")


class DecisionIn(BaseModel):
    decision: str = Field(description="approved or declined")
    amount: int | None = Field(default=None, description="Approved amount (default: asked)")


class SpendIn(BaseModel):
    spent: int
    outcome: str | None = Field(default=None, max_length=1000)


class ReviewIn(BaseModel):
    review: str = Field(max_length=10_000)
    close: bool = False


@router.get("/incidents", summary="Incidents you may see (audited)")
def list_incidents(who: Who, desk: Desk, borough: str | None = None,
                   status: str | None = None) -> JSONResponse:
    now = desk.clock()
    rows = desk.listed(who, borough=borough, status=status)
    return JSONResponse({"incidents": [summary(r, now) for r in rows]})


@router.post("/incidents", status_code=201, dependencies=Checked,
             summary="Log a critical incident: its zone, checklist and notices")
def log_incident(body: IncidentIn, who: Who, desk: Desk) -> JSONResponse:
    new = NewIncident(parse_uk_time(body.occurred_at), body.incident_type,
                      body.victim_age_band,
                      Where(body.easting, body.northing, body.latitude, body.longitude,
                            body.postcode, body.description))
    row = desk.log(who, new)
    return JSONResponse(whole(row, desk.clock()), status_code=201)


@router.get("/incidents/{reference}", summary="One incident, whole (audited)")
def get_incident(reference: str, who: Who, desk: Desk) -> JSONResponse:
    return JSONResponse(whole(desk.get(who, reference), desk.clock()))


@router.post("/incidents/{reference}/actions/{action_id}", dependencies=Checked,
             summary="Change a checklist action's status")
def update_action(reference: str, action_id: int, body: ActionIn, who: Who,
                  desk: Desk) -> JSONResponse:
    desk.update_action(who, reference, action_id, status=body.status, note=body.note)
    return JSONResponse(whole(desk.get(who, reference), desk.clock()))


@router.post("/incidents/{reference}/fund", status_code=201, dependencies=Checked,
             summary="Apply to the Critical Incidents Fund")
def apply_for_fund(reference: str, body: FundIn, who: Who, desk: Desk) -> JSONResponse:
    application = desk.apply_for_fund(who, reference, applicant=body.applicant,
                                      purpose=body.purpose, amount=body.amount)
    return JSONResponse(_fund(application), status_code=201)


@router.post("/incidents/{reference}/fund/{application_id}/decision", dependencies=Checked,
             summary="Decide a fund application (VRU)")
def decide_fund(reference: str, application_id: int, body: DecisionIn, who: Who,
                desk: Desk) -> JSONResponse:
    return JSONResponse(_fund(desk.decide_fund(who, reference, application_id,
                                               decision=body.decision, amount=body.amount)))


@router.post("/incidents/{reference}/fund/{application_id}/spend", dependencies=Checked,
             summary="Record what an approved application spent")
def record_spend(reference: str, application_id: int, body: SpendIn, who: Who,
                 desk: Desk) -> JSONResponse:
    return JSONResponse(_fund(desk.record_spend(who, reference, application_id,
                                                spent=body.spent, outcome=body.outcome)))


@router.post("/incidents/{reference}/review", dependencies=Checked,
             summary="Record the after-action review (and close)")
def review(reference: str, body: ReviewIn, who: Who, desk: Desk) -> JSONResponse:
    desk.review(who, reference, body.review, close=body.close)
    return JSONResponse(whole(desk.get(who, reference), desk.clock()))
