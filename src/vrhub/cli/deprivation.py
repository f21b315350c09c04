"""``vrhub deprivation``: violence against deprivation (the VRU strategy's map), the
correlation of rates with IMD, and how concentrated violence is across areas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app
from vrhub.cli.trends import (
    VWI,
    emit_result,
    level_option,
    output_option,
    resolve_names,
    show_table,
    write_output,
)
from vrhub.errors import UserError
from vrhub.standards.series_choices import SOURCES

F = TypeVar("F", bound=Callable[..., Any])


def _deciles(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UserError(f"--deciles must be a comma-separated list of 1-10; found {text!r}",
                        hint="for example --deciles 1,2") from None


def _category(app: AppContext, source: str, category: str) -> str:
    """The category as the data spells it (names are matched case-insensitively, with "did
    you mean" when nothing matches); '' stays '' (every category)."""
    if not category:
        return category
    return resolve_names(app, source=source, level="borough", categories=(category,))[1][0]


def _window_options(func: F) -> F:
    func = click.option("--to", "to_month", metavar="YYYY-MM", default=None,
                        help="Last month of the window (default: the last month with "
                        "data).")(func)
    return click.option("--months", default=12, show_default=True,
                        type=click.IntRange(1, 120), help="Months in the window.")(func)


@click.group(name="deprivation")
def command() -> None:
    """Violence and deprivation: the high-violence x high-deprivation map, correlation of
    rates with IMD, and concentration of violence across areas."""


@command.command(name="map")
@level_option("ward")
@click.option("--min-vwi", default=None, type=click.FloatRange(0),
              help="High violence: MORE than this many violence-with-injury offences in "
              "the window (default: the setting VRHUB_HIGH_VIOLENCE_OFFENCES).")
@click.option("--deciles", default="1,2", show_default=True,
              help="High deprivation: IMD deciles (1 = most deprived).")
@_window_options
@click.option("--rule", type=click.Choice(["average_rank", "extent"]), default="average_rank",
              show_default=True, help="How an area's IMD is derived from its LSOAs: "
              "population-weighted average rank -> national decile, or the share of "
              "residents in LSOAs of --deciles.")
@click.option("--extent-threshold", default=0.5, show_default=True,
              type=click.FloatRange(0, 1, min_open=True),
              help="With --rule extent: the share of residents that makes an area "
              "deprived.")
@click.option("--category", default=VWI, show_default=True,
              help="MPS category counted as violence.")
@output_option
@all_option
@json_option
@pass_app
def map_command(app: AppContext, level: str, min_vwi: float | None, deciles: str, months: int,
                to_month: str | None, rule: str, extent_threshold: float, category: str,
                output: Path | None, as_json: bool) -> None:
    """Areas with high violence with injury and high deprivation (IMD 2025)."""
    from vrhub.reports import violence_analysis as va

    category = _category(app, "mps", category)
    if min_vwi is None:
        min_vwi = float(app.settings.high_violence_offences)
    result = va.deprivation_map(app.warehouse(), level=level, min_vwi=min_vwi,
                                deciles=_deciles(deciles), months=months,
                                period=(None, to_month), rule=rule,
                                extent_threshold=extent_threshold, category=category,
                                progress=app.progress)
    written = write_output(app, result, output)
    if as_json:
        app.emit_json({**result.to_json(), "output": str(written) if written else None})
        return
    groups = result.summary["groups"]
    app.emit_table(f"Violence with injury x deprivation by {level}, "
                   f"{result.summary['window'][0]} to {result.summary['window'][1]}",
                   ["group", "areas", "offences", "share of offences"],
                   [[g, v["areas"], v["events"], v["share_of_events"]]
                    for g, v in groups.items()])
    frame = result.frame
    both = frame[frame["group"] == "both"].sort_values("count", ascending=False)
    show_table(app, both, ["area_code", "area_name", "count", "imd_decile", "extent_share"],
               "High violence and high deprivation", written=written)
    if written:
        app.info(f"wrote {written}")


@command.command(name="correlation")
@level_option("ward")
@click.option("--source", type=click.Choice(SOURCES), default="mps", show_default=True)
@click.option("--category", default=VWI, show_default=True,
              help="Category counted (MPS minor/major category or police.uk crime type).")
@_window_options
@output_option
@all_option
@json_option
@pass_app
def correlation_command(app: AppContext, level: str, source: str, category: str,
                        months: int, to_month: str | None, output: Path | None,
                        as_json: bool) -> None:
    """Pearson and Spearman correlation of rates per 1,000 residents with IMD, and the
    rate in each IMD decile (the deprivation gradient)."""
    from vrhub.reports import violence_analysis as va

    category = _category(app, source, category)
    result = va.deprivation_correlation(app.warehouse(), level=level, source=source,
                                        category=category, months=months,
                                        period=(None, to_month), progress=app.progress)
    written = write_output(app, result, output)
    if as_json:
        app.emit_json({**result.to_json(), "output": str(written) if written else None})
        return
    c = result.summary["correlation"]
    app.emit_table(f"Correlation of {category.lower()} rate with IMD ({level}, n={c['n']})",
                   ["measure", "coefficient", "lower", "upper", "p-value"],
                   [["Pearson r", c["pearson_r"], c["pearson_lower"], c["pearson_upper"],
                     c["pearson_p"]],
                    ["Spearman rho", c["spearman_rho"], c["spearman_lower"],
                     c["spearman_upper"], c["spearman_p"]]])
    app.emit_table("Rate per 1,000 residents by IMD decile (1 = most deprived)",
                   ["decile", "areas", "count", "rate", "lower", "upper"],
                   [[d["imd_decile"], d["areas"], d["count"], d["rate_per_1000"],
                     d["rate_lower"], d["rate_upper"]] for d in result.summary["by_decile"]])
    if written:
        app.info(f"wrote {written}")


@command.command(name="concentration")
@level_option("ward")
@click.option("--source", type=click.Choice(SOURCES), default="mps", show_default=True)
@click.option("--category", default=VWI, show_default=True,
              help="Category counted; '' for every category.")
@click.option("--top", default=10.0, show_default=True, type=click.FloatRange(0, 100,
              min_open=True), help="Report the share of events in the top TOP% of areas.")
@_window_options
@output_option
@all_option
@json_option
@pass_app
def concentration_command(app: AppContext, level: str, source: str, category: str,
                          top: float, months: int, to_month: str | None,
                          output: Path | None, as_json: bool) -> None:
    """Share of events in the top x% of areas, the concentration curve and Gini."""
    from vrhub.reports import violence_analysis as va

    category = _category(app, source, category)
    result = va.deprivation_concentration(app.warehouse(), level=level, source=source,
                                          category=category or None, months=months,
                                          period=(None, to_month), top=top,
                                          progress=app.progress)
    if not as_json:
        s = result.summary
        app.info(f"{s['top_share']:.1%} of events in the top {s['top_percent']:g}% of "
                 f"areas ({s['top_areas']} of {s['areas']}); Gini {s['gini']:.3f}")
    emit_result(app, result, output=output, as_json=as_json,
                columns=["rank", "area_code", "area_name", "count", "area_share",
                         "event_share"], title=f"Concentration by {level}")
