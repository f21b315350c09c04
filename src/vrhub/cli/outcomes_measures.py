"""Sub-commands of ``vrhub outcomes`` for participants' measures, pre/post change,
i-Statements, their surveys and KPIs.

Uploads act as the owner of ``VRHUB_TOKEN`` (a programme lead); a participant's measures
are read only by those allowed (the read is audited).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import emit, open_outcomes

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _view_options(command: Any) -> Any:
    for option in reversed((
            click.option("--programme", help="One programme (code)."),
            click.option("--area", help="A priority area (code)."),
            click.option("--borough", help="A borough (E09 code): the programmes serving it."))):
        command = option(command)
    return command


def _fmt(value: Any, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def show_receipt(app: AppContext, receipt: dict[str, Any], as_json: bool) -> None:
    if as_json:
        app.emit_json(receipt)
        return
    app.emit_table(f"Receipt for {receipt['file']} ({receipt['programme']}, "
                   f"{receipt['period_label']}): {receipt['status']}", ["", ""], [
        ["rows read", receipt["rows_read"]], ["rows stored", receipt["rows_accepted"]],
        ["rows set aside", receipt["rows_quarantined"]],
        ["upload", receipt.get("upload_id") or "not stored (check only)"],
        ["columns ignored", ", ".join(receipt["ignored_columns"]) or "none"],
        *[["note", n] for n in receipt.get("notes", [])]])
    if receipt["errors"]:
        app.emit_table("Rows set aside: what is wrong and how to fix it",
                       ["row", "column", "value", "problem", "how to fix"],
                       [[e["row"], e["column"], e["value"], e["problem"], e["hint"]]
                        for e in receipt["errors"]])


# -- measures ----------------------------------------------------------------------------------
@click.group(name="measures")
def measures_group() -> None:
    """Participants' standard measures (ONS4, SWEMWBS, SDQ, own scales)."""


@measures_group.command(name="submit")
@click.argument("path", type=FILE)
@click.option("--programme", required=True, help="Programme code.")
@click.option("--period", required=True, help="Reporting period, e.g. 2024-25-Q1.")
@click.option("--dry-run", is_flag=True, help="Check only; store nothing.")
@json_option
@pass_app
def measures_submit(app: AppContext, path: Path, programme: str, period: str, dry_run: bool,
                    as_json: bool) -> None:
    """Upload a measures file (CSV or XLSX) for a programme's period; prints the receipt."""
    from vrhub.outcomes.measures import submit

    outcomes, principal = open_outcomes(app)
    show_receipt(app, submit(outcomes, principal, programme, period, path.read_bytes(),
                             path.name, dry_run=dry_run), as_json)


@measures_group.command(name="template")
@click.option("--programme", required=True, help="Programme code.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (default: standard output).")
@pass_app
def measures_template(app: AppContext, programme: str, output: Path | None) -> None:
    """The heading row of a programme's measures file (CSV)."""
    from vrhub.outcomes.measures import template_csv

    outcomes, principal = open_outcomes(app)
    data = template_csv(outcomes, principal, programme)
    if output:
        output.write_bytes(data)
        app.info(f"wrote {output}")
    else:
        click.echo(data.decode(), nl=False)


@measures_group.command(name="uploads")
@click.option("--programme", help="Programme code.")
@json_option
@pass_app
def measures_uploads(app: AppContext, programme: str | None, as_json: bool) -> None:
    """Measures uploads you may see (newest first)."""
    from vrhub.outcomes.measures import uploads

    outcomes, principal = open_outcomes(app)
    found = uploads(outcomes, principal, programme)
    emit(app, as_json, found, "Measures uploads",
         ["id", "programme", "period", "file", "read", "stored", "set aside", "counted"],
         [[u["upload_id"], u["programme"], u["period"], u["file"], u["rows_read"],
           u["rows_accepted"], u["rows_quarantined"], "yes" if u["counted"] else "no"]
          for u in found])


@measures_group.command(name="participant")
@click.argument("programme")
@click.argument("participant_id")
@json_option
@pass_app
def measures_participant(app: AppContext, programme: str, participant_id: str,
                         as_json: bool) -> None:
    """One participant's measures (an audited participant-level read)."""
    from vrhub.outcomes.measures import participant

    outcomes, principal = open_outcomes(app)
    rows = participant(outcomes, principal, programme, participant_id)
    emit(app, as_json, rows, f"{programme} participant {participant_id}",
         ["period", "timepoint", "collected", "scores"],
         [[r["period"], r["timepoint"], r["collected_on"], json.dumps(r["scores"])]
          for r in rows])


# -- pre/post ------------------------------------------------------------------------------------
@click.command(name="prepost")
@_view_options
@json_option
@pass_app
def prepost_command(app: AppContext, programme: str | None, area: str | None,
                    borough: str | None, as_json: bool) -> None:
    """Pre/post change per item: mean change with 95% CI, d_z, % improved, attrition."""
    from vrhub.outcomes.prepost import prepost

    outcomes, principal = open_outcomes(app)
    result = prepost(outcomes, principal, programme=programme, area=area, borough=borough)
    data = result.to_dict()
    if as_json:
        app.emit_json(data)
        return
    p = data["participants"]
    app.emit_table(f"Pre/post: {result.view.label}", ["", ""], [
        ["young people with a pre", p["with_pre"]], ["with a post", p["with_post"]],
        ["paired", p["paired"]], ["pre but no post (attrition)", p["pre_without_post"]],
        ["attrition", _fmt(p["attrition_pct"], 1) + "%"],
        ["post but no pre (not paired)", p["post_without_pre"]],
        ["effect size", data["effect_size"]], *[["note", n] for n in data["notes"]]])
    app.emit_table("Change per item (post - pre)",
                   ["item", "pairs", "pre", "post", "change", "95% CI", "d_z", "% improved"],
                   [[i["item"], i["pairs"], _fmt(i["mean_pre"]), _fmt(i["mean_post"]),
                     _fmt(i["mean_change"]), f"{_fmt(i['ci_low'])} to {_fmt(i['ci_high'])}",
                     _fmt(i["effect_size_dz"]), _fmt(i["pct_improved"], 1)]
                    for i in data["items"]])


