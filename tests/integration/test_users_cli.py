"""``vrhub users``, ``vrhub audit`` and ``vrhub db`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher

HACKNEY, TOWER_HAMLETS = "E09000012", "E09000030"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, run, home: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("postgres_url")
    code, _, err = run("db", "upgrade", env={"VRHUB_DATABASE_URL": url})
    assert code == 0, err
    return {"VRHUB_DATABASE_URL": url}


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_user_administration(run, env: dict[str, str],  # type: ignore[no-untyped-def]
                             monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "ochre tram lighthouse\n")
    code, out, err = run("users", "add", "ann@hackney.gov.uk", "--role", "borough_analyst",
                         "--org", HACKNEY, "--org-name", "London Borough of Hackney",
                         "--borough", HACKNEY, "--name", "Ann Analyst", "--password-stdin",
                         "--json", env=env)
    assert code == 0, err
    added = json.loads(out)
    assert (added["role"], added["boroughs"], added["has_password"]) == (
        "borough_analyst", [HACKNEY], True)
    assert "ochre" not in out + err
    assert run("users", "add", "tom@towerhamlets.gov.uk", "--role", "borough_analyst",
               "--org", TOWER_HAMLETS, "--borough", TOWER_HAMLETS, env=env)[0] == 0
    assert run("users", "add", "lead@bartshealth.nhs.uk", "--role", "ed_data_lead",
               "--org", "R1H", "--site", "R1HNH", env=env)[0] == 0

    code, out, _ = run("users", "list", "--json", env=env)
    listed = {u["email"]: u for u in json.loads(out)}
    assert set(listed) == {"ann@hackney.gov.uk", "tom@towerhamlets.gov.uk",
                           "lead@bartshealth.nhs.uk"}
    assert listed["lead@bartshealth.nhs.uk"]["sites"] == ["R1HNH"]
    assert "password_hash" not in listed["ann@hackney.gov.uk"]
    code, out, _ = run("users", "list", env=env)
    assert code == 0 and out.startswith("Accounts")

    code, _, err = run("users", "set-role", "tom@towerhamlets.gov.uk", "--role",
                       "borough_analyst", "--borough", TOWER_HAMLETS, "--borough", "E09000025",
                       env=env)
    assert code == 0 and "E09000025 E09000030" in err
    assert run("users", "disable", "tom@towerhamlets.gov.uk", env=env)[0] == 0
    code, out, _ = run("users", "show", "tom@towerhamlets.gov.uk", "--json", env=env)
    assert json.loads(out)["disabled"] is True
    assert run("users", "enable", "tom@towerhamlets.gov.uk", env=env)[0] == 0
    assert run("users", "reset-lockout", "ann@hackney.gov.uk", env=env)[0] == 0
    _stdin(monkeypatch, "a brand new passphrase\n")
    assert run("users", "set-password", "lead@bartshealth.nhs.uk", "--password-stdin",
               env=env)[0] == 0

    code, out, _ = run("audit", "list", "--action", "admin_users", "--json", env=env)
    events = json.loads(out)
    assert len(events) == 11  # one per administrative command above (list twice, show once)
    assert {e["channel"] for e in events} == {"cli"}
    assert all(e["actor_email"].startswith("console:") for e in events)
    assert all(e["outcome"] == "success" for e in events)
    assert not any("ochre" in json.dumps(e) or "passphrase" in e["detail"] for e in events)


@pytest.mark.parametrize(("args", "exit_code", "message"), [
    (["--role", "borough_analyst", "--org", "X", "--borough", "E08000001"], 4, "E08000001"),
    (["--role", "borough_analyst", "--org", "X"], 2, "one or more boroughs"),
    (["--role", "ed_data_lead", "--org", "X", "--site", "R!1"], 4, "ODS code"),
    (["--role", "superuser", "--org", "X"], 2, "superuser"),
])
def test_bad_accounts_are_refused_clearly(run, env: dict[str, str], args: list[str],  # type: ignore[no-untyped-def]
                                          exit_code: int, message: str) -> None:
    code, _, err = run("users", "add", "x@y.uk", *args, env=env)
    assert code == exit_code
    assert message in err and "Traceback" not in err


def test_weak_password_duplicate_and_missing_user(run, env: dict[str, str],  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "password1234\n")
    code, _, err = run("users", "add", "a@b.uk", "--role", "administrator", "--org", "VRU",
                       "--password-stdin", env=env)
    assert code == 2 and "common password" in err and "password1234" not in err
    assert run("users", "add", "a@b.uk", "--role", "administrator", "--org", "VRU",
               env=env)[0] == 0
    code, _, err = run("users", "add", "A@b.uk", "--role", "administrator", "--org", "VRU",
                       env=env)
    assert code == 8 and "already exists" in err
    code, _, err = run("users", "disable", "ghost@b.uk", env=env)
    assert code == 5 and "ghost@b.uk" in err
    code, out, _ = run("audit", "list", "--outcome", "failed", "--json", env=env)
    assert len(json.loads(out)) == 3


def test_tokens_from_the_console(run, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    run("users", "add", "ann@hackney.gov.uk", "--role", "borough_analyst", "--org", HACKNEY,
        "--borough", HACKNEY, env=env)
    code, out, err = run("users", "token", "create", "ann@hackney.gov.uk", "--name",
                         "nightly", "--scope", "read_records", "--days", "30", env=env)
    assert code == 0, err
    token = out.strip()
    assert token.startswith("vrh_") and "shown only now" in err
    code, out, _ = run("users", "token", "list", "ann@hackney.gov.uk", "--json", env=env)
    [listed] = json.loads(out)
    assert listed["scopes"] == ["read_records"] and token not in out
    assert token.split("_")[1] == listed["prefix"]
    code, _, err = run("users", "token", "create", "ann@hackney.gov.uk", "--scope",
                       "read_audit", env=env)
    assert code == 2 and "cannot carry scope" in err
    assert run("users", "token", "revoke", "ann@hackney.gov.uk", listed["prefix"],
               env=env)[0] == 0
    code, out, _ = run("users", "token", "list", "ann@hackney.gov.uk", "--json", env=env)
    assert json.loads(out)[0]["revoked_at"] is not None


def test_audit_verify_detects_tampering(run, env: dict[str, str], home: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        run("users", "add", f"u{i}@vru.london", "--role", "pan_london_analyst", "--org", "VRU",
            env=env)
    code, out, _ = run("audit", "verify", "--json", env=env)
    result = json.loads(out)
    assert code == 0 and result["ok"] and result["checked"] == 3
    code, out, _ = run("audit", "verify", env=env)
    assert code == 0 and "intact: 4 events" in out  # the first verify is itself audited

    sql = "UPDATE audit_event SET actor_email = 'someone-else' WHERE id = 2"
    if env:
        plain = env["VRHUB_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute("ALTER TABLE audit_event DISABLE TRIGGER USER")
            con.execute(sql)
    else:
        with sqlite3.connect(home / "app.db") as con:
            con.execute("DROP TRIGGER audit_event_no_update")
            con.execute(sql)
    code, out, _ = run("audit", "verify", env=env)
    assert code == 12
    assert "BROKEN at event 2" in out and "changed" in out
    code, out, _ = run("audit", "verify", "--json", env=env)
    assert json.loads(out)["first_bad_id"] == 2


def test_audit_list_filters(run, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    run("users", "add", "a@vru.london", "--role", "pan_london_analyst", "--org", "VRU", env=env)
    code, out, _ = run("audit", "list", "--since", "2000-01-01", "--json", env=env)
    assert [e["resource"] for e in json.loads(out)] == ["user:a@vru.london"]
    code, out, _ = run("audit", "list", "--until", "2000-01-01", "--json", env=env)
    assert json.loads(out) == []
    code, out, _ = run("audit", "list", env=env)
    assert code == 0 and out.startswith("Audit events (newest first)")


def test_delete_and_anonymise_accounts_are_audited(run, env: dict[str, str],  # type: ignore[no-untyped-def]
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import json as _json

    for email in ("gone@example.org", "anon@example.org"):
        code, _, err = run("users", "add", email, "--role", "pan_london_analyst", "--org",
                           "VRU", "--name", "Ann Person", env=env)
        assert code == 0, err
    code, _, err = run("users", "token", "create", "anon@example.org", env=env)
    assert code == 0, err
    code, _, err = run("users", "delete", "gone@example.org", "--yes", env=env)
    assert code == 0 and "deleted gone@example.org" in err
    code, _, err = run("users", "anonymise", "anon@example.org", "--yes", env=env)
    assert code == 0, err
    code, out, _ = run("users", "list", "--json", env=env)
    accounts = {u["email"]: u for u in _json.loads(out)}
    assert "gone@example.org" not in accounts and "anon@example.org" not in accounts
    (anonymised,) = [u for e, u in accounts.items() if e.startswith("anonymised-")]
    assert anonymised["disabled"] is True and anonymised["display_name"] == ""
    code, out, _ = run("users", "token", "list", anonymised["email"], "--json", env=env)
    assert code == 0 and _json.loads(out) == []  # its token went with the person
    code, out, _ = run("audit", "list", "--json", "--action", "admin_users", env=env)
    details = {(e["resource"], e["detail"], e["outcome"]) for e in _json.loads(out)}
    assert ("user:gone@example.org", "account deleted", "success") in details
    assert ("user:anon@example.org", "account anonymised", "success") in details
    code, _, err = run("users", "delete", "nobody@example.org", "--yes", env=env)
    assert code == 5 and "nobody@example.org" in err


def test_icb_analysts_are_added_by_icb_code_or_name(run, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("users", "add", "ia@nhs.net", "--role", "icb_analyst", "--org", "QMF",
                         "--icb", "North East London", "--json", env=env)
    assert code == 0, err
    assert (json.loads(out)["icbs"], json.loads(out)["boroughs"]) == (["QMF"], [])
    code, out, _ = run("users", "list", env=env)
    assert "ICB QMF" in out
    code, _, err = run("users", "set-role", "ia@nhs.net", "--role", "icb_analyst", "--icb",
                       "qwe", "--icb", "QKK", env=env)
    assert code == 0 and "icb_analyst for ICB QKK QWE" in err
    code, _, err = run("users", "add", "ib@nhs.net", "--role", "icb_analyst", "--org", "QMF",
                       env=env)
    assert code != 0 and "an ICB analyst needs one or more Integrated Care Boards" in err
    code, _, err = run("users", "add", "ic@nhs.net", "--role", "icb_analyst", "--org", "QMF",
                       "--icb", "Narnia", env=env)
    assert code != 0 and "'Narnia' is not an Integrated Care Board code or name" in err
    assert "QMF North East London" in err  # the hint names the five
    code, _, err = run("users", "add", "id@nhs.net", "--role", "borough_analyst", "--org",
                       HACKNEY, "--borough", HACKNEY, "--icb", "QMF", env=env)
    assert code != 0 and "only ICB analysts take Integrated Care Boards" in err


def test_a_password_must_arrive_on_standard_input(run, home: Path,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from vrhub.cli import users
    from vrhub.errors import UserError

    _stdin(monkeypatch, "\n")
    with pytest.raises(UserError, match="no password arrived on standard input"):
        users.read_password_stdin()
    _stdin(monkeypatch, "ochre tram lighthouse\r\n")
    assert users.read_password_stdin() == "ochre tram lighthouse"
    _stdin(monkeypatch, "")
    code, out, err = run("users", "add", "ann@hackney.gov.uk", "--role", "borough_analyst",
                         "--org", HACKNEY, "--borough", HACKNEY, "--password-stdin")
    assert code == UserError.exit_code
    assert "no password arrived on standard input" in err
    # nothing was added
    code, out, _ = run("users", "list", "--json")
    assert code == 0 and json.loads(out) == []


def test_anchors_are_owner_only_json_lines_read_back_and_checked(  # type: ignore[no-untyped-def]
        run, home: Path, tmp_path: Path) -> None:
    import stat

    from vrhub.cli import audit as audit_cli
    from vrhub.errors import UserError

    assert run("users", "add", "tom@towerhamlets.gov.uk", "--role", "borough_analyst",
               "--org", TOWER_HAMLETS, "--borough", TOWER_HAMLETS)[0] == 0
    code, out, _ = run("audit", "list", "--json")
    assert code == 0
    events = len(json.loads(out)) + 1  # the listing is itself on the trail
    target = tmp_path / "kept" / "anchors.jsonl"
    code, out, err = run("audit", "anchor", "--to", target, "--json")
    assert code == 0, err
    written = json.loads(out)
    assert written["events"] == events
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    audit_cli.append_anchor(target, {"events": events + 5, "head_hash": "ab" * 32})
    assert audit_cli.read_anchors(target) == [
        audit_cli.Anchor(events, written["head_hash"]), audit_cli.Anchor(events + 5, "ab" * 32)]
    with target.open("a", encoding="utf-8") as handle:
        handle.write('{"events": "many"}\n')
    with pytest.raises(UserError, match=r"anchors.jsonl, line 3: not an anchor"):
        audit_cli.read_anchors(target)
    with pytest.raises(UserError, match="there is no anchors file"):
        audit_cli.read_anchors(tmp_path / "none.jsonl")


def test_db_current_says_whether_the_schema_is_the_newest(run) -> None:  # type: ignore[no-untyped-def]
    from vrhub.cli import db as db_cli
    from vrhub.storage.appdb import migrate

    code, out, err = run("db", db_cli.current.name, "--json")
    assert code == 0, err
    before = json.loads(out)
    assert before["head"] == migrate.head()
    assert before["current"] is (before["revision"] == before["head"])
    assert run("db", db_cli.upgrade.name)[0] == 0
    code, out, _ = run("db", db_cli.current.name, "--json")
    after = json.loads(out)
    assert (after["revision"], after["current"]) == (migrate.head(), True)
    code, out, _ = run("db", db_cli.current.name)
    assert code == 0 and out.strip().endswith("up to date")
    assert f"revision {migrate.head()}" in out
