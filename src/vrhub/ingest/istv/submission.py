"""Receive ISTV submissions: read, redact, check, store with history, and give a receipt.

For each file, in this order:

1. read it (CSV, XLSX, XML, ECDS-style extract) into raw records, in memory only;
2. run the identifier guard over every value (:mod:`vrhub.ingest.istv.redaction`) — nothing
   unredacted goes further, not even into an error message;
3. work out the header (site, period: :mod:`vrhub.ingest.istv.header`), refusing the file
   when the site is unknown, the period is missing or conflicting, or most records fall
   outside the period (the wrong file);
4. check each record (:mod:`vrhub.ingest.istv.validate`) against the code-list version in
   force, quarantining what cannot be used and flagging what is doubtful;
5. drop records identical to ones of an overlapping submission still current, geocode the
   rest, and store them; a new submission for the same site and period makes the earlier one
   *superseded* (its rows stay, marked so; analyses read ``istv_assault_current``);
6. write the receipt: rows read / accepted / quarantined, errors by rule with row numbers,
   flags, overlaps, redactions and the quality score.

All files of one call commit in one transaction. A refused file does not stop the others:
it gets a receipt with status ``rejected`` and, after the others are stored, the call
raises an :class:`~vrhub.errors.InputError` naming each refused file and why.

A file that would replace a month with far fewer accepted records (or none) is *held*:
nothing of it is stored until it is sent again with ``replace=True``
(:mod:`vrhub.ingest.istv.replacement`). A *dry run* does steps 1 to 4 and says what would be
accepted, set aside and replaced, storing nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vrhub.errors import InputError, Location, UserError
from vrhub.ingest.bounded import BoundedReader, LimitExceeded, UploadLimits, open_bounded
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.istv import header as header_mod
from vrhub.ingest.istv.dates import DateProblem, parse_period
from vrhub.ingest.istv.geocoding import GeocoderHandle, geocode_frame
from vrhub.ingest.istv.quality_score import score
from vrhub.ingest.istv.readers import FileRefused, RawSubmission, read_submission
from vrhub.ingest.istv.receipt import (
    RECEIPT_ROWS,
    rejected_receipt,
    store_submission,
    submission_id,
    summarise_problems,
)
from vrhub.ingest.istv.redaction import redact_submission
from vrhub.ingest.istv.replacement import Replacement, ReplacementNotConfirmed, replacement
from vrhub.ingest.istv.validate import Checked, check_records
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.progress import SILENT, Progress
from vrhub.standards import codelists
from vrhub.standards.istv import ISTV_ASSAULT, TABLES
from vrhub.standards.schema import Problem
from vrhub.storage.queries import istv as istv_queries
from vrhub.storage.warehouse import Warehouse

SOURCE = "istv"
WRONG_PERIOD_SHARE = 0.5
MATCH_COLUMNS = ("arrival_at", "assault_at", "assault_method", "location_type",
                 "location_description")


@dataclass
class LoadOutcome:
    report: LoadReport
    receipts: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(file, problem, how to fix) of each refused file."""
    held: list[Replacement] = field(default_factory=list)
    """Replacements held for confirmation (nothing of their files was stored)."""


def prepare(warehouse: Warehouse) -> None:
    """Create the ISTV tables and the current-rows view."""
    warehouse.ensure_tables(TABLES)
    istv_queries.ensure_current_view(warehouse)


def known_sites(warehouse: Warehouse) -> dict[str, str]:
    """ED sites by ODS code (name as value); refuses when none are loaded."""
    if warehouse.has_table("ed_site"):
        frame = istv_queries.ed_sites_all(warehouse)
        if len(frame):
            names = frame["site_name"] if "site_name" in frame.columns else frame["site_code"]
            return {str(c).strip().upper(): str(n) for c, n in zip(frame["site_code"], names,
                                                                  strict=True)}
    raise UserError("no ED sites are loaded, so submissions cannot be checked against a known "
                    "site code",
                    hint="load the ED sites first: vrhub load ed-sites "
                    "../shared/data/nhs/site_xy.csv.gz")


def active_codes(warehouse: Warehouse) -> codelists.CodeListSet:
    """The code-list version in force: the latest loaded by an administrator, else the
    shipped default."""
    found = istv_queries.codelist_latest(warehouse)
    if found is not None:
        latest, rows = found
        return codelists.from_records(str(latest["version"]), str(latest["title"]),
                                      str(latest["source"]),
                                      [dict(zip(rows.columns, r, strict=True))
                                       for r in rows.itertuples(index=False)])
    return codelists.default()


