"""The PostgreSQL roles of a deployment: names checked, the DBA's SQL, who may create the
app role (refused with the exact fix when nobody may), and the grants put back after a
restore."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from vrhub.errors import OperationalError
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.engine import make_engine
from vrhub.storage.appdb.roles import dba_sql, identifier, require_app_role, restore_grants


@pytest.mark.parametrize("name", ["Vrhub", "1app", "app-role", "app role", "a" * 64, ""])
def test_a_name_that_is_not_a_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(OperationalError) as refused:
        identifier(name, "app role")
    assert refused.value.message == (f"the app role name {name!r} is not a plain lower-case "
                                     "PostgreSQL identifier")
    assert refused.value.hint == ("use lower-case letters, digits and underscores, starting "
                                  "with a letter")
    assert identifier("vrhub_app_2", "app role") == "vrhub_app_2"


def test_the_dba_sql_creates_the_three_roles_and_the_database() -> None:
    sql = dba_sql(database="vrhub", owner="vrhub_owner", app_role="vrhub_app",
                  web_login="vrhub_web")
    statements = [line for line in sql.splitlines() if line.startswith("CREATE")]
    assert statements == [
        "CREATE ROLE vrhub_owner LOGIN PASSWORD :'owner_password';",
        "CREATE DATABASE vrhub OWNER vrhub_owner;",
        "CREATE ROLE vrhub_app NOLOGIN;",
        "CREATE ROLE vrhub_web LOGIN PASSWORD :'web_password' IN ROLE vrhub_app;"]
    with pytest.raises(OperationalError, match="the web login name 'web;drop'"):
        dba_sql(database="vrhub", owner="o", app_role="a", web_login="web;drop")


def privileges(engine: Engine, role: str, table: str) -> set[str]:
    with engine.connect() as con:
        return {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
                if con.execute(text("SELECT has_table_privilege(:r, :t, :p)"),
                               {"r": role, "t": table, "p": p}).scalar_one()}


@pytest.mark.postgres
def test_an_account_without_createrole_is_told_what_a_dba_runs(postgres_url: str) -> None:
    database = postgres_url.rpartition("/")[2]
    plain = f"{database}_app"  # a login without CREATEROLE (dropped with the database)
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as con:
            con.execute(text(f'CREATE ROLE "{plain}" LOGIN'))
        state = require_app_role(admin, "vrhub_missing_role")  # a superuser may create it
        assert state.may_create_roles and not state.app_role_exists
        assert require_app_role(admin, plain).app_role_exists
        limited = make_engine(postgres_url, connect_args={"options": f"-c role={plain}"})
        try:
            with pytest.raises(OperationalError) as refused:
                require_app_role(limited, "vrhub_missing_role")
        finally:
            limited.dispose()
    finally:
        admin.dispose()
    assert refused.value.message == (
        f"the app role vrhub_missing_role does not exist and the database account {plain} "
        "may not create roles (it has no CREATEROLE)")
    assert refused.value.hint is not None
    assert refused.value.hint.startswith("ask a DBA to run `CREATE ROLE vrhub_missing_role "
                                         f"NOLOGIN;` (or to grant {plain} CREATEROLE)")


@pytest.mark.postgres
def test_a_restore_gets_the_migrations_grants_back(postgres_url: str) -> None:
    app_role = f"{postgres_url.rpartition('/')[2]}_app"
    migrate.upgrade(postgres_url, app_role=app_role)
    engine = make_engine(postgres_url)
    try:
        granted = privileges(engine, app_role, "audit_event"), privileges(engine, app_role,
                                                                           "app_user")
        assert granted == ({"SELECT", "INSERT"}, {"SELECT", "INSERT", "UPDATE", "DELETE"})
        with engine.begin() as con:  # what a restore leaves: tables without grants
            con.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app_role}"))
        assert privileges(engine, app_role, "app_user") == set()
        restore_grants(engine, app_role)
        assert privileges(engine, app_role, "audit_event") == {"SELECT", "INSERT"}
        assert privileges(engine, app_role, "app_user") == {"SELECT", "INSERT", "UPDATE",
                                                             "DELETE"}
        assert privileges(engine, app_role, "alembic_version") == {"SELECT"}
        assert privileges(engine, app_role, "account_version") == {"SELECT", "UPDATE"}
        with pytest.raises(OperationalError):
            restore_grants(engine, "Bad Role")
    finally:
        engine.dispose()
