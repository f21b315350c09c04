"""Sub-commands of ``vrhub istv`` for submissions, receipts and code lists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app
from vrhub.errors import NotFound, UserError


def _receipt_rows(receipt: dict[str, Any]) -> list[list[Any]]:
    return [
        ["submission", receipt["submission_id"] or "(dry run: none)"],
        ["file", receipt["file"]],
        ["site", f"{receipt.get('site_code') or ''} {receipt.get('site_name') or ''}".strip()],
        ["period", f"{receipt.get('period_start') or ''} .. {receipt.get('period_end') or ''}"],
        ["status", receipt["status"]],
        ["received", receipt["received_at"]],
        ["code lists", receipt["codelist_version"]],
        ["rows read / accepted / quarantined",
         f"{receipt['rows_read']} / {receipt['rows_accepted']} / {receipt['rows_quarantined']}"],
        ["identifiers redacted", ", ".join(f"{k} {v}" for k, v in receipt["redactions"].items())
         or "none"],
        ["supersedes", ", ".join(receipt.get("supersedes") or []) or "-"],
        ["overlaps", "; ".join(f"{o['submission_id']} ({o['period_start']}..{o['period_end']}, "
                               f"{o['records_in_common']} in common)"
                               for o in receipt.get("overlaps") or []) or "-"],
        ["quality score", "-" if receipt["quality_score"] is None else receipt["quality_score"]],
    ]


def show_receipt(app: AppContext, receipt: dict[str, Any]) -> None:
    title = (f"Dry run of {receipt['file']} (nothing stored)" if receipt["status"] == "dry_run"
             else f"Receipt {receipt['submission_id']}")
    app.emit_table(title, ["", ""], _receipt_rows(receipt))
    replaced = receipt.get("replaces")
    if replaced:
        app.emit_table("Replaces", ["", "records"], [
            [f"{replaced['month_label']} now ({replaced['current_file']})", replaced["before"]],
            [f"after {receipt['file']}", replaced["after"]]])
    if receipt["errors"]:
        app.emit_table("Errors by rule", ["rule", "records", "rows", "message"], [
            [e["rule"], e["count"], _rows_text(e["rows"]), e["message"]]
            for e in receipt["errors"]])
    if receipt["flags"]:
        app.emit_table("Flags (records accepted)", ["flag", "records", "rows"], [
            [k, v["count"], _rows_text(v["rows"])] for k, v in receipt["flags"].items()])
    if receipt["status"] in ("current", "dry_run") and not receipt["rows_accepted"]:
        verb = "would be" if receipt["status"] == "dry_run" else "was"
        app.info(f"{receipt['file']}: nothing {verb} accepted: none of its "
                 f"{receipt['rows_read']} records could be used")
    for note in receipt.get("notes") or []:
        app.info(f"note: {note}")
    if receipt.get("dropped_identifier_columns"):
        app.info("identifier columns dropped unread: "
                 + ", ".join(receipt["dropped_identifier_columns"]))


def _rows_text(rows: list[int], limit: int = 12) -> str:
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (" …" if len(rows) > limit else "")


@click.command(name="submit")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--site", help="The ED site, by ODS code or hospital name (else from the file "
              "or its name).")
@click.option("--period", help="Reporting period: a month (2024-01) or start..end.")
@click.option("--dry-run", is_flag=True,
              help="Check only: say what would be accepted, set aside and replaced, and store "
              "nothing.")
@click.option("--replace", is_flag=True,
              help="Confirm replacing a month with far fewer accepted records (or none); "
              "without it such a file is held and nothing of it is stored.")
@json_option
@pass_app
def submit(app: AppContext, paths: tuple[Path, ...], site: str | None, period: str | None,
           dry_run: bool, replace: bool, as_json: bool) -> None:
    """Receive ISTV submission files and print each receipt in full.

    Same receiving as `vrhub load istv PATH` (which prints only counts). --site and
    --period give the header for files that do not carry it; a value given here that
    disagrees with the file is an error. A refused file gets a receipt saying why.
    A file that would leave a month with fewer than half the records it has now is held
    until it is sent again with --replace; --dry-run shows what would happen first.
    """
    from vrhub.ingest.bounded import UploadLimits
    from vrhub.ingest.inputs import discover
    from vrhub.ingest.istv import PATTERNS
    from vrhub.ingest.istv.submission import load_files

    files = discover(paths, PATTERNS)
    if not files:
        raise UserError(f"no ISTV files found in {', '.join(map(str, paths))}",
                        hint="give .csv, .xlsx or .xml files or folders holding them")
    site = _site(app, site)
    outcome = load_files(app.warehouse(), files, app.progress, site=site, period=period,
                         raise_on_rejected=False, dry_run=dry_run, replace=replace,
                         limits=UploadLimits.from_settings(app.settings))
    if as_json:
        app.emit_json({"receipts": outcome.receipts, "load": outcome.report.to_dict(),
                       "held": [h.to_dict() for h in outcome.held], "dry_run": dry_run})
    else:
        for receipt in outcome.receipts:
            show_receipt(app, receipt)
        for held in outcome.held:
            app.emit_table(f"Held: {held.file} was not stored", ["", "records"], [
                [f"{held.site_label}, {held.month_label}, now ({held.current_file})",
                 held.before],
                [f"after {held.file}", held.after]])
        if dry_run:
            app.info("dry run: nothing was stored")
    if outcome.rejected:
        from vrhub.ingest.istv.submission import rejection_error

        raise rejection_error(outcome)
    if outcome.held:
        from vrhub.ingest.istv.replacement import ReplacementNotConfirmed

        raise ReplacementNotConfirmed(outcome.held)


def _site(app: AppContext, site: str | None) -> str | None:
    """An ED site's ODS code from --site (a code or the hospital's name)."""
    if not site:
        return None
    from vrhub.reports.names import resolve_site

    return resolve_site(app.warehouse(), site)


def _receipts_frame(app: AppContext, site: str | None) -> Any:
    from vrhub.storage.queries import istv as istv_queries

    return istv_queries.receipts(app.warehouse(), site.strip().upper() if site else None)


@click.command(name="receipts")
@click.option("--site", help="Only this ED site (ODS code or hospital name).")
@all_option
@json_option
@pass_app
def receipts(app: AppContext, site: str | None, as_json: bool) -> None:
    """List the receipts of ISTV submissions received."""
    frame = _receipts_frame(app, _site(app, site))
    records = [] if frame is None else frame.to_dict("records")
    if as_json:
        app.emit_json({"receipts": records})
        return
    app.emit_table("ISTV submissions", ["submission", "site", "period", "received", "status",
                                        "read", "accepted", "quarantined", "score"], [
        [r["submission_id"], r["site_code"], _period(r), r["received_at"], r["status"],
         r["rows_read"], r["rows_accepted"], r["rows_quarantined"], r["quality_score"]]
        for r in records])


def _period(r: dict[str, Any]) -> str:
    start, end = r.get("period_start"), r.get("period_end")
    if start is None or start != start:
        return ""
    return f"{str(start)[:10]}..{str(end)[:10]}"


@click.command(name="receipt")
@click.argument("submission_id")
@json_option
@pass_app
def receipt(app: AppContext, submission_id: str, as_json: bool) -> None:
    """Show one submission's receipt."""
    from vrhub.storage.queries import istv as istv_queries

    row = istv_queries.submission_receipt(app.warehouse(), submission_id)
    if row is None:
        raise NotFound(f"no ISTV submission {submission_id!r}",
                       hint="list them with `vrhub istv receipts`")
    data = json.loads(row["receipt"])
    data["status"] = row["status"]
    data["superseded_by"] = row["superseded_by"]
    if as_json:
        app.emit_json(data)
    else:
        show_receipt(app, data)


