"""``vrhub db``: the app database's schema migrations."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.engine import make_engine


@click.group(name="db")
def command() -> None:
    """The app database (accounts, audit): create or upgrade its schema."""


@command.command(name="upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to reach.")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Create or upgrade the app database to the newest schema.

    On PostgreSQL run it as the database owner: it also creates the app role
    (VRHUB_POSTGRES_APP_ROLE) and grants it only SELECT and INSERT on the audit table.
    """
    url = app.settings.resolved_database_url
    before = migrate.current(url)
    after = migrate.upgrade(url, app_role=app.settings.postgres_app_role, revision=revision)
    app.info(f"app database {_safe(url)}: {before or 'empty'} -> {after}")


@command.command(name="current")
@json_option
@pass_app
def current(app: AppContext, as_json: bool) -> None:
    """Show the app database's schema revision and whether it is the newest."""
    url = app.settings.resolved_database_url
    rev, head = migrate.current(url), migrate.head()
    data = {"database": _safe(url), "revision": rev, "head": head, "current": rev == head}
    if as_json:
        app.emit_json(data)
        return
    state = "up to date" if rev == head else "needs `vrhub db upgrade`"
    click.echo(f"{data['database']}: revision {rev or 'none'} (newest {head}); {state}")


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_engine(url).url.render_as_string(hide_password=True)
