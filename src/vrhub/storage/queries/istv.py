"""ED assault (ISTV) submissions, code lists and ED sites: what commands, loaders and the
upload pages ask and change. A missing table answers empty."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from vrhub.standards.istv import CURRENT_VIEW, ISTV_ASSAULT, ISTV_CODELIST, ISTV_SUBMISSION
from vrhub.storage.queries.core import define, run, value
from vrhub.storage.queries.filters import optional
from vrhub.storage.registered import registered
from vrhub.storage.warehouse import Warehouse

#: The rule for the ED assault rows analyses read: those of current submissions (the rows
#: of a superseded or rejected submission are kept, marked so). The view below is this
#: rule; a query reading ``istv_assault`` itself applies this same condition.
OF_CURRENT_SUBMISSION = (f'submission_id IN (SELECT submission_id FROM "{ISTV_SUBMISSION.name}" '
                         "WHERE status = 'current')")

#: The current-rows view: analyses read only the rows of current submissions.
CURRENT_VIEW_SQL = (f'CREATE OR REPLACE VIEW "{CURRENT_VIEW}" AS SELECT * '
                    f'FROM "{ISTV_ASSAULT.name}" WHERE {OF_CURRENT_SUBMISSION}')


def ensure_current_view(wh: Warehouse) -> None:
    """Create (or refresh) the view of the rows of current submissions."""
    wh._con.execute(CURRENT_VIEW_SQL)


# -- ED sites ------------------------------------------------------------------------------
ED_SITES_ALL = define("istv.ed_sites_all", 'SELECT * FROM "ed_site"',
                      doc="Every column of every ED site loaded.")


def ed_sites_all(wh: Warehouse) -> pd.DataFrame:
    """Every ED site loaded, every column (empty without the table)."""
    if not wh.has_table("ed_site"):
        return pd.DataFrame(columns=["site_code", "site_name"])
    return run(wh, ED_SITES_ALL)


# -- submissions ---------------------------------------------------------------------------
RECEIPTS = define(
    "istv.receipts",
    "SELECT submission_id, site_code, period_start, period_end, received_at, file_name, "
    "status, rows_read, rows_accepted, rows_quarantined, quality_score, codelist_version "
    f"FROM istv_submission WHERE {optional('site', 'site_code = $site')} "
    "ORDER BY received_at, file_name",
    {"site": "str | None"}, doc="Receipts of ISTV submissions, of one site when given.",
    example={"site": "RJ122"})

SUBMISSION_RECEIPT = define(
    "istv.submission_receipt",
    "SELECT receipt, status, superseded_by, site_code FROM istv_submission "
    "WHERE submission_id = $submission_id",
    {"submission_id": "str"}, doc="One submission's receipt (JSON), status and site.",
    example={"submission_id": "none"})

SUBMISSIONS = define(
    "istv.submissions",
    "SELECT submission_id, site_code, CAST(period_start AS VARCHAR) AS period_start, "
    "CAST(period_end AS VARCHAR) AS period_end, CAST(received_at AS VARCHAR) AS "
    "received_at, file_name, status, rows_read, rows_accepted, rows_quarantined, "
    "quality_score FROM istv_submission WHERE $every OR list_contains($sites, site_code) "
    "ORDER BY received_at DESC, submission_id",
    {"every": "bool", "sites": "list[str]"},
    doc="Submissions of some sites (or every site), newest first, without receipts.",
    example={"every": False, "sites": ["RJ122"]})

CURRENT_WITH_BYTES = define(
    "istv.current_with_bytes",
    'SELECT count(*) AS n FROM "istv_submission" WHERE sha256 = $sha256 '
    f"AND status = 'current' AND {optional('site', 'site_code = $site')} "
    "AND ($period_start IS NULL OR (CAST(period_start AS VARCHAR) = $period_start "
    "AND CAST(period_end AS VARCHAR) = $period_end))",
    {"sha256": "str", "site": "str | None", "period_start": "str | None",
     "period_end": "str | None"},
    doc="Current submissions of a file's bytes (for a site and period when given).",
    example={"sha256": "0", "site": None, "period_start": None, "period_end": None})

CURRENT_OVERLAPPING = define(
    "istv.current_overlapping",
    'SELECT submission_id, period_start, period_end, sha256 FROM "istv_submission" '
    "WHERE site_code = $site AND status = 'current' "
    "AND CAST(period_start AS VARCHAR) <= $end AND CAST(period_end AS VARCHAR) >= $start "
    "ORDER BY submission_id",
    {"site": "str", "start": "str", "end": "str"},
    doc="A site's current submissions overlapping a period (ISO dates).",
    example={"site": "RJ122", "start": "2024-01-01", "end": "2024-01-31"})

CURRENT_OF_BYTES = define(
    "istv.current_of_bytes",
    'SELECT count(*) AS n FROM "istv_submission" WHERE sha256 = $sha256 '
    "AND status = 'current'", {"sha256": "str"},
    doc="Current submissions made from a file's bytes.", example={"sha256": "0"})


def receipts(wh: Warehouse, site: str | None) -> pd.DataFrame | None:
    """Receipts of submissions (of ``site`` when given), in the order received."""
    if not wh.has_table(ISTV_SUBMISSION.name):
        return None
    return run(wh, RECEIPTS, site=site)


def submission_receipt(wh: Warehouse, submission_id: str) -> dict[str, Any] | None:
    """``receipt`` (JSON text), ``status``, ``superseded_by`` and ``site_code`` of one
    submission, or None."""
    if not wh.has_table(ISTV_SUBMISSION.name):
        return None
    frame = run(wh, SUBMISSION_RECEIPT, submission_id=submission_id)
    return None if not len(frame) else dict(frame.iloc[0])


def submissions(wh: Warehouse, sites: set[str] | None) -> pd.DataFrame:
    """Submissions of ``sites`` (None: every site), newest first."""
    return run(wh, SUBMISSIONS, every=sites is None, sites=sorted(sites or ()))


def current_with_bytes(wh: Warehouse, sha256: str, site: str | None,
                       period: tuple[dt.date, dt.date] | None) -> bool:
    start, end = (None, None) if period is None else (period[0].isoformat(),
                                                      period[1].isoformat())
    return bool(value(wh, CURRENT_WITH_BYTES, sha256=sha256, site=site, period_start=start,
                      period_end=end))


def current_overlapping(wh: Warehouse, site: str, start: dt.date, end: dt.date
                        ) -> pd.DataFrame:
    return run(wh, CURRENT_OVERLAPPING, site=site, start=start.isoformat(),
               end=end.isoformat())


def supersede(wh: Warehouse, old_id: str, old_sha256: str, new_id: str,
              source: str) -> None:
    """Mark submission ``old_id`` superseded by ``new_id``; its file is replaced once no
    current submission comes from it. Inside the load's transaction."""
    con = wh._con
    con.execute(f'UPDATE "{ISTV_SUBMISSION.name}" SET status = \'superseded\', '
                "superseded_by = ? WHERE submission_id = ?", [new_id, old_id])
    if not value(wh, CURRENT_OF_BYTES, sha256=old_sha256):
        con.execute("UPDATE \"provenance\" SET status = 'replaced' "
                    "WHERE file_id = ? AND source = ?", [old_sha256, source])