@click.group(name="codelist")
def codelist() -> None:
    """Code lists for assault method and location type (versioned)."""


@codelist.command(name="list")
@json_option
@pass_app
def codelist_list(app: AppContext, as_json: bool) -> None:
    """Show the code-list version in force and the versions available."""
    from vrhub.ingest.istv.codelist_store import versions
    from vrhub.ingest.istv.submission import active_codes

    warehouse = app.warehouse()
    active = active_codes(warehouse)
    available = versions(warehouse)
    if as_json:
        app.emit_json({"active": active.to_dict(), "versions": available})
        return
    app.emit_table("Code-list versions", ["version", "title", "where", "in force"], [
        [v["version"], v["title"], v["where"], "yes" if v["version"] == active.version else ""]
        for v in available])
    for name, codes in active.lists.items():
        app.emit_table(f"{name} ({active.version})", ["code", "label"],
                       [[c.code, c.label] for c in codes.codes])


@codelist.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_app
def codelist_load(app: AppContext, file: Path, as_json: bool) -> None:
    """Load an official code-list version (JSON); it validates submissions from now on."""
    from vrhub.ingest.istv.codelist_store import load_version

    loaded = load_version(app.warehouse(), file, now=dt.datetime.now(dt.UTC))
    if as_json:
        app.emit_json(loaded.to_dict())
        return
    app.info(f"loaded code-list version {loaded.version}: "
             + ", ".join(f"{n} {len(c.codes)} codes" for n, c in loaded.lists.items()))


