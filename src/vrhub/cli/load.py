"""``vrhub load SOURCE PATH...``: load files, folders, .zip and .gz into the warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app

log = logging.getLogger("vrhub.load")


class _SourceType(click.ParamType):
    name = "source"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "SOURCE"


@click.command(name="load")
@click.argument("source", type=_SourceType())
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--site", help="ED site ODS code, for sources that take one (istv).")
@click.option("--period", help="Reporting period (2024-01), for sources that take one (istv).")
@all_option
@json_option
@pass_app
def command(app: AppContext, source: str, paths: tuple[Path, ...], site: str | None,
            period: str | None, as_json: bool) -> None:
    """Load SOURCE files into the warehouse.

    PATH may be files, folders (searched recursively), .zip archives or .gz files.
    The whole command is one transaction: if any file cannot be read, nothing is loaded.
    Loading the same file again changes nothing; a newer file for the same month replaces
    the older one. Run `vrhub load list` to see the sources.
    """
    from vrhub.ingest.inputs import discover
    from vrhub.ingest.sources import all_sources, get_source

    if source == "list":
        if paths:
            raise click.UsageError("`vrhub load list` takes no paths")
        sources = all_sources().values()
        if as_json:
            app.emit_json({"sources": [
                {"source": s.name, "description": s.description, "patterns": list(s.patterns),
                 "options": sorted(s.options)} for s in sources
            ]})
            return
        app.emit_table(
            "Sources", ["source", "description"],
            [[s.name, s.description] for s in sources],
        )
        return
    if not paths:
        raise click.UsageError(
            f"give at least one PATH to load {source} files from "
            "(files, folders, .zip or .gz); `vrhub load list` shows the sources"
        )
    src = get_source(source)
    skipped: list[tuple[str, str]] = []
    files = discover(paths, src.patterns, skipped=skipped)
    if not files:
        shown = "; ".join(name for name, _ in skipped[:5])
        raise click.UsageError(
            f"no {source} files found in {', '.join(map(str, paths))} "
            f"(looked for {', '.join(src.patterns)})"
            + (f"; skipped {len(skipped)} other file(s): {shown}" if skipped else "")
        )
    options: dict[str, object] = {k: v for k, v in (("site", site), ("period", period))
                                  if v is not None}
    unknown = sorted(set(options) - set(src.options))
    if unknown:
        raise click.UsageError(f"--{unknown[0]} does not apply to source {source}")
    if src.bounded:
        from vrhub.ingest.bounded import UploadLimits

        options["limits"] = UploadLimits.from_settings(app.settings)
    report = src.load(app.warehouse(), files, app.progress, **options)
    log.info("loaded %s: %d file(s), %d rows read, %d loaded, %d quarantined", source,
             len(report.files), report.rows_read, report.rows_loaded, report.rows_quarantined,
             extra={"source": source, "files": len(report.files),
                    "rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
                    "rows_quarantined": report.rows_quarantined})
    if as_json:
        app.emit_json({**report.to_dict(), "skipped": [
            {"file": name, "reason": reason} for name, reason in skipped]})
        return
    rows: list[list[object]] = [
        [f.file, f.status, f.rows_read, f.rows_loaded, f.rows_quarantined] for f in report.files
    ]
    app.emit_table(
        f"Loaded {source}",
        ["file", "status", "read", "loaded", "quarantined"],
        rows, footer=["total", "", report.rows_read, report.rows_loaded,
                      report.rows_quarantined],
    )
    for rule, count in sorted(report.quarantined_by_rule().items()):
        app.info(f"  quarantined {count:,} row(s): {rule}")
    if skipped:
        app.emit_table(f"Skipped: {len(skipped)} file(s) in the folders given are not {source} "
                       "files", ["file", "reason"], [[name, reason] for name, reason in skipped])
