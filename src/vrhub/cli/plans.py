"""``vrhub plans``: borough violence reduction plan assessments at the console.

Scoring and reading need the API token of a VRU analyst (or, for reading, the borough's
analyst) in ``VRHUB_TOKEN``; the console administrator loads a revised rubric.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import acting, emit, load_reference_file

if TYPE_CHECKING:
    from vrhub.access.principal import Principal
    from vrhub.partnership.plan_assessment import PlanDesk


def _desk(app: AppContext) -> tuple[PlanDesk, Principal]:
    from vrhub.partnership.plan_assessment import PlanDesk

    services, principal = acting(app)
    return PlanDesk(services.sessions, services.policy), principal


def _pairs(text: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not CRITERION=VALUE", param_hint=option)
        out[key.strip()] = value
    return out


@click.group(name="plans")
def command() -> None:
    """Borough plan assessments: the rubric, scores, heat map and peer pairings."""


@command.command(name="rubric")
@json_option
@pass_app
def rubric(app: AppContext, as_json: bool) -> None:
    """The rubric in force: criteria, scale and guidance."""
    desk, _ = _desk(app)
    found = desk.rubric()
    emit(app, as_json, found.document, f"Rubric {found.version}: {found.name}",
         ["code", "criterion", *[f"{p} {label}" for p, label in found.scale.items()]],
         [[c.code, c.name, *[c.guidance.get(p, "") for p in found.scale]]
          for c in found.criteria])


@command.command(name="load-rubric")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def load_rubric(app: AppContext, file: Path) -> None:
    """Load a revised rubric (JSON, a new version) for assessments from now on."""
    from vrhub.partnership import plan_rubric

    services, who = acting(app)
    loaded = load_reference_file(services, who, plan_rubric.KIND, file, plan_rubric.load)
    click.echo(f"Rubric {loaded.version} is in force: {len(loaded.criteria)} criteria.")


@command.command(name="score")
@click.argument("borough")
@click.option("--year", required=True, help="Plan year, e.g. 2025/26.")
@click.option("--score", "scores", multiple=True, required=True,
              help="CRITERION=SCORE, once per criterion (see `vrhub plans rubric`).")
@click.option("--evidence", "evidence", multiple=True, help="CRITERION=TEXT (no names).")
@click.option("--summary", default=None)
@json_option
@pass_app
def score(app: AppContext, borough: str, year: str, scores: tuple[str, ...],
          evidence: tuple[str, ...], summary: str | None, as_json: bool) -> None:
    """Score a borough's plan for a year (VRU assessors; audited)."""
    desk, who = _desk(app)
    scored = desk.assess(who, borough, year, _pairs(scores, "--score"),
                         evidence=_pairs(evidence, "--evidence"), summary=summary)
    if as_json:
        app.emit_json(asdict(scored))
    else:
        click.echo(f"{scored.borough} {scored.year}: total {scored.total} (rubric "
                   f"{scored.rubric_version}).")


@command.command(name="heatmap")
@click.option("--year", required=True, help="Plan year, e.g. 2025/26.")
@json_option
@pass_app
def heatmap(app: AppContext, year: str, as_json: bool) -> None:
    """Scores by borough and criterion for a year, with London's mean."""
    desk, who = _desk(app)
    rows, mean = desk.heatmap(who, year)
    criteria = [c.code for c in desk.rubric().criteria]
    emit(app, as_json, {"year": year, "london_mean": mean,
                        "boroughs": [asdict(r) for r in rows]},
         f"Plan scores {year}", ["borough", *criteria, "total"],
         [[r.borough, *[r.scores.get(c, "") for c in criteria], r.total] for r in rows]
         + [["London mean", *[mean.get(c, "") for c in criteria], ""]])


@command.command(name="pairs")
@click.option("--year", required=True, help="Plan year, e.g. 2025/26.")
@json_option
@pass_app
def pairs(app: AppContext, year: str, as_json: bool) -> None:
    """Suggested peer pairings (VRU analysts)."""
    desk, who = _desk(app)
    found = desk.pairings(who, year)
    emit(app, as_json, {"year": year, "pairings": [asdict(p) for p in found]},
         f"Peer pairings {year}", ["borough", "peer", "learns", "teaches", "mutual"],
         [[p.borough, p.partner, ", ".join(p.learns), ", ".join(p.teaches),
           "yes" if p.reciprocal else ""] for p in found])