def load_files(
    warehouse: Warehouse,
    files: Sequence[InputFile],
    progress: Progress = SILENT,
    *,
    site: str | None = None,
    period: str | None = None,
    now: dt.datetime | None = None,
    raise_on_rejected: bool = True,
    dry_run: bool = False,
    replace: bool = False,
    limits: UploadLimits | None = None,
) -> LoadOutcome:
    """Receive ``files`` as ISTV submissions (see the module docstring). ``dry_run``
    stores nothing and gives receipts with status ``dry_run``; ``replace`` confirms a
    replacement that would otherwise be held. Each file is read within ``limits`` (the
    settings' defaults when None)."""
    limits = limits or UploadLimits()
    sites = known_sites(warehouse)
    received_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    outcome = LoadOutcome(LoadReport(SOURCE))
    if dry_run:
        codes = active_codes(warehouse)
        for source in files:
            _receive(warehouse, source, outcome, codes=codes, sites=sites, site=site,
                     period=period, received_at=received_at, geocoder=None, limits=limits)
        return outcome
    geocoder = GeocoderHandle(warehouse, progress)
    if files:
        geocoder.get()  # built before our transaction: it may write its gazetteer
    with warehouse.atomic():
        prepare(warehouse)
        codes = active_codes(warehouse)
        with progress.task("Receiving ISTV submissions", total=len(files)) as task:
            for source in files:
                _receive(warehouse, source, outcome, codes=codes, sites=sites, site=site,
                         period=period, received_at=received_at, geocoder=geocoder,
                         replace=replace, limits=limits)
                task.advance()
    if geocoder.unavailable_reason:
        progress.note(f"ISTV records were not geocoded: {geocoder.unavailable_reason}; run "
                      "`vrhub istv geocode` once the geocoder is ready")
    if outcome.rejected and raise_on_rejected:
        raise rejection_error(outcome)
    if outcome.held and raise_on_rejected:
        raise ReplacementNotConfirmed(outcome.held)
    return outcome


def rejection_error(outcome: LoadOutcome) -> InputError:
    loaded = sum(1 for f in outcome.report.files if f.status == "loaded")
    if len(outcome.rejected) == 1:
        file, message, hint = outcome.rejected[0]
        others = f" The other {loaded} file(s) were stored." if loaded else ""
        return InputError(message, Location(file),
                          hint=f"{hint or 'correct the file'}. Its receipt is kept "
                          f"(vrhub istv receipts).{others}")
    lines = "; ".join(f"{f}: {m} (how to fix: {h or 'correct the file'})"
                      for f, m, h in outcome.rejected)
    return InputError(
        f"{len(outcome.rejected)} files refused: {lines}",
        Location(outcome.rejected[0][0]),
        hint=f"the other {loaded} file(s) were stored; correct the refused ones and load them "
        "again (vrhub istv receipts lists every receipt)")


def _already_loaded(warehouse: Warehouse, sha256: str, site: str | None,
                    period: str | None) -> bool:
    """True when these bytes are already a current submission (for the same options)."""
    dates = None
    if period:
        try:
            dates = parse_period(period)
        except DateProblem:
            return False
    return istv_queries.current_with_bytes(warehouse, sha256,
                                           site.strip().upper() if site else None, dates)


