"""Fixtures shared by the specification tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vrhub.access.services import AccessServices
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate


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