@click.command(name="geocode")
@click.option("--site", help="Only this ED site.")
@click.option("--all", "everything", is_flag=True,
              help="Geocode every current record again (default: only those not geocoded "
              "because the geocoder was not available).")
@json_option
@pass_app
def geocode(app: AppContext, site: str | None, everything: bool, as_json: bool) -> None:
    """Geocode the location descriptions of current ISTV records."""
    from vrhub.ingest.istv.regeocode import regeocode

    result = regeocode(app.warehouse(), site=_site(app, site), everything=everything,
                       progress=app.progress)
    if as_json:
        app.emit_json(result)
        return
    app.info(f"geocoded {result['geocoded']:,} of {result['records']:,} record(s)"
             + (f"; {result['note']}" if result.get("note") else ""))


@click.command(name="synthesize")
@click.option("--month", required=True, help="Month to synthesise, e.g. 2024-01.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write one file per site into.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(["csv", "xlsx", "xml"]))
@click.option("--sites", "sites_file", type=click.Path(exists=True, path_type=Path),
              help="ED site list (CSV like ../shared/data/nhs/site_xy.csv.gz); default: the "
              "ed_site table of the warehouse.")
@json_option
@pass_app
def synthesize(app: AppContext, month: str, out: Path, seed: int, fmt: str,
               sites_file: Path | None, as_json: bool) -> None:
    """Write a synthetic ISTV month for every ED site (for demos and tests)."""
    from vrhub.ingest.istv.dates import DateProblem, parse_period
    from vrhub.synthetic.istv import write_month

    try:
        parse_period(month)
    except DateProblem as exc:
        raise UserError(str(exc), hint="give --month as YYYY-MM") from None
    sites = _site_list(app, sites_file)
    written = []
    for site in sites:
        path = write_month(out, site["site_code"], month, seed, fmt=fmt,  # type: ignore[arg-type]
                           site_name=site["site_name"], icb_code=site["icb_code"])
        written.append(str(path))
    if as_json:
        app.emit_json({"month": month, "files": written})
        return
    app.info(f"wrote {len(written)} synthetic ISTV file(s) for {month} to {out}")


def _site_list(app: AppContext, sites_file: Path | None) -> list[dict[str, str]]:
    import pandas as pd

    if sites_file is not None:
        frame = pd.read_csv(sites_file, dtype=str)
        frame = frame.rename(columns={"site": "site_name"})
    else:
        warehouse = app.warehouse()
        if not warehouse.has_table("ed_site") or not warehouse.count("ed_site"):
            raise UserError("no ED sites are loaded",
                            hint="load them (vrhub load ed-sites "
                            "../shared/data/nhs/site_xy.csv.gz) or pass --sites FILE")
        from vrhub.storage.queries import istv as istv_queries

        frame = istv_queries.ed_sites_all(warehouse)
    for column in ("site_name", "icb_code"):
        if column not in frame.columns:
            frame[column] = ""
    return [{"site_code": str(r["site_code"]), "site_name": str(r["site_name"]),
             "icb_code": str(r["icb_code"])} for _, r in frame.iterrows()]


subcommands: list[click.Command] = [submit, receipts, receipt, codelist, geocode, synthesize]
