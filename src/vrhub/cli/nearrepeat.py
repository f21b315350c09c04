"""``vrhub nearrepeat``: the Knox near-repeat test on police.uk crimes or ED assaults."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from vrhub.analytics.nearrepeat import NearRepeatResult, near_repeat
from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.errors import UserError
from vrhub.reports.outputs import output_metadata, write_result
from vrhub.storage.warehouse import Warehouse

TABLES = {"police": "police_street", "istv": "istv_assault"}
LOADERS = {"police": "vrhub load police FILES",
           "istv": "vrhub istv submit FILE, then vrhub istv geocode"}
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


def _month(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        dt.datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a month; write YYYY-MM",
                                 param_hint=option) from None
    return text


def _month_end(month: str) -> str:
    year, mon = map(int, month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}-01"


def _columns(warehouse: Warehouse, table: str) -> set[str]:
    frame = warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])
    return set(frame["column_name"])


def read_events(warehouse: Warehouse, source: str, *, category: str | None,
                borough: str | None, start: str | None, end: str | None,
                notes: list[str]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Events with a point for ``source`` and the filters, as (easting, northing, date),
    and the provenance of the files they came from."""
    table = TABLES[source]
    if not warehouse.has_table(table) or warehouse.count(table) == 0:
        raise UserError(
            f"the warehouse has no {source} events (table {table} is "
            f"{'empty' if warehouse.has_table(table) else 'missing'})",
            hint=f"load them first: {LOADERS[source]}",
        )
    columns = _columns(warehouse, table)
    where: list[str] = []
    params: list[Any] = []
    if source == "police":
        time_sql = "CAST(month || '-01' AS DATE)"
        if category:
            where.append("lower(crime_type) = lower(?)")
            params.append(category)
        if start:
            where.append("month >= ?")
            params.append(start)
        if end:
            where.append("month <= ?")
            params.append(end)
        if "crime_id_duplicate" in columns:
            where.append("NOT coalesce(crime_id_duplicate, false)")
    else:
        if category:
            raise UserError("--category applies to --source police only",
                            hint="drop --category for ED assaults")
        time_sql = "assault_at"
        where.append("assault_at IS NOT NULL")
        if start:
            where.append("assault_at >= CAST(? AS TIMESTAMP)")
            params.append(f"{start}-01")
        if end:
            where.append("assault_at < CAST(? AS TIMESTAMP)")
            params.append(_month_end(end))
    if borough:
        where.append("borough_code = ?")
        params.append(borough)
    condition = " AND ".join(where) or "TRUE"
    selected = int(warehouse.scalar(f'SELECT count(*) FROM "{table}" WHERE {condition}',
                                    params))
    frame = warehouse.query(
        f'SELECT easting, northing, {time_sql} AS date FROM "{table}" WHERE {condition} '
        "AND easting IS NOT NULL AND northing IS NOT NULL", params)
    if selected > len(frame):
        notes.append(f"{selected - len(frame):,} of {selected:,} selected events have no "
                     "point (no location or not geocoded) and are left out")
    if frame.empty:
        raise UserError(
            f"no {source} events with a point match the filters "
            f"(category={category or 'any'}, borough={borough or 'any'}, "
            f"from={start or 'start'}, to={end or 'end'})",
            hint="widen the filters; `vrhub quality` shows what the warehouse holds",
        )
    provenance: list[dict[str, Any]] = []
    if "file_id" in columns and warehouse.has_table("provenance"):
        prov = warehouse.query(
            "SELECT file_name, sha256, source, loaded_at FROM provenance WHERE file_id IN "
            f'(SELECT DISTINCT file_id FROM "{table}" WHERE {condition}) ORDER BY file_name',
            params)
        provenance = [{str(k): v for k, v in row.items()}
                      for row in prov.astype({"loaded_at": str}).to_dict("records")]
    frame["date"] = pd.to_datetime(frame["date"])
    return frame, provenance


def _emit(app: AppContext, result: NearRepeatResult, as_json: bool) -> None:
    if as_json:
        app.emit_json({"table": result.table.to_dict("records"), "metadata": result.metadata})
        return
    rows = [[r.distance_band, r.time_band, r.observed, r.sim_mean, r.knox_ratio_mean,
             r.p_value] for r in result.table.itertuples()]
    app.emit_table(
        f"Knox test: {result.metadata['n_events']:,} events, "
        f"{result.metadata['parameters']['permutations']} permutations",
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
    if pd.isna(ratio):
        return "-"
    return f"{ratio:.2f}{' *' if p_value < 0.05 else ''}"


@click.command(name="nearrepeat")
@click.option("--source", type=click.Choice(sorted(TABLES)), required=True,
              help="police: police.uk street crimes; istv: geocoded ED assaults.")
@click.option("--category", default=None, help="police.uk crime type, e.g. Burglary.")
@click.option("--borough", default=None, help="Borough GSS code, e.g. E09000012.")
@click.option("--from", "start", default=None, help="First month, YYYY-MM.")
@click.option("--to", "end", default=None, help="Last month, YYYY-MM.")
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
            start: str | None, end: str | None, distance_bands: str, time_bands: str,
            metric: str, permutations: int, seed: int | None, output: Path | None,
            as_json: bool) -> None:
    """Knox near-repeat test: are events close in space also close in time more often
    than chance?

    Pairs of events are counted in distance x time bands and compared with the counts
    when the event times are shuffled among the locations. A Knox ratio above 1 with a
    small p-value means more pairs in that band than chance would give. Bands are
    half-open, [0, 100) then [100, 200); p-value = (simulations >= observed + 1) /
    (permutations + 1). See docs/explanation/near-repeat.md.
    """
    start = _month(start, "--from")
    end = _month(end, "--to")
    if start and end and start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    s_bands = _bands(distance_bands, "--distance-bands")
    t_bands = _bands(time_bands, "--time-bands")
    notes: list[str] = []
    if source == "police":
        notes.append(MONTHLY_NOTE)
        narrow = [b for b in t_bands if 1 < b < 28]
        if narrow:
            notes.append(f"time band edge(s) {', '.join(f'{b:g}' for b in narrow)} day(s) are "
                         "finer than the monthly dates can resolve")
    events, provenance = read_events(app.warehouse(), source,
                                     category=category, borough=borough, start=start,
                                     end=end, notes=notes)
    for note in notes:
        app.progress.note(note)
    result = near_repeat(events, distance_bands=s_bands, time_bands=t_bands,
                         metric=metric,  # type: ignore[arg-type]
                         permutations=permutations, seed=seed, progress=app.progress)
    result.metadata["notes"] = notes + list(result.metadata.get("notes", []))
    result.metadata["source"] = {
        "source": source, "table": TABLES[source], "category": category, "borough": borough,
        "from": start, "to": end,
        "temporal_resolution": "month" if source == "police" else "as recorded",
    }
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
