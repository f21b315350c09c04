"""``vrhub hotspots``: counts, KDE, Gi* hotspots, change, classification and rate maps.

Each subcommand reads event points from the warehouse (police.uk street crimes or ED
assaults), clips them to a borough or London, runs one method of
:mod:`vrhub.analytics.hotspots`, announces its automatic choices, prints a summary (or
``--json``) and optionally writes the grid with ``--output`` (.gpkg, .geojson, .csv,
.parquet), carrying its parameters, choices and the provenance of the files used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.period_options import PRESETS, choose_period
from vrhub.errors import UserError

if TYPE_CHECKING:
    from vrhub.analytics.result import HotspotResult

# Analytics (numpy, scipy, geopandas) are imported when a subcommand runs, so that
# `vrhub --help` and other commands stay quick.
FORMATS = (".gpkg", ".geojson", ".csv", ".parquet")
ALPHA = 0.05

KERNEL_CHOICE = click.Choice(["quartic", "gaussian"], case_sensitive=False)


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--source", type=click.Choice(["police", "istv"]), default="police",
                     show_default=True, help="police = police.uk street crimes; istv = ED "
                     "assaults."),
        click.option("--category", "categories", multiple=True,
                     help="Crime type (e.g. 'Violence and sexual offences') or ISTV assault "
                     "method code; repeatable. Default: all."),
        click.option("--borough", default=None,
                     help="Borough GSS code or name. Default: all of London."),
        click.option("--period", "period_preset", type=click.Choice(PRESETS), default=None,
                     help="Period: latest (the latest 12 complete months with data; the "
                     "default), rolling-12 (12 months ending --to), financial-year, "
                     "calendar-year (with --year), custom (--from and --to)."),
        click.option("--year", "period_year", metavar="YEAR", default=None,
                     help="With --period financial-year (2024 or 2024/25: April 2024 to "
                     "March 2025) or calendar-year. Default: the latest."),
        click.option("--from", "start", default=None,
                     help="First month or date (2024-10, 'October 2024' or 2024-10-15). "
                     "Alone: to the latest complete month with data."),
        click.option("--to", "end", default=None,
                     help="Last month or date (2025-09 or 2025-09-30). Alone: the 12 months "
                     "ending then."),
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
                     help="ED assaults only: leave out locations geocoded with a confidence "
                     "below this (0-1)."),
        click.option("--cell-size", type=float, default=None,
                     help="Grid cell size in metres. Default: automatic (announced)."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Write the grid: " + ", ".join(FORMATS) + "."),
        json_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


_bandwidth = click.option("--bandwidth", type=float, default=None,
                          help="Kernel bandwidth in metres (quartic: radius; gaussian: "
                          "standard deviation). Default: automatic (announced).")
_kernel = click.option("--kernel", type=KERNEL_CHOICE, default="quartic", show_default=True)
_distance = click.option("--distance", type=float, default=None,
                         help="Gi* neighbourhood distance in metres between cell centres. "
                         "Default: cell size x sqrt(2) (the adjacent cells).")


@click.group(name="hotspots")
def command() -> None:
    """Where events concentrate: grid counts, KDE, Gi* hotspots, change, trends, rates."""


@command.command(name="count")
@_common
@pass_app
def count_command(app: AppContext, **options: Any) -> None:
    """Count events in each grid cell."""
    _run(app, "count", options, {})


@command.command(name="kde")
@_common
@_bandwidth
@_kernel
@pass_app
def kde_command(app: AppContext, bandwidth: float | None, kernel: str, **options: Any) -> None:
    """Kernel density of events (events per km², mass conserved inside the area)."""
    _run(app, "kde", options, {"bandwidth": bandwidth, "kernel": kernel})


@command.command(name="gistar")
@_common
@_distance
@_bandwidth
@_kernel
@click.option("--no-kde", is_flag=True, help="Skip the KDE column.")
@pass_app
def gistar_command(app: AppContext, distance: float | None, bandwidth: float | None,
                   kernel: str, no_kde: bool, **options: Any) -> None:
    """Getis-Ord Gi* hot- and coldspots with FDR-adjusted p-values (plus counts and KDE)."""
    _run(app, "gistar", options, {"distance": distance, "bandwidth": bandwidth,
                                  "kernel": kernel, "kde": not no_kde})


@command.command(name="change")
@_common
@click.option("--split-date", default=None,
              help="Events on or after this date are 'after'. Default: midpoint of the dates.")
@click.option("--group", default=None,
              help="Compare two groups instead: 'weekday-weekend' (needs full dates).")
@pass_app
def change_command(app: AppContext, split_date: str | None, group: str | None,
                   **options: Any) -> None:
    """Change in counts per cell before/after a date, or weekday/weekend."""
    if split_date and group:
        raise UserError("give either --split-date or --group, not both")
    _run(app, "change", options, {"split_date": split_date, "group": group})


@command.command(name="classify")
@_common
@_distance
@click.option("--slice-length", "slice_length", default=None,
              help="Length of each time slice compared, e.g. '3 months', '28 days', "
              "'1 year'. Default: automatic.")
@click.option("--hotspot-prop", type=float, default=0.1, show_default=True)
@click.option("--persistent-prop", type=float, default=0.8, show_default=True)
@click.option("--recent-prop", type=float, default=0.2, show_default=True)
@click.option("--critical-p", type=float, default=0.05, show_default=True)
@pass_app
def classify_command(app: AppContext, distance: float | None, slice_length: str | None,
                     hotspot_prop: float, persistent_prop: float, recent_prop: float,
                     critical_p: float, **options: Any) -> None:
    """Persistent, emerging, former and intermittent hot- and coldspots over time (time
    slices of --slice-length across the period)."""
    from vrhub.analytics.classify import ClassifyParams

    params = ClassifyParams(hotspot_prop, persistent_prop, recent_prop, critical_p)
    _run(app, "classify", options, {"distance": distance, "period": slice_length,
                                    "params": params})


@command.command(name="rate")
@_common
@_bandwidth
@_kernel
@click.option("--population-year", type=int, default=None,
              help="Year of the population estimates. Default: the latest loaded.")
@pass_app
def rate_command(app: AppContext, bandwidth: float | None, kernel: str,
                 population_year: int | None, **options: Any) -> None:
    """Events per 1,000 residents (KDE of events / KDE of population)."""
    _run(app, "rate", options, {"bandwidth": bandwidth, "kernel": kernel},
         population_year=population_year, use_population=True)


def _run(app: AppContext, method: str, options: dict[str, Any], params: dict[str, Any], *,
         population_year: int | None = None, use_population: bool = False) -> None:
    from vrhub.analytics.hotspots import run
    from vrhub.reports import periods
    from vrhub.reports.empty_results import no_events
    from vrhub.reports.names import resolve_borough, resolve_categories
    from vrhub.reports.outputs import output_metadata, write_result
    from vrhub.storage.points import (
        load_points,
        load_population,
        load_study_area,
        provenance_for,
    )

    output: Path | None = options["output"]
    if output is not None and output.suffix.lower() not in FORMATS:
        raise UserError(f"cannot write {output.name}: unknown output format "
                        f"{output.suffix or '(none)'}", hint="use one of " + ", ".join(FORMATS))
    warehouse = app.warehouse()
    borough = resolve_borough(warehouse, options["borough"])
    categories = resolve_categories(warehouse, options["source"], options["categories"])
    period = choose_period(app, options["source"], preset=options["period_preset"],
                           year=options["period_year"], first=_month_of(options["start"]),
                           last=_month_of(options["end"]))
    start, end = periods.bounds(period)
    # a day typed in --from or --to is kept: the period states its months
    start = options["start"] if _is_day(options["start"]) else start
    end = options["end"] if _is_day(options["end"]) else end
    options = {**options, "start": start, "end": end}
    points = load_points(warehouse, options["source"], categories or None,
                         options["start"], options["end"], borough,
                         options["min_confidence"])
    area = load_study_area(warehouse, borough)
    if points.without_location:
        app.progress.note(f"{points.without_location:,} events have no location"
                          + (" (or one below the minimum geocoding confidence)"
                             if options["min_confidence"] is not None else "")
                          + " and are left out.")
    if points.frame.empty:
        raise no_events(warehouse, options["source"], categories=categories, borough=borough,
                        borough_name=area.name, start=_month_of(options["start"]),
                        end=_month_of(options["end"]), selected=points.without_location)
    if options["source"] == "istv":
        app.progress.note("ED assault counts per cell are small and come from patient "
                          "records: apply disclosure control before sharing this output.")
    population = load_population(warehouse, population_year) if use_population else None
    result = run(points.frame, area.geometry, method, population=population,
                 progress=app.progress, cell_size=options["cell_size"], **params)
    data = {"source": options["source"], "table": points.table,
            "categories": categories, "borough": area.code,
            "area_name": area.name, "from": options["start"], "to": options["end"],
            "min_confidence": options["min_confidence"],
            "events_without_location": points.without_location,
            "date_precision": points.date_precision}
    summary = _summary(result, data)
    summary["period"] = periods.describe(period)
    if output is not None:
        provenance = provenance_for(warehouse, points.file_ids + area.file_ids)
        if options["source"] == "istv":
            provenance.append({"source": "istv_submission", "submissions": points.file_ids})
        metadata = output_metadata(
            _jsonable(result.parameters), provenance, data=data,
            period=periods.describe(period), **_jsonable(
                {k: v for k, v in result.metadata.items() if k != "parameters"}))
        geo = result.to_geodataframe()
        write_result(geo, output, metadata)
        summary["output"] = str(output)
    if options["as_json"]:
        app.emit_json(summary)
        return
    rows = [[k, v] for k, v in summary.items()
            if not isinstance(v, dict | list) and v is not None]
    if period is not None:
        rows.insert(1, ["period", period.statement])
    app.emit_table(f"{method}: {area.name}", ["", "value"], rows)
    _top_cells(app, result)


def _summary(result: HotspotResult, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"method": result.method, "area": data["area_name"],
                           "source": data["source"],
                           "events_without_location": data["events_without_location"],
                           **result.summary}
    if "p_fdr" in result.frame.columns:
        out["hotspots_p_fdr_lt_0_05"] = out.pop("hotspots", None)
        out["coldspots_p_fdr_lt_0_05"] = out.pop("coldspots", None)
        out["alpha"] = ALPHA
    out["cell_size"] = result.grid.cell_size
    out["parameters"] = _jsonable(result.parameters)
    out["automatic"] = _jsonable(result.automatic)
    out["notes"] = result.notes
    return out


def _top_cells(app: AppContext, result: HotspotResult, limit: int = 10) -> None:
    frame = result.frame
    key = next((c for c in ("gistar_z", "rate", "kde", "change", "n") if c in frame.columns),
               None)
    if key is None or frame.empty:
        return
    top = frame.sort_values(key, ascending=False).head(limit)
    columns = [c for c in ("cell_id", "x", "y", "n", "kde", "gistar_z", "p_fdr", "n_before",
                           "n_after", "change", "rate", "classification") if c in top.columns]
    app.emit_table(f"Top {len(top)} cells by {key}", columns,
                   [[_cell(c, v) for c, v in zip(columns, row, strict=True)]
                    for row in top[columns].itertuples(index=False)])


def _cell(column: str, value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if column in ("cell_id", "x", "y") and isinstance(value, int | float):
        return str(round(value))  # identifiers and coordinates: no thousands separators
    return value


def _is_day(value: str | None) -> bool:
    """True when a --from/--to value is a date (YYYY-MM-DD) rather than a month."""
    import re

    return bool(value and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()))


def _month_of(value: str | None) -> str | None:
    """The month of a --from/--to value (a month in any form, or YYYY-MM-DD)."""
    if not value:
        return None
    return value.strip()[:7] if _is_day(value) else value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if hasattr(value, "item"):
        return value.item()
    return value
