"""The audit trail: a hash chain that detects a changed, removed or inserted row, written
append-only, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from vrhub.access.audit import GENESIS, AuditLog, chain_hash, query, verify
from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.engine import make_engine, session_factory
from vrhub.storage.appdb.models import AuditEvent

ANALYST = Principal(email="ann@hackney.gov.uk", role=Role.BOROUGH_ANALYST, user_id=7,
                    organisation="E09000012", boroughs=frozenset({"E09000012"}))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        database = request.getfixturevalue("postgres_url")
    migrate.upgrade(database)
    return database


@pytest.fixture
def log(url: str) -> Iterator[AuditLog]:
    engine = make_engine(url)
    built = AuditLog(session_factory(engine))
    yield built
    built.close()
    engine.dispose()


def _fill(log: AuditLog, n: int = 6) -> None:
    for i in range(n):
        log.record(ANALYST, "read_records", f"records:istv:{i}", outcome="allowed",
                   scope={"boroughs": {"E09000012"}}, detail=f"event {i}")


def _tamper(url: str, sql: str) -> None:
    """Change audit rows the way an attacker with database-owner rights would: switch the
    append-only guard off first."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        con.execute("DROP TRIGGER audit_event_no_update")
        con.execute("DROP TRIGGER audit_event_no_delete")
        con.execute(sql)
        con.commit()
        con.close()
    else:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute("ALTER TABLE audit_event DISABLE TRIGGER USER")
            con.execute(sql)


def test_chain_links_every_event(log: AuditLog) -> None:
    _fill(log)
    with log.sessions() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        result = verify(session)
    assert result.ok and result.checked == 6
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert all(chain_hash(e.prev_hash, e) == e.hash for e in events)
    assert result.head_hash == events[-1].hash
    assert events[2].scope == {"boroughs": ["E09000012"]}
    assert events[2].actor_role == "borough_analyst"


@pytest.mark.parametrize(
    ("change", "bad_id", "intact"),
    [("UPDATE audit_event SET outcome = 'denied' WHERE id = 3", 3, 2),
     ("UPDATE audit_event SET actor_email = 'someone@else.uk' WHERE id = 5", 5, 4),
     ("UPDATE audit_event SET detail = 'event 9' WHERE id = 2", 2, 1),
     ("UPDATE audit_event SET scope = '{\"boroughs\": []}' WHERE id = 6", 6, 5),
     ("DELETE FROM audit_event WHERE id = 4", 5, 3)],
)
def test_tampering_is_detected_at_the_row(log: AuditLog, url: str, change: str,
                                         bad_id: int, intact: int) -> None:
    _fill(log)
    _tamper(url, change)
    with log.sessions() as session:
        result = verify(session)
    assert not result.ok
    assert result.first_bad_id == bad_id
    assert result.checked == intact


def test_rehashing_a_changed_row_still_breaks_the_next_link(log: AuditLog, url: str) -> None:
    _fill(log)
    with log.sessions() as session:
        event = session.get(AuditEvent, 3)
        assert event is not None
        event.detail = "nothing to see"
        forged = chain_hash(event.prev_hash, event)
        session.expunge_all()
    _tamper(url, f"UPDATE audit_event SET detail = 'nothing to see', hash = '{forged}' "
            "WHERE id = 3")
    with log.sessions() as session:
        result = verify(session)
    assert (result.ok, result.first_bad_id) == (False, 4)


def test_the_app_cannot_update_or_delete_audit_rows(log: AuditLog) -> None:
    _fill(log, 2)
    for statement in ("UPDATE audit_event SET detail = 'x' WHERE id = 1",
                      "DELETE FROM audit_event WHERE id = 1"):
        with log.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
    with log.sessions() as session:
        assert verify(session).checked == 2


def test_concurrent_writers_keep_one_linear_chain(log: AuditLog, url: str) -> None:
    """Many threads in two processes' worth of writers (each groups the events of
    concurrent requests into one transaction): every event is committed once, in one
    unbroken chain, and each caller gets back its own stored event."""
    engine = make_engine(url)
    other = AuditLog(session_factory(engine))
    returned: list[tuple[int, str]] = []

    def write(worker: int) -> None:
        writer = log if worker % 2 else other
        for i in range(25):
            event = writer.record(ANALYST, "search_records", f"records:istv:{worker}-{i}",
                                  outcome="allowed")
            returned.append((event.id, event.resource))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
        engine.dispose()
    with log.sessions() as session:
        result = verify(session)
        stored = {(e.id, e.resource) for e in query(session, limit=1000)}
    assert result.ok and result.checked == 300
    assert sorted(returned) == sorted(stored) and len(set(returned)) == 300


def test_query_filters(log: AuditLog) -> None:
    _fill(log, 3)
    other = Principal(email="lead@barts.nhs.uk", role=Role.ED_DATA_LEAD,
                      sites=frozenset({"R1HNH"}))
    log.record(other, "read_istv_submission", "istv_submission:9", outcome="denied")
    with log.sessions() as session:
        assert [e.actor_email for e in query(session, outcome="denied")] == [
            "lead@barts.nhs.uk"]
        assert len(query(session, actor="ANN@hackney.gov.uk")) == 3
        assert len(query(session, action="read_records", limit=2)) == 2
        assert [e.id for e in query(session)] == [4, 3, 2, 1]


@pytest.mark.postgres
def test_postgres_app_role_may_insert_and_select_but_never_change(postgres_url: str) -> None:
    role = f"vrhub_app_{uuid.uuid4().hex[:8]}"
    migrate.upgrade(postgres_url, app_role=role)
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    login = f"{role}_login"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'test-only' IN ROLE {role}")
    try:
        base, _, database = postgres_url.rpartition("/")
        host = base.split("@", 1)[1]
        app_url = f"postgresql+psycopg://{login}:test-only@{host}/{database}"
        engine = make_engine(app_url)
        try:
            log = AuditLog(session_factory(engine))
            _fill(log, 3)  # the app role can append
            with log.sessions() as session:
                assert verify(session).ok  # and read
                for statement in ("UPDATE audit_event SET detail = 'x' WHERE id = 1",
                                  "DELETE FROM audit_event WHERE id = 1",
                                  "TRUNCATE audit_event"):
                    with pytest.raises(DBAPIError, match="permission denied"):
                        session.execute(text(statement))
                    session.rollback()
                # the account tables are the app's to change
                session.execute(text("UPDATE app_user SET disabled = false"))
                session.commit()
        finally:
            engine.dispose()
        with psycopg.connect(admin.rpartition("/")[0] + "/" + database,
                             autocommit=True) as con:
            # even the owner is stopped by the trigger
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                con.execute("UPDATE audit_event SET detail = 'x' WHERE id = 1")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                con.execute("TRUNCATE audit_event")
            privileges = {r[0] for r in con.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_name = 'audit_event'", [role])}
            assert privileges == {"SELECT", "INSERT"}
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"DROP ROLE IF EXISTS {login}")
