"""Backups of a deployment (the workspace and the app database together), restores, and
copies of the warehouse. Everything written is owner-only (folders 0700, files 0600).

A backup is a folder:

- ``workspace/``: the warehouse (``warehouse.duckdb`` and ``warehouse.parts/``), copied
  while vrhub holds the warehouse's only writer lock after a checkpoint, so it is
  consistent; and the rest of the workspace (published outputs, code lists) except
  downloads and logs;
- ``app.db`` (SQLite, through SQLite's online backup) or ``app-database.dump``
  (PostgreSQL, ``pg_dump`` custom format, taken in the same snapshot as the audit head
  recorded for it);
- ``roles.sql``: the SQL that re-creates the deployment's PostgreSQL roles;
- ``vrhub-backup.json``: the manifest: versions, the audit head, and the SHA-256 of every
  file. A restore refuses a backup whose files do not match it (a dump from another
  backup, a changed or missing file): the workspace and the database are a pair.

Checking the restored audit trail's links and seals is the access layer's:
:mod:`vrhub.operations.restore` restores with :func:`restore` and then verifies the trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from vrhub.errors import OperationalError, UserError
from vrhub.storage.parts import parts_folder

MANIFEST = "vrhub-backup.json"
FORMAT = 1
WORKSPACE = "workspace"
SQLITE_FILE = "app.db"
PG_DUMP_FILE = "app-database.dump"
ROLES_FILE = "roles.sql"
#: workspace entries a backup leaves out: re-creatable, or not vrhub's
SKIPPED = ("downloads", "logs", "warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.parts",
           "app.db", "app.db-wal", "app.db-shm", "app.db-journal")


# -- owner-only files --------------------------------------------------------------------
def private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def _private_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        Path(folder).chmod(0o700)
        for name in files:
            (Path(folder) / name).chmod(0o600)


def _copy_private(source: Path, target: Path) -> None:
    private_folder(target.parent)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
        _private_tree(target)
    else:
        shutil.copyfile(source, target)
        target.chmod(0o600)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


# -- the warehouse -----------------------------------------------------------------------
def copy_workspace_warehouse(source: Path, destination: Path) -> Path:
    """A consistent, owner-only copy of the warehouse at ``source`` into the folder
    ``destination`` (which must not hold one already); returns the new warehouse file."""
    from vrhub.storage.warehouse import Warehouse

    target = destination / source.name
    if target.exists():
        raise UserError(f"{target} exists already",
                        hint="choose an empty folder: a copy never overwrites a warehouse")
    if not source.exists():
        raise UserError(f"there is no warehouse at {source} to copy",
                        hint="check --home (or VRHUB_HOME)")
    private_folder(destination)
    with Warehouse(source) as wh:  # the writer lock: nobody changes it while we copy
        wh._con.execute("CHECKPOINT")
        _copy_private(source, target)
        if parts_folder(source).is_dir():
            _copy_private(parts_folder(source), parts_folder(target))
    return target


# -- the app database --------------------------------------------------------------------
@dataclass(frozen=True)
class AuditHead:
    events: int
    last_id: int | None
    head_hash: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events, "last_id": self.last_id, "head": self.head_hash}


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """``pg_dump``/``pg_restore`` connection arguments for a SQLAlchemy URL; the password
    goes in the environment, never on a command line."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    args = ["--host", parts.hostname or "localhost", "--port", str(parts.port or 5432),
            "--dbname", unquote(parts.path.lstrip("/"))]
    if parts.username:
        args += ["--username", unquote(parts.username)]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OperationalError(
            f"{name} is not installed on this host, and a PostgreSQL backup needs it",
            hint="install the PostgreSQL client tools of the server's major version "
            "(Debian: `apt-get install postgresql-client`)",
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str, **kwargs: Any) -> None:
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    done = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True, check=False,
                          **kwargs)
    if done.returncode != 0:
        problem = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OperationalError(f"{what} failed: {problem}",
                               hint="check the database account in VRHUB_DATABASE_URL is "
                               "the owner, and that the server is reachable")


def _audit_head_sql(con: Any) -> AuditHead:
    from sqlalchemy import text

    count, last = con.execute(text("SELECT count(*), max(id) FROM audit_event")).one()
    head = con.execute(text("SELECT hash FROM audit_event WHERE id = :i"),
                       {"i": last}).scalar() if last is not None else None
    return AuditHead(int(count), last, head)


def _dump_postgres(url: str, target: Path) -> AuditHead:
    """``pg_dump`` in the snapshot of a transaction that also reads the audit head."""
    from sqlalchemy import text

    from vrhub.storage.appdb.engine import make_engine

    args, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as con:
            con.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            snapshot = con.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            head = _audit_head_sql(con)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                _run([_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                      "--no-privileges", f"--snapshot={snapshot}"], env, "pg_dump",
                     stdout=out)
            con.rollback()
    finally:
        engine.dispose()
    return head


