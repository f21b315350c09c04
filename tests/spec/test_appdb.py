"""The app database: migrations, the same schema on SQLite and PostgreSQL, and how the
app finds it ready (or not)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from vrhub.access.services import AccessServices
from vrhub.errors import ConfigError, OperationalError
from vrhub.settings import Settings
from vrhub.storage.appdb import directory_models, migrate
from vrhub.storage.appdb.base import Base
from vrhub.storage.appdb.engine import make_engine

TABLES = {"organisation", "app_user", "user_borough", "user_site", "api_token", "audit_event",
          "user_programme", "user_icb", "user_session", "outcome_programme", "outcome_reference",
          "outcome_evidence",
          directory_models.DirectoryService.__tablename__}
#: tables whose change can alter what an account may do (they raise account_version)
SCOPE_TABLES = ("organisation", "app_user", "user_borough", "user_site", "api_token",
                "user_programme", "user_icb")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'app.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_upgrade_creates_the_schema_the_models_describe(url: str) -> None:
    assert migrate.current(url) is None
    head = migrate.head()
    assert head is not None
    assert migrate.upgrade(url) == head
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) >= TABLES
        for table in Base.metadata.sorted_tables:
            migrated = {c["name"] for c in inspector.get_columns(table.name)}
            assert migrated == {c.name for c in table.columns}, table.name
        unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(
            "audit_event")}
        assert ("prev_hash",) in unique  # the chain cannot fork
    finally:
        engine.dispose()
    assert migrate.upgrade(url) == head  # idempotent


@pytest.mark.postgres
def test_autogenerate_finds_no_difference_between_the_migrations_and_the_models(
        postgres_url: str) -> None:
    """The migrations build the schema the models declare: Alembic's autogenerate, run
    through the migrations' own environment (which must see every table), finds nothing
    to add, drop or change; a table, column or index on one side only fails here."""
    migrate.upgrade(postgres_url)
    command.check(migrate.alembic_config(postgres_url))  # raises naming each difference


def test_services_refuse_an_unmigrated_postgres_but_migrate_sqlite(url: str,
                                                                   tmp_path: Path) -> None:
    settings = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url})
    if url.startswith("sqlite"):
        services = AccessServices.from_settings(settings)
        services.close()
        assert migrate.current(url) == migrate.head()
        return
    with pytest.raises(OperationalError,
                       match=r"revision none \(empty\) and this version of vrhub needs "
                             rf"{migrate.head()}; to fix: run `vrhub db upgrade` as the "
                             "database owner"):
        AccessServices.from_settings(settings)
    migrate.upgrade(url)
    AccessServices.from_settings(settings).close()


def test_default_database_is_sqlite_in_the_workspace(tmp_path: Path) -> None:
    settings = Settings.load({"VRHUB_HOME": str(tmp_path)})
    AccessServices.from_settings(settings).close()
    database = tmp_path / "app.db"
    assert database.exists()
    with sqlite3.connect(database) as con:
        triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master "
                                              "WHERE type = 'trigger'")}
        assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers
        assert {t for t in triggers if "account_version" in t} == {
            f"{table}_bumps_account_version_{event}"
            for table in SCOPE_TABLES for event in ("insert", "update", "delete")} | {
            "user_session_bumps_account_version_update",
            "user_session_bumps_account_version_delete"}
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("bad", ["mysql://x@y/z", "not a url"])
def test_unsupported_database_urls_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="VRHUB_DATABASE_URL"):
        make_engine(bad)


def test_db_commands(run, home: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    env = {"VRHUB_DATABASE_URL": url}
    code, out, err = run("db", "current", "--json", env=env)
    assert code == 0, err
    assert '"current": false' in out and '"revision": null' in out
    code, _, err = run("db", "upgrade", env=env)
    assert code == 0, err
    head = migrate.head()
    assert f"empty -> {head}" in err
    code, out, _ = run("db", "current", env=env)
    assert f"revision {head}" in out and "up to date" in out
    assert "test-only" not in out
