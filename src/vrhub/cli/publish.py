"""``vrhub publish``: build, disclosure-check and publish the public outputs."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, json_option, pass_app


@click.command(name="publish")
@json_option
@pass_app
def command(app: AppContext, as_json: bool) -> None:
    """Build the public outputs into <home>/public: counts by ward or borough and month
    (police.uk, MPS), ED assaults by borough and month, ED beside police violence by
    borough and quarter, and the public overview's figures (headline figures, London's
    monthly series, borough and ward totals for the latest 12 months, violence x
    deprivation by ward, and the borough and ward boundaries of its maps).

    Every table is disclosure-controlled (counts 1-7 suppressed, others rounded to the
    nearest 5, ratios from the disclosed counts; never finer than ward x month; no points,
    times or free text), written as CSV and JSON with a manifest.json (what, when,
    parameters, provenance), and every file is scanned. On any violation nothing is
    published and the previous outputs stay as they were. The web app's public pages,
    maps and charts and /api/v1/public serve only these files; before anything is
    published they say so.
    """
    from vrhub.reports.publish import publish

    report = publish(app.warehouse(), app.workspace.public, progress=app.progress,
                     high_violence_offences=app.settings.high_violence_offences)
    if as_json:
        app.emit_json(report.to_dict())
        return
    rows = [[name, entry["rows"], entry["disclosure"]["suppressed_cells"],
             ", ".join(entry["files"].values())] for name, entry in report.outputs.items()]
    app.emit_table(f"published to {report.folder}", ["output", "rows", "suppressed cells",
                                                     "files"], rows)
    for name, reason in report.skipped.items():
        app.info(f"not published: {name} ({reason})")
    app.info(f"{report.files_checked} files scanned: no disclosure violations")