def _receive(warehouse: Warehouse, source: InputFile, outcome: LoadOutcome, *,
             codes: codelists.CodeListSet, sites: dict[str, str], site: str | None,
             period: str | None, received_at: dt.datetime, geocoder: GeocoderHandle | None,
             replace: bool = False, limits: UploadLimits) -> None:
    """Receive one file; ``geocoder`` None is a dry run (nothing stored)."""
    dry_run = geocoder is None
    file_report = FileReport(file=source.name, sha256="", status="loaded")
    outcome.report.files.append(file_report)
    redactions: dict[str, int] = {}
    raw: RawSubmission | None = None
    reader: BoundedReader | None = None
    try:
        # one pass: the bytes are hashed as they are parsed, within the limits
        reader = open_bounded(source, limits)
        raw = read_submission(reader, source.logical_name)
        reader.drain()
        sha256 = file_report.sha256 = reader.hexdigest()
        if not dry_run and _already_loaded(warehouse, sha256, site, period):
            file_report.status = "unchanged"
            file_report.notes.append("the same file was already received; nothing changed")
            return
        redactions = redact_submission(raw, codes)
        parts = header_mod.resolve(raw, file=source.name, file_name=source.logical_name,
                                   sites=sites, site=site, period=period,
                                   today=received_at.date())
        checked = [check_records(p.records, codes=codes,
                                 period=(p.period_start, p.period_end),
                                 received_at=received_at) for p in parts]
        for part, result in zip(parts, checked, strict=True):
            _refuse_wrong_period(part, result, source.name)
    except (FileRefused, LimitExceeded) as refusal:
        exc, sha256 = _refused_digest(reader, refusal)
        file_report.sha256 = sha256
        file_report.status = "rejected"
        file_report.rows_read = len(raw.records) if raw else 0
        receipt = rejected_receipt(source, sha256, exc, raw, codes, redactions, received_at)
        if isinstance(exc, LimitExceeded):
            read = reader.bytes_read if reader is not None else 0
            receipt["notes"] = [*receipt["notes"], (
                f"sha256 of the first {read:,} bytes: reading stopped at the limit" if read
                else "not read: larger than the upload limit")]
        if dry_run:
            receipt["status"] = "dry_run"
            receipt["refused"] = True
        else:
            store_submission(warehouse, receipt)
        outcome.receipts.append(receipt)
        outcome.rejected.append((source.name, exc.problem, exc.hint))
        file_report.notes.append(exc.problem)
        return
    finally:
        if reader is not None:
            reader.finish()
    assert raw is not None
    replaces = [replacement(warehouse, file=source.name, site_code=part.site_code,
                            site_name=sites.get(part.site_code),
                            period_start=part.period_start, period_end=part.period_end,
                            after=len(result.accepted))
                for part, result in zip(parts, checked, strict=True)]
    if dry_run:
        for part, result, replaced in zip(parts, checked, replaces, strict=True):
            outcome.receipts.append(_dry_run_receipt(source, sha256, raw, part, result,
                                                     replaced, codes=codes, sites=sites,
                                                     received_at=received_at,
                                                     redactions=redactions))
        file_report.status = "dry_run"
        return
    held = [r for r in replaces if r is not None and r.needs_confirmation]
    if held and not replace:
        outcome.held.extend(held)
        file_report.status = "held"
        file_report.rows_read = len(raw.records)
        file_report.notes.extend(r.describe() for r in held)
        return
    assert geocoder is not None  # only a dry run goes without
    partition = f"{parts[0].site_code}/{parts[0].period_label}" if len(parts) == 1 else None
    with warehouse.load_file(source=SOURCE, file_name=source.name, sha256=sha256,
                             partition=partition) as load:
        load.rows_read = len(raw.records)
        for part, result, replaced in zip(parts, checked, replaces, strict=True):
            receipt = _store_part(warehouse, load, source, sha256, raw, part, result,
                                  codes=codes, sites=sites, received_at=received_at,
                                  redactions=redactions if len(parts) == 1 else
                                  _part_redactions(part, redactions, raw),
                                  geocoder=geocoder, replaced=replaced)
            outcome.receipts.append(receipt)
            file_report.notes.append(f"submission {receipt['submission_id']} "
                                     f"({part.site_code} {part.period_label})")
            file_report.replaced_files.extend(receipt["supersedes"])
            for error in receipt["errors"]:
                file_report.quarantined_by_rule[error["rule"]] = (
                    file_report.quarantined_by_rule.get(error["rule"], 0) + error["count"])
        file_report.rows_read = load.rows_read
        file_report.rows_loaded = load.rows_loaded
        file_report.rows_quarantined = load.rows_quarantined
        file_report.partition = partition


def _receipt_file(source: InputFile, sha256: str, raw: RawSubmission, part: header_mod.Part,
                  *, codes: codelists.CodeListSet, sites: dict[str, str],
                  received_at: dt.datetime) -> dict[str, Any]:
    """The fields every receipt, stored or dry run, gives of the file and its part."""
    return {
        "file": source.name,
        "file_format": raw.file_format,
        "sha256": sha256,
        "site_code": part.site_code,
        "site_name": sites.get(part.site_code),
        "period_start": str(part.period_start),
        "period_end": str(part.period_end),
        "header_source": part.header_source,
        "received_at": received_at.isoformat(),
        "codelist_version": codes.version,
    }


