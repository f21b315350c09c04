"""The period options every reporting command takes (vrhub.cli.period_options)."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from vrhub.cli.period_options import period_options


@click.command()
@period_options
def report(period_preset: str | None, period_year: str | None, from_month: str | None,
           to_month: str | None) -> None:
    click.echo(json.dumps([period_preset, period_year, from_month, to_month]))


def test_the_four_options_reach_the_command_under_their_names() -> None:
    result = CliRunner().invoke(report, ["--period", "financial-year", "--year", "2024/25",
                                         "--from", "2024-04", "--to", "March 2025"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == ["financial-year", "2024/25", "2024-04", "March 2025"]
    none = CliRunner().invoke(report, [])
    assert json.loads(none.output) == [None, None, None, None]  # the command chooses


def test_a_period_not_offered_is_refused_naming_the_choices() -> None:
    result = CliRunner().invoke(report, ["--period", "last-week"])
    assert result.exit_code == 2
    assert "'last-week' is not one of" in result.output
    assert all(p in result.output for p in ("latest", "rolling-12", "financial-year"))


def test_the_period_option_can_take_another_name() -> None:
    @click.command()
    def base(period_preset: str | None, period_year: str | None, from_month: str | None,
             to_month: str | None) -> None:
        click.echo(period_preset or "-")

    renamed = period_options(base, period_name="--window")
    assert CliRunner().invoke(renamed, ["--window", "rolling-12"]).output.strip() == "rolling-12"
    refused = CliRunner().invoke(renamed, ["--period", "rolling-12"])
    assert refused.exit_code == 2 and "No such option '--period'" in refused.output
