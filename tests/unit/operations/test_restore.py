"""Restoring a SQLite deployment's backup: the workspace and accounts come back, what was
replaced and the audit events written since are kept aside, and the restored trail is
checked link by link and seal by seal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers_outcomes import ADMIN
from vrhub.access.services import AccessServices
from vrhub.errors import UserError
from vrhub.operations.restore import restore
from vrhub.settings import Settings
from vrhub.storage import backup


def _accounts(services: AccessServices, *emails: str) -> None:
    for email in emails:
        services.identity.create_user(ADMIN, email, role="pan_london_analyst",
                                      organisation="VRU")


def test_a_restore_brings_back_the_backup_and_keeps_what_came_after(
        home: Path, tmp_path: Path) -> None:
    (home / "published").mkdir()
    (home / "published" / "report.csv").write_text("before\n")
    settings = Settings.load({}, home=home, environment="test")
    url = settings.resolved_database_url
    services = AccessServices.from_settings(settings)
    _accounts(services, "kept@vru.example")
    services.close()
    folder = tmp_path / "backup"
    backup.create(home, url, folder, app_role=settings.app_role)

    services = AccessServices.from_settings(settings)
    _accounts(services, "later1@vru.example", "later2@vru.example")  # two events after
    services.close()
    (home / "published" / "report.csv").write_text("after\n")

    done = restore(folder, home, url, app_role=settings.app_role,
                   audit_key_file=home / "audit.key")
    assert (home / "published" / "report.csv").read_text() == "before\n"
    with sqlite3.connect(home / "app.db") as con:
        assert [r[0] for r in con.execute("SELECT email FROM app_user")] == [
            "kept@vru.example"]
    report = done.to_dict()
    assert report["audit"]["events"] == 1
    assert report["audit_chain_intact"] is True and report["audit_chain_problem"] is None
    assert done.chain.checked == 1
    assert report["events_lost"] == 2
    assert report["warehouse_schema_version"] is None
    previous = Path(report["previous_workspace"])
    assert previous.parent == home and previous.name.startswith("before-restore-")
    assert (previous / "published" / "report.csv").read_text() == "after\n"
    lost = json.loads(Path(report["lost_events_file"]).read_text())
    assert len(lost) == 2 and all(e["action"] == "admin_users" for e in lost)
    assert report["lost_first_at"] == lost[0]["occurred_at"]
    assert report["lost_last_at"] == lost[1]["occurred_at"]


def test_a_sqlite_backup_is_not_restored_into_postgresql(home: Path, tmp_path: Path) -> None:
    settings = Settings.load({}, home=home, environment="test")
    folder = tmp_path / "backup"
    backup.create(home, settings.resolved_database_url, folder, app_role=settings.app_role)
    with pytest.raises(UserError, match="the backup holds a sqlite app database and this "
                       "deployment uses postgresql"):
        restore(folder, home, "postgresql+psycopg://nobody@127.0.0.1:1/none",
                app_role="none_app")