def _dry_run_receipt(source: InputFile, sha256: str, raw: RawSubmission,
                     part: header_mod.Part, result: Checked, replaced: Replacement | None, *,
                     codes: codelists.CodeListSet, sites: dict[str, str],
                     received_at: dt.datetime, redactions: dict[str, int]) -> dict[str, Any]:
    """What receiving ``part`` would do, stored nowhere (records repeating an overlapping
    submission are counted when the file is received, not here)."""
    return {
        "submission_id": None,
        **_receipt_file(source, sha256, raw, part, codes=codes, sites=sites,
                        received_at=received_at),
        "status": "dry_run",
        "rows_read": len(part.records),
        "rows_accepted": len(result.accepted),
        "rows_quarantined": len(result.quarantined_rows),
        "quarantined_rows": sorted(result.quarantined_rows),
        "errors": summarise_problems(result.problems, raw.headings),
        "headings": raw.headings,
        "set_aside": [{"row": p.row, "column": raw.headings.get(p.column, p.column) or None,
                       "value": None if p.value is None else str(p.value)[:200],
                       "problem": p.reason, "rule": p.rule}
                      for p in sorted(result.problems, key=lambda p: (p.row, p.column))],
        "flags": {flag: {"count": len(r), "rows": r[:RECEIPT_ROWS]}
                  for flag, r in sorted(result.flags.items())},
        "redactions": redactions,
        "replaces": replaced.to_dict() if replaced else None,
        "supersedes": [],
        "overlaps": [],
        "quality_score": None,
        "quality": {},
        "geocoding": {},
        "ignored_columns": raw.ignored_columns,
        "dropped_identifier_columns": raw.dropped_identifier_columns,
        "notes": raw.notes,
    }


def _refused_digest(reader: BoundedReader | None, exc: FileRefused | LimitExceeded,
                    ) -> tuple[FileRefused | LimitExceeded, str]:
    """The refusal to report and the sha256 of a refused file: the whole file's when it is
    within the limits, else of the bytes read before reading stopped. A file refused
    early (no headings in its first lines) that also goes past a limit is refused for
    the limit."""
    if reader is None:
        return exc, hashlib.sha256(b"").hexdigest()
    if not isinstance(exc, LimitExceeded) and not reader.at_end:
        try:
            reader.drain()
        except LimitExceeded as past:
            exc = past
        except InputError:  # corrupt compression past the point read
            pass
    return exc, reader.hexdigest()


def _part_redactions(part: header_mod.Part, total: dict[str, int],
                     raw: RawSubmission) -> dict[str, int]:
    # Per-kind counts are kept for the whole file; a part shows its share of redacted rows.
    share = sum(1 for r in part.records if r.values.get("_redacted"))
    return {"records_with_redactions": share, **({"file_total": sum(total.values())}
                                                 if total else {})}


def _refuse_wrong_period(part: header_mod.Part, result: Checked, file: str) -> None:
    outside = sorted({p.row for p in result.problems if p.rule == "outside_period"})
    if result.rows_read and len(outside) > WRONG_PERIOD_SHARE * result.rows_read:
        dates = [str(p.value) for p in result.problems if p.rule == "outside_period"]
        raise FileRefused(
            f"{len(outside)} of {result.rows_read} records fall outside the reporting period "
            f"{part.period_start}..{part.period_end} (their dates run {min(dates)} to "
            f"{max(dates)}): this looks like the file for another period",
            Location(file, column="period", value=part.period_label),
            hint="check the period (--period, the header or the file name) matches the "
            "records", rule="file:wrong_period")


