"""``vrhub trends``: monthly series, year-on-year change and time-of-week profiles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app
from vrhub.cli.period_options import choose_period, period_options
from vrhub.errors import UserError
from vrhub.standards.series_choices import LEVELS, SOURCES

if TYPE_CHECKING:
    import pandas as pd

    from vrhub.reports.violence_analysis import AnalysisResult
    from vrhub.standards.months import Period

F = TypeVar("F", bound=Callable[..., Any])

VWI = "VIOLENCE WITH INJURY"

GEO_SUFFIXES = (".gpkg", ".geojson")


def disclose_option(func: F) -> F:
    return click.option(
        "--disclose/--no-disclose", default=True, show_default=True,
        help="Disclosure control on ED (istv) counts: suppress 1-7, round the rest to 5, "
        "recompute rates and intervals. --no-disclose keeps exact counts for internal "
        "analysis only (recorded in the output's metadata).")(func)


def output_option(func: F) -> F:
    return click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Write every row to FILE: .gpkg or .geojson (joined to area boundaries), .csv "
        "or .parquet; each carries its parameters and data provenance.")(func)


def level_option(default: str) -> Callable[[F], F]:
    return click.option("--level", type=click.Choice(LEVELS), default=default,
                        show_default=True, help="Area level.")


def write_output(app: AppContext, result: AnalysisResult, output: Path | None) -> Path | None:
    """Write every row of ``result`` to ``output`` (geo formats joined to boundaries)."""
    if output is None:
        return None
    from vrhub.reports.outputs import write_result
    from vrhub.reports.violence_analysis import with_geometry

    frame: pd.DataFrame = result.frame
    if output.suffix.lower() in GEO_SUFFIXES:
        geo = with_geometry(app.warehouse(), result.frame, result.level)
        if geo is None:
            raise UserError(
                f"cannot write {output.name}: no {result.level or 'area'} boundaries to join"
                + ("" if result.level else " (this result is not per area)"),
                hint="load boundaries (vrhub load boundaries ...) or write .csv/.parquet")
        frame = geo
    return write_result(frame, output, result.metadata())


def show_table(app: AppContext, frame: pd.DataFrame, columns: list[str], title: str,
               *, written: Path | None = None) -> None:
    """Print ``columns`` of ``frame`` (its first rows unless ``--all``)."""
    rows = [list(row) for row in frame[columns].itertuples(index=False)]
    app.emit_table(title, columns, rows,
                   more="" if written else "; --output FILE writes them to a file")


def emit_result(app: AppContext, result: AnalysisResult, *, output: Path | None,
                as_json: bool, columns: list[str], title: str) -> None:
    """Write ``result`` to ``output`` (if given) and print its JSON summary or a table."""
    written = write_output(app, result, output)
    if result.period:
        title = f"{title}, {result.period['statement']}"
    if as_json:
        data = result.to_json()
        data["output"] = str(written) if written else None
        app.emit_json(data)
        return
    show_table(app, result.frame, columns, title, written=written)
    if written:
        app.info(f"wrote {written}")


def resolve_names(app: AppContext, *, source: str, level: str, areas: tuple[str, ...] = (),
                  categories: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Area codes and categories for names typed as --area and --category (a name is
    accepted wherever a code is; a mistyped one gets "did you mean")."""
    from vrhub.reports.names import resolve_areas, resolve_categories

    warehouse = app.warehouse()
    return (resolve_areas(warehouse, level, areas) if areas else [],
            resolve_categories(warehouse, source, categories) if categories else [])


def current_window(period: Period | None, window: int) -> Period | None:
    """The months year-on-year change reports on: the ``window`` months to the period's
    end (the period itself when it is that long)."""
    from vrhub.standards.months import Period as Months
    from vrhub.standards.months import Preset

    if period is None or len(period) == window:
        return period
    return Months(period.last.minus(window - 1), period.last, Preset.CUSTOM)


def _common(func: F) -> F:
    for option in reversed([
        click.option("--source", type=click.Choice(SOURCES), default="mps", show_default=True,
                     help="mps = London Datastore MPS counts; police = police.uk street "
                     "records; istv = ED assault attendances."),
        level_option("borough"),
        click.option("--area", "areas", multiple=True, metavar="AREA",
                     help="Only this area, by GSS code or name (repeatable); a borough "
                     "selects its wards or LSOAs."),
        click.option("--category", "categories", multiple=True,
                     help="Only this category (repeatable): an MPS minor or major "
                     "category, a police.uk crime type or an ISTV assault method."),
    ]):
        func = option(func)
    return func


@click.group(name="trends")
def command() -> None:
    """Monthly trends per area and category: series with rolling 12-month totals and
    rates, year-on-year change with exact intervals, and hour-by-weekday profiles."""


@command.command(name="series")
@_common
@period_options
@click.option("--per-1000", "per_1000", is_flag=True,
              help="Add rates per 1,000 residents (needs population loaded).")
