"""Command tests on the dashboard's workspace (``pages_template``, tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def workspace(pages_template: Path, home: Path) -> Path:
    """``home`` (the workspace ``run`` uses) holding a copy of the dashboard's warehouse."""
    shutil.copy(pages_template / "warehouse.duckdb", home / "warehouse.duckdb")
    shutil.copytree(pages_template / "warehouse.parts", home / "warehouse.parts")
    return home
