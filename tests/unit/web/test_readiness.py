"""Whether a process can serve: both stores answer at the schema versions it needs, and
when one does not, why (without the fix's details, which go to the log)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from vrhub.settings import Settings
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.engine import make_engine
from vrhub.web.app import create_app
from vrhub.web.readiness import check
from vrhub.workspace import Workspace


def test_a_new_workspace_is_ready(tmp_path: Path) -> None:
    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test"))
    try:
        assert check(app) == {"app_database": "ok", "warehouse": "ok"}
    finally:
        app.state.access.close()


def test_an_old_schema_and_an_unreadable_warehouse_are_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    before = f"{int(migrate.head() or 0) - 1:04d}"
    migrate.upgrade(url, revision=before)
    settings = Settings.load({}, home=tmp_path, environment="test")
    (tmp_path / "warehouse.duckdb").write_bytes(b"not a database at all" * 100)
    engine = make_engine(url)
    state = SimpleNamespace(access=SimpleNamespace(engine=engine), settings=settings,
                            workspace=Workspace(tmp_path))
    try:
        with caplog.at_level(logging.WARNING, logger="vrhub.web"):
            found = check(SimpleNamespace(state=state))
    finally:
        engine.dispose()
    assert found["app_database"] == (f"schema revision {before}, needs {migrate.head()}: "
                                     "run `vrhub db upgrade`")
    # a file that is no DuckDB database is not an operational failure vrhub recognises
    assert found["warehouse"] == "unexpected IOException"
    assert [r.getMessage() for r in caplog.records] == [
        "not ready: warehouse: unexpected IOException"]
