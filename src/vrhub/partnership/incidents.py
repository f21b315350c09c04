"""Critical-incident response as a service: log an incident, work its partner checklist,
track the Critical Incidents Fund, write the after-action review, tell partners.

:class:`IncidentDesk` is built once per process with the app database, the policy layer and
a way to reach the warehouse. Every call names the principal and asks the policy first:
borough leads (borough analyst accounts) reach the incidents of their own borough(s), the
VRU (pan-London analysts) every incident; every read and every change of an incident is
written to the audit trail, refusals too. Nothing about incidents is public.

Logging an incident places it (point, postcode or description), computes its near-repeat
risk window and zone (:mod:`vrhub.partnership.risk_zone`), lays out the checklist in force
with due times from the incident's time, and notifies subscribed partners who may see the
borough.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action, Role
from vrhub.errors import NotFound, UserError
from vrhub.geography.postcodes import PostcodeLookup
from vrhub.partnership import checklist as checklists
from vrhub.partnership import incident_notices as notices
from vrhub.partnership.incident_forms import (
    IncidentError,
    NewIncident,
    check_amount,
    check_new,
    clean_text,
)
from vrhub.partnership.incident_places import Geocode, place
from vrhub.partnership.risk_zone import Zone, default_zone, seed_for, zone_from_events
from vrhub.standards.incidents import (
    ACTION_STATUSES,
    CLOSED_ACTION_STATUSES,
    FUND_DECISIONS,
    FUND_LIMIT_POUNDS,
    INCIDENT_TYPES,
)
from vrhub.standards.months import Month
from vrhub.standards.study_area import StudyArea
from vrhub.storage import incidents as store
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.incident_models import (
    FundApplication,
    Incident,
    IncidentAction,
)
from vrhub.storage.warehouse import Warehouse

REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ZONE_MONTHS = 12


@dataclass
class IncidentDesk:
    sessions: sessionmaker[Session]
    policy: Policy
    warehouse: Callable[[], Warehouse]
    postcodes: PostcodeLookup
    area: StudyArea | None
    mailer: notices.Mailer | None = None
    app_url: str | None = None
    clock: Callable[[], dt.datetime] = utc_now

    def __post_init__(self) -> None:
        self.geocode = Geocode(self.warehouse)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    # -- logging ------------------------------------------------------------------------
    def log(self, principal: Principal, incident: NewIncident) -> Incident:
        """Place, check and store a new incident with its zone and checklist; notify
        subscribers. Refused (audited) outside the principal's boroughs."""
        now = self.clock()
        incident = check_new(incident, now)
        placed = place(incident.where, warehouse=self.warehouse, postcodes=self.postcodes,
                       geocode=self.geocode, area=self.area)
        with self._session() as session:
            reference = _new_reference(session)
            checklist = checklists.in_force(session)
            resource = Resource.incident(reference, boroughs=[placed.borough_code])
            with self.policy.audited(principal, Action.WRITE_INCIDENT, resource,
                                     session=session) as note:
                zone = self.zone_for(reference, placed.borough_code, incident.occurred_at)
                row = store.add(session, Incident(
                    id=str(uuid.uuid4()), reference=reference,
                    occurred_at=incident.occurred_at, logged_at=now,
                    logged_by=principal.user_id, incident_type=incident.incident_type,
                    victim_age_band=incident.victim_age_band,
                    location_source=placed.source, location_text=placed.text,
                    easting=placed.easting, northing=placed.northing,
                    borough_code=placed.borough_code, ward_code=placed.ward_code,
                    status="open", checklist_version=checklist.version,
                    zone=zone.to_dict()))
                for item in checklist.items:
                    session.add(IncidentAction(
                        incident_id=row.id, code=item.code, phase=item.phase,
                        text=item.text, owner=item.owner, status="to_do",
                        due_at=incident.occurred_at + dt.timedelta(hours=item.due_hours)))
                store.note_event(session, row, "logged",
                                 f"Logged: {INCIDENT_TYPES.label(row.incident_type)}; "
                                 f"near-repeat zone {zone.radius_m:g} m for "
                                 f"{zone.window_days:g} days ({zone.basis})",
                                 principal.user_id)
                told = self._notify(session, row, principal)
                note.detail = (f"logged incident {reference} ({row.incident_type}); "
                               f"{told} partner(s) notified")
            return self._reload(reference)

    def zone_for(self, reference: str, borough: str, occurred_at: dt.datetime) -> Zone:
        """The near-repeat zone from the borough's 12 complete months before the incident's
        month: ED assaults when enough have a point, else police.uk violence."""
        from vrhub.storage.points import near_repeat_events

        last = Month.containing(occurred_at.date()) - 1
        first = last - (ZONE_MONTHS - 1)
        months = (str(first), str(last))
        seed = seed_for(reference)
        try:
            warehouse = self.warehouse()
            name = self._borough_name(borough)
        except UserError as exc:
            return default_zone(f"the warehouse cannot be read ({exc.message}): the "
                                "protocol's default is used", borough=borough, months=months)
        from vrhub.partnership.risk_zone import MIN_EVENTS, POLICE_CATEGORY

        tried: list[str] = []
        for source, category in (("istv", None), ("police", POLICE_CATEGORY)):
            try:
                events, _, _ = near_repeat_events(warehouse, source, category=category,
                                                  borough=borough, start=months[0],
                                                  end=months[1])
            except UserError:
                tried.append(f"no {'ED assault' if source == 'istv' else 'police.uk'} data")
                continue
            if source == "istv" and len(events) < MIN_EVENTS:
                tried.append(f"{len(events)} ED assaults with a point")
                continue
            return zone_from_events(events, source=source, category=category,
                                    borough=borough, months=months, seed=seed,
                                    area_name=name)
        return default_zone(f"no events to test in {name} from {months[0]} to {months[1]} "
                            f"({'; '.join(tried)}): the protocol's default is used",
                            borough=borough, months=months)

    def _notify(self, session: Session, incident: Incident, author: Principal) -> int:
        name = self._borough_name(incident.borough_code)
        text = notices.notice_text(incident.reference,
                                   INCIDENT_TYPES.label(incident.incident_type), name,
                                   f"{incident.occurred_at:%d %B %Y}")
        emails: list[str] = []
        rows = []
        for user, wants_email, boroughs in store.subscribers(session, incident.borough_code):
            if user.id == author.user_id:
                continue
            may_see = user.role == Role.PAN_LONDON_ANALYST.value or (
                user.role == Role.BOROUGH_ANALYST.value and incident.borough_code in boroughs)
            if not may_see:
                continue
            state = "queued" if wants_email and self.mailer else "not_asked"
            rows.append(store.add_notice(session, user.id, incident, text, state))
            if state == "queued":
                emails.append(user.email)
        if emails and self.mailer is not None:
            link = (f"{self.app_url.rstrip('/')}/incidents/{incident.reference}"
                    if self.app_url else None)
            sent = notices.send_quietly(self.mailer, emails, f"vrhub: critical incident "
                                        f"{incident.reference}", notices.email_body(text, link))
            for row in rows:
                if row.emailed == "queued":
                    row.emailed = "sent" if sent else "failed"
        return len(rows)

    def _borough_name(self, code: str) -> str:
        from vrhub.storage.study_area import district_names

        try:
            return district_names(self.warehouse(), [code]).get(code, code)
        except UserError:
            return code

    # -- reading ------------------------------------------------------------------------
    def listed(self, principal: Principal, *, borough: str | None = None,
               status: str | None = None) -> list[Incident]:
        """The incidents the principal may see (one audit event, allowed or refused)."""
        scope = self.policy.enforce_scope(principal, Action.READ_INCIDENT, "incidents",
                                          boroughs=[borough] if borough else None)
        with self._session() as session:
            rows = store.listed(session, boroughs=None if scope.everything
                                else scope.boroughs, status=status)
            session.expunge_all()
            return rows

    def get(self, principal: Principal, reference: str) -> Incident:
        """One incident, whole (audited; refused outside the principal's boroughs)."""
        with self._session() as session:
            row = store.by_reference(session, reference)
            if row is None:
                self.policy.enforce_scope(principal, Action.READ_INCIDENT, "incidents",
                                          detail=f"no incident {reference.strip().upper()}")
                raise NotFound(f"no incident with reference {reference.strip().upper()!r}",
                               hint="check the reference on the incidents list")
            self.policy.enforce(principal, Action.READ_INCIDENT,
                                Resource.incident(row.reference, boroughs=[row.borough_code]))
            if principal.user_id is not None:
                store.mark_read(session, principal.user_id, row.id, self.clock())
                session.commit()
            session.expunge_all()
            return row

    def _reload(self, reference: str) -> Incident:
        with self._session() as session:
            row = store.by_reference(session, reference)
            assert row is not None
            session.expunge_all()
            return row

    # -- working it ---------------------------------------------------------------------
    @contextmanager
    def _change(self, principal: Principal, reference: str, what: str,
                action: Action = Action.WRITE_INCIDENT) -> Iterator[tuple[Session, Incident]]:
        with self._session() as session:
            row = store.by_reference(session, reference)
            if row is None:
                raise NotFound(f"no incident with reference {reference.strip().upper()!r}",
                               hint="check the reference on the incidents list")
            resource = Resource.incident(row.reference, boroughs=[row.borough_code])
            if action is not Action.WRITE_INCIDENT:
                # the fund decision is the VRU's, on an incident it may also see
                self.policy.enforce(principal, Action.READ_INCIDENT, resource)
            with self.policy.audited(principal, action, resource, session=session) as note:
                note.detail = f"{what} on incident {row.reference}"
                yield session, row

    def update_action(self, principal: Principal, reference: str, action_id: int, *,
                      status: str, note: str | None = None) -> IncidentAction:
        status = _field_code(ACTION_STATUSES, status, "status")
        text = clean_text(note, "note", limit=500)
        with self._change(principal, reference, "checklist action changed") as (session, row):
            item = store.action(session, row, action_id)
            if item is None:
                raise NotFound(f"incident {row.reference} has no action {action_id}",
                               hint="choose an action from the incident's checklist")
            if row.status == "closed":
                raise IncidentError("status", f"incident {row.reference} is closed",
                                    hint="reopen it before changing its actions")
            item.status, item.updated_at = status, self.clock()
            if text is not None:
                item.note = text
            store.note_event(session, row, "action",
                             f"{item.owner}: '{item.text[:80]}' is "
                             f"{ACTION_STATUSES.label(status).lower()}", principal.user_id)
            session.flush()
            session.expunge(item)
        return item

    def apply_for_fund(self, principal: Principal, reference: str, *, applicant: str,
                       purpose: str, amount: int) -> FundApplication:
        amount = check_amount(amount, "amount")
        who = clean_text(applicant, "applicant", limit=200)
        why = clean_text(purpose, "purpose", limit=1000)
        if not who or not why:
            raise IncidentError("applicant" if not who else "purpose",
                                "an application names the applying organisation and what "
                                "the money is for", hint="fill in both")
        with self._change(principal, reference, "fund application") as (session, row):
            asked = sum(a.amount_requested for a in row.fund if a.decision != "declined")
            if asked + amount > FUND_LIMIT_POUNDS:
                raise IncidentError("amount", f"£{amount:,} with the £{asked:,} already asked "
                                    f"for this incident is over the fund's limit of "
                                    f"£{FUND_LIMIT_POUNDS:,} per incident",
                                    hint=f"ask for £{FUND_LIMIT_POUNDS - asked:,} or less")
            application = FundApplication(incident_id=row.id, applicant=who, purpose=why,
                                          amount_requested=amount,
                                          submitted_at=self.clock())
            session.add(application)
            store.note_event(session, row, "fund",
                             f"Critical Incidents Fund: £{amount:,} asked by {who}",
                             principal.user_id)
            session.flush()
            session.expunge(application)
        return application

    def decide_fund(self, principal: Principal, reference: str, application_id: int, *,
                    decision: str, amount: int | None = None) -> FundApplication:
        decision = _field_code(FUND_DECISIONS, decision, "decision")
        with self._change(principal, reference, "fund decision",
                          Action.DECIDE_INCIDENT_FUND) as (session, row):
            application = _application(session, row, application_id)
            if application.decision is not None:
                raise IncidentError("decision", f"application {application_id} was "
                                    f"{application.decision} already",
                                    hint="a decided application is not decided again")
            approved = None
            if decision == "approved":
                approved = check_amount(application.amount_requested if amount is None
                                        else amount, "amount")
                if approved > application.amount_requested:
                    raise IncidentError("amount", f"£{approved:,} is more than the "
                                        f"£{application.amount_requested:,} asked for",
                                        hint="approve the amount asked for or less")
            application.decision, application.amount_approved = decision, approved
            application.decided_at, application.decided_by = self.clock(), principal.user_id
            store.note_event(session, row, "fund", f"Critical Incidents Fund application "
                             f"{decision}" + (f": £{approved:,}" if approved is not None
                                              else ""), principal.user_id)
            session.flush()
            session.expunge(application)
        return application

    def record_spend(self, principal: Principal, reference: str, application_id: int, *,
                     spent: int, outcome: str | None) -> FundApplication:
        spent = check_amount(spent, "spent")
        text = clean_text(outcome, "outcome", limit=1000)
        with self._change(principal, reference, "fund spend") as (session, row):
            application = _application(session, row, application_id)
            if application.decision != "approved":
                raise IncidentError("spent", "only an approved application has spending",
                                    hint="wait for the VRU's decision")
            if spent > (application.amount_approved or 0):
                raise IncidentError("spent", f"£{spent:,} is more than the "
                                    f"£{application.amount_approved or 0:,} approved",
                                    hint="record what was spent from the approved amount")
            application.amount_spent, application.outcome = spent, text
            store.note_event(session, row, "fund", f"Critical Incidents Fund: £{spent:,} "
                             "spent", principal.user_id)
            session.flush()
            session.expunge(application)
        return application

    def review(self, principal: Principal, reference: str, text: str, *,
               close: bool = False) -> None:
        """Record the after-action review (and close the incident when asked)."""
        body = clean_text(text, "review", limit=10_000)
        if body is None:
            raise IncidentError("review", "the review is empty",
                                hint="write what worked, what did not and what to change")
        with self._change(principal, reference, "after-action review") as (session, row):
            row.review_text, row.reviewed_at = body, self.clock()
            store.note_event(session, row, "review", "After-action review recorded",
                             principal.user_id)
            if close:
                row.status, row.closed_at = "closed", self.clock()
                store.note_event(session, row, "closed", "Incident closed", principal.user_id)

    def reopen(self, principal: Principal, reference: str) -> None:
        with self._change(principal, reference, "reopened") as (session, row):
            row.status, row.closed_at = "open", None
            store.note_event(session, row, "reopened", "Incident reopened", principal.user_id)

    # -- subscriptions and notices ------------------------------------------------------
    def subscribe(self, principal: Principal, borough: str | None, *, email: bool) -> None:
        if principal.user_id is None or principal.role not in (Role.PAN_LONDON_ANALYST,
                                                               Role.BOROUGH_ANALYST):
            raise UserError("only borough leads and VRU analysts can follow incidents",
                            hint="ask an administrator about your role")
        if borough is not None:
            self.policy.enforce_scope(principal, Action.READ_INCIDENT, "incidents",
                                      boroughs=[borough], detail="subscribe")
        with self._session() as session:
            store.subscribe(session, principal.user_id, borough, email=email)
            session.commit()

    def unsubscribe(self, principal: Principal) -> int:
        if principal.user_id is None:
            return 0
        with self._session() as session:
            n = store.unsubscribe(session, principal.user_id)
            session.commit()
            return n

    def subscriptions(self, principal: Principal) -> list[dict[str, Any]]:
        if principal.user_id is None:
            return []
        with self._session() as session:
            return [{"borough": s.borough_code, "email": s.email}
                    for s in store.subscriptions_of(session, principal.user_id)]

    def notices(self, principal: Principal, *, unread_only: bool = False
                ) -> list[dict[str, Any]]:
        if principal.user_id is None:
            return []
        with self._session() as session:
            return [{"reference": ref, "text": n.text, "at": n.created_at,
                     "read": n.read_at is not None, "emailed": n.emailed}
                    for n, ref in store.notices(session, principal.user_id,
                                                unread_only=unread_only)]


def overdue(action: IncidentAction, now: dt.datetime) -> bool:
    return action.status not in CLOSED_ACTION_STATUSES and action.due_at < now


def _application(session: Session, row: Incident, application_id: int) -> FundApplication:
    found = store.fund_application(session, row, application_id)
    if found is None:
        raise NotFound(f"incident {row.reference} has no fund application {application_id}",
                       hint="choose an application listed on the incident")
    return found


def _field_code(codes: Any, value: str, field: str) -> str:
    try:
        return str(codes.check(value, field=field))
    except UserError as exc:
        raise IncidentError(field, exc.message, hint=exc.hint) from None


def _new_reference(session: Session) -> str:
    while True:
        reference = "CI-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(6))
        if not store.reference_taken(session, reference):
            return reference
