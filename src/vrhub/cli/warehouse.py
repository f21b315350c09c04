"""``vrhub warehouse``: the warehouse's schema version, its migrations, and copies."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import (
    WAREHOUSE_READER,
    WAREHOUSE_WRITER,
    AppContext,
    json_option,
    needs,
    pass_app,
)


@click.group(name="warehouse")
def command() -> None:
    """The analytical warehouse: schema version, upgrade, copy."""


@needs(workspace=WAREHOUSE_READER)
@command.command(name="status")
@json_option
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Show the warehouse's schema version and the newest this vrhub knows."""
    from vrhub.storage import warehouse_schema

    path = app.workspace.warehouse_path
    newest = warehouse_schema.head()
    at = warehouse_schema.version_of(path) if path.exists() else None
    data = {"warehouse": str(path), "version": at, "newest": newest,
            "current": at in (None, newest)}
    if as_json:
        app.emit_json(data)
        return
    if at is None:
        state = "not created yet (it will be created at the newest version)"
    elif at == newest:
        state = "up to date"
    elif at < newest:
        state = "needs `vrhub warehouse upgrade`"
    else:
        state = "written by a newer vrhub"
    click.echo(f"{path}: schema version {at if at is not None else 'none'} "
               f"(newest {newest}); {state}")


@needs(workspace=WAREHOUSE_WRITER)
@command.command(name="upgrade")
@pass_app
def upgrade(app: AppContext) -> None:
    """Apply the warehouse's pending schema migrations, in order.

    Run it after installing a new version of vrhub, with the web app stopped; each
    migration commits on its own, so an interrupted upgrade resumes where it stopped.
    """
    from vrhub.storage.warehouse_upgrade import upgrade_file

    path = app.workspace.ensure().warehouse_path
    before, applied, after = upgrade_file(path)
    for migration in applied:
        app.info(f"  {migration.version}: {migration.description}")
    if before is None:
        app.info(f"warehouse {path}: created at schema version {after}")
    else:
        app.info(f"warehouse {path}: schema version {before} -> {after}")


@needs(workspace=WAREHOUSE_WRITER)
@command.command(name="copy")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@pass_app
def copy(app: AppContext, destination: Path) -> None:
    """Copy the warehouse (the DuckDB file and its Parquet parts) into the workspace
    folder DESTINATION, consistently and owner-only: for a staging copy or a move.

    DESTINATION must not hold a warehouse already.
    """
    from vrhub.storage.backup import copy_workspace_warehouse

    target = copy_workspace_warehouse(app.workspace.warehouse_path, destination)
    app.info(f"copied the warehouse to {target}")
