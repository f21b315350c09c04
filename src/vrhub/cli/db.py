"""``vrhub db``: the app database's schema migrations and PostgreSQL roles."""

from __future__ import annotations

import click

from vrhub.cli.context import OWNER, AppContext, json_option, needs, pass_app
from vrhub.storage.diagnose import describe_url


@click.group(name="db")
def command() -> None:
    """The app database (accounts, audit): create or upgrade its schema, set up roles."""


@needs(database=OWNER)
@command.command(name="upgrade")
@click.option("--revision", default="head", show_default=True, help="Revision to reach.")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Create or upgrade the app database to the newest schema.

    On PostgreSQL it also creates the app role (VRHUB_POSTGRES_APP_ROLE, by default the
    database's name followed by _app) when the owner may create roles, and grants it only
    SELECT and INSERT on the audit table. When the owner may not (no CREATEROLE), it says
    which SQL a DBA runs first.
    """
    from vrhub.storage.appdb import migrate
    from vrhub.storage.appdb.engine import is_postgres, make_engine
    from vrhub.storage.appdb.roles import require_app_role, role_state

    url = app.settings.resolved_database_url
    role = app.settings.app_role
    engine = make_engine(url)
    try:
        if is_postgres(engine):
            require_app_role(engine, role)
        before = migrate.current(url)
        after = migrate.upgrade(url, app_role=role, revision=revision)
        app.info(f"app database {describe_url(url)}: {before or 'empty'} -> {after}")
        if is_postgres(engine):
            state = role_state(engine, role)
            if state.members:
                app.info(f"app role {role}; logins in it: {', '.join(state.members)}")
            else:
                web = f"{role.removesuffix('_app')}_web"
                app.info(f"app role {role} has no login yet: create the web app's with "
                         f"`CREATE ROLE {web} LOGIN PASSWORD '...' IN ROLE {role};`")
    finally:
        engine.dispose()


@needs(database="any account that can connect")
@command.command(name="current")
@json_option
@pass_app
def current(app: AppContext, as_json: bool) -> None:
    """Show the app database's schema revision and whether it is the newest."""
    from vrhub.storage.appdb import migrate

    url = app.settings.resolved_database_url
    rev, head = migrate.current(url), migrate.head()
    data = {"database": describe_url(url), "revision": rev, "head": head,
            "current": rev == head, "app_role": app.settings.app_role}
    if as_json:
        app.emit_json(data)
        return
    state = "up to date" if rev == head else "needs `vrhub db upgrade`"
    click.echo(f"{data['database']}: revision {rev or 'none'} (newest {head}); {state}")


@needs(database="any account that can connect")
@command.command(name="wait")
@click.option("--timeout", type=click.FloatRange(0, 3600), default=60, show_default=True,
              help="Seconds to wait before giving up.")
@pass_app
def wait(app: AppContext, timeout: float) -> None:
    """Wait until the app database answers (for start-up scripts and containers).

    Retries while the server refuses connections or is still starting; stops at once,
    with the cause and the fix, when the login is refused or the database is missing,
    which waiting would not mend. Exits 0 when the database answers, 13 otherwise.
    """
    import time

    from vrhub.storage.appdb import migrate
    from vrhub.storage.diagnose import unreachable

    url = app.settings.resolved_database_url
    deadline = time.monotonic() + timeout
    pause = 0.25
    while True:
        try:
            revision = migrate.current(url)
        except Exception as exc:
            remaining = deadline - time.monotonic()
            if not unreachable(exc) or remaining <= 0:
                raise
            time.sleep(min(pause, remaining))  # the last try is at the deadline
            pause = min(pause * 2, 2.0)
            continue
        app.info(f"app database {describe_url(url)} answers (revision {revision or 'none'})")
        return


@command.command(name="roles-sql")
@click.option("--database", default=None,
              help="Database name (default: the one in VRHUB_DATABASE_URL, else vrhub).")
@click.option("--owner", default=None,
              help="The owner login: runs `vrhub db upgrade` and restores (default: the "
              "database's name followed by _owner, e.g. vrhub_owner).")
@click.option("--web-login", default=None,
              help="The web app's login, a member of the app role (default: the database's "
              "name followed by _web, e.g. vrhub_web).")
@pass_app
def roles_sql(app: AppContext, database: str | None, owner: str | None,
              web_login: str | None) -> None:
    """Print the SQL a DBA runs once to create this deployment's database and roles.

    Roles belong to the whole PostgreSQL server, so each is named after the database by
    default: the owner <database>_owner, the app role <database>_app (or
    VRHUB_POSTGRES_APP_ROLE), the web login <database>_web; two deployments on one server
    never share one. Needs no database: hand the output to whoever administers PostgreSQL.
    """
    from urllib.parse import urlsplit

    from vrhub.settings import default_app_role
    from vrhub.storage.appdb.roles import dba_sql

    url = app.settings.database_url
    name = database or (urlsplit(url).path.lstrip("/") if url and url.startswith(
        "postgresql") else "") or "vrhub"
    base = default_app_role(f"postgresql:///{name}").removesuffix("_app")
    role = app.settings.postgres_app_role or f"{base}_app"
    click.echo(dba_sql(database=name, owner=owner or f"{base}_owner", app_role=role,
                       web_login=web_login or f"{base}_web"), nl=False)
