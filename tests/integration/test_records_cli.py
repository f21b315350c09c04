"""``vrhub records``: the CLI reaches record-level data only through the policy, with the
caller's own API token; cross-borough requests are refused and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import Runner
from tests.web.test_access_matrix import CAMDEN, HACKNEY, seed_warehouse
from vrhub.access import audit
from vrhub.access.principal import console_administrator
from vrhub.access.services import AccessServices
from vrhub.settings import Settings

ADMIN = console_administrator("tests")


@pytest.fixture
def camden_token(home: Path) -> str:
    seed_warehouse(home / "warehouse.duckdb")
    services = AccessServices.from_settings(Settings.load({}, home=home, environment="test"))
    try:
        services.identity.create_user(ADMIN, "camden@example.org", role="borough_analyst",
                                      organisation="TEST", boroughs=(CAMDEN,),
                                      password="plum kettle orbit lantern 42")
        token, _ = services.tokens.create(ADMIN, "camden@example.org", "cli")
    finally:
        services.close()
    return str(token)


def events(home: Path) -> list[audit.AuditEvent]:
    services = AccessServices.from_settings(Settings.load({}, home=home, environment="test"))
    try:
        with services.sessions() as session:
            return list(audit.query(session, limit=100_000))
    finally:
        services.close()


def test_search_inside_scope(run: Runner, home: Path, camden_token: str) -> None:
    code, out, err = run("records", "search", "police", "--json", "--limit", "5",
                         env={"VRHUB_TOKEN": camden_token})
    assert code == 0, err
    body = json.loads(out)
    assert body["total"] == sum(8 + 4 * (i % 4) for i in range(24))
    assert {r["borough_code"] for r in body["records"]} == {CAMDEN}
    # a lookup covers every month held unless months are given, and says so
    assert body["period"] == {"from": "2023-01", "to": "2024-12", "every_month": True}
    code, out, err = run("records", "search", "police", "--from", "2024-06",
                         env={"VRHUB_TOKEN": camden_token})
    assert code == 0, err
    assert "June 2024 to December 2024" in out
    last = events(home)[0]
    assert last.outcome == "allowed" and last.actor_email == "camden@example.org"


def test_cross_borough_search_and_export_are_refused_and_audited(
    run: Runner, home: Path, camden_token: str, tmp_path: Path
) -> None:
    before = len(events(home))
    code, _out, err = run("records", "search", "police", "--borough", HACKNEY,
                         env={"VRHUB_TOKEN": camden_token})
    assert code != 0 and "outside your boroughs" in err and HACKNEY in err
    target = tmp_path / "hackney.csv"
    code, _out, err = run("records", "export", "istv", "--borough", HACKNEY, "--output",
                         str(target), "--token", camden_token)
    assert code != 0 and not target.exists()
    after = events(home)
    assert len(after) == before + 2
    assert [e.outcome for e in after[:2]] == ["denied", "denied"]
    assert all(e.actor_email == "camden@example.org" for e in after[:2])
    code, _out, err = run("audit", "verify")
    assert code == 0, err


def test_export_writes_only_own_borough(run: Runner, camden_token: str,
                                        tmp_path: Path) -> None:
    target = tmp_path / "camden.csv"
    code, _out, err = run("records", "export", "police", "--output", str(target),
                         env={"VRHUB_TOKEN": camden_token})
    assert code == 0, err
    frame = pd.read_csv(target, comment="#")
    assert set(frame["borough_code"]) == {CAMDEN}


def test_no_token_is_a_clear_error(run: Runner, home: Path) -> None:
    seed_warehouse(home / "warehouse.duckdb")
    code, _out, err = run("records", "search", "police")
    assert code != 0
    assert "API token" in err and "VRHUB_TOKEN" in err
    assert "Traceback" not in err