@click.option("--window", default=12, show_default=True, type=click.IntRange(1, 36),
              help="Months in the rolling total.")
@disclose_option
@output_option
@all_option
@json_option
@pass_app
def series_command(app: AppContext, source: str, level: str, areas: tuple[str, ...],
                   categories: tuple[str, ...], period_preset: str | None,
                   period_year: str | None, from_month: str | None, to_month: str | None,
                   per_1000: bool, window: int, disclose: bool, output: Path | None,
                   as_json: bool) -> None:
    """Monthly counts per area and category, with exact Poisson limits and rolling totals
    (windows reaching months the source does not cover are marked incomplete). Covers the
    latest 12 complete months unless --period, --year, --from or --to say otherwise."""
    from vrhub.reports import periods
    from vrhub.reports import trend_analysis as ta

    codes, names = resolve_names(app, source=source, level=level, areas=areas,
                                 categories=categories)
    period = choose_period(app, source, preset=period_preset, year=period_year,
                           first=from_month, last=to_month, level=level)
    result = ta.trend_series(app.warehouse(), source=source, level=level, areas=codes,
                             categories=names, period=periods.bounds(period),
                             per_1000=per_1000, window=window, disclose=disclose,
                             progress=app.progress)
    result.period = periods.describe(period)
    columns = ["area_code", "area_name", "category", "month", "count", "rolling_total",
               "rolling_complete"] + (["rate_per_1000"] if per_1000 else [])
    emit_result(app, result, output=output, as_json=as_json, columns=columns,
                title=f"Monthly {source} counts by {level}")


@command.command(name="yoy")
@_common
@period_options
@click.option("--window", default=12, show_default=True, type=click.IntRange(1, 12),
              help="Months compared: the WINDOW months to --to against the same months a "
              "year before.")
@disclose_option
@output_option
@all_option
@json_option
@pass_app
def yoy_command(app: AppContext, source: str, level: str, areas: tuple[str, ...],
                categories: tuple[str, ...], period_preset: str | None,
                period_year: str | None, from_month: str | None, to_month: str | None,
                window: int, disclose: bool, output: Path | None, as_json: bool) -> None:
    """Year-on-year change per area and category as a rate ratio with an exact
    (conditional binomial) confidence interval and p-value: the WINDOW months to the
    period's end (by default the latest complete month with data) against the same months
    a year before."""
    from vrhub.reports import periods
    from vrhub.reports import trend_analysis as ta

    codes, names = resolve_names(app, source=source, level=level, areas=areas,
                                 categories=categories)
    period = choose_period(app, source, preset=period_preset, year=period_year,
                           first=from_month, last=to_month, level=level)
    result = ta.trend_yoy(app.warehouse(), source=source, level=level, areas=codes,
                          categories=names, period=periods.bounds(period),
                          window=window, disclose=disclose, progress=app.progress)
    result.period = periods.describe(current_window(period, window))
    columns = ["area_code", "area_name", "category", "current", "previous", "pct_change",
               "rate_ratio", "ratio_lower", "ratio_upper", "p_value"]
    emit_result(app, result, output=output, as_json=as_json, columns=columns,
                title=f"Year-on-year change ({source}, {level})")


@command.command(name="profile")
@click.option("--source", type=click.Choice(SOURCES), default="istv", show_default=True,
              help="Only istv carries times of day.")
@level_option("borough")
@click.option("--area", "areas", multiple=True, metavar="AREA",
              help="Only this area, by GSS code or name (repeatable).")
@period_options
@output_option
@json_option
@pass_app
def profile_command(app: AppContext, source: str, level: str, areas: tuple[str, ...],
                    period_preset: str | None, period_year: str | None,
                    from_month: str | None, to_month: str | None, output: Path | None,
                    as_json: bool) -> None:
    """Hour-of-day by day-of-week profile of ED assaults; an assault known only by its
    date is spread over that day's hours (aoristic weighting)."""
    from vrhub.reports import periods
    from vrhub.reports import trend_analysis as ta

    codes, _ = resolve_names(app, source=source, level=level, areas=areas)
    period = choose_period(app, source, preset=period_preset, year=period_year,
                           first=from_month, last=to_month, level=level)
    result = ta.trend_profile(app.warehouse(), source=source, level=level, areas=codes,
                              period=periods.bounds(period), progress=app.progress)
    result.period = periods.describe(period)
    if as_json or output:
        emit_result(app, result, output=output, as_json=as_json,
                    columns=["weekday_name", "hour", "events", "share"], title="Profile")
        return
    table = result.frame.pivot(index="hour", columns="weekday_name", values="events")
    table = table[list(result.frame["weekday_name"].unique())]
    days = [str(d)[:3] for d in table.columns]
    rows = [[f"{h:02d}:00", *[round(float(v), 1) for v in table.loc[h]]] for h in table.index]
    app.emit_table("ED assaults by hour and weekday (aoristic)", ["hour", *days], rows)
