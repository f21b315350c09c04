"""Named questions and writes of the referral pathway (app database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from vrhub.storage.appdb.models import User
from vrhub.storage.appdb.pathway_models import (
    PathwayTeam,
    PathwayTeamMember,
    Referral,
    ReferralConsent,
    ReferralContact,
    ReferralOnward,
    ReferralOutcome,
    ReferralPlanItem,
    ReferralSafeguarding,
    ReferralSharing,
)

_PARTS = (selectinload(Referral.needs), selectinload(Referral.consents),
          selectinload(Referral.sharing), selectinload(Referral.flags),
          selectinload(Referral.events), selectinload(Referral.contacts),
          selectinload(Referral.plan), selectinload(Referral.onward),
          selectinload(Referral.outcomes))


# -- teams ------------------------------------------------------------------------------------
def create_team(session: Session, *, name: str, kind: str, organisation_code: str,
                borough_code: str | None = None, ed_site_code: str | None = None
                ) -> PathwayTeam:
    team = PathwayTeam(name=name, kind=kind, organisation_code=organisation_code,
                       borough_code=borough_code, ed_site_code=ed_site_code)
    session.add(team)
    session.flush()
    return team


def team_by_name(session: Session, name: str) -> PathwayTeam | None:
    return session.scalar(select(PathwayTeam).where(PathwayTeam.name == name))


def team(session: Session, team_id: int) -> PathwayTeam | None:
    return session.get(PathwayTeam, team_id)


def teams(session: Session) -> list[PathwayTeam]:
    return list(session.scalars(select(PathwayTeam).order_by(PathwayTeam.name)))


def set_member(session: Session, team_id: int, user_id: int, *, lead: bool) -> None:
    found = session.get(PathwayTeamMember, (team_id, user_id))
    if found is None:
        session.add(PathwayTeamMember(team_id=team_id, user_id=user_id, is_lead=lead))
    else:
        found.is_lead = lead
    session.flush()


def remove_member(session: Session, team_id: int, user_id: int) -> bool:
    result = session.execute(delete(PathwayTeamMember).where(
        PathwayTeamMember.team_id == team_id, PathwayTeamMember.user_id == user_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def memberships(session: Session, user_id: int) -> list[tuple[int, bool]]:
    """(team id, is lead) of every team ``user_id`` belongs to."""
    return [(t, bool(lead)) for t, lead in session.execute(
        select(PathwayTeamMember.team_id, PathwayTeamMember.is_lead)
        .where(PathwayTeamMember.user_id == user_id))]


def members(session: Session, team_id: int) -> list[tuple[int, str, str, bool]]:
    """(user id, email, display name, is lead) of a team, leads first."""
    return [(u, e, n, bool(lead)) for u, e, n, lead in session.execute(
        select(User.id, User.email, User.display_name, PathwayTeamMember.is_lead)
        .join(PathwayTeamMember, PathwayTeamMember.user_id == User.id)
        .where(PathwayTeamMember.team_id == team_id)
        .order_by(PathwayTeamMember.is_lead.desc(), User.email))]


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u: (n or e) for u, e, n in session.execute(
        select(User.id, User.email, User.display_name).where(User.id.in_(wanted)))}


def user_id_of(session: Session, email: str) -> int | None:
    return session.scalar(select(User.id).where(User.email == email.strip().lower()))


# -- referrals --------------------------------------------------------------------------------
def add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def reference_taken(session: Session, reference: str) -> bool:
    return session.scalar(select(Referral.id).where(Referral.reference == reference)) \
        is not None


def referral(session: Session, key: str) -> Referral | None:
    """One referral, by id or reference, with all its parts."""
    text = key.strip()
    return session.scalar(select(Referral).where(
        or_(Referral.id == text.lower(), Referral.reference == text.upper()))
        .options(*_PARTS))


def case_refs(session: Session, key: str) -> tuple[Any, ...] | None:
    """(id, reference, team, worker, made by) of one referral by id or reference."""
    text = key.strip()
    row = session.execute(select(Referral.id, Referral.reference, Referral.team_id,
                                 Referral.worker_id, Referral.created_by)
                          .where(or_(Referral.id == text.lower(),
                                     Referral.reference == text.upper()))).first()
    return tuple(row) if row else None


def caseload(session: Session, *, user_id: int | None, team_ids: Sequence[int],
             statuses: Sequence[str] | None = None, limit: int = 500) -> list[Referral]:
    """Referrals allocated to or made by ``user_id``, or in ``team_ids``; open first,
    then newest."""
    who = []
    if user_id is not None:
        who += [Referral.worker_id == user_id, Referral.created_by == user_id]
    if team_ids:
        who.append(Referral.team_id.in_(list(team_ids)))
    if not who:
        return []
    stmt = select(Referral).where(or_(*who), Referral.erased_at.is_(None))
    if statuses:
        stmt = stmt.where(Referral.status.in_(list(statuses)))
    stmt = stmt.options(selectinload(Referral.flags)).order_by(
        Referral.closed_at.is_not(None), Referral.received_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def overdue(session: Session, now: dt.datetime) -> list[Referral]:
    """Requested referrals past their response deadline and not yet escalated."""
    return list(session.scalars(select(Referral).where(
        Referral.status == "requested", Referral.response_due_at < now,
        Referral.escalated_at.is_(None))))


def sealed_identities(session: Session, team_ids: Sequence[int] | None
                      ) -> list[tuple[str, str, str | None]]:
    """(id, reference, sealed identity) of every referral not erased (in ``team_ids``
    when given): what a subject-access search opens, one by one."""
    stmt = select(Referral.id, Referral.reference, Referral.identity_sealed).where(
        Referral.identity_sealed.is_not(None))
    if team_ids is not None:
        stmt = stmt.where(Referral.team_id.in_(list(team_ids)))
    return [(a, b, c) for a, b, c in session.execute(stmt)]


def due_for_erasure(session: Session, today: dt.date) -> list[Referral]:
    return list(session.scalars(select(Referral).where(
        Referral.retain_until.is_not(None), Referral.retain_until < today,
        Referral.erased_at.is_(None)).options(*_PARTS)))


def erase(session: Session, referral_id: str, when: dt.datetime) -> None:
    """Drop every sealed field of a referral; codes, dates and counts stay for figures."""
    session.execute(update(Referral).where(Referral.id == referral_id).values(
        identity_sealed=None, referrer_sealed=None, erased_at=when))
    session.execute(update(ReferralContact).where(ReferralContact.referral_id == referral_id)
                    .values(note_sealed=None))
    session.execute(update(ReferralPlanItem)
                    .where(ReferralPlanItem.referral_id == referral_id)
                    .values(goal_sealed=""))
    session.execute(update(ReferralConsent).where(ReferralConsent.referral_id == referral_id)
                    .values(withdrawal_sealed=None))
    session.execute(update(ReferralSharing).where(ReferralSharing.referral_id == referral_id)
                    .values(rationale_sealed=None))
    session.execute(update(ReferralSafeguarding)
                    .where(ReferralSafeguarding.referral_id == referral_id)
                    .values(note_sealed=None))


def all_sealed_rows(session: Session) -> list[Referral]:
    """Every referral with its parts (key rotation re-seals them all)."""
    return list(session.scalars(select(Referral).options(*_PARTS)))


# -- figures ----------------------------------------------------------------------------------
def figure_rows(session: Session, since: dt.datetime, until: dt.datetime
                ) -> list[tuple[Any, ...]]:
    """(reachable moment, borough, received, first contact, status, closed, engaged outcome)
    of referrals received in [since, until): the inputs of referral figures."""
    engaged = (select(ReferralOutcome.value)
               .where(ReferralOutcome.referral_id == Referral.id,
                      ReferralOutcome.measure == "engaged")
               .order_by(ReferralOutcome.id.desc()).limit(1).scalar_subquery())
    return [tuple(r) for r in session.execute(
        select(Referral.reachable_moment, Referral.borough_code, Referral.received_at,
               Referral.first_contact_at, Referral.status, Referral.closed_at, engaged)
        .where(and_(Referral.received_at >= since, Referral.received_at < until)))]


def outcome_rows(session: Session, since: dt.datetime, until: dt.datetime
                 ) -> list[tuple[str, str, str | None, dt.datetime]]:
    """(measure, value, borough, closed at) of outcomes of referrals closed in the span."""
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(ReferralOutcome.measure, ReferralOutcome.value, Referral.borough_code,
               Referral.closed_at)
        .join(Referral, Referral.id == ReferralOutcome.referral_id)
        .where(Referral.closed_at >= since, Referral.closed_at < until))]


def onward_rows(session: Session, service_ids: Sequence[str] | None = None
                ) -> list[tuple[str, str, dt.datetime, dt.datetime | None]]:
    """(service id, status, sent, replied) of every onward referral (to ``service_ids``)."""
    stmt = select(ReferralOnward.service_id, ReferralOnward.status, ReferralOnward.sent_at,
                  ReferralOnward.replied_at)
    if service_ids is not None:
        stmt = stmt.where(ReferralOnward.service_id.in_(list(service_ids)))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]
