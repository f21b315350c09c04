"""Who an outcomes command acts as: the console administrator (under the OS user) without a
token, the token's owner with one, a wrong token refused; the services close with the
command; JSON or a table."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
import pytest

from vrhub.access.principal import TOKEN_VARIABLE, console_administrator
from vrhub.access.services import AccessServices
from vrhub.cli.context import AppContext
from vrhub.cli.outcomes_support import acting, emit
from vrhub.errors import AuthenticationRequired
from vrhub.settings import Settings


def app_for(home: Path, **environ: str) -> AppContext:
    return AppContext(environ, settings=Settings.load(environ, home=home, environment="test"))


def test_without_a_token_the_console_administrator_acts(home: Path) -> None:
    with click.Context(click.Command("outcomes")):
        services, who = acting(app_for(home))
        assert who == console_administrator(getpass.getuser())
        assert services.identity is not None


def test_with_a_token_its_owner_acts_and_a_wrong_token_is_refused(home: Path) -> None:
    settings = Settings.load({}, home=home, environment="test")
    services = AccessServices.from_settings(settings)
    admin = console_administrator("tests")
    try:
        services.identity.create_user(admin, "lead@example.org", role="pan_london_analyst",
                                      organisation="TEST", password="plum kettle orbit 42!")
        token, _ = services.tokens.create(admin, "lead@example.org", "cli")
    finally:
        services.close()
    with click.Context(click.Command("outcomes")):
        _, who = acting(app_for(home, **{TOKEN_VARIABLE: f" {token} "}))
    assert (who.email, who.role.value, who.channel) == ("lead@example.org",
                                                       "pan_london_analyst", "cli")
    with click.Context(click.Command("outcomes")), pytest.raises(
            AuthenticationRequired, match=r"the API token is not valid \(unknown, revoked"):
        acting(app_for(home, **{TOKEN_VARIABLE: "vrhub_" + "x" * 40}))


def test_emit_prints_json_or_a_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_for(home)
    emit(app, True, {"programmes": 2}, "Programmes", ["code"], [["P1"], ["P2"]])
    assert json.loads(capsys.readouterr().out) == {"programmes": 2}
    emit(app, False, {"programmes": 2}, "Programmes", ["code"], [["P1"], ["P2"]])
    out = capsys.readouterr().out
    assert "Programmes" in out and "P1" in out and "P2" in out