def _copy_sqlite(url: str, target: Path) -> AuditHead:
    source = Path(url.split("///", 1)[1])
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    src, con = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(con)
        con.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        count, last = con.execute("SELECT count(*), max(id) FROM audit_event").fetchone()
        head = con.execute("SELECT hash FROM audit_event WHERE id = ?", [last]).fetchone()
    finally:
        src.close()
        con.close()
    target.chmod(0o600)
    return AuditHead(int(count), last, head[0] if head else None)


# -- backup ------------------------------------------------------------------------------
@dataclass
class BackupReport:
    folder: Path
    manifest: dict[str, Any] = field(default_factory=dict)


def create(home: Path, database_url: str, destination: Path, *, app_role: str) -> BackupReport:
    """Back up the workspace ``home`` and the app database into ``destination``."""
    from vrhub import __version__
    from vrhub.storage import warehouse_schema
    from vrhub.storage.appdb import migrate
    from vrhub.storage.appdb.roles import dba_sql

    if destination.exists() and any(destination.iterdir()):
        raise UserError(f"{destination} is not empty",
                        hint="give a new folder for each backup (e.g. named by date)")
    private_folder(destination)
    workspace = private_folder(destination / WORKSPACE)
    warehouse = home / "warehouse.duckdb"
    if warehouse.exists():
        copy_workspace_warehouse(warehouse, workspace)
    for entry in sorted(home.iterdir()) if home.exists() else []:
        if entry.name in SKIPPED or entry.resolve() == destination.resolve():
            continue
        _copy_private(entry, workspace / entry.name)

    postgres = database_url.startswith("postgresql")
    if postgres:
        head = _dump_postgres(database_url, destination / PG_DUMP_FILE)
        parts = urlsplit(database_url)
        base = app_role.removesuffix("_app")
        roles = dba_sql(database=unquote(parts.path.lstrip("/")),
                        owner=unquote(parts.username or f"{base}_owner"), app_role=app_role,
                        web_login=f"{base}_web")
        (destination / ROLES_FILE).write_text(roles)
        (destination / ROLES_FILE).chmod(0o600)
    else:
        if migrate.current(database_url) is None:  # SQLite is created on first use
            migrate.upgrade(database_url, app_role=app_role)
        head = _copy_sqlite(database_url, destination / SQLITE_FILE)

    version = None
    if (workspace / "warehouse.duckdb").exists():
        import duckdb

        con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
        try:
            version = warehouse_schema.current(con)
        finally:
            con.close()
    manifest = {
        "format": FORMAT,
        "backup_id": str(uuid.uuid4()),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vrhub_version": __version__,
        "app_database": {"kind": "postgresql" if postgres else "sqlite",
                         "file": PG_DUMP_FILE if postgres else SQLITE_FILE,
                         "revision": migrate.current(database_url), "app_role": app_role},
        "warehouse": {"schema_version": version},
        "audit": head.to_dict(),
        "files": {str(p.relative_to(destination)): sha256(p) for p in _files(destination)},
    }
    path = destination / MANIFEST
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(manifest, out, indent=2)
    return BackupReport(destination, manifest)


