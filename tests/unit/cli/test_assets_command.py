"""``vrhub assets build`` (vrhub.cli.assets) refuses, naming what is missing, when the
front-end packages are not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from vrhub.cli import assets as assets_cli
from vrhub.errors import UserError


def test_an_incomplete_node_modules_is_refused_naming_the_missing_file(  # type: ignore[no-untyped-def]
        run, tmp_path: Path) -> None:
    modules = tmp_path / "node_modules"
    (modules / "govuk-frontend").mkdir(parents=True)
    code, _, err = run(assets_cli.command.name, assets_cli.build.name, "--node-modules",
                       modules)
    assert code == UserError.exit_code
    assert f"front-end file {modules}" in err and "is missing" in err


def test_without_node_modules_anywhere_above_it_says_to_install_them(  # type: ignore[no-untyped-def]
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(assets_cli.command.name, assets_cli.build.name)
    assert code == UserError.exit_code
    assert "front-end packages are not installed" in err
