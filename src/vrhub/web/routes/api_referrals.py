"""The referral pathway's API: caseloads, referrals and everything recorded on them.

Each route parses, asks the pathway service (which asks the caseload policy and writes
the audit event) and answers JSON. Referrals are addressed by id or reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vrhub.access.principal import Principal
from vrhub.errors import NotFound
from vrhub.pathways import fhir_export, records_rights
from vrhub.pathways.directory import Directory
from vrhub.pathways.referral_forms import (
    ConsentInput,
    FlagInput,
    Identity,
    NewReferral,
    SharingInput,
)
from vrhub.pathways.referrals import Pathway
from vrhub.storage import directory_reads
from vrhub.web.api_models import ERROR_RESPONSES
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import signed_in
from vrhub.web.directory_deps import directory
from vrhub.web.pathway_deps import pathway

router = APIRouter(prefix="/api/v1", tags=["Referrals"], responses=ERROR_RESPONSES)
Who = Annotated[Principal, Depends(signed_in)]
Service = Annotated[Pathway, Depends(pathway)]
Checked = [Depends(require_csrf)]


class IdentityIn(BaseModel):
    given_name: str = Field(max_length=100)
    family_name: str = Field(default="", max_length=100)
    date_of_birth: dt.date
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    postcode: str | None = Field(default=None, max_length=10)


class ConsentIn(BaseModel):
    decision: str = Field(description="given or refused")
    given_by: str = Field(description="young_person, parent_carer or guardian")
    method: str = Field(description="verbal, written or digital")
    scope: list[str] = Field(default_factory=list,
                             description="referral, contact, share_onward, share_parent, "
                             "share_gp")


class SharingIn(BaseModel):
    shared: bool
    what: str = Field(max_length=300)
    with_whom: str = Field(max_length=300)
    lawful_basis: str
    rationale: str | None = Field(default=None, max_length=2000)
    safeguarding: bool = False


class FlagIn(BaseModel):
    category: str
    level: str
    note: str | None = Field(default=None, max_length=4000)


class ReferralIn(BaseModel):
    team_id: int
    identity: IdentityIn
    reachable_moment: str
    moment_at: dt.datetime
    referrer_kind: str
    referrer: str | None = Field(default=None, max_length=300)
    ed_site_code: str | None = Field(default=None, max_length=9)
    needs: list[str] = Field(default_factory=list)
    consent: ConsentIn | None = None
    sharing: SharingIn | None = None
    flags: list[FlagIn] = Field(default_factory=list)
    allocate_to_me: bool = False


class StatusIn(BaseModel):
    status: str
    reason: str | None = Field(default=None, max_length=200)


class AllocateIn(BaseModel):
    worker: str = Field(description="e-mail address of a worker in the referral's team")


class ContactIn(BaseModel):
    mode: str
    outcome: str
    note: str | None = Field(default=None, max_length=4000)
    at: dt.datetime | None = None


class PlanIn(BaseModel):
    goal: str = Field(max_length=2000)
    support: str | None = None
    review_on: dt.date | None = None


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class OnwardIn(BaseModel):
    service_id: str


class OnwardReplyIn(BaseModel):
    status: str


class CloseIn(BaseModel):
    status: str = "completed"
    outcomes: dict[str, str] = Field(default_factory=dict)
    reason: str | None = Field(default=None, max_length=200)


class SubjectAccessIn(BaseModel):
    given_name: str
    family_name: str
    date_of_birth: dt.date


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def new_referral(body: ReferralIn) -> NewReferral:
    """The service's referral from the API's (or a form's) fields."""
    return NewReferral(
        team_id=body.team_id, identity=Identity(**body.identity.model_dump()),
        reachable_moment=body.reachable_moment, moment_at=_naive(body.moment_at)
        or body.moment_at, referrer_kind=body.referrer_kind, referrer=body.referrer,
        ed_site_code=body.ed_site_code, needs=list(body.needs),
        consent=ConsentInput(**body.consent.model_dump()) if body.consent else None,
        sharing=SharingInput(**body.sharing.model_dump()) if body.sharing else None,
        flags=[FlagInput(**f.model_dump()) for f in body.flags],
        allocate_to_me=body.allocate_to_me)


def _done(service: Pathway, who: Principal, key: str) -> dict[str, Any]:
    return service.open(who, key, detail="after a change").to_dict()


@router.get("/referrals", summary="Your caseload (a team lead's: their teams')")
def caseload(who: Who, service: Service, open_only: bool = False) -> dict[str, Any]:
    rows = service.caseload(who, open_only=open_only)
    return {"total": len(rows), "referrals": [r.to_dict() for r in rows]}


@router.post("/referrals", status_code=201, dependencies=Checked,
             summary="Make a referral (needs consent or a recorded lawful basis)")
def create(body: ReferralIn, who: Who, service: Service) -> dict[str, Any]:
    return service.create(who, new_referral(body)).to_dict()


@router.get("/referrals/{key}", summary="One referral (audited read)")
def read(key: str, who: Who, service: Service) -> dict[str, Any]:
    return service.open(who, key).to_dict()


@router.post("/referrals/{key}/status", dependencies=Checked)
def status(key: str, body: StatusIn, who: Who, service: Service) -> dict[str, Any]:
    service.transition(who, key, body.status, reason=body.reason)
    return _done(service, who, key)


@router.post("/referrals/{key}/allocate", dependencies=Checked)
def allocate(key: str, body: AllocateIn, who: Who, service: Service) -> dict[str, Any]:
    service.allocate(who, key, body.worker)
    return _done(service, who, key)


@router.post("/referrals/{key}/contacts", dependencies=Checked)
def contact(key: str, body: ContactIn, who: Who, service: Service) -> dict[str, Any]:
    service.record_contact(who, key, mode=body.mode, outcome=body.outcome, note=body.note,
                           at=_naive(body.at))
    return _done(service, who, key)


@router.post("/referrals/{key}/plan", dependencies=Checked)
def plan(key: str, body: PlanIn, who: Who, service: Service) -> dict[str, Any]:
    service.add_plan_item(who, key, goal=body.goal, support=body.support,
                          review_on=body.review_on)
    return _done(service, who, key)


@router.post("/referrals/{key}/consents", dependencies=Checked)
def consent(key: str, body: ConsentIn, who: Who, service: Service) -> dict[str, Any]:
    service.record_consent(who, key, ConsentInput(**body.model_dump()))
    return _done(service, who, key)


@router.post("/referrals/{key}/consents/{consent_id}/withdraw", dependencies=Checked)
def withdraw(key: str, consent_id: int, body: WithdrawIn, who: Who, service: Service
             ) -> dict[str, Any]:
    service.withdraw_consent(who, key, consent_id, reason=body.reason)
    return _done(service, who, key)


@router.post("/referrals/{key}/sharing", dependencies=Checked)
def sharing(key: str, body: SharingIn, who: Who, service: Service) -> dict[str, Any]:
    service.record_sharing(who, key, SharingInput(**body.model_dump()))
    return _done(service, who, key)


@router.post("/referrals/{key}/safeguarding", dependencies=Checked)
def flag(key: str, body: FlagIn, who: Who, service: Service) -> dict[str, Any]:
    service.raise_flag(who, key, FlagInput(**body.model_dump()))
    return _done(service, who, key)


@router.post("/referrals/{key}/safeguarding/{flag_id}/resolve", dependencies=Checked)
def resolve(key: str, flag_id: int, who: Who, service: Service) -> dict[str, Any]:
    service.resolve_flag(who, key, flag_id)
    return _done(service, who, key)


@router.post("/referrals/{key}/onward", dependencies=Checked)
def onward(key: str, body: OnwardIn, who: Who, service: Service,
           dir_: Annotated[Directory, Depends(directory)]) -> dict[str, Any]:
    with dir_.sessions() as session:
        found = directory_reads.service(session, body.service_id.strip().lower())
        name = found.name if found else None
    if name is None:
        raise NotFound(f"there is no directory service {body.service_id!r}",
                       hint="search the directory for the service's id")
    service.refer_on(who, key, service_id=body.service_id.strip().lower(), service_name=name)
    return _done(service, who, key)


@router.post("/referrals/{key}/onward/{onward_id}", dependencies=Checked)
def onward_reply(key: str, onward_id: int, body: OnwardReplyIn, who: Who, service: Service
                 ) -> dict[str, Any]:
    service.onward_reply(who, key, onward_id, body.status)
    return _done(service, who, key)


@router.post("/referrals/{key}/close", dependencies=Checked)
def close(key: str, body: CloseIn, who: Who, service: Service) -> dict[str, Any]:
    service.close(who, key, outcomes=body.outcomes, status=body.status, reason=body.reason)
    return _done(service, who, key)


@router.get("/referrals/{key}/fhir", summary="The referral as a FHIR R4 Bundle")
def fhir(key: str, who: Who, service: Service) -> JSONResponse:
    view = service.open(who, key, detail="FHIR export")
    return JSONResponse(fhir_export.bundle(view), media_type="application/fhir+json")


@router.post("/subject-access", dependencies=Checked,
             summary="Every record held for a person (team leads: their teams)")
def subject_access(body: SubjectAccessIn, who: Who, service: Service) -> dict[str, Any]:
    return records_rights.subject_access(
        service, who, given_name=body.given_name, family_name=body.family_name,
        date_of_birth=body.date_of_birth).to_dict()
