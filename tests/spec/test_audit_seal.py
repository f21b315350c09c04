"""An audit trail that cannot be rewritten by someone who can write only the database:
each event is sealed with a key held outside it, and heads anchored outside it are
checked, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.conftest import Runner
from vrhub.access.audit import GENESIS, AuditLog, chain_hash, verify
from vrhub.access.audit_seal import AuditSeal
from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.cli.main import main
from vrhub.errors import OperationalError
from vrhub.settings import Settings
from vrhub.storage.appdb.engine import make_engine, session_factory
from vrhub.storage.appdb.models import AuditEvent

ANALYST = Principal(email="ann@hackney.gov.uk", role=Role.BOROUGH_ANALYST, user_id=7,
                    organisation="E09000012", boroughs=frozenset({"E09000012"}))
BROKEN = 12


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, home: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{home / 'app.db'}"
    database = str(request.getfixturevalue("postgres_url"))
    assert main(["db", "upgrade"], {"VRHUB_HOME": str(home),
                                    "VRHUB_DATABASE_URL": database}) == 0
    return database


@pytest.fixture
def services(url: str, home: Path) -> Iterator[AccessServices]:
    built = AccessServices.from_settings(Settings.load({"VRHUB_HOME": str(home),
                                                        "VRHUB_DATABASE_URL": url}))
    yield built
    built.close()


def fill(log: AuditLog, n: int = 6, start: int = 0) -> None:
    for i in range(start, start + n):
        log.record(ANALYST, "read_records", f"records:istv:{i}", outcome="allowed",
                   scope={"boroughs": {"E09000012"}}, detail=f"event {i}")


def rewrite(url: str, *, edit: int | None = None, cut_from: int | None = None,
            strip_seals: bool = False) -> None:
    """The attack, as the database's owner: switch the append-only triggers off, change
    event ``edit`` (or delete from ``cut_from`` on), re-hash every row after it with plain
    SHA-256 so that the chain fits again, and switch the triggers back on."""
    engine = make_engine(url)
    sqlite = url.startswith("sqlite")
    try:
        with Session(engine) as session:
            triggers = []
            if sqlite:
                triggers = list(session.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_event'")))
                for name, _ in triggers:
                    session.execute(text(f"DROP TRIGGER {name}"))
            else:
                session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            if cut_from is not None:
                session.execute(text("DELETE FROM audit_event WHERE id >= :i"),
                                {"i": cut_from})
            prev = GENESIS
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():
                if event.id == edit:
                    event.detail = "nothing to see"
                if edit is not None and event.id >= edit:
                    event.prev_hash = prev
                    event.hash = chain_hash(prev, event)
                if strip_seals:
                    event.seal = None
                session.flush()
                prev = event.hash
            if sqlite:
                for _, sql in triggers:
                    session.execute(text(sql))
            else:
                session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
            session.commit()
    finally:
        engine.dispose()


def check(services: AccessServices, anchors: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    key = services.audit.seal.key(create=False) if services.audit.seal else None
    with services.sessions() as session:
        return verify(session, key, anchors)


def test_every_event_is_sealed_with_a_key_kept_owner_only(services: AccessServices,
                                                          home: Path) -> None:
    fill(services.audit)
    key_file = home / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert json.loads(key_file.read_text())["sealed_from"] == 1
    key = services.audit.seal_key()
    assert key is not None
    with services.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.seal for e in events] == [key.seal(e.hash) for e in events]
    result = check(services)
    assert (result.ok, result.checked, result.sealed_from) == (True, 6, 1)


def test_a_rewritten_and_rehashed_trail_is_found(services: AccessServices, url: str,
                                                run: Runner) -> None:
    fill(services.audit)
    rewrite(url, edit=3)
    with services.sessions() as session:
        assert verify(session).ok  # the hash chain alone is fooled by the re-hash
    result = check(services)
    assert (result.ok, result.first_bad_id, result.checked) == (False, 3, 2)
    assert "seal does not fit" in (result.problem or "")
    code, out, _ = run("audit", "verify", env={"VRHUB_DATABASE_URL": url})
    assert code == BROKEN
    assert "audit trail BROKEN at event 3" in out and "without the key" in out


def test_stripping_the_seals_too_is_found(services: AccessServices, url: str) -> None:
    fill(services.audit)
    rewrite(url, edit=2, strip_seals=True)
    result = check(services)
    assert (result.ok, result.first_bad_id) == (False, 1)
    assert "carries no seal" in (result.problem or "")


def test_events_from_before_the_key_are_covered_by_the_first_sealed_one(
        services: AccessServices, url: str) -> None:
    engine = make_engine(url)
    unsealed = AuditLog(session_factory(engine))  # as written before the key existed
    fill(unsealed, 3)
    unsealed.close()
    engine.dispose()
    fill(services.audit, 3, start=3)
    key = services.audit.seal_key()
    assert key is not None and key.sealed_from == 4
    assert check(services).ok
    rewrite(url, edit=2)
    result = check(services)
    assert (result.ok, result.first_bad_id) == (False, 4)


def test_anchored_heads_show_a_cut_tail(services: AccessServices, url: str,
                                        run: Runner, tmp_path: Path) -> None:
    fill(services.audit)
    elsewhere = tmp_path / "elsewhere" / "anchors.jsonl"
    env = {"VRHUB_DATABASE_URL": url}
    code, out, err = run("audit", "anchor", "--to", str(elsewhere), env=env)
    assert code == 0, err
    anchored = json.loads(elsewhere.read_text().splitlines()[-1])
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    code, out, _ = run("audit", "verify", "--anchors", str(elsewhere), env=env)
    assert code == 0 and "1 anchored head(s) found" in out, out
    # anchoring wrote one more event (its own audit): the anchor names the head before it
    rewrite(url, cut_from=anchored["head_id"])  # the newest events removed
    assert check(services).ok  # a shorter chain: hashes and seals all still fit
    for args in (("--anchors", str(elsewhere)), ("--expect-head", anchored["head_hash"])):
        code, out, _ = run("audit", "verify", *args, env=env)
        assert code == BROKEN, out
        assert f"the anchored head {anchored['head_hash']} is not in the chain" in out


def test_a_missing_key_file_is_an_error_once_the_trail_is_sealed(
        services: AccessServices, home: Path) -> None:
    fill(services.audit, 2)
    (home / "audit.key").unlink()
    with pytest.raises(OperationalError, match="the audit trail is sealed with a key, and "
                       "there is no audit key file") as refused:
        AuditSeal(home / "audit.key", services.sessions).key()
    assert "VRHUB_AUDIT_KEY_FILE" in (refused.value.hint or "")
