"""E-mail notices of a new critical incident, sent through a real SMTP server the test
starts (aiosmtpd): partners who follow the borough and asked for e-mail get one message,
as blind copies, holding the reference, type, borough and date and a link, and nothing
about the place or the victim. A server that is down never stops the incident being
logged: the notice records the failure. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from argon2 import PasswordHasher
from sqlalchemy import select

from vrhub.access.principal import console_administrator
from vrhub.access.services import AccessServices
from vrhub.partnership.incident_forms import NewIncident, Where
from vrhub.partnership.incident_notices import Mailer
from vrhub.partnership.incidents import IncidentDesk
from vrhub.partnership.risk_zone import Zone
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.incident_models import IncidentNotice

PASSWORD = "violet harbour ladder 7"
HACKNEY, CAMDEN = "E09000012", "E09000007"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AccessServices]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
    found = AccessServices.from_settings(Settings.load(
        {"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url}))
    admin = console_administrator("tests")
    for email, role, boroughs in (("lead@hackney.example", "borough_analyst", (HACKNEY,)),
                                  ("mail@hackney.example", "borough_analyst", (HACKNEY,)),
                                  ("app@hackney.example", "borough_analyst", (HACKNEY,)),
                                  ("mail@camden.example", "borough_analyst", (CAMDEN,)),
                                  ("vru@london.example", "pan_london_analyst", ())):
        found.identity.create_user(admin, email, role=role, organisation="TEST",
                                   boroughs=boroughs, password=PASSWORD)
    yield found
    found.close()


def _desk(services: AccessServices, mailer: Mailer, monkeypatch: pytest.MonkeyPatch
          ) -> IncidentDesk:
    import pandas as pd

    # the point lies in Hackney (a stand-in for the boundary look-up: these tests need no
    # warehouse, and the zone is the stated default)
    def locate(_warehouse: Any, easting: Any, northing: Any) -> pd.DataFrame:
        return pd.DataFrame({"lsoa21_code": [None], "ward_code": ["E05009367"],
                             "borough_code": [HACKNEY]})

    monkeypatch.setattr("vrhub.places.gazetteer.locate_points", locate)
    desk = IncidentDesk(services.sessions, services.policy, lambda: None,  # type: ignore[arg-type, return-value]
                        None, None, mailer=mailer,  # type: ignore[arg-type]
                        app_url="https://vrhub.example.org/")
    monkeypatch.setattr(IncidentDesk, "zone_for", lambda self, ref, borough, at: Zone(
        400, 14, "default", "no events to test: the protocol's default is used"))
    monkeypatch.setattr(IncidentDesk, "_borough_name", lambda self, code: "Hackney")
    return desk


def test_partners_who_asked_get_one_e_mail_without_details(
        services: AccessServices, smtp: tuple[Inbox, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp
    desk = _desk(services, Mailer("127.0.0.1", port, sender="vrhub@vru.example"), monkeypatch)
    sign = services.identity.sign_in
    desk.subscribe(sign("mail@hackney.example", PASSWORD), HACKNEY, email=True)
    desk.subscribe(sign("app@hackney.example", PASSWORD), None, email=False)
    desk.subscribe(sign("mail@camden.example", PASSWORD), None, email=True)
    desk.subscribe(sign("vru@london.example", PASSWORD), None, email=True)
    row = desk.log(sign("lead@hackney.example", PASSWORD), NewIncident(
        dt.datetime(2025, 11, 3, 21, 40), "stabbing", "16_17",
        Where(easting=533_900, northing=184_900)))
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert sorted(recipients) == ["mail@hackney.example", "vru@london.example"]
    assert message["To"] == "vrhub@vru.example"  # no one sees who else was told
    assert message["Subject"] == f"vrhub: critical incident {row.reference}"
    body = message.get_payload(decode=True).decode()
    assert body.startswith(f"Critical incident {row.reference}: stabbing in Hackney, "
                           "03 November 2025.")
    assert f"https://vrhub.example.org/incidents/{row.reference}" in body
    for detail in ("533", "184", "E05009367", "16 to 17", "16_17"):
        assert detail not in body
    with services.sessions() as session:
        notices = {(n.user_id, n.emailed) for n in session.scalars(select(IncidentNotice))}
    ids = {e: sign(e, PASSWORD).user_id for e in ("mail@hackney.example",
                                                   "app@hackney.example",
                                                   "vru@london.example")}
    assert notices == {(ids["mail@hackney.example"], "sent"),
                       (ids["app@hackney.example"], "not_asked"),
                       (ids["vru@london.example"], "sent")}


def test_a_server_that_is_down_never_stops_the_incident(
        services: AccessServices, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _desk(services, Mailer("127.0.0.1", _free_port(), timeout=2), monkeypatch)
    sign = services.identity.sign_in
    desk.subscribe(sign("mail@hackney.example", PASSWORD), HACKNEY, email=True)
    row = desk.log(sign("lead@hackney.example", PASSWORD), NewIncident(
        dt.datetime(2025, 11, 3, 21, 40), "shooting", "18_24",
        Where(easting=533_900, northing=184_900)))
    assert row.reference.startswith("CI-")
    with services.sessions() as session:
        assert [n.emailed for n in session.scalars(select(IncidentNotice))] == ["failed"]
