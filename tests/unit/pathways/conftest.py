"""Fixtures of the pathways unit tests."""

from __future__ import annotations

import pytest

from tests.unit.pathways.small_directory import build_directory
from vrhub.pathways.directory import Directory


@pytest.fixture(scope="module")
def small_directory(tmp_path_factory: pytest.TempPathFactory) -> Directory:
    """:mod:`tests.unit.pathways.small_directory`'s three listings (shared by a module's
    tests, which only read it)."""
    return build_directory(tmp_path_factory.mktemp("directory"))
