"""``vrhub compare``: ED assault data beside police-recorded violence."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app
from vrhub.cli.period_options import choose_period, period_options
from vrhub.cli.trends import (
    VWI,
    disclose_option,
    emit_result,
    level_option,
    output_option,
    resolve_names,
)


@click.group(name="compare")
def command() -> None:
    """Compare sources for the same areas and months."""


@command.command(name="ed-police")
@level_option("borough")
@period_options
@click.option("--by-month", is_flag=True, help="One row per area and month (default: one "
              "row per area over the whole period).")
@click.option("--police-source", type=click.Choice(["mps", "police"]), default="mps",
              show_default=True, help="mps = London Datastore counts; police = police.uk "
              "street records.")
@click.option("--police-category", default=VWI, show_default=True,
              help="Police category compared with ED assaults.")
@click.option("--area", "areas", multiple=True, metavar="AREA",
              help="Only this area, by GSS code or name (repeatable); a borough selects its "
              "wards or LSOAs.")
@disclose_option
@output_option
@all_option
@json_option
@pass_app
def ed_police_command(app: AppContext, level: str, period_preset: str | None,
                      period_year: str | None, from_month: str | None,
                      to_month: str | None, by_month: bool, police_source: str,
                      police_category: str, areas: tuple[str, ...], disclose: bool,
                      output: Path | None, as_json: bool) -> None:
    """ED assault attendances (ISTV) beside police-recorded violence for the same areas and
    months: the 'hidden violence' ratio ED/police with an exact confidence interval. Covers
    the latest 12 complete months of ED data unless --period, --year, --from or --to say
    otherwise."""
    from vrhub.reports import periods
    from vrhub.reports import violence_analysis as va

    codes, names = resolve_names(app, source=police_source, level=level, areas=areas,
                                 categories=(police_category,))
    period = choose_period(app, "istv", preset=period_preset, year=period_year,
                           first=from_month, last=to_month)
    result = va.ed_police(app.warehouse(), level=level, period=periods.bounds(period),
                          by_month=by_month, police_source=police_source,
                          police_category=names[0], areas=codes, disclose=disclose,
                          progress=app.progress)
    result.period = periods.describe(period)
    o = result.summary["overall"]
    if not as_json and o["ed_count"] is None:
        app.info("all areas: ED total suppressed (1-7 assaults)")
    elif not as_json:
        app.info(f"all areas: {o['ed_count']:,.0f} ED assaults, {o['police_count']:,.0f} "
                 f"police-recorded; ratio {o['ratio']:.2f} "
                 f"({o['ratio_lower']:.2f} to {o['ratio_upper']:.2f})")
    emit_result(app, result, output=output, as_json=as_json,
                columns=["area_code", "area_name", "month_from", "month_to", "ed_count",
                         "police_count", "ratio", "ratio_lower", "ratio_upper"],
                title=f"ED assaults and police-recorded violence by {level}")
