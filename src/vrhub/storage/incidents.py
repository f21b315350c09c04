"""Named questions and writes of critical-incident response (app database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from vrhub.storage.appdb.incident_models import (
    FundApplication,
    Incident,
    IncidentAction,
    IncidentEvent,
    IncidentNotice,
    IncidentSubscription,
)
from vrhub.storage.appdb.models import User, UserBorough

_PARTS = (selectinload(Incident.actions), selectinload(Incident.events),
          selectinload(Incident.fund))


def add(session: Session, incident: Incident) -> Incident:
    session.add(incident)
    session.flush()
    return incident


def by_reference(session: Session, reference: str) -> Incident | None:
    return session.scalar(select(Incident).options(*_PARTS)
                          .where(Incident.reference == reference.strip().upper()))


def reference_taken(session: Session, reference: str) -> bool:
    return session.scalar(select(Incident.id).where(Incident.reference == reference)) is not None


def listed(session: Session, *, boroughs: Iterable[str] | None = None,
           status: str | None = None) -> list[Incident]:
    """Incidents newest first; only those in ``boroughs`` when given (None: all)."""
    query = select(Incident).options(selectinload(Incident.actions))
    if boroughs is not None:
        query = query.where(Incident.borough_code.in_(sorted(boroughs)))
    if status:
        query = query.where(Incident.status == status)
    return list(session.scalars(query.order_by(Incident.occurred_at.desc())))


def action(session: Session, incident: Incident, action_id: int) -> IncidentAction | None:
    found = session.get(IncidentAction, action_id)
    return found if found is not None and found.incident_id == incident.id else None


def fund_application(session: Session, incident: Incident,
                     application_id: int) -> FundApplication | None:
    found = session.get(FundApplication, application_id)
    return found if found is not None and found.incident_id == incident.id else None


def note_event(session: Session, incident: Incident, kind: str, text: str,
               by_user: int | None) -> None:
    session.add(IncidentEvent(incident_id=incident.id, kind=kind, text=text,
                              by_user=by_user))


# -- subscriptions and notices ---------------------------------------------------------------
def subscribe(session: Session, user_id: int, borough: str | None, *, email: bool) -> None:
    found = session.scalar(select(IncidentSubscription).where(
        IncidentSubscription.user_id == user_id,
        IncidentSubscription.borough_code.is_(None) if borough is None
        else IncidentSubscription.borough_code == borough))
    if found is None:
        session.add(IncidentSubscription(user_id=user_id, borough_code=borough, email=email))
    else:
        found.email = email


def unsubscribe(session: Session, user_id: int) -> int:
    rows = list(session.scalars(select(IncidentSubscription).where(
        IncidentSubscription.user_id == user_id)))
    for row in rows:
        session.delete(row)
    return len(rows)


def subscriptions_of(session: Session, user_id: int) -> list[IncidentSubscription]:
    return list(session.scalars(select(IncidentSubscription).where(
        IncidentSubscription.user_id == user_id).order_by(IncidentSubscription.id)))


def subscribers(session: Session, borough: str) -> list[tuple[User, bool, frozenset[str]]]:
    """Accounts subscribed to ``borough`` (or to every borough), with whether they asked
    for e-mail and the boroughs their account is limited to (empty: none)."""
    rows = session.execute(
        select(User, IncidentSubscription.email)
        .join(IncidentSubscription, IncidentSubscription.user_id == User.id)
        .where((IncidentSubscription.borough_code.is_(None))
               | (IncidentSubscription.borough_code == borough))
        .where(User.disabled.is_(False))).all()
    out: dict[int, tuple[User, bool, frozenset[str]]] = {}
    for user, email in rows:
        boroughs = frozenset(session.scalars(select(UserBorough.borough_code).where(
            UserBorough.user_id == user.id)))
        previous = out.get(user.id)
        out[user.id] = (user, email or bool(previous and previous[1]), boroughs)
    return list(out.values())


def add_notice(session: Session, user_id: int, incident: Incident, text: str,
               emailed: str) -> IncidentNotice:
    notice = IncidentNotice(user_id=user_id, incident_id=incident.id, text=text,
                            emailed=emailed)
    session.add(notice)
    return notice


def notices(session: Session, user_id: int, *, unread_only: bool = False
            ) -> list[tuple[IncidentNotice, str]]:
    query = (select(IncidentNotice, Incident.reference)
             .join(Incident, Incident.id == IncidentNotice.incident_id)
             .where(IncidentNotice.user_id == user_id))
    if unread_only:
        query = query.where(IncidentNotice.read_at.is_(None))
    return [(n, ref) for n, ref in session.execute(
        query.order_by(IncidentNotice.created_at.desc(), IncidentNotice.id.desc()))]


def mark_read(session: Session, user_id: int, incident_id: str, at: dt.datetime) -> None:
    session.execute(update(IncidentNotice).where(
        IncidentNotice.user_id == user_id, IncidentNotice.incident_id == incident_id,
        IncidentNotice.read_at.is_(None)).values(read_at=at))