def _store_part(warehouse: Warehouse, load: Any, source: InputFile, sha256: str,
                raw: RawSubmission, part: header_mod.Part, result: Checked, *,
                codes: codelists.CodeListSet, sites: dict[str, str],
                received_at: dt.datetime, redactions: dict[str, int],
                geocoder: GeocoderHandle, replaced: Replacement | None) -> dict[str, Any]:
    sub_id = submission_id(sha256, part.site_code, part.period_label, received_at)
    accepted = result.accepted.copy()
    accepted["site_code"] = part.site_code
    problems = list(result.problems)

    # Earlier submissions: the same period is replaced, an overlapping one is compared.
    earlier = istv_queries.current_overlapping(warehouse, part.site_code, part.period_start,
                                               part.period_end)
    same = earlier[(pd.to_datetime(earlier["period_start"]).dt.date == part.period_start)
                   & (pd.to_datetime(earlier["period_end"]).dt.date == part.period_end)]
    overlapping = earlier[~earlier["submission_id"].isin(same["submission_id"])]
    overlaps: list[dict[str, Any]] = []
    for row in overlapping.itertuples():
        accepted, repeats = _drop_repeats(warehouse, accepted, str(row.submission_id))
        for source_row in repeats:
            problems.append(Problem(int(source_row), "", None,
                                    f"record {source_row}: identical to a record of submission "
                                    f"{row.submission_id}, which is still current; resubmit "
                                    "that period to replace it", "already_submitted"))
        overlaps.append({"submission_id": row.submission_id,
                         "period_start": str(row.period_start)[:10],
                         "period_end": str(row.period_end)[:10],
                         "records_in_common": len(repeats)})
    supersedes = [str(s) for s in same["submission_id"]]
    for old_id, old_sha in zip(same["submission_id"], same["sha256"], strict=True):
        istv_queries.supersede(warehouse, str(old_id), str(old_sha), sub_id, SOURCE)

    geo, geocoded_ran = geocode_frame(geocoder, accepted)
    rows = accepted.reset_index(drop=True)
    for column in geo.columns:
        rows[column] = geo[column].to_numpy()
    rows.insert(0, "submission_id", sub_id)
    rows.insert(0, "assault_id", [f"{sub_id}:{r}" for r in rows["source_row"]])
    rows["source_row"] = rows["source_row"].astype("int64")
    rows["assault_time_known"] = rows["assault_time_known"].astype(bool)
    for column in ("arrival_at", "assault_at"):
        rows[column] = pd.to_datetime(rows[column]).astype("datetime64[us]")
    load.insert(ISTV_ASSAULT, rows[ISTV_ASSAULT.column_names])
    load.quarantine(problems)

    n_geocoded = int(rows["easting"].notna().sum()) if geocoded_ran else None
    quality = score(len(part.records), rows, geocoded=n_geocoded)
    quarantined = len({p.row for p in problems})
    receipt: dict[str, Any] = {
        "submission_id": sub_id,
        **_receipt_file(source, sha256, raw, part, codes=codes, sites=sites,
                        received_at=received_at),
        "status": "current",
        "rows_read": len(part.records),
        "rows_accepted": len(rows),
        "rows_quarantined": quarantined,
        "quarantined_rows": sorted({p.row for p in problems}),
        "errors": summarise_problems(problems, raw.headings),
        "headings": raw.headings,
        "flags": {flag: {"count": len(r), "rows": r[:RECEIPT_ROWS]}
                  for flag, r in sorted(result.flags.items())},
        "redactions": redactions,
        "supersedes": supersedes,
        "replaces": replaced.to_dict() if replaced else None,
        "overlaps": overlaps,
        "quality_score": quality.score,
        "quality": {"parts": quality.parts, "completeness": quality.completeness},
        "geocoding": {"geocoded": n_geocoded,
                      "note": geocoder.unavailable_reason},
        "ignored_columns": raw.ignored_columns,
        "dropped_identifier_columns": raw.dropped_identifier_columns,
        "notes": raw.notes,
    }
    store_submission(warehouse, receipt)
    return receipt


def _drop_repeats(warehouse: Warehouse, accepted: pd.DataFrame,
                  other: str) -> tuple[pd.DataFrame, list[int]]:
    if accepted.empty:
        return accepted, []
    existing = istv_queries.assault_keys(warehouse, other, tuple(MATCH_COLUMNS))
    if existing.empty:
        return accepted, []
    keys = set(_keys(existing))
    mine = _keys(accepted)
    repeat = [k in keys for k in mine]
    rows = accepted.loc[repeat, "source_row"].astype(int).tolist()
    return accepted.loc[[not r for r in repeat]].reset_index(drop=True), rows


def _keys(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    def norm(v: Any) -> Any:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp | dt.datetime):
            return pd.Timestamp(v).to_pydatetime().replace(microsecond=0)
        return v

    return [tuple(norm(v) for v in row) for row in
            frame[list(MATCH_COLUMNS)].itertuples(index=False, name=None)]
