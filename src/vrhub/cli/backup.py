"""``vrhub backup``: back up the workspace and the app database together, check a backup,
restore one. Backups are owner-only."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import OWNER, WAREHOUSE_WRITER, AppContext, json_option, needs, pass_app


@click.group(name="backup")
def command() -> None:
    """Backups: the warehouse, the workspace and the app database, as one pair."""


@needs(database=OWNER + "; it must be able to read every table", workspace=WAREHOUSE_WRITER)
@command.command(name="create")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@json_option
@pass_app
def create(app: AppContext, destination: Path, as_json: bool) -> None:
    """Back up into DESTINATION (a new folder, created owner-only): the warehouse and its
    parts, the rest of the workspace (not downloads or logs), the app database (SQLite's
    online backup, or pg_dump on PostgreSQL, which must be installed) and a manifest of
    checksums that pairs them."""
    from vrhub.storage.backup import create as take

    report = take(app.settings.home, app.settings.resolved_database_url, destination,
                  app_role=app.settings.app_role)
    manifest = report.manifest
    if as_json:
        app.emit_json(manifest)
        return
    head = manifest["audit"]
    app.info(f"backed up to {destination}: {len(manifest['files'])} files, warehouse schema "
             f"{manifest['warehouse']['schema_version']}, app database revision "
             f"{manifest['app_database']['revision']}, audit trail {head['events']} events "
             f"(head {head['head']})")


@command.command(name="verify")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@pass_app
def verify_(app: AppContext, source: Path) -> None:
    """Check that every file of the backup in SOURCE is there and unchanged. Needs no
    database."""
    from vrhub.storage.backup import read_manifest, verify

    manifest = read_manifest(source)
    verify(source, manifest)
    app.info(f"backup {manifest['backup_id']} of {manifest['created_at']} is complete: "
             f"{len(manifest['files'])} files match the manifest")


@needs(database=OWNER + " (on PostgreSQL also CREATEROLE, or a DBA runs the backup's "
       "roles.sql first)", workspace=WAREHOUSE_WRITER)
@command.command(name="restore")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_app
def restore(app: AppContext, source: Path, yes: bool, as_json: bool) -> None:
    """Restore the backup in SOURCE over this deployment's workspace and app database.

    Refuses a backup whose files do not match its manifest. What it replaces is kept in
    the workspace's before-restore-<time> folder, and audit events written after the
    backup (which the restored trail cannot hold) are saved there and reported. On
    PostgreSQL the app role is re-created when missing and granted its privileges again.
    """
    from vrhub.operations.restore import restore as put_back
    from vrhub.storage.backup import read_manifest

    manifest = read_manifest(source)
    if not yes:
        click.confirm(f"Replace the workspace {app.settings.home} and the app database with "
                      f"the backup of {manifest['created_at']}?", abort=True)
    app.close()
    report = put_back(source, app.settings.home, app.settings.resolved_database_url,
                      app_role=app.settings.app_role,
                      audit_key_file=app.settings.resolved_audit_key_file)
    if as_json:
        app.emit_json(report.to_dict())
        return
    restored = report.restored
    chain = ("intact" if report.chain.ok else
             f"BROKEN: {report.chain.problem} (run `vrhub audit verify`)")
    app.info(f"restored backup {restored.backup_id} of {restored.created_at}")
    app.info(f"audit trail: {restored.audit.events} events, head "
             f"{restored.audit.head_hash}, chain {chain}")
    if restored.lost_events:
        app.info(f"{restored.lost_events} audit event(s) written after the backup "
                 f"({restored.lost_first} to {restored.lost_last}) are not in the restored "
                 f"trail; they are kept in {restored.lost_file}")
    else:
        app.info("no audit events were written after the backup")
    app.info(f"what was replaced is kept in {restored.previous}")
