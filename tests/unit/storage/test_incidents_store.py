"""Critical incidents in the app database (SQLite and PostgreSQL): look-up by reference,
lists by borough and status, subscriptions and notices."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from tests.helpers_outcomes import ADMIN, CAMDEN, HACKNEY, ISLINGTON
from vrhub.access.services import AccessServices
from vrhub.storage import incidents as store
from vrhub.storage.appdb.incident_models import Incident, IncidentAction
from vrhub.storage.appdb.models import User


def _incident(reference: str, borough: str, day: int, status: str = "open") -> Incident:
    return Incident(id=str(uuid.uuid4()), reference=reference,
                    occurred_at=dt.datetime(2025, 3, day, 22, 0), incident_type="stabbing",
                    victim_age_band="15-19", location_source="map", easting=530000.0,
                    northing=180000.0, borough_code=borough, status=status,
                    checklist_version="v1", zone={"radius_m": 400})


def _user_id(services: AccessServices, email: str) -> int:
    with services.sessions() as session:
        found = session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def test_incidents_are_found_by_reference_and_listed_newest_first(
        services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        first = store.add(session, _incident("CI-0001", CAMDEN, 1))
        first.actions.append(IncidentAction(code="call", phase="24h", text="Call the school",
                                            owner="Youth service",
                                            due_at=dt.datetime(2025, 3, 2, 22, 0)))
        store.add(session, _incident("CI-0002", HACKNEY, 5, status="closed"))
        store.add(session, _incident("CI-0003", CAMDEN, 9))
        store.note_event(session, first, "logged", "Logged by the duty officer", None)
        first_id = first.id
    with services.sessions() as session:
        found = store.by_reference(session, "  ci-0001 ")  # trimmed and upper-cased
        assert found is not None and found.id == first_id
        assert [a.text for a in found.actions] == ["Call the school"]
        assert [(e.kind, e.text) for e in found.events] == [
            ("logged", "Logged by the duty officer")]
        assert store.by_reference(session, "CI-9999") is None
        assert store.reference_taken(session, "CI-0002")
        assert not store.reference_taken(session, "CI-0004")
        assert [i.reference for i in store.listed(session)] == [
            "CI-0003", "CI-0002", "CI-0001"]
        assert [i.reference for i in store.listed(session, boroughs={CAMDEN})] == [
            "CI-0003", "CI-0001"]
        assert [i.reference for i in store.listed(session, status="closed")] == ["CI-0002"]
        assert store.listed(session, boroughs=[ISLINGTON]) == []
        # an action of another incident is not this incident's
        action_id = found.actions[0].id
        other = store.by_reference(session, "CI-0002")
        assert other is not None
        assert store.action(session, found, action_id) is not None
        assert store.action(session, other, action_id) is None
        assert store.fund_application(session, found, 12345) is None


def test_subscribers_of_a_borough_and_their_notices(services: AccessServices) -> None:
    services.identity.create_user(ADMIN, "all@vru.example", role="pan_london_analyst",
                                  organisation="VRU")
    services.identity.create_user(ADMIN, "camden@vru.example", role="borough_analyst",
                                  organisation="Camden", boroughs=[CAMDEN])
    services.identity.create_user(ADMIN, "hackney@vru.example", role="borough_analyst",
                                  organisation="Hackney", boroughs=[HACKNEY])
    everyone = _user_id(services, "all@vru.example")
    camden = _user_id(services, "camden@vru.example")
    hackney = _user_id(services, "hackney@vru.example")
    with services.sessions() as session, session.begin():
        store.subscribe(session, everyone, None, email=False)
        store.subscribe(session, camden, CAMDEN, email=False)
        store.subscribe(session, camden, CAMDEN, email=True)  # changes, does not duplicate
        store.subscribe(session, hackney, HACKNEY, email=True)
    with services.sessions() as session:
        assert [(s.borough_code, s.email) for s in store.subscriptions_of(session, camden)] == [
            (CAMDEN, True)]
        told = {user.email: (email, boroughs)
                for user, email, boroughs in store.subscribers(session, CAMDEN)}
        assert told == {"all@vru.example": (False, frozenset()),
                        "camden@vru.example": (True, frozenset({CAMDEN}))}
    with services.sessions() as session, session.begin():
        incident = store.add(session, _incident("CI-0010", CAMDEN, 3))
        store.add_notice(session, camden, incident, "Stabbing in Camden", "sent")
        incident_id = incident.id
    with services.sessions() as session:
        assert [(n.text, n.emailed, ref) for n, ref in store.notices(session, camden)] == [
            ("Stabbing in Camden", "sent", "CI-0010")]
        assert store.notices(session, hackney) == []
    with services.sessions() as session, session.begin():
        store.mark_read(session, camden, incident_id, dt.datetime(2025, 3, 4, 9, 0))
    with services.sessions() as session:
        assert store.notices(session, camden, unread_only=True) == []
        [(notice, _)] = store.notices(session, camden)
        assert notice.read_at == dt.datetime(2025, 3, 4, 9, 0)
    with services.sessions() as session, session.begin():
        assert store.unsubscribe(session, camden) == 1
        assert store.unsubscribe(session, camden) == 0
    with services.sessions() as session:
        assert [u.email for u, _, _ in store.subscribers(session, CAMDEN)] == [
            "all@vru.example"]
