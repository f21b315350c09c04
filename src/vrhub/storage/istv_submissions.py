"""Named queries over ISTV submissions: the current one for a site and month, recent
receipts of a set of sites, what each site has sent per month, and a submission's set-aside
rows (from the quarantine table, values already redacted).

Each returns nothing when the tables are not there yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd

from vrhub.storage.warehouse import Warehouse

SUBMISSION = "istv_submission"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if v is pd.NaT or (isinstance(v, float) and v != v) else v)
             for k, v in r.items()} for r in frame.to_dict("records")]


def current_for_period(warehouse: Warehouse, site: str, start: dt.date,
                       end: dt.date) -> list[dict[str, Any]]:
    """Current submissions of ``site`` for exactly ``start..end`` (normally one)."""
    if not warehouse.has_table(SUBMISSION):
        return []
    return _records(warehouse._query(
        "SELECT submission_id, file_name, CAST(received_at AS VARCHAR) AS received_at, "
        f"rows_read, rows_accepted, rows_quarantined FROM {SUBMISSION} WHERE site_code = ? "
        "AND status = 'current' AND period_start = ? AND period_end = ? "
        "ORDER BY received_at DESC", [site, start, end]))


def recent(warehouse: Warehouse, sites: Collection[str], limit: int = 20
           ) -> list[dict[str, Any]]:
    """The latest ``limit`` submissions of ``sites``, newest first, with the site's name."""
    if not sites or not warehouse.has_table(SUBMISSION):
        return []
    marks = ", ".join("?" for _ in sites)
    names = ("LEFT JOIN ed_site e ON e.site_code = s.site_code"
             if warehouse.has_table("ed_site") else "")
    name = "e.site_name" if names else "NULL"
    return _records(warehouse._query(
        f"SELECT s.submission_id, s.site_code, {name} AS site_name, s.file_name, "
        "strftime(s.period_start, '%Y-%m') AS month, s.period_start, s.period_end, "
        "s.received_at, s.status, s.rows_read, s.rows_accepted, s.rows_quarantined, "
        f"s.quality_score FROM {SUBMISSION} s {names} WHERE s.site_code IN ({marks}) "
        "ORDER BY s.received_at DESC, s.submission_id LIMIT ?", [*sorted(sites), limit]))


def months_received(warehouse: Warehouse, sites: Collection[str]) -> pd.DataFrame:
    """Per site and month, the current submission(s): ``site_code, month (YYYY-MM),
    received_at (first), rows_accepted (sum)``."""
    columns = ["site_code", "month", "received_at", "rows_accepted"]
    if not sites or not warehouse.has_table(SUBMISSION):
        return pd.DataFrame(columns=columns)
    marks = ", ".join("?" for _ in sites)
    return warehouse._query(
        "SELECT site_code, strftime(period_start, '%Y-%m') AS month, min(received_at) AS "
        f"received_at, sum(rows_accepted) AS rows_accepted FROM {SUBMISSION} WHERE "
        f"status = 'current' AND site_code IN ({marks}) GROUP BY 1, 2 ORDER BY 1, 2",
        sorted(sites))


def latest_month(warehouse: Warehouse) -> str | None:
    """The newest month (YYYY-MM) any site has a current submission for, or None."""
    if not warehouse.has_table(SUBMISSION):
        return None
    last = warehouse._scalar(f"SELECT max(strftime(period_start, '%Y-%m')) FROM {SUBMISSION} "
                           "WHERE status = 'current'")
    return str(last) if last else None


def set_aside(warehouse: Warehouse, sha256: str, rows: Sequence[int] | None
              ) -> pd.DataFrame:
    """The quarantined rows of the file ``sha256`` (only ``rows`` when given): ``row,
    column, value, problem, rule``, one line per problem, in row order."""
    columns = ["row", "column", "value", "problem", "rule"]
    if not warehouse.has_table("quarantine"):
        return pd.DataFrame(columns=columns)
    frame = warehouse._query(
        'SELECT DISTINCT row_number AS "row", column_name AS "column", value, '
        "reason AS problem, rule FROM quarantine WHERE source = 'istv' AND file_id = ? "
        "ORDER BY 1, 2, 5", [sha256])
    if rows is not None:
        frame = frame[frame["row"].isin(set(rows))]
    return frame.reset_index(drop=True)[columns]
