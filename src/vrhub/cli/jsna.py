"""``vrhub jsna``: a borough's violence indicators for its Joint Strategic Needs
Assessment, in the layout public-health teams use (Fingertips), disclosure-controlled."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, json_option, pass_app


@click.group(name="jsna")
def command() -> None:
    """Violence indicators for a borough's JSNA (Fingertips layout, disclosure-controlled)."""


@command.command(name="export")
@click.option("--borough", required=True, help="Borough GSS code or name, e.g. E09000012 "
              "or Hackney.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write .csv or .xlsx (else a table, or JSON with --json).")
@json_option
@pass_app
def export(app: AppContext, borough: str, output: Path | None, as_json: bool) -> None:
    """The borough's hub indicators by period with 95% intervals, compared with London and
    with similar boroughs, and the recent trend."""
    from vrhub.errors import UserError
    from vrhub.partnership.jsna_indicators import borough_indicators, to_bytes
    from vrhub.reports.names import resolve_borough

    warehouse = app.warehouse()
    code = resolve_borough(warehouse, borough)
    if code is None:
        raise UserError("give a borough", hint="e.g. --borough Hackney")
    frame = borough_indicators(warehouse, code)
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        output.write_bytes(to_bytes(frame, suffix))
        click.echo(f"Wrote {len(frame):,} rows to {output}.")
        return
    if as_json:
        app.emit_json({"borough": code, "rows": frame.astype(object).where(
            frame.notna(), None).to_dict("records")})
        return
    app.emit_table(f"Violence indicators, {code}", ["indicator", "area", "period", "count",
                                                   "value", "95% CI", "vs London", "trend"],
                   [[r.indicator_code, r.area_name, r.period, r.count, r.value,
                     f"{r.lower_ci_95}-{r.upper_ci_95}", r.compared_with_london,
                     r.recent_trend] for r in frame.itertuples()])
