"""``vrhub sna``: the Serious Violence Duty strategic needs assessment, per borough and
London-wide, as HTML, PDF and an XLSX data annex.

The full edition holds ED figures exactly and is for the partnership only: building it
writes one audit event (ED figures read at the console). The public summary has every
count disclosure-controlled.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vrhub.cli.context import AppContext, json_option, needs, pass_app

if TYPE_CHECKING:
    import pandas as pd

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
@json_option
@pass_app
def build(app: AppContext, boroughs: tuple[str, ...], every: bool, london: bool,
          edition: str, recommendations: Path | None, definition: Path | None, formats: str,
          end: str | None, output: Path, as_json: bool) -> None:
    """Build needs assessments into a folder: files named
    sna-<code>-<name>-<YYYY-MM>-<edition>.<format>.

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
    with app.progress.task(f"Writing {len(assessments) * len(chosen_formats)} files"):
        written = sna.write_files(assessments, output, chosen_formats)
    seconds = round(time.perf_counter() - started, 2)
    summary = [{"area_code": a.area_code, "area_name": a.area_name, "edition": a.edition,
                "period_from": a.period_from, "period_to": a.period_to,
                "sections_without_data": [s.key for s in a.sections if not s.available],
                "files": [str(p) for p in written if f"-{a.area_code}-" in p.name]}
               for a in assessments]
    if as_json:
        app.emit_json({"assessments": summary, "seconds": seconds})
        return
    app.emit_table(f"{len(assessments)} needs assessment(s) written to {output} in "
                   f"{seconds} s", ["area", "period", "sections without data", "files"],
                   [[f"{s['area_name']} ({s['area_code']})",
                     f"{s['period_from']} to {s['period_to']}",
                     ", ".join(s["sections_without_data"]) or "none", len(s["files"])]
                    for s in summary])


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
