"""The PostgreSQL roles of a deployment, and the SQL that creates them.

Three roles (all names are per deployment):

- the **owner** (a login, e.g. ``vrhub_owner``) owns the database and its tables and runs
  ``vrhub db upgrade`` and ``vrhub backup restore``;
- the **app role** (``NOLOGIN``, ``VRHUB_POSTGRES_APP_ROLE``, by default the database's
  name followed by ``_app``) holds the web app's privileges: ordinary rights on the account
  tables, only SELECT and INSERT on ``audit_event``;
- the **web login** (e.g. ``vrhub_web``), a member of the app role, that the web app and the
  everyday commands connect as.

Creating roles needs CREATEROLE. ``vrhub db upgrade`` creates the app role itself when the
owner may; otherwise a DBA runs :func:`dba_sql` once (``vrhub db roles-sql`` prints it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, text

from vrhub.errors import OperationalError

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")

#: what the app role may do, table by table (migrations grant the same)
ACCOUNT_TABLES = ("organisation", "app_user", "user_borough", "user_site", "api_token",
                  "user_session", "user_icb")


def identifier(name: str, what: str) -> str:
    if not IDENTIFIER.fullmatch(name):
        raise OperationalError(
            f"the {what} name {name!r} is not a plain lower-case PostgreSQL identifier",
            hint="use lower-case letters, digits and underscores, starting with a letter",
        )
    return name


def dba_sql(*, database: str, owner: str, app_role: str, web_login: str) -> str:
    """The SQL a DBA (a superuser or a role with CREATEROLE and CREATEDB) runs once for a
    new deployment. Passwords are left as ``:'..._password'`` psql variables."""
    for name, what in ((database, "database"), (owner, "owner"), (app_role, "app role"),
                       (web_login, "web login")):
        identifier(name, what)
    return "\n".join([
        f"-- vrhub deployment: database {database}, owner {owner}, app role {app_role}, "
        f"web login {web_login}",
        "-- Run once with psql as a superuser (or a role with CREATEROLE and CREATEDB):",
        "--   psql -h DBHOST -U postgres -f roles.sql",
        "-- psql asks for the two new passwords (or pass -v owner_password=... and",
        "-- -v web_password=...).",
        "\\if :{?owner_password}",
        "\\else",
        f"\\prompt 'Password for the owner {owner}: ' owner_password",
        "\\endif",
        "\\if :{?web_password}",
        "\\else",
        f"\\prompt 'Password for the web login {web_login}: ' web_password",
        "\\endif",
        f"CREATE ROLE {owner} LOGIN PASSWORD :'owner_password';",
        f"CREATE DATABASE {database} OWNER {owner};",
        f"CREATE ROLE {app_role} NOLOGIN;",
        f"CREATE ROLE {web_login} LOGIN PASSWORD :'web_password' IN ROLE {app_role};",
        "",
    ])


@dataclass(frozen=True)
class RoleState:
    user: str
    may_create_roles: bool
    app_role_exists: bool
    members: tuple[str, ...]


def role_state(engine: Engine, app_role: str) -> RoleState:
    """Who is connected, whether it may create roles, and the app role's login members."""
    with engine.connect() as con:
        user, create = con.execute(text(
            "SELECT current_user, rolcreaterole OR rolsuper FROM pg_roles "
            "WHERE rolname = current_user")).one()
        exists = con.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                             {"r": app_role}).scalar_one() > 0
        members = con.execute(text(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = :r AND m.rolcanlogin "
            "ORDER BY m.rolname"), {"r": app_role}).scalars().all()
    return RoleState(str(user), bool(create), exists, tuple(str(m) for m in members))


def require_app_role(engine: Engine, app_role: str) -> RoleState:
    """Before migrating: the app role exists, or this account may create it. Otherwise a
    one-line error with the exact SQL a DBA runs."""
    identifier(app_role, "app role")
    state = role_state(engine, app_role)
    if not state.app_role_exists and not state.may_create_roles:
        raise OperationalError(
            f"the app role {app_role} does not exist and the database account {state.user} "
            "may not create roles (it has no CREATEROLE)",
            hint=f"ask a DBA to run `CREATE ROLE {app_role} NOLOGIN;` (or to grant "
            f"{state.user} CREATEROLE), then run `vrhub db upgrade` again; `vrhub db "
            "roles-sql` prints the whole set-up a DBA runs",
        )
    return state


def restore_grants(engine: Engine, app_role: str) -> None:
    """Grant the app role its privileges on every vrhub table (after a restore, which
    re-creates the tables without them). The same grants as the migrations."""
    identifier(app_role, "app role")
    with engine.begin() as con:
        schema = con.execute(text("SELECT current_schema()")).scalar_one()
        tables = set(con.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
        con.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {app_role}'))
        present = [t for t in ACCOUNT_TABLES if t in tables]
        if present:
            con.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(present)} "
                             f"TO {app_role}"))
        if "audit_event" in tables:
            con.execute(text(f"REVOKE ALL ON audit_event FROM {app_role}, PUBLIC"))
            con.execute(text(f"GRANT SELECT, INSERT ON audit_event TO {app_role}"))
        if "alembic_version" in tables:
            con.execute(text(f"GRANT SELECT ON alembic_version TO {app_role}"))
        if "account_version" in tables:
            con.execute(text(f"GRANT SELECT, UPDATE ON account_version TO {app_role}"))
        con.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" '
                         f"TO {app_role}"))
