"""A release installs from its wheel alone: the wheel carries the built front-end assets and
the migrations, installs into a fresh virtual environment, and `vrhub --version` there
reports the package version and both schema versions. The changelog names them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vrhub.storage import warehouse_schema
from vrhub.storage.appdb import migrate
from vrhub.versions import app_database_head, warehouse_head

REPO = Path(__file__).resolve().parents[2]


def _project_version() -> str:
    text = (REPO / "pyproject.toml").read_text()
    found = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert found
    return found[1]


def test_the_cheap_schema_versions_agree_with_alembic_and_the_migrations() -> None:
    assert app_database_head() == migrate.head()
    assert warehouse_head() == warehouse_schema.migrations()[-1].version


def test_the_changelog_has_the_version_and_its_schema_versions() -> None:
    version = _project_version().removesuffix(".dev0")
    text = (REPO / "CHANGELOG.md").read_text()
    section = re.search(rf"^## {re.escape(version)}\b.*?\n\n(.*?)\n\n", text,
                        re.MULTILINE | re.DOTALL)
    assert section, f"CHANGELOG.md has no section for {version}"
    assert section[1] == (f"App database schema `{migrate.head()}` · warehouse schema "
                          f"`{warehouse_head()}`")


@pytest.mark.slow
def test_the_wheel_installs_alone_and_reports_its_versions(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run([str(REPO / "scripts" / "build-release"), "--reuse-assets"],
                           cwd=REPO,
                           env={**os.environ, "DIST": str(dist)}, capture_output=True,
                           text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel.name == f"vrhub-{_project_version()}-py3-none-any.whl"

    venv = tmp_path / "venv"
    uv = Path(sys.executable).parent / "uv"
    subprocess.run([str(uv), "venv", "-q", str(venv), "--python", sys.executable], check=True,
                   timeout=120)
    subprocess.run([str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                    str(wheel), "-c", str(REPO / "requirements.lock")], check=True, timeout=600)
    shown = subprocess.run([str(venv / "bin" / "vrhub"), "--version"], capture_output=True,
                           text=True, timeout=60, check=True, cwd=tmp_path,
                           env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)})
    assert shown.stdout.strip() == (
        f"vrhub {_project_version()} (app database schema {migrate.head()}, warehouse "
        f"schema {warehouse_head()})")
    # installed from the wheel, not this checkout: assets and migrations inside it
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import vrhub, pathlib; print(pathlib.Path(vrhub.__file__).parent)"],
                          capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    package = Path(site)
    assert str(package).startswith(str(venv))
    for asset in ("vrhub.css", "leaflet/leaflet.js", "govuk/govuk-frontend.min.js"):
        assert (package / "web" / "static" / "vendor" / asset).stat().st_size > 1000
    assert (package / "storage" / "appdb" / "migrations" / "script.py.mako").exists()
    assert (package / "storage" / "warehouse_migrations" / "m0001_schema_version.py").exists()
