"""``vrhub outcomes``: the outcomes framework, funded programmes, their returns, KPIs,
pre/post change, reach totals, i-Statements and the evidence library.

Commands act as the owner of ``VRHUB_TOKEN`` (a programme lead, a VRU analyst), else as
the console administrator; see :mod:`vrhub.cli.outcomes_support`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from vrhub.cli import outcomes_figures, outcomes_measures, outcomes_returns
from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import emit, open_outcomes


@click.group(name="outcomes")
def command() -> None:
    """Outcomes: framework, programmes, returns, KPIs, pre/post, reach, evidence."""


# -- framework ------------------------------------------------------------------------------
@command.group(name="framework")
def framework_group() -> None:
    """The outcomes framework: impact goals, priority areas, outcomes, principles."""


@framework_group.command(name="show")
@json_option
@pass_app
def framework_show(app: AppContext, as_json: bool) -> None:
    """Show the framework in force."""
    outcomes, _ = open_outcomes(app)
    fw = outcomes.framework()
    if as_json:
        app.emit_json(fw.to_dict())
        return
    app.emit_table(f"{fw.title} ({fw.version})", ["code", "impact goal", ""],
                   [[g.code, g.title, g.description] for g in fw.impact_goals])
    for area in fw.priority_areas:
        app.emit_table(f"{area.number}. {area.name} ({area.code})", ["", ""], [
            ["what that means", area.what_that_means],
            ["key interventions", "; ".join(area.key_interventions)],
            *[[o.code, o.full_text] for o in area.outcomes]])
    app.emit_table("Guiding principles", ["code", "principle"],
                   [[p.code, p.title] for p in fw.guiding_principles])


@framework_group.command(name="versions")
@json_option
@pass_app
def framework_versions(app: AppContext, as_json: bool) -> None:
    """List the framework versions loaded (the newest is in force)."""
    from vrhub.outcomes.framework_versions import versions

    outcomes, _ = open_outcomes(app)
    found = versions(outcomes)
    emit(app, as_json, [v.to_dict() for v in found], "Framework versions",
         ["version", "title", "loaded", "by", "in force"],
         [[v.version, v.title, v.loaded_at or "-", v.loaded_by or "-",
           "yes" if v.in_force else ""] for v in found])


@framework_group.command(name="load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_app
def framework_load(app: AppContext, path: Path, as_json: bool) -> None:
    """Load a revised framework (JSON) and make it the one in force (administrators)."""
    from vrhub.outcomes.framework_versions import load_framework

    outcomes, principal = open_outcomes(app)
    fw = load_framework(outcomes, principal, path.read_bytes(), path.name)
    if as_json:
        app.emit_json({"version": fw.version, "priority_areas": len(fw.priority_areas),
                       "outcomes": len(fw.outcome_codes)})
        return
    app.info(f"framework {fw.version} loaded and in force: {len(fw.priority_areas)} priority "
             f"areas, {len(fw.outcome_codes)} outcomes")


# -- YEF Toolkit strands --------------------------------------------------------------------
@command.group(name="yef")
def yef_group() -> None:
    """YEF Toolkit strands programmes follow (versioned data)."""


@yef_group.command(name="show")
@json_option
@pass_app
def yef_show(app: AppContext, as_json: bool) -> None:
    """Show the strands in force, with their ratings and whether they were verified."""
    from vrhub.outcomes.evidence import toolkit

    outcomes, _ = open_outcomes(app)
    kit = toolkit(outcomes)
    emit(app, as_json, kit.to_dict(), f"{kit.title} ({kit.version})",
         ["strand", "name", "impact", "evidence", "cost", "verified"],
         [[s.code, s.name, s.impact or "-", s.evidence_quality or "-", s.cost or "-",
           "yes" if s.verified else "UNVERIFIED"] for s in kit.strands])


@yef_group.command(name="load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def yef_load(app: AppContext, path: Path) -> None:
    """Load a revised copy of the strands (administrators)."""
    from vrhub.outcomes.evidence import load_toolkit

    outcomes, principal = open_outcomes(app)
    kit = load_toolkit(outcomes, principal, path.read_bytes(), path.name)
    app.info(f"YEF Toolkit strands {kit.version} loaded ({len(kit.strands)} strands)")


# -- programmes -------------------------------------------------------------------------------
@command.group(name="programmes")
def programmes_group() -> None:
    """Funded programmes: list, show, load from a file."""


def _programme_rows(found: list[Any]) -> list[list[Any]]:
    return [[p.code, p.name, p.organisation, p.funding_stream, " ".join(p.priority_areas),
             " ".join(p.boroughs), f"{p.start_date} .. {p.end_date}"] for p in found]


@programmes_group.command(name="list")
@click.option("--area", help="Only programmes in this priority area (code).")
@json_option
@pass_app
def programmes_list(app: AppContext, area: str | None, as_json: bool) -> None:
    """List the programmes you may see."""
    from vrhub.outcomes.programmes import list_programmes

    outcomes, principal = open_outcomes(app)
    found = list_programmes(outcomes, principal, area=area)
    emit(app, as_json, [p.to_dict() for p in found], "Programmes",
         ["code", "name", "organisation", "funding", "areas", "boroughs", "dates"],
         _programme_rows(found))


@programmes_group.command(name="show")
@click.argument("code")
@json_option
@pass_app
def programmes_show(app: AppContext, code: str, as_json: bool) -> None:
    """Show one programme."""
    from vrhub.outcomes.programmes import get_programme

    outcomes, principal = open_outcomes(app)
    found = get_programme(outcomes, principal, code)
    data = found.to_dict()
    if as_json:
        app.emit_json(data)
        return
    app.emit_table(f"{found.code} {found.name}", ["field", "value"],
                   [[k, json.dumps(v) if isinstance(v, list | dict) else v]
                    for k, v in data.items()])


@programmes_group.command(name="load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_app
def programmes_load(app: AppContext, path: Path, as_json: bool) -> None:
    """Add or update programmes from a JSON file (a list of programmes; VRU analysts and
    administrators). All or none are saved."""
    from vrhub.errors import InputError, Location
    from vrhub.outcomes.programmes import save_programmes

    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(path.name),
                         hint="save the programmes as a UTF-8 JSON list") from None
    items = document.get("programmes") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InputError("expected a list of programmes", Location(path.name),
                         hint='write [{"code": ..., "name": ...}, ...]')
    outcomes, principal = open_outcomes(app)
    saved = save_programmes(outcomes, principal, items)
    emit(app, as_json, [{**p.to_dict(), "created": c} for p, c in saved],
         f"Programmes saved from {path.name}", ["code", "name", ""],
         [[p.code, p.name, "added" if c else "updated"] for p, c in saved])


# -- evidence ---------------------------------------------------------------------------------
def _evidence_options(func: Any) -> Any:
    options = [
        click.option("--search", "text", default="", metavar="WORDS",
                     help="Words that must all appear in the title or findings (any case)."),
        click.option("--priority-area", help="Priority area code (see framework show)."),
        click.option("--target-group", help="Target group, e.g. 'young people'."),
        click.option("--timing", help="Prevention timing: primary, secondary or tertiary."),
        click.option("--intervention-type", help="Intervention type, e.g. mentoring."),
        click.option("--method", help="Method, e.g. 'quasi-experimental'."),
        click.option("--programme", help="Programme code the evidence evaluates."),
        click.option("--yef-strand", help="YEF Toolkit strand code (see yef show)."),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _emit_evidence(app: AppContext, as_json: bool, text: str, filters: dict[str, Any]) -> None:
    from vrhub.outcomes.evidence_search import search

    outcomes, principal = open_outcomes(app)
    found = search(outcomes, principal, text, **filters)
    if as_json:
        app.emit_json(found.to_dict())
        return
    app.emit_table(f"Evidence: {len(found.items)} of {found.total}",
                   ["code", "title", "method", "date", "areas", "timing", "strand",
                    "programmes"],
                   [[e.code, e.title, e.method, e.published_on or "-",
                     " ".join(e.priority_areas), " ".join(e.timing), e.yef_strand or "-",
                     " ".join(e.programmes)] for e in found.items])


@command.group(name="evidence", invoke_without_command=True)
@_evidence_options
@pass_app
def evidence_group(app: AppContext, text: str, as_json: bool, **filters: Any) -> None:
    """The evidence library: evaluations and studies, tagged and searchable.

    With no subcommand, lists the items matching --search and every filter given
    (all items when none is given)."""
    if click.get_current_context().invoked_subcommand is None:
        _emit_evidence(app, as_json, text, filters)


@evidence_group.command(name="search")
@click.argument("words", required=False, default="")
@_evidence_options
@pass_app
def evidence_search(app: AppContext, words: str, text: str, as_json: bool,
                    **filters: Any) -> None:
    """Search the evidence library (every word of WORDS and of --search must appear)."""
    _emit_evidence(app, as_json, " ".join(w for w in (words, text) if w), filters)


@evidence_group.command(name="add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def evidence_add(app: AppContext, path: Path) -> None:
    """Add evidence items from a JSON file (a list of items; VRU analysts)."""
    from vrhub.errors import InputError, Location
    from vrhub.outcomes.evidence import add_item

    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(path.name),
                         hint="save the items as a UTF-8 JSON list") from None
    if not isinstance(items, list):
        items = [items]
    outcomes, principal = open_outcomes(app)
    for raw in items:
        item = add_item(outcomes, principal, raw)
        app.info(f"added evidence {item.code}: {item.title}")


for _sub in (*outcomes_returns.subcommands, *outcomes_figures.subcommands,
             *outcomes_measures.subcommands):
    command.add_command(_sub)
