"""The workspace is its owner's alone: everything vrhub makes in it (the app database and
its write-ahead log, the warehouse and its Parquet parts, caches, logs, keys) is 0600 and
every folder 0700, whatever the umask it was started with."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Runner
from tests.web.conftest import ADMIN, PASSWORD, sign_in
from vrhub.settings import Settings
from vrhub.web.app import create_app


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Start as a shell usually does, with files readable by everyone (umask 022)."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        found[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_everything_in_the_workspace_is_owner_only(open_umask: None, run: Runner,
                                                   home: Path, shared_data: Path,
                                                   tmp_path: Path) -> None:
    home.chmod(0o755)  # an existing workspace left open to others is closed too
    files = tmp_path / "police"
    files.mkdir()
    for path in sorted((shared_data / "police-uk" / "city-of-london").glob(
            "*-street.csv.gz"))[:2]:
        shutil.copy(path, files / path.name)
    env = {"VRHUB_LOG_FILE": str(home / "logs" / "vrhub.log")}
    code, _, err = run("load", "police", str(files), env=env)
    assert code == 0, err
    mps = shared_data / "london-datastore" / "mps-recorded-crime" / "recorded-crime-borough.csv.gz"
    code, _, err = run("load", "mps", str(mps), env=env)
    assert code == 0, err
    os.umask(0o022)  # the web app sets its own mask too
    app = create_app(Settings.load({}, home=home, environment="test"))
    try:
        app.state.access.identity.create_user(ADMIN, "ann@vru.example", role="pan_london_analyst",
                                              organisation="VRU", password=PASSWORD)
        client = TestClient(app)
        sign_in(client, "ann@vru.example")
        response = client.get("/charts/trend.svg?category=ROBBERY")
        assert response.status_code == 200, response.text[:300]
    finally:
        app.state.access.close()

    found = modes(home)
    for name in ("app.db", "warehouse.duckdb", "audit.key", "logs/vrhub.log"):
        assert found[name] == 0o600, (name, oct(found[name]))
    for name in (".", "warehouse.parts", "cache", "cache/web", "logs"):
        assert found[name] == 0o700, (name, oct(found[name]))
    assert any(name.startswith("warehouse.parts/") and name.endswith(".parquet")
               for name in found)
    assert any(name.startswith("cache/web/") for name in found)
    open_to_others = {name: oct(mode) for name, mode in found.items() if mode & 0o077}
    assert open_to_others == {}