# -- restore -----------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        raise UserError(f"{folder} is not a vrhub backup (it has no {MANIFEST})",
                        hint="give the folder `vrhub backup create` wrote")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise UserError(f"{path} is in backup format {manifest.get('format')!r}, and this "
                        f"vrhub reads format {FORMAT}", hint="restore it with the vrhub "
                        "version that wrote it")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a backup whose files are not the ones its manifest lists: the workspace and
    the database dump must come from the same backup."""
    listed: dict[str, str] = manifest["files"]
    present = {str(p.relative_to(folder)) for p in _files(folder)}
    missing = sorted(set(listed) - present)
    extra = sorted(present - set(listed))
    if missing:
        raise UserError(f"the backup {folder} is incomplete: {missing[0]} is missing"
                        + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                        hint="copy the whole backup folder back, or restore another backup")
    if extra:
        raise UserError(f"the backup {folder} holds {extra[0]}, which is not part of it",
                        hint="a file from another backup was put here: the workspace and the "
                        "database must come from the same backup")
    for name, expected in listed.items():
        if sha256(folder / name) != expected:
            raise UserError(
                f"{name} in {folder} does not belong to this backup (its checksum differs "
                "from the manifest's)",
                hint="the workspace and the database must come from the same backup; "
                "restore the backup folder as `vrhub backup create` wrote it")


@dataclass
class Restored:
    """What a restore put back (the backup, its audit head as restored) and what it set
    aside (audit events the backup does not hold, the replaced workspace)."""

    backup_id: str
    created_at: str
    audit: AuditHead
    lost_events: int
    lost_first: str | None
    lost_last: str | None
    lost_file: Path | None
    previous: Path | None
    warehouse_version: int | None


def _events_after(database_url: str, last_id: int | None) -> list[dict[str, Any]]:
    """The audit events of the database as it is now that the backup does not hold."""
    from sqlalchemy import inspect, select

    from vrhub.storage.appdb.engine import make_engine
    from vrhub.storage.appdb.models import AuditEvent

    engine = make_engine(database_url)
    try:
        if "audit_event" not in inspect(engine).get_table_names():
            return []
        table = AuditEvent.__table__
        stmt = select(table).order_by(table.c.id)
        if last_id is not None:
            stmt = stmt.where(table.c.id > last_id)
        with engine.connect() as con:
            return [{k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                     for k, v in row._mapping.items()} for row in con.execute(stmt)]
    except Exception as exc:
        from vrhub.storage.diagnose import explain

        if explain(exc, database_url=database_url) is None:
            raise
        return []  # nothing to read (e.g. the database was lost): nothing to keep
    finally:
        engine.dispose()


def restore(folder: Path, home: Path, database_url: str, *, app_role: str) -> Restored:
    """Restore the backup in ``folder`` into the workspace ``home`` and the app database,
    and read the restored audit trail's head."""
    from vrhub.storage.appdb.engine import make_engine

    manifest = read_manifest(folder)
    verify(folder, manifest)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    if manifest["app_database"]["kind"] != kind:
        raise UserError(
            f"the backup holds a {manifest['app_database']['kind']} app database and this "
            f"deployment uses {kind}",
            hint="restore into a deployment of the same kind (set VRHUB_DATABASE_URL)")
    _check_versions(manifest)

    # the web app (or a load) must not hold the warehouse while it is replaced
    warehouse = home / "warehouse.duckdb"
    if warehouse.exists():
        import duckdb

        try:
            duckdb.connect(str(warehouse)).close()
        except duckdb.Error as exc:
            from vrhub.storage.diagnose import explain

            raise explain(exc) or exc from None

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    previous = private_folder(home / f"before-restore-{stamp}")
    backup_head = manifest["audit"]
    lost = _events_after(database_url, backup_head["last_id"])
    lost_file = None
    if lost:
        lost_file = previous / "audit-events-not-in-backup.json"
        fd = os.open(lost_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(lost, out, indent=1, default=str)

    if kind == "postgresql":
        _restore_postgres(folder / PG_DUMP_FILE, database_url, app_role)
    else:
        target = Path(database_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            old = target.with_name(target.name + suffix)
            if old.exists():
                shutil.move(old, previous / old.name)
        _copy_private(folder / SQLITE_FILE, target)

    for entry in sorted((folder / WORKSPACE).iterdir()):
        current = home / entry.name
        if current.exists():
            shutil.move(current, previous / entry.name)
        _copy_private(entry, current)
    for name in ("warehouse.duckdb.wal",):
        if (home / name).exists():
            shutil.move(home / name, previous / name)
    _private_tree(previous)

    engine = make_engine(database_url)
    try:
        with engine.connect() as con:
            head = _audit_head_sql(con)
    finally:
        engine.dispose()
    return Restored(
        backup_id=manifest["backup_id"], created_at=manifest["created_at"], audit=head,
        lost_events=len(lost),
        lost_first=lost[0]["occurred_at"] if lost else None,
        lost_last=lost[-1]["occurred_at"] if lost else None, lost_file=lost_file,
        previous=previous, warehouse_version=manifest["warehouse"]["schema_version"])


def _check_versions(manifest: dict[str, Any]) -> None:
    from vrhub.storage.appdb import migrate
    from vrhub.versions import warehouse_head

    revision = manifest["app_database"]["revision"]
    if not migrate.known(revision):
        raise UserError(
            f"the backup's app database is at schema revision {revision}, which this vrhub "
            f"does not know (backup written by vrhub {manifest['vrhub_version']})",
            hint="restore it with that version of vrhub, then upgrade")
    version = manifest["warehouse"]["schema_version"]
    if version is not None and version > warehouse_head():
        raise UserError(
            f"the backup's warehouse is at schema version {version}, newer than this vrhub "
            f"knows ({warehouse_head()})", hint="restore it with the vrhub version that wrote "
            f"it ({manifest['vrhub_version']})")


def _restore_postgres(dump: Path, database_url: str, app_role: str) -> None:
    from vrhub.storage.appdb.engine import make_engine
    from vrhub.storage.appdb.roles import require_app_role, restore_grants

    engine = make_engine(database_url)
    try:
        state = require_app_role(engine, app_role)
        if not state.app_role_exists:
            from sqlalchemy import text

            with engine.begin() as con:  # the documented SQL: CREATE ROLE <app role> NOLOGIN
                con.execute(text(f"CREATE ROLE {app_role} NOLOGIN"))
        args, env = _libpq(database_url)
        _run([_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner",
              "--no-privileges", "--single-transaction", "--exit-on-error", str(dump)], env,
             "pg_restore")
        restore_grants(engine, app_role)
    finally:
        engine.dispose()
