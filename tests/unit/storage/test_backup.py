"""A backup folder of a SQLite deployment: what it holds (and leaves out), its manifest's
checksums and audit head, owner-only files, and the backups it refuses."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.helpers_outcomes import ADMIN
from vrhub.access.services import AccessServices
from vrhub.errors import UserError
from vrhub.settings import Settings
from vrhub.storage import backup

REPORT = b"borough,stabbings\nE09000007,3\n"


def _deployment(home: Path) -> Settings:
    (home / "published").mkdir(parents=True)
    (home / "published" / "report.csv").write_bytes(REPORT)
    (home / "logs").mkdir()
    (home / "logs" / "run.log").write_text("re-creatable\n")
    (home / "downloads").mkdir()
    (home / "downloads" / "police.zip").write_bytes(b"PK")
    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    for email in ("one@vru.example", "two@vru.example"):
        services.identity.create_user(ADMIN, email, role="pan_london_analyst",
                                      organisation="VRU")
    services.close()
    return settings


def test_a_backup_holds_the_workspace_and_database_with_their_checksums(
        home: Path, tmp_path: Path) -> None:
    settings = _deployment(home)
    destination = tmp_path / "backups" / "first"
    report = backup.create(home, settings.resolved_database_url, destination,
                           app_role=settings.app_role)
    manifest = report.manifest
    # logs and downloads are left out; the database is copied once, not as a workspace file
    assert sorted(manifest["files"]) == ["app.db", "workspace/audit.key",
                                         "workspace/published/report.csv"]
    assert manifest["files"]["workspace/published/report.csv"] == hashlib.sha256(
        REPORT).hexdigest()
    assert (destination / "workspace" / "published" / "report.csv").read_bytes() == REPORT
    with sqlite3.connect(home / "app.db") as con:
        last_id, head = con.execute(
            "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    # one event for each account made
    assert manifest["audit"] == {"events": 2, "last_id": last_id, "head": head}
    assert manifest["app_database"]["kind"] == "sqlite"
    assert manifest["warehouse"] == {"schema_version": None}  # no warehouse yet
    assert json.loads((destination / backup.MANIFEST).read_text()) == manifest
    with sqlite3.connect(destination / "app.db") as con:
        assert sorted(r[0] for r in con.execute("SELECT email FROM app_user")) == [
            "one@vru.example", "two@vru.example"]
    for path in [destination, *destination.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    backup.verify(destination, backup.read_manifest(destination))  # as written: it fits

    with pytest.raises(UserError, match=f"{destination} is not empty"):
        backup.create(home, settings.resolved_database_url, destination,
                      app_role=settings.app_role)


def test_a_backup_with_a_file_missing_added_or_changed_is_refused(
        home: Path, tmp_path: Path) -> None:
    settings = _deployment(home)
    destination = tmp_path / "backup"
    manifest = backup.create(home, settings.resolved_database_url, destination,
                             app_role=settings.app_role).manifest
    extra = destination / "workspace" / "stray.txt"
    extra.write_text("from another backup")
    with pytest.raises(UserError, match=r"holds workspace/stray\.txt, which is not part of it"):
        backup.verify(destination, manifest)
    extra.unlink()
    report = destination / "workspace" / "published" / "report.csv"
    report.write_bytes(REPORT + b"E09000012,1\n")
    with pytest.raises(UserError, match=r"report\.csv in .* does not belong to this backup"):
        backup.verify(destination, manifest)
    report.unlink()
    (destination / "app.db").unlink()
    with pytest.raises(UserError, match=r"is incomplete: app.db is missing \(and 1 more\)"):
        backup.verify(destination, manifest)


def test_a_folder_that_is_not_a_backup_of_this_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"{tmp_path} is not a vrhub backup"):
        backup.read_manifest(tmp_path)
    (tmp_path / backup.MANIFEST).write_text(json.dumps({"format": 2}))
    with pytest.raises(UserError, match="in backup format 2, and this vrhub reads format 1"):
        backup.read_manifest(tmp_path)
