"""``vrhub sna``: the Serious Violence Duty strategic needs assessment, per borough and
London-wide, as HTML, PDF and an XLSX data annex.

The full edition holds ED figures exactly and is for the partnership only: building it
writes one audit event (ED figures read at the console). The public summary has every
count disclosure-controlled.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext, json_option, needs, pass_app
from vrhub.cli.outcomes_support import emit

if TYPE_CHECKING:
    import pandas as pd

    from vrhub.access.principal import Principal
    from vrhub.partnership.sna_editions import SnaDesk
    from vrhub.partnership.sna_model import NeedsAssessment


@click.group(name="sna")
def command() -> None:
    """Serious Violence Duty needs assessments: build per borough or London-wide (HTML,
    PDF, XLSX)."""


@needs(workspace="the user owning the workspace (VRHUB_HOME)")
@command.command(name="build")
@click.option("--borough", "boroughs", multiple=True, metavar="NAME|CODE",
              help="A borough's name or GSS code (repeat for more), or London.")
@click.option("--all", "every", is_flag=True, help="Every borough (32 and the City).")
@click.option("--london", is_flag=True, help="Also build the London-wide assessment.")
@click.option("--edition", type=click.Choice(["full", "public"]), default="full",
              show_default=True, help="full (restricted, for the partnership) or public "
              "(every count disclosure-controlled).")
@click.option("--recommendations", type=click.Path(dir_okay=False, exists=True,
                                                   path_type=Path), default=None,
              help="A UTF-8 text file of the partnership's recommendations (plain text; "
              "paragraphs separated by a blank line).")
@click.option("--definition", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="A JSON definition of serious violence, in the shape of "
              "the shipped London one (default: the London definition).")
@click.option("--format", "formats", default="html,pdf,xlsx", show_default=True,
              help="Formats to write, separated by commas: html, pdf, xlsx.")
@click.option("--end", default=None, metavar="YYYY-MM",
              help="Last month of the assessment (default: the last month of MPS counts).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder to write the files into (created if needed).")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Keep each assessment in the app database as its area's next edition, "
              "compared with the last (the files written then show the changes); "
              "--no-save only writes the files.")
@json_option
@pass_app
def build(app: AppContext, boroughs: tuple[str, ...], every: bool, london: bool,
          edition: str, recommendations: Path | None, definition: Path | None, formats: str,
          end: str | None, output: Path, save: bool, as_json: bool) -> None:
    """Build needs assessments into a folder: files named
    sna-<code>-<name>-<YYYY-MM>-<edition>.<format>.

    Each is also kept as its area's next edition (see `vrhub sna editions`), unless
    --no-save: without --recommendations an edition keeps the last edition's. Saving acts
    as the owner of the API token in VRHUB_TOKEN (a borough analyst saves only their
    borough's), else as the console administrator.

    Sections: the definition used, data sources and caveats, five-year trends against
    London, where (wards, LSOAs, hotspots, deprivation), when (hour by day, seasons), who
    (ages, ED-to-police ratio), risk factors, services and gaps (from the directory), and
    the recommendations. A section the data cannot fill says what is missing.
    """
    from vrhub.errors import UserError
    from vrhub.partnership import sna
    from vrhub.partnership.sna_definition import load_definition
    from vrhub.standards.months import Month

    if not boroughs and not every and not london:
        raise UserError("say which assessments to build",
                        hint="give --borough NAME (repeatable), --all, or --london")
    if every and boroughs:
        raise UserError("give --borough or --all, not both",
                        hint="--all builds every borough")
    if end is not None:
        end = str(Month.parse(end))
    chosen_formats = sna.check_formats(formats.split(","))
    text = ""
    if recommendations is not None:
        try:
            text = recommendations.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UserError(f"{recommendations} is not UTF-8 text",
                            hint="save the recommendations as plain UTF-8 text") from None
        text = sna.check_recommendations(text)
    spec = load_definition(definition)
    warehouse = app.warehouse(read_only=True)
    areas = None if every else list(boroughs)
    started = time.perf_counter()
    with app.progress.task("Building needs assessments"):
        assessments = sna.build_all(
            warehouse, areas, edition=edition, end=end,
            recommendations=text, opportunities=directory_opportunities(app),
            with_london=london, definition=spec)
    if edition == "full":
        _audit(app, assessments, sna.borough_names(warehouse))
    versions: dict[str, int] = {}
    with app.progress.task(f"Writing {len(assessments) * len(chosen_formats)} files"):
        if save:
            written = _save_and_write(app, assessments, output, chosen_formats, versions)
        else:
            written = sna.write_files(assessments, output, chosen_formats,
                                      workers=None if len(assessments) > 2 else 1)
    seconds = round(time.perf_counter() - started, 2)
    summary: list[dict[str, Any]] = [
        {"area_code": a.area_code, "area_name": a.area_name, "edition": a.edition,
         "period_from": a.period_from, "period_to": a.period_to,
         "version": versions.get(a.area_code),
         "sections_without_data": [s.key for s in a.sections if not s.available],
         "files": [str(p) for p in written if f"-{a.area_code}-" in p.name]}
        for a in assessments]
    if as_json:
        app.emit_json({"assessments": summary, "seconds": seconds})
        return
    app.emit_table(f"{len(assessments)} needs assessment(s) written to {output} in "
                   f"{seconds} s", ["area", "period", "edition", "sections without data",
                                    "files"],
                   [[f"{s['area_name']} ({s['area_code']})",
                     f"{s['period_from']} to {s['period_to']}",
                     f"{s['edition']} version {s['version']}" if s["version"] else
                     f"{s['edition']} (not saved)",
                     ", ".join(s["sections_without_data"]) or "none", len(s["files"])]
                    for s in summary])


def _desk(app: AppContext) -> tuple[SnaDesk, Principal]:
    from vrhub.cli.outcomes_support import acting
    from vrhub.partnership.sna_editions import SnaDesk

    services, principal = acting(app)
    return SnaDesk(services.sessions, services.policy,
                   lambda: app.warehouse(read_only=True)), principal


def _save_and_write(app: AppContext, assessments: list[NeedsAssessment], output: Path,
                    formats: list[str], versions: dict[str, int]) -> list[Path]:
    """Keep each assessment as its area's next edition and write the files kept (which
    show the changes since the last edition)."""
    from vrhub.partnership import sna

    desk, principal = _desk(app)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for assessment, built in zip(assessments, desk.save(principal, assessments), strict=True):
        [view] = built.editions
        versions[assessment.area_code] = view.version
        for fmt in formats:
            path = output / sna.file_name(assessment, fmt)
            path.write_bytes(built.files[view.edition][fmt])
            written.append(path)
    return written


@command.command(name="editions")
@click.option("--borough", "area", required=True, metavar="NAME|CODE",
              help="A borough's name or GSS code, or London.")
@json_option
@pass_app
def editions(app: AppContext, area: str, as_json: bool) -> None:
    """The editions kept of an area's needs assessment, newest first (audited; needs the
    API token of an analyst who may read them in VRHUB_TOKEN)."""
    desk, principal = _desk(app)
    found = desk.editions(principal, area)
    code, name = desk.check_area(area)
    emit(app, as_json, {"area_code": code, "area_name": name,
                        "editions": [e.to_dict(figures=False) for e in found]},
         f"{name}: {len(found)} edition(s)",
         ["edition", "version", "built", "period", "built by", "sections without data"],
         [[e.edition, e.version, f"{e.built_at:%Y-%m-%d %H:%M}",
           f"{e.period_from} to {e.period_to}", e.builder,
           ", ".join(k for k, v in e.sections.items() if not v.get("available")) or "none"]
          for e in found])


@command.command(name="compare")
@click.option("--borough", "area", required=True, metavar="NAME|CODE",
              help="A borough's name or GSS code, or London.")
@click.option("--edition", type=click.Choice(["full", "public"]), default="full",
              show_default=True, help="Compare full editions or public summaries.")
@click.option("--version", "version", type=int, default=None,
              help="The edition to compare with the one before it (default: the latest).")
@click.option("--all-figures", is_flag=True, help="Also list the figures that did not change.")
@json_option
@pass_app
def compare(app: AppContext, area: str, edition: str, version: int | None, all_figures: bool,
            as_json: bool) -> None:
    """What changed in an area's needs assessment since the edition before (audited;
    needs the API token of an analyst who may read it in VRHUB_TOKEN)."""
    from vrhub.partnership.sna_compare import compare as compare_figures

    desk, principal = _desk(app)
    view, before, changes = desk.changes(principal, area, version, edition)
    if before is not None and all_figures:
        changes = compare_figures(before.figures, view.figures,
                                  previous_sections=before.sections,
                                  current_sections=view.sections, unchanged=True)
    title = (f"{view.area_name}, {edition} edition version {view.version} against version "
             f"{before.version}: {len(changes)} row(s)" if before is not None else
             f"{view.area_name}, {edition} edition version {view.version} is the first: "
             "nothing to compare with")
    emit(app, as_json, {"area_code": view.area_code, "edition": edition,
                        "version": view.version,
                        "previous_version": before.version if before else None,
                        "changes": changes}, title,
         ["section", "figure", "previous", "current", "change"],
         [[r["section"], r["figure"], _shown(r["previous"]), _shown(r["current"]),
           r["change"]] for r in changes])


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def directory_opportunities(app: AppContext) -> pd.DataFrame | None:
    """The directory's active listings at their places (None when the app database has
    no directory yet)."""
    from sqlalchemy.exc import SQLAlchemyError

    from vrhub.cli.users import open_services
    from vrhub.errors import UserError
    from vrhub.partnership.sna_context import opportunities_from_rows
    from vrhub.storage import directory_reads

    try:
        services = open_services(app)
        with services.sessions() as session:
            rows = directory_reads.index_rows(session)
    except (SQLAlchemyError, UserError):
        return None
    return opportunities_from_rows(rows.services, rows.places)


def _audit(app: AppContext, assessments: list[NeedsAssessment],
           boroughs: dict[str, str]) -> None:
    """One audit event: the full edition's ED figures read at the console."""
    from vrhub.cli.users import console_principal, open_services
    from vrhub.partnership.sna_data import LONDON

    areas = {a.area_code for a in assessments}
    codes = sorted(boroughs) if LONDON in areas else sorted(areas)
    services = open_services(app)
    services.policy.ed_figures(console_principal(), "sna", boroughs=codes,
                               detail=f"needs assessment, full edition: {', '.join(codes)}")