def assault_keys(wh: Warehouse, submission_id: str, columns: tuple[str, ...]
                 ) -> pd.DataFrame:
    """``columns`` of the assault records of one submission."""
    return wh._query(f'SELECT {", ".join(columns)} FROM "{ISTV_ASSAULT.name}" '
                     "WHERE submission_id = ?", [submission_id])


def unresolved_current(wh: Warehouse, *, reason: str | None, site: str | None
                       ) -> pd.DataFrame:
    """Current assault records to geocode again: those unresolved for ``reason`` (every
    record when None), of ``site`` when given."""
    where, params = [], []
    if reason is not None:
        where.append("geocode_unresolved_reason = ?")
        params.append(reason)
    if site:
        where.append("site_code = ?")
        params.append(site)
    sql = (f'SELECT assault_id, site_code, location_type, location_description FROM '
           f'"{CURRENT_VIEW}"' + (" WHERE " + " AND ".join(where) if where else ""))
    return wh._query(sql, params)


def update_geocodes(wh: Warehouse, geo: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Set ``columns`` of assault records from ``geo`` (keyed by ``assault_id``), in one
    transaction."""
    assignments = ", ".join(f'"{c}" = g."{c}"' for c in columns)
    with wh.atomic(), registered(wh._con, "_istv_geo", geo):
        wh._con.execute(f'UPDATE "{ISTV_ASSAULT.name}" AS a SET {assignments} '
                        "FROM _istv_geo AS g WHERE a.assault_id = g.assault_id")


# -- code lists ----------------------------------------------------------------------------
CODELIST_VERSIONS = define(
    "istv.codelist_versions",
    'SELECT version, any_value(title) AS title, max(loaded_at) AS loaded_at '
    'FROM "istv_codelist" GROUP BY version ORDER BY loaded_at, version',
    doc="Code-list versions loaded, oldest first.")

CODELIST_LATEST = define(
    "istv.codelist_latest",
    'SELECT version, any_value(title) AS title, any_value(source) AS source '
    'FROM "istv_codelist" GROUP BY version ORDER BY max(loaded_at) DESC, version LIMIT 1',
    doc="The code-list version loaded last.")

CODELIST_ROWS = define(
    "istv.codelist_rows",
    'SELECT * FROM "istv_codelist" WHERE version = $version',
    {"version": "str"}, doc="The codes of one code-list version.",
    example={"version": "1"})

CODELIST_HAS = define(
    "istv.codelist_has",
    'SELECT count(*) AS n FROM "istv_codelist" WHERE version = $version',
    {"version": "str"}, doc="Rows of a code-list version.", example={"version": "1"})


def codelist_versions(wh: Warehouse) -> pd.DataFrame | None:
    if not wh.has_table(ISTV_CODELIST.name):
        return None
    return run(wh, CODELIST_VERSIONS)


def codelist_latest(wh: Warehouse) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """The latest loaded code-list version's (version, title, source) and its rows."""
    if not wh.has_table(ISTV_CODELIST.name) or not wh.count(ISTV_CODELIST.name):
        return None
    latest = dict(run(wh, CODELIST_LATEST).iloc[0])
    return latest, run(wh, CODELIST_ROWS, version=str(latest["version"]))


def codelist_has(wh: Warehouse, version: str) -> bool:
    return bool(value(wh, CODELIST_HAS, version=version))


def assault_profiles(wh: Warehouse, start: str, end: str) -> pd.DataFrame | None:
    """ED assaults of current submissions with an assault time, from month ``start`` to
    ``end`` (YYYY-MM, inclusive): ``borough_code``, ``ward_code``, ``month``,
    ``assault_at``, ``assault_time_known``, ``age_band`` (None for an extract without
    ages). None when no ED data are loaded."""
    table = CURRENT_VIEW if wh.has_table(CURRENT_VIEW) else ISTV_ASSAULT.name
    if not wh.has_table(table):
        return None
    columns = set(wh._query(f'SELECT * FROM "{table}" LIMIT 0').columns)
    age = "age_band" if "age_band" in columns else "CAST(NULL AS VARCHAR)"
    ward = "ward_code" if "ward_code" in columns else "CAST(NULL AS VARCHAR)"
    return wh._query(
        f"SELECT borough_code, {ward} AS ward_code, strftime(assault_at, '%Y-%m') AS month, "
        f"assault_at, assault_time_known, {age} AS age_band FROM \"{table}\" "
        "WHERE assault_at IS NOT NULL AND strftime(assault_at, '%Y-%m') BETWEEN ? AND ?",
        [start, end])
