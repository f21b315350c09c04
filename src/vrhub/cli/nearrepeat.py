"""``vrhub nearrepeat``: the Knox near-repeat test on police.uk crimes or ED assaults."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.period_options import choose_period, period_options
from vrhub.errors import UserError

if TYPE_CHECKING:
    from vrhub.analytics.nearrepeat import NearRepeatResult

TABLES = {"police": "police_street", "istv": "istv_assault"}
MONTHLY_NOTE = (
    "police.uk publishes the month of each crime only: every event is dated to the first "
    "day of its month, so time bands narrower than about 30 days are not meaningful; use "
    "month-sized bands such as 0,1,32,62,93 (same month, next month, two and three months "
    "on)"
)


def _bands(text: str, option: str) -> list[float]:
    try:
        return [math.inf if part.strip().lower() in ("inf", "infinity") else float(part)
                for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of numbers (e.g. 0,100,200,400)",
            param_hint=option,
        ) from None


def _emit(app: AppContext, result: NearRepeatResult, as_json: bool) -> None:
    if as_json:
        app.emit_json({"table": result.table.to_dict("records"), "metadata": result.metadata})
        return
    rows = [[r.distance_band, r.time_band, r.observed, r.sim_mean, r.knox_ratio_mean,
             r.p_value] for r in result.table.itertuples()]
    period = result.metadata.get("period")
    app.emit_table(
        f"Knox test: {result.metadata['n_events']:,} events, "
        f"{result.metadata['parameters']['permutations']} permutations"
        + (f", {period['statement']}" if period else ""),
        ["distance", "time (days)", "observed", "expected (mean)", "Knox ratio", "p-value"],
        rows,
    )
    ratios = result.heatmap("knox_ratio_mean")
    pvalues = result.heatmap("p_value")
    app.emit_table(
        "Knox ratios (* p < 0.05)", ["distance \\ time (days)", *map(str, ratios.columns)],
        [[band, *(_ratio_cell(ratios.loc[band, t], pvalues.loc[band, t])
                  for t in ratios.columns)] for band in ratios.index],
    )


def _ratio_cell(ratio: float, p_value: float) -> str:
    if ratio is None or ratio != ratio:
        return "-"
    return f"{ratio:.2f}{' *' if p_value < 0.05 else ''}"


@click.command(name="nearrepeat")
@click.option("--source", type=click.Choice(sorted(TABLES)), required=True,
              help="police: police.uk street crimes; istv: geocoded ED assaults.")
@click.option("--category", default=None, help="police.uk crime type, e.g. Burglary.")
@click.option("--borough", default=None,
              help="Borough GSS code or name, e.g. E09000012 or Hackney.")
@period_options
@click.option("--distance-bands", required=True, help="Distance band edges in metres, e.g. "
              "0,100,200,400 (half-open bands [0,100) ...; 'inf' allowed last).")
@click.option("--time-bands", required=True,
              help="Time band edges in days, e.g. 0,7,14,28 ('inf' allowed last).")
@click.option("--metric", type=click.Choice(["manhattan", "euclidean"]), default="manhattan",
              show_default=True, help="Distance between events.")
@click.option("--permutations", type=click.IntRange(min=2), default=99, show_default=True,
              help="Monte Carlo permutations of the event times.")
@click.option("--seed", type=int, default=None,
              help="Random seed (drawn and reported when not given).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the table to .csv or .parquet, with its metadata.")
@json_option
@pass_app
def command(app: AppContext, source: str, category: str | None, borough: str | None,
            period_preset: str | None, period_year: str | None, from_month: str | None,
            to_month: str | None, distance_bands: str, time_bands: str,
            metric: str, permutations: int, seed: int | None, output: Path | None,
            as_json: bool) -> None:
    """Knox near-repeat test: are events close in space also close in time more often
    than chance?

    Pairs of events are counted in distance x time bands and compared with the counts
    when the event times are shuffled among the locations. A Knox ratio above 1 with a
    small p-value means more pairs in that band than chance would give. Bands are
    half-open, [0, 100) then [100, 200); p-value = (simulations >= observed + 1) /
    (permutations + 1). Covers the latest 12 complete months with data unless --period,
    --year, --from or --to say otherwise. See docs/explanation/near-repeat.md.
    """
    from vrhub.analytics.nearrepeat import near_repeat
    from vrhub.reports import periods
    from vrhub.reports.empty_results import no_events
    from vrhub.reports.names import resolve_borough, resolve_categories
    from vrhub.reports.outputs import output_metadata, write_result
    from vrhub.storage.points import near_repeat_events

    s_bands = _bands(distance_bands, "--distance-bands")
    t_bands = _bands(time_bands, "--time-bands")
    notes: list[str] = []
    if source == "police":
        notes.append(MONTHLY_NOTE)
        narrow = [b for b in t_bands if 1 < b < 28]
        if narrow:
            notes.append(f"time band edge(s) {', '.join(f'{b:g}' for b in narrow)} day(s) are "
                         "finer than the monthly dates can resolve")
    warehouse = app.warehouse()
    code = resolve_borough(warehouse, borough)
    if category and source != "police":
        raise UserError("--category applies to --source police only",
                        hint="drop --category for ED assaults")
    if category:
        category = resolve_categories(warehouse, source, [category])[0]
    period = choose_period(app, source, preset=period_preset, year=period_year,
                           first=from_month, last=to_month)
    start, end = periods.bounds(period)
    events, unlocated, provenance = near_repeat_events(
        warehouse, source, category=category, borough=code, start=start, end=end)
    if unlocated:
        notes.append(f"{unlocated:,} of {unlocated + len(events):,} selected events have no "
                     "point (no location or not geocoded) and are left out")
    if len(events) < 2:
        name = borough if code and borough and borough.upper() != code else None
        if events.empty:
            raise no_events(warehouse, source, categories=[category] if category else [],
                            borough=code, borough_name=name, start=start, end=end,
                            selected=unlocated)
        raise UserError("only one event with a point matches these filters; the Knox test "
                        "compares pairs of events", hint="widen the months or the area")
    for note in notes:
        app.progress.note(note)
    result = near_repeat(events, distance_bands=s_bands, time_bands=t_bands,
                         metric=metric,  # type: ignore[arg-type]
                         permutations=permutations, seed=seed, progress=app.progress)
    result.metadata["notes"] = notes + list(result.metadata.get("notes", []))
    result.metadata["source"] = {
        "source": source, "table": TABLES[source], "category": category, "borough": code,
        "from": start, "to": end,
        "temporal_resolution": "month" if source == "police" else "as recorded",
    }
    result.metadata["period"] = periods.describe(period)
    if source == "istv":
        result.metadata["sensitivity"] = (
            "derived from ED assault records: for partnership analysts; apply disclosure "
            "control before publishing")
    if output is not None:
        if output.suffix.lower() not in (".csv", ".parquet"):
            raise UserError(f"cannot write {output.name}: the Knox table has no geometry",
                            hint="write it as .csv or .parquet")
        meta = output_metadata(result.metadata["parameters"], provenance,
                               analysis="near_repeat", **{k: v for k, v in
                                                         result.metadata.items()
                                                         if k != "parameters"})
        write_result(result.table, output, meta)
        app.info(f"wrote {output}")
    _emit(app, result, as_json)
