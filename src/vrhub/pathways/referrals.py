"""The referral pathway as a service: from a reachable moment to close.

:class:`Pathway` is built once per process with the app database, the referral sealer
(:mod:`vrhub.pathways.sealing`) and the audit trail. Every call names the principal; every
call that touches a case asks :class:`vrhub.access.caseload.CasePolicy` first, which
writes the audit event (allowed or refused) before anything is read or changed.

The workflow is FHIR Task's: ``requested`` (with a response deadline set by the reachable
moment) → ``accepted`` or ``rejected`` → ``in-progress`` → ``completed``, ``cancelled`` or
``failed``. A requested referral past its deadline is escalated to its team's lead
(:meth:`Pathway.escalate_overdue`, run by ``vrhub referrals escalate`` and on every
caseload view). Safeguarding flags at the higher levels are escalated to the team lead
when raised. A referral cannot be made without consent or a recorded lawful basis, and a
consent withdrawn stops onward sharing that relied on it. What closing records (outcomes,
follow-ups due, retention) is :mod:`vrhub.pathways.referral_closure`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.audit import AuditLog
from vrhub.access.caseload import Caseload, CasePolicy, CaseRef, CaseScope
from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.errors import NotFound
from vrhub.geography.postcodes import PostcodeLookup
from vrhub.pathways import case_views, referral_closure
from vrhub.pathways.case_views import CaseSummary, CaseView
from vrhub.pathways.referral_closure import Retention, retain_until
from vrhub.pathways.referral_forms import (
    ConsentInput,
    ConsentRequired,
    FlagInput,
    NewReferral,
    ReferralError,
    SharingInput,
    age_on,
)
from vrhub.pathways.sealing import Sealer
from vrhub.standards import pathway_codes as codes
from vrhub.storage import referrals as store
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.pathway_models import (
    Referral,
    ReferralConsent,
    ReferralContact,
    ReferralEvent,
    ReferralNeed,
    ReferralOnward,
    ReferralOutcome,
    ReferralPlanItem,
    ReferralSafeguarding,
    ReferralSharing,
)

REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Pathway:
    """See the module docstring."""

    def __init__(self, sessions: sessionmaker[Session], sealer: Sealer, audit: AuditLog, *,
                 postcodes: PostcodeLookup | None = None, retention: Retention | None = None,
                 clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.sessions = sessions
        self.sealer = sealer
        self.policy = CasePolicy(audit)
        self.postcodes = postcodes
        self.retention = retention or Retention()
        self.clock = clock

    # -- who ---------------------------------------------------------------------------------
    def caseload_of(self, principal: Principal) -> Caseload:
        if principal.user_id is None:
            return Caseload(None)
        with self.sessions() as session:
            rows = store.memberships(session, principal.user_id)
        return Caseload(principal.user_id, frozenset(t for t, _ in rows),
                        frozenset(t for t, lead in rows if lead))

    def _case(self, session: Session, key: str) -> CaseRef:
        row = store.case_refs(session, key)
        if row is None:
            raise NotFound(f"there is no referral {key!r}",
                           hint="open referrals from your caseload")
        return CaseRef(*row)

    def _enforce(self, principal: Principal, action: Action, key: str, detail: str = ""
                 ) -> CaseRef:
        with self.sessions() as session:
            case = self._case(session, key)
        self.policy.enforce(principal, self.caseload_of(principal), action, case,
                            detail=detail)
        return case

    # -- making a referral ---------------------------------------------------------------
    def create(self, principal: Principal, new: NewReferral) -> CaseView:
        now = self.clock()
        self.policy.enforce_action(principal, Action.WRITE_CASE, f"team:{new.team_id}",
                                   detail="new referral")
        new.check(now)
        with self.sessions() as session, session.begin():
            team = store.team(session, new.team_id)
            if team is None:
                raise ReferralError(f"there is no team {new.team_id}",
                                    hint="choose the team the referral is for")
            reference = self._reference(session)
            borough = None
            if new.identity.postcode and self.postcodes is not None:
                place = self.postcodes.place(new.identity.postcode)
                borough = place.borough_code if place else None
            days = codes.RESPONSE_DAYS[new.reachable_moment]
            worker = principal.user_id if new.allocate_to_me and principal.user_id in {
                m[0] for m in store.members(session, team.id)} else None
            referral = Referral(
                id=str(uuid.uuid4()), reference=reference, team_id=team.id,
                worker_id=worker, created_by=principal.user_id,
                referrer_kind=new.referrer_kind,
                referrer_sealed=self.sealer.seal_optional(new.referrer),
                reachable_moment=new.reachable_moment, moment_at=new.moment_at,
                ed_site_code=new.ed_site_code or team.ed_site_code,
                borough_code=borough or team.borough_code,
                age_at_referral=age_on(new.identity.date_of_birth, new.moment_at.date()),
                identity_sealed=self.sealer.seal_json(new.identity.to_dict()),
                status="requested", received_at=now,
                response_due_at=now + dt.timedelta(days=days), created_at=now,
                updated_at=now)
            store.add(session, referral)
            for code in new.needs:
                store.add(session, ReferralNeed(referral_id=referral.id, kind="need",
                                                code=code))
            consent_id = None
            if new.consent is not None:
                consent_id = self._consent_row(session, referral.id, new.consent, principal,
                                               now).id
            if new.sharing is not None:
                self._sharing_row(session, referral.id, new.sharing, principal, now,
                                  consent_id)
            self._event(session, referral.id, principal, "created", None, "requested",
                        f"{codes.REACHABLE_MOMENTS.label(new.reachable_moment)}; due by "
                        f"{referral.response_due_at:%Y-%m-%d %H:%M}")
            if worker is not None:
                self._event(session, referral.id, principal, "allocated", detail="to self")
            for flag in new.flags:
                self._flag_row(session, referral, flag, principal, now)
            referral_id = referral.id
        return self.open(principal, referral_id, detail="after creating it")

    def _reference(self, session: Session) -> str:
        for _ in range(20):
            text = "R-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(6))
            if not store.reference_taken(session, text):
                return text
        raise RuntimeError("could not find a free referral reference")

    # -- reading ---------------------------------------------------------------------------
    def open(self, principal: Principal, key: str, *, detail: str = "") -> CaseView:
        """One case, decrypted, after an audited check that it is on the caller's
        caseload."""
        case = self._enforce(principal, Action.READ_CASE, key, detail or "opened the case")
        with self.sessions() as session:
            referral = store.referral(session, case.referral_id)
            assert referral is not None  # checked just above
            names = store.user_names(session, _people(referral))
            team = store.team(session, referral.team_id)
            return case_views.view(referral, self.sealer, names,
                                   team.name if team else "", self.clock())

    def caseload(self, principal: Principal, *, open_only: bool = False
                 ) -> list[CaseSummary]:
        """The caller's caseload (one audit event for the list)."""
        self.escalate_overdue()
        scope = self.policy.enforce_list(principal, self.caseload_of(principal))
        return self._summaries(scope, open_only)

    def _summaries(self, scope: CaseScope, open_only: bool) -> list[CaseSummary]:
        with self.sessions() as session:
            rows = store.caseload(session, user_id=scope.user_id, team_ids=sorted(
                scope.team_ids), statuses=sorted(codes.OPEN_STATUSES) if open_only else None)
            names = store.user_names(session, [r.worker_id for r in rows])
            teams = {t.id: t.name for t in store.teams(session)}
        now = self.clock()
        return [case_views.summary(r, self.sealer, names, teams, now) for r in rows]

    # -- the workflow ----------------------------------------------------------------------
    def transition(self, principal: Principal, key: str, to_status: str, *,
                   reason: str | None = None) -> None:
        target = codes.check_status(to_status)
        case = self._enforce(principal, Action.WRITE_CASE, key, f"status to {target}")
        now = self.clock()
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            allowed = codes.TRANSITIONS[referral.status]
            if target not in allowed:
                raise ReferralError(
                    f"a {referral.status} referral cannot become {target}",
                    hint=("it can become " + ", ".join(sorted(allowed))) if allowed else
                    "it is closed")
            if target == "completed":
                raise ReferralError("a referral is completed by closing it with its outcomes",
                                    hint="use close, with the outcomes at close")
            if target in ("rejected", "cancelled", "failed") and not (reason or "").strip():
                raise ReferralError(f"say why the referral is {target}")
            self._move(session, referral, principal, target, now, reason)

    def _move(self, session: Session, referral: Referral, principal: Principal, target: str,
              now: dt.datetime, reason: str | None) -> None:
        before = referral.status
        referral.status = target
        referral.status_reason = (reason or "")[:200] or None
        referral.updated_at = now
        if target == "accepted" and referral.accepted_at is None:
            referral.accepted_at = now
        if target in codes.CLOSED_STATUSES:
            referral.closed_at = now
            identity = self.sealer.open_json(referral.identity_sealed or "{}")
            born = dt.date.fromisoformat(identity["date_of_birth"]) if identity else now.date()
            referral.retain_until = retain_until(now.date(), born, self.retention)
        self._event(session, referral.id, principal, "status", before, target,
                    (reason or "")[:200])

    def allocate(self, principal: Principal, key: str, worker_email: str) -> None:
        case = self._enforce(principal, Action.ALLOCATE_CASE, key, f"to {worker_email}")
        with self.sessions() as session, session.begin():
            worker = store.user_id_of(session, worker_email)
            members = {m[0] for m in store.members(session, case.team_id)}
            if worker is None or worker not in members:
                raise ReferralError(f"{worker_email} is not a member of the referral's team",
                                    hint="allocate to a worker in the team")
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            referral.worker_id = worker
            referral.updated_at = self.clock()
            self._event(session, referral.id, principal, "allocated",
                        detail=f"to user {worker}")

    def record_contact(self, principal: Principal, key: str, *, mode: str, outcome: str,
                       note: str | None = None, at: dt.datetime | None = None) -> None:
        mode = codes.CONTACT_MODES.check(mode)
        outcome = codes.CONTACT_OUTCOMES.check(outcome)
        case = self._enforce(principal, Action.WRITE_CASE, key, "contact")
        now = self.clock()
        when = at or now
        if when > now + dt.timedelta(minutes=5):
            raise ReferralError("a contact cannot be recorded in the future")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            self._open_or_refuse(referral)
            if not _consent_covers(referral, "contact") and not _has_basis(referral):
                raise ConsentRequired("the young person has not agreed to be contacted and "
                                      "no lawful basis is recorded")
            store.add(session, ReferralContact(
                referral_id=referral.id, at=when, by=principal.user_id, mode=mode,
                outcome=outcome, note_sealed=self.sealer.seal_optional(note)))
            if outcome == "spoke" and (referral.first_contact_at is None or
                                       when < referral.first_contact_at):
                referral.first_contact_at, referral.first_contact_mode = when, mode
            referral.updated_at = now

    def add_plan_item(self, principal: Principal, key: str, *, goal: str,
                      support: str | None = None, review_on: dt.date | None = None) -> None:
        if not (goal or "").strip():
            raise ReferralError("a support plan item needs a goal")
        support_code = codes.SUPPORT_OFFERED.check(support) if support else None
        case = self._enforce(principal, Action.WRITE_CASE, key, "support plan")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            self._open_or_refuse(referral)
            store.add(session, ReferralPlanItem(
                referral_id=referral.id, created_at=self.clock(), by=principal.user_id,
                support_code=support_code, goal_sealed=self.sealer.seal(goal.strip()),
                review_on=review_on))
            if support_code:
                store.add(session, ReferralNeed(referral_id=referral.id, kind="support",
                                                code=support_code))

    def record_consent(self, principal: Principal, key: str, consent: ConsentInput) -> None:
        consent.check()
        case = self._enforce(principal, Action.WRITE_CASE, key, "consent")
        with self.sessions() as session, session.begin():
            self._consent_row(session, case.referral_id, consent, principal, self.clock())

    def withdraw_consent(self, principal: Principal, key: str, consent_id: int, *,
                         reason: str | None = None) -> None:
        case = self._enforce(principal, Action.WRITE_CASE, key, "consent withdrawn")
        now = self.clock()
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            consent = next((c for c in referral.consents if c.id == consent_id), None)
            if consent is None or consent.withdrawn_at is not None:
                raise ReferralError(f"there is no current consent {consent_id} on this "
                                    "referral")
            consent.withdrawn_at, consent.withdrawn_by = now, principal.user_id
            consent.withdrawal_sealed = self.sealer.seal_optional(reason)
            self._event(session, referral.id, principal, "consent",
                        detail=f"consent {consent_id} withdrawn")

    def record_sharing(self, principal: Principal, key: str, sharing: SharingInput) -> None:
        case = self._enforce(principal, Action.WRITE_CASE, key, "information sharing")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            sharing.check(consent_given=_consent_covers(referral, "share_onward") or
                          _consent_covers(referral, "referral"))
            self._sharing_row(session, referral.id, sharing, principal, self.clock(),
                              _current_consent_id(referral))

    def raise_flag(self, principal: Principal, key: str, flag: FlagInput) -> None:
        flag.check()
        case = self._enforce(principal, Action.WRITE_CASE, key, "safeguarding flag")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            self._flag_row(session, referral, flag, principal, self.clock())

    def resolve_flag(self, principal: Principal, key: str, flag_id: int) -> None:
        case = self._enforce(principal, Action.WRITE_CASE, key, "safeguarding resolved")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            flag = next((f for f in referral.flags if f.id == flag_id), None)
            if flag is None or flag.resolved_at is not None:
                raise ReferralError(f"there is no open safeguarding flag {flag_id}")
            flag.resolved_at, flag.resolved_by = self.clock(), principal.user_id
            self._event(session, referral.id, principal, "safeguarding",
                        detail=f"flag {flag_id} resolved")

    def refer_on(self, principal: Principal, key: str, *, service_id: str,
                 service_name: str) -> None:
        """Refer on to a directory service (needs consent to share onward, or a recorded
        lawful basis)."""
        case = self._enforce(principal, Action.WRITE_CASE, key, f"onward to {service_id}")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            self._open_or_refuse(referral)
            if not _consent_covers(referral, "share_onward") and not _has_basis(referral):
                raise ConsentRequired(
                    "the young person has not agreed to their details going to services "
                    "they are referred on to (or has withdrawn it)",
                    hint="record consent covering onward sharing, or an information-sharing "
                    "decision with its lawful basis")
            store.add(session, ReferralOnward(
                referral_id=referral.id, service_id=service_id, service_name=service_name,
                sent_at=self.clock(), by=principal.user_id, status="sent"))

    def onward_reply(self, principal: Principal, key: str, onward_id: int, status: str
                     ) -> None:
        status = codes.ONWARD_STATUSES.check(status)
        case = self._enforce(principal, Action.WRITE_CASE, key, "onward reply")
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            onward = next((o for o in referral.onward if o.id == onward_id), None)
            if onward is None:
                raise ReferralError(f"there is no onward referral {onward_id}")
            onward.status = status
            if onward.replied_at is None and status != "sent":
                onward.replied_at = self.clock()

    def close(self, principal: Principal, key: str, *, outcomes: dict[str, str],
              status: str = "completed", reason: str | None = None) -> None:
        """Close an in-progress referral with its outcomes (completed) or without."""
        status = codes.check_status(status)
        case = self._enforce(principal, Action.WRITE_CASE, key, f"close as {status}")
        now = self.clock()
        checked = referral_closure.check_outcomes(outcomes, status)
        with self.sessions() as session, session.begin():
            referral = store.referral(session, case.referral_id)
            assert referral is not None
            if status not in codes.TRANSITIONS[referral.status]:
                raise ReferralError(f"a {referral.status} referral cannot be closed as "
                                    f"{status}")
            for measure, value, due in referral_closure.outcomes_at_close(
                    checked, referral.moment_at.date()):
                store.add(session, ReferralOutcome(referral_id=referral.id, measure=measure,
                                                   value=value, recorded_at=now,
                                                   by=principal.user_id, due_on=due))
            self._move(session, referral, principal, status, now, reason)

    def record_follow_up(self, principal: Principal, key: str, measure: str, value: str
                         ) -> None:
        """An outcome known only later (re-attendance at A&E within 12 months)."""
        measure = referral_closure.check_outcome(measure, value)
        case = self._enforce(principal, Action.WRITE_CASE, key, f"outcome {measure}")
        with self.sessions() as session, session.begin():
            store.add(session, ReferralOutcome(referral_id=case.referral_id, measure=measure,
                                               value=value, recorded_at=self.clock(),
                                               by=principal.user_id))

    # -- jobs ------------------------------------------------------------------------------
    def escalate_overdue(self) -> int:
        """Escalate requested referrals past their deadline to their team's lead."""
        now = self.clock()
        with self.sessions() as session, session.begin():
            found = store.overdue(session, now)
            for referral in found:
                referral.escalated_at = now
                leads = [m for m in store.members(session, referral.team_id) if m[3]]
                self._event(session, referral.id, None, "escalated",
                            detail="response deadline passed; escalated to "
                            + (f"team lead user {leads[0][0]}" if leads else
                               "the team (no lead recorded)"))
        return len(found)

    # -- helpers ---------------------------------------------------------------------------
    def _open_or_refuse(self, referral: Referral) -> None:
        if referral.status in codes.CLOSED_STATUSES:
            raise ReferralError(f"the referral is {referral.status}; it cannot be changed")
        if referral.erased_at is not None:
            raise ReferralError("the referral's record has been erased")

    def _event(self, session: Session, referral_id: str, principal: Principal | None,
               kind: str, before: str | None = None, after: str | None = None,
               detail: str = "") -> None:
        store.add(session, ReferralEvent(
            referral_id=referral_id, at=self.clock(),
            by=principal.user_id if principal else None, kind=kind, from_status=before,
            to_status=after, detail=detail[:300]))

    def _consent_row(self, session: Session, referral_id: str, consent: ConsentInput,
                     principal: Principal, now: dt.datetime) -> ReferralConsent:
        row = store.add(session, ReferralConsent(
            referral_id=referral_id, decision=consent.decision, given_by=consent.given_by,
            method=consent.method, scope=list(consent.scope), recorded_at=now,
            recorded_by=principal.user_id))
        self._event(session, referral_id, principal, "consent",
                    detail=f"consent {consent.decision} by {consent.given_by} "
                    f"({consent.method}): {', '.join(consent.scope) or 'nothing'}")
        return row

    def _sharing_row(self, session: Session, referral_id: str, sharing: SharingInput,
                     principal: Principal, now: dt.datetime, consent_id: int | None) -> None:
        without = sharing.lawful_basis != "consent"
        store.add(session, ReferralSharing(
            referral_id=referral_id, decided_at=now, decided_by=principal.user_id,
            shared=sharing.shared, what=sharing.what[:300], with_whom=sharing.with_whom[:300],
            lawful_basis=sharing.lawful_basis, consent_id=None if without else consent_id,
            without_consent=without, safeguarding=sharing.safeguarding or
            sharing.lawful_basis == "safeguarding",
            rationale_sealed=self.sealer.seal_optional(sharing.rationale)))
        self._event(session, referral_id, principal, "sharing",
                    detail=("shared" if sharing.shared else "not shared")
                    + f" on {sharing.lawful_basis}"
                    + (" (safeguarding, without consent)" if without and
                       sharing.lawful_basis == "safeguarding" else ""))

    def _flag_row(self, session: Session, referral: Referral, flag: FlagInput,
                  principal: Principal, now: dt.datetime) -> None:
        leads = [m[0] for m in store.members(session, referral.team_id) if m[3]]
        escalate = flag.level in codes.ESCALATED_LEVELS
        store.add(session, ReferralSafeguarding(
            referral_id=referral.id, category=flag.category, level=flag.level, raised_at=now,
            raised_by=principal.user_id, escalated_to=leads[0] if escalate and leads else None,
            escalated_at=now if escalate else None,
            note_sealed=self.sealer.seal_optional(flag.note)))
        self._event(session, referral.id, principal, "safeguarding",
                    detail=f"{flag.level} ({flag.category})"
                    + ("; escalated to the team lead" if escalate else ""))


def _consent_covers(referral: Referral, scope: str) -> bool:
    return any(c.decision == "given" and c.withdrawn_at is None and scope in (c.scope or [])
               for c in referral.consents)


def _current_consent_id(referral: Referral) -> int | None:
    current = [c.id for c in referral.consents if c.decision == "given" and
               c.withdrawn_at is None]
    return current[-1] if current else None


def _has_basis(referral: Referral) -> bool:
    """A recorded decision to share on a lawful basis other than consent."""
    return any(s.shared and s.without_consent for s in referral.sharing)


def _people(referral: Referral) -> Sequence[int | None]:
    return [referral.worker_id, referral.created_by,
            *(e.by for e in referral.events), *(c.by for c in referral.contacts),
            *(f.escalated_to for f in referral.flags), *(f.raised_by for f in referral.flags)]
