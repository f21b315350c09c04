"""Sub-commands of ``vrhub outcomes`` for figures: indicators and their results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import emit, open_outcomes


@click.group(name="indicators")
def indicators_group() -> None:
    """Indicators (DHIS2 style): definitions, results against target, hub computation."""


@indicators_group.command(name="list")
@json_option
@pass_app
def indicators_list(app: AppContext, as_json: bool) -> None:
    """List the indicators in force with their definition, unit, target and source."""
    from vrhub.outcomes.indicators import indicator_set

    outcomes, _ = open_outcomes(app)
    found = indicator_set(outcomes)
    emit(app, as_json, found.to_dict(), f"Indicators ({found.version})",
         ["code", "name", "numerator", "denominator", "unit", "better", "target", "period",
          "source"],
         [[i.code, i.name, i.numerator.text, i.denominator.text if i.denominator else "-",
           i.unit, i.direction, "-" if i.target is None else f"{i.target:g}", i.period_type,
           i.source] for i in found.indicators])


@indicators_group.command(name="load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def indicators_load(app: AppContext, path: Path) -> None:
    """Load a revised indicator set (JSON; administrators); it is then in force."""
    from vrhub.outcomes.indicators import load_indicators

    outcomes, principal = open_outcomes(app)
    found = load_indicators(outcomes, principal, path.read_bytes(), path.name)
    app.info(f"indicators {found.version} loaded and in force ({len(found.indicators)})")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


@indicators_group.command(name="results")
@click.option("--programme", help="One programme.")
@click.option("--area", help="A priority area (code).")
@click.option("--borough", help="A borough (E09 code).")
@json_option
@pass_app
def indicators_results(app: AppContext, programme: str | None, area: str | None,
                       borough: str | None, as_json: bool) -> None:
    """Indicator results against target: from approved returns (for the programmes in
    view) and, for London or a borough, from the hub."""
    from vrhub.outcomes.hub_indicators import hub_results
    from vrhub.outcomes.indicator_results import return_indicators

    outcomes, principal = open_outcomes(app)
    found = return_indicators(outcomes, principal, programme=programme, area=area,
                              borough=borough)
    hub: list[dict[str, Any]] = []
    if not programme and not area:
        hub = hub_results(outcomes, principal, borough=borough)
    if as_json:
        app.emit_json({**found.to_dict(), "hub": hub})
        return
    app.emit_table(f"From approved returns: {found.view.label} ({found.indicator_version}, "
                   f"framework {found.framework_version})",
                   ["indicator", "name", "latest", "value", "target", "status"],
                   [[r.indicator.code, r.indicator.name,
                     r.latest.label if r.latest else "-",
                     _fmt(r.latest.value if r.latest else None),
                     _fmt(r.indicator.target), r.status] for r in found.results])
    if hub:
        app.emit_table(f"From the hub: {hub[0]['area']}",
                       ["indicator", "name", "latest", "value", "target", "status"],
                       [[h["indicator"]["code"], h["indicator"]["name"],
                         h["latest"]["label"] if h["latest"] else "-",
                         _fmt(h["latest"]["value"] if h["latest"] else None),
                         _fmt(h["indicator"]["target"]), h["status"]] for h in hub])


@indicators_group.command(name="compute")
@json_option
@pass_app
def indicators_compute(app: AppContext, as_json: bool) -> None:
    """Compute the hub indicators from the warehouse for London and each borough and
    store them (VRU analysts and administrators)."""
    from vrhub.outcomes.hub_indicators import compute_and_store

    outcomes, principal = open_outcomes(app)
    done = compute_and_store(outcomes, principal, app.warehouse())
    if as_json:
        app.emit_json(done)
        return
    app.emit_table(f"Hub indicators ({done['indicator_version']}, framework "
                   f"{done['framework_version']})", ["indicator", "results"],
                   [[k, v] for k, v in done["per_indicator"].items()])


subcommands: tuple[click.Command, ...] = (indicators_group,)
