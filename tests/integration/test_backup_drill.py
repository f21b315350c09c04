"""The backup drill, on SQLite and on the machine's PostgreSQL: back up, change, restore,
verify. The restore brings back the data and accounts of the backup, reports the audit
head and the events written since (kept in a file), keeps what it replaced, and refuses a
backup whose workspace and database are not a pair. Backups are owner-only."""

from __future__ import annotations

import io
import json
import shutil
import stat
from pathlib import Path

import pytest

from vrhub.storage.warehouse import Warehouse


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("postgres_url")
    code, _, err = run("db", "upgrade", env={"VRHUB_DATABASE_URL": url})
    assert code == 0, err
    return {"VRHUB_DATABASE_URL": url}


def _add(run, env: dict[str, str], email: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("users", "add", email, "--role", "pan_london_analyst", "--org", "VRU",
                       env=env)
    assert code == 0, err


def _emails(run, env: dict[str, str]) -> set[str]:  # type: ignore[no-untyped-def]
    code, out, err = run("users", "list", "--json", env=env)
    assert code == 0, err
    return {u["email"] for u in json.loads(out)}


def _police_rows(home: Path) -> int:
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        return wh.count("police_street")


def test_back_up_change_restore_verify(run, env: dict[str, str], home: Path,  # type: ignore[no-untyped-def]
                                       shared_data: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    city = sorted((shared_data / "police-uk" / "city-of-london").glob("*.csv.gz"))
    assert run("load", "police", *city[:6], env=env)[0] == 0
    _add(run, env, "kept@example.org")
    rows = _police_rows(home)
    backup = tmp_path / "backups" / "monday"

    code, out, err = run("backup", "create", backup, "--json", env=env)
    assert code == 0, err
    manifest = json.loads(out)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for path in backup.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) in (0o600, 0o700), path
    assert manifest["audit"]["events"] >= 1
    assert any(name.startswith("workspace/warehouse.parts/") for name in manifest["files"])
    assert run("backup", "verify", backup)[0] == 0

    # change: more data, another account, more audit events
    assert run("load", "police", *city[6:9], env=env)[0] == 0
    _add(run, env, "added-later@example.org")
    assert _police_rows(home) > rows

    code, out, err = run("backup", "restore", backup, "--yes", "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["audit"] == manifest["audit"]  # the trail as it was at the backup
    assert report["audit_chain_intact"] is True
    assert report["events_lost"] >= 1  # adding the second account was audited
    lost = json.loads(Path(report["lost_events_file"]).read_text())
    assert len(lost) == report["events_lost"]
    assert any(e["resource"].endswith("added-later@example.org") or
               "added-later@example.org" in e["detail"] for e in lost)
    assert stat.S_IMODE(Path(report["lost_events_file"]).stat().st_mode) == 0o600

    # verify: the backup's data and accounts, a working trail, what was replaced kept
    assert _police_rows(home) == rows
    assert _emails(run, env) == {"kept@example.org"}
    code, out, _ = run("audit", "verify", env=env)
    assert code == 0 and "audit trail intact" in out
    assert Path(report["previous_workspace"], "warehouse.duckdb").exists()


def test_a_mismatched_or_changed_backup_is_refused(run, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _add(run, {}, "a@example.org")
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("backup", "create", first)[0] == 0
    _add(run, {}, "b@example.org")
    assert run("backup", "create", second)[0] == 0

    shutil.copy(second / "app.db", first / "app.db")  # the database of another backup
    code, _, err = run("backup", "restore", first, "--yes")
    assert code == 2
    assert "app.db in " in err and "does not belong to this backup" in err
    assert _emails(run, {}) == {"a@example.org", "b@example.org"}  # nothing was touched

    (second / "stray.txt").write_text("x")
    code, _, err = run("backup", "verify", second)
    assert code == 2 and "holds stray.txt, which is not part of it" in err


def test_restore_asks_before_replacing(run, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("backup", "create", tmp_path / "b")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, _, err = run("backup", "restore", tmp_path / "b")
    assert code == 130 or "Aborted" in err


def test_restore_checks_the_seals_under_the_deployments_audit_key(  # type: ignore[no-untyped-def]
        run, home: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "audit.key"  # held outside the workspace, so not restored
    env = {"VRHUB_AUDIT_KEY_FILE": str(key_file)}
    _add(run, env, "a@example.org")
    backup = tmp_path / "backup"
    assert run("backup", "create", backup, env=env)[0] == 0

    code, out, err = run("backup", "restore", backup, "--yes", "--json", env=env)
    assert code == 0, err
    assert json.loads(out)["audit_chain_intact"] is True  # the right key: every seal fits

    # The same trail under another key (a database brought back beside the wrong key
    # file, or rewritten by someone who could not read the key): the seals do not fit.
    wrong = json.loads(key_file.read_text())
    wrong["key"] = "00" * (len(wrong["key"]) // 2)
    key_file.write_text(json.dumps(wrong))
    code, out, err = run("backup", "restore", backup, "--yes", "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["audit_chain_intact"] is False
    assert "seal does not fit" in report["audit_chain_problem"]
    code, out, err = run("backup", "restore", backup, "--yes", env=env)
    assert "chain BROKEN: the row's seal does not fit" in out + err