@click.group(name="swemwbs")
def swemwbs_group() -> None:
    """The licensed SWEMWBS metric conversion table."""


@swemwbs_group.command(name="load-table")
@click.argument("path", type=FILE)
@click.option("--version", "version", required=True, help="Name of this table's version.")
@pass_app
def swemwbs_load(app: AppContext, path: Path, version: str) -> None:
    """Load a conversion table (CSV of raw,metric for raw totals 7 to 35; administrators)."""
    from vrhub.outcomes.swemwbs import load_table

    outcomes, principal = open_outcomes(app)
    load_table(outcomes, principal, path.read_bytes(), path.name, version)
    app.info(f"SWEMWBS conversion table {version} loaded: metric scores are reported from now")


# -- i-Statements ----------------------------------------------------------------------------------
@click.group(name="istatements")
def istatements_group() -> None:
    """i-Statements, the workshops they came from, and surveys built from them."""


@istatements_group.command(name="load")
@click.argument("path", type=FILE)
@pass_app
def istatements_load(app: AppContext, path: Path) -> None:
    """Add workshops, i-Statements and surveys from a JSON file (VRU analysts; all or none)."""
    from vrhub.errors import InputError, Location
    from vrhub.outcomes.istatements import load

    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON document ({exc})", Location(path.name),
                         hint="save it as UTF-8 JSON") from None
    outcomes, principal = open_outcomes(app)
    counts = load(outcomes, principal, document)
    app.info(f"added {counts['workshops']} workshop(s), {counts['statements']} "
             f"i-Statement(s) and {counts['surveys']} survey(s)")


@istatements_group.command(name="list")
@json_option
@pass_app
def istatements_list(app: AppContext, as_json: bool) -> None:
    """List the i-Statements (and, with --json, workshops and surveys)."""
    from vrhub.outcomes.istatements import catalogue

    outcomes, principal = open_outcomes(app)
    found = catalogue(outcomes, principal)
    if as_json:
        app.emit_json({k: [i.to_dict() for i in v] for k, v in found.items()})
        return
    app.emit_table("i-Statements", ["code", "statement", "theme", "area", "KPI set",
                                    "target %"],
                   [[s.code, s.text, s.theme, s.priority_area, s.kpi_set or "-",
                     _fmt(s.target_pct, 0)] for s in found["statements"]])
    app.emit_table("Surveys", ["code", "title", "statements"],
                   [[s.code, s.title, " ".join(s.statements)] for s in found["surveys"]])


@click.group(name="surveys")
def surveys_group() -> None:
    """i-Statement survey responses."""


@surveys_group.command(name="submit")
@click.argument("path", type=FILE)
@click.option("--programme", required=True, help="Programme code.")
@click.option("--period", required=True, help="Reporting period, e.g. 2024-25-Q1.")
@click.option("--survey", help="Survey code (default: the programme's).")
@click.option("--dry-run", is_flag=True, help="Check only; store nothing.")
@json_option
@pass_app
def surveys_submit(app: AppContext, path: Path, programme: str, period: str,
                   survey: str | None, dry_run: bool, as_json: bool) -> None:
    """Upload survey responses (CSV or XLSX); prints the receipt."""
    from vrhub.outcomes.survey_responses import submit

    outcomes, principal = open_outcomes(app)
    show_receipt(app, submit(outcomes, principal, programme, period, path.read_bytes(),
                             path.name, survey_code=survey, dry_run=dry_run), as_json)


@surveys_group.command(name="template")
@click.argument("survey")
@pass_app
def surveys_template(app: AppContext, survey: str) -> None:
    """The heading row of a survey's responses file (CSV)."""
    from vrhub.outcomes.survey_responses import template_csv

    outcomes, _ = open_outcomes(app)
    click.echo(template_csv(outcomes, survey).decode(), nl=False)


@click.command(name="kpis")
@_view_options
@click.option("--set", "kpi_set", help="Only this KPI set (e.g. 'NHS Vanguard').")
@json_option
@pass_app
def kpis_command(app: AppContext, programme: str | None, area: str | None,
                 borough: str | None, kpi_set: str | None, as_json: bool) -> None:
    """i-Statement KPIs: % agreeing with a 95% Wilson interval, against target."""
    from vrhub.outcomes.istatement_kpis import kpis

    outcomes, principal = open_outcomes(app)
    report = kpis(outcomes, principal, programme=programme, area=area, borough=borough,
                  kpi_set=kpi_set)
    data = report.to_dict()
    if as_json:
        app.emit_json(data)
        return
    rows = []
    for k in data["kpis"]:
        latest = k["latest"] or {}
        rows.append([k["code"], k["statement"], latest.get("period", "-"),
                     _fmt(latest.get("pct"), 1),
                     f"{_fmt(latest.get('ci_low'), 1)} to {_fmt(latest.get('ci_high'), 1)}",
                     latest.get("total", 0), _fmt(k["target_pct"], 0), k["status"]])
    app.emit_table(f"i-Statement KPIs: {report.view.label} (framework "
                   f"{report.framework_version})",
                   ["code", "statement", "period", "% agree", "95% CI", "answered",
                    "target %", "status"], rows)


subcommands: tuple[click.Command, ...] = (measures_group, prepost_command, swemwbs_group,
                                          istatements_group, surveys_group, kpis_command)
