"""``vrhub quality``: data-quality report per source."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app


@click.command(name="quality")
@click.option("--source", "sources", multiple=True,
              help="Only this source (repeatable). Default: every source with data.")
@all_option
@json_option
@pass_app
def command(app: AppContext, sources: tuple[str, ...], as_json: bool) -> None:
    """Report the quality of the loaded data, per source.

    Months missing, blank or disagreeing LSOA codes, zero or missing coordinates,
    duplicate IDs, LSOA vintage mix, and quarantined rows by reason.
    """
    from vrhub.quality import all_reports, get_report

    reports = [get_report(s) for s in sources] if sources else list(all_reports().values())
    warehouse = app.warehouse()
    results = [r.build(warehouse) for r in reports]
    if as_json:
        app.emit_json({"workspace": str(app.settings.home),
                       "sources": {r.source: r.data for r in results}})
        return
    for result in results:
        for section in result.sections:
            app.emit_table(f"{result.source}: {section.title}", section.columns, section.rows)
