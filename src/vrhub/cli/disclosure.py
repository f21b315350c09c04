"""``vrhub disclosure``: check public outputs against disclosure control."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, json_option, pass_app

VIOLATIONS_EXIT = 11


@click.group(name="disclosure")
def command() -> None:
    """Disclosure control: suppress 1-7, round to 5, ward x month at finest."""


@command.command(name="check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@json_option
@pass_app
def check(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Scan public outputs (default: the workspace's public folder) for small or unrounded
    counts, points, times, dates finer than a month, free text and areas finer than a
    ward, and every text field (titles, descriptions, notes, the manifest) for counts
    written in words that break the rule. Exits 11 when anything is found.

    Reads CSV (with its .csv.json metadata), JSON, GeoJSON, XLSX, Parquet and GeoPackage;
    other files are listed as skipped.
    """
    from vrhub.analytics import disclosure

    report = disclosure.ScanReport()
    for path in paths or (app.workspace.public,):
        if path.is_dir():
            found = disclosure.scan_public_tree(path)
            report.checked += found.checked
            report.skipped += found.skipped
            report.violations += found.violations
        else:
            report.checked.append(str(path))
            report.violations += disclosure.scan_public_output(path)
    if as_json:
        app.emit_json(report.to_dict())
    else:
        for violation in report.violations:
            click.echo(violation.describe())
        app.info(f"{len(report.checked)} outputs checked, {len(report.skipped)} skipped, "
                 f"{len(report.violations)} problems ({disclosure.RULE})")
    if report.violations:
        raise click.exceptions.Exit(VIOLATIONS_EXIT)
