"""Shared fixtures. Each test gets its own workspace and (for PostgreSQL) its own database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from vrhub.access.services import AccessServices
from vrhub.cli.main import main
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture
def shared_data() -> Path:
    """The real open data in ../shared/data (CI has it at the same relative path)."""
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {SHARED_DATA} is missing on CI")
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pages_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard's workspace (the demo builder on the synthetic data, and a year of
    synthetic ED data for three sites: tests.web.pages_workspace), built once per test
    process. Read it as it is, or copy it (``copy_workspace``) to write to it."""
    from tests.web.pages_workspace import build_pages_workspace

    return build_pages_workspace(tmp_path_factory.getbasetemp())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty workspace directory."""
    path = tmp_path / "home"
    path.mkdir()
    return path


class Runner:
    """Runs the CLI in-process: ``run("load", "police", path)`` → (exit code, out, err)."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.home = home
        self.capsys = capsys

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        self.capsys.readouterr()
        environ = {"VRHUB_HOME": str(self.home), "VRHUB_ENVIRONMENT": "test", **(env or {})}
        code = main([str(a) for a in args], environ)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def run(home: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(home, capsys)


def _postgres_admin_url() -> str | None:
    return os.environ.get("VRHUB_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards.

    Needs VRHUB_TEST_POSTGRES_URL (an admin URL such as
    postgresql+psycopg://postgres@127.0.0.1:5432/postgres). Without it the test is skipped,
    unless VRHUB_REQUIRE_POSTGRES=1 (as in CI), when it fails.
    """
    admin = _postgres_admin_url()
    if not admin:
        if os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail("VRHUB_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("VRHUB_TEST_POSTGRES_URL not set")
    import psycopg

    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    name = f"vrhub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            # the app role `vrhub db upgrade` creates for this database by default
            con.execute(f'DROP ROLE IF EXISTS "{name}_app"')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AccessServices]:
    """The access services on SQLite and on PostgreSQL (the app database, migrated)."""
    overrides: dict[str, object] = {}
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
        overrides["database_url"] = url
    settings = Settings.load({}, home=tmp_path, environment="test", **overrides)
    svc = AccessServices.from_settings(settings)
    yield svc
    svc.close()
