"""The receipt of an ISTV submission, and its row in ``istv_submission``.

A receipt says what became of a file: rows read, accepted and quarantined; errors by rule
with their row numbers, the first message and a few examples (values already redacted);
flags on accepted rows; identifiers redacted by kind; earlier submissions it supersedes or
overlaps; the code-list version that validated it and its quality score. A refused file
gets a receipt too (status ``rejected``) saying why and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from vrhub.ingest.bounded import LimitExceeded
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.istv.readers import FileRefused, RawSubmission
from vrhub.standards import codelists
from vrhub.standards.istv import ISTV_SUBMISSION
from vrhub.standards.schema import Problem
from vrhub.storage.warehouse import Warehouse

RECEIPT_ROWS = 100  # row numbers listed per rule on a receipt


def submission_id(sha256: str, site: str, period: str, received_at: dt.datetime) -> str:
    """A new identifier for each receipt. The random part keeps two receipts of the same
    file in the same second (a quick resubmission, a second refusal) apart."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256(
        f"{sha256}|{site}|{period}|{received_at.isoformat()}|{salt}".encode())
    return "istv-" + digest.hexdigest()[:16]


def summarise_problems(problems: Sequence[Problem],
                       headings: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Errors by rule, each with its row numbers and a few examples (values redacted);
    columns are named by the file's own headings where it has them."""
    headings = headings or {}
    by_rule: dict[str, list[Problem]] = {}
    for p in problems:
        by_rule.setdefault(p.rule, []).append(p)
    out = []
    for rule, items in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = sorted({p.row for p in items})
        out.append({
            "rule": rule,
            "count": len(rows),
            "rows": rows[:RECEIPT_ROWS],
            "message": items[0].reason,
            "examples": [{"row": p.row, "column": headings.get(p.column, p.column) or None,
                          "value": None if p.value is None else str(p.value)[:80],
                          "reason": p.reason[:300]} for p in items[:5]],
        })
    return out


def rejected_receipt(source: InputFile, sha256: str, exc: FileRefused | LimitExceeded,
                      raw: RawSubmission | None, codes: codelists.CodeListSet,
                      redactions: dict[str, int], received_at: dt.datetime) -> dict[str, Any]:
    sub_id = submission_id(sha256, "rejected", source.name, received_at)
    return {
        "submission_id": sub_id,
        "file": source.name,
        "file_format": raw.file_format if raw else None,
        "sha256": sha256,
        "site_code": None,
        "site_name": None,
        "period_start": None,
        "period_end": None,
        "header_source": None,
        "received_at": received_at.isoformat(),
        "codelist_version": codes.version,
        "status": "rejected",
        "rows_read": len(raw.records) if raw else 0,
        "rows_accepted": 0,
        "rows_quarantined": 0,
        "errors": [{"rule": exc.rule, "count": 1, "rows": [], "message": exc.problem,
                    "hint": exc.hint, "examples": []}],
        "flags": {},
        "redactions": redactions,
        "supersedes": [],
        "overlaps": [],
        "quality_score": 0.0,
        "quality": {},
        "geocoding": {},
        "ignored_columns": raw.ignored_columns if raw else [],
        "dropped_identifier_columns": raw.dropped_identifier_columns if raw else [],
        "notes": raw.notes if raw else [],
    }


def store_submission(warehouse: Warehouse, receipt: dict[str, Any]) -> None:
    record = {
        "submission_id": receipt["submission_id"],
        "site_code": receipt["site_code"],
        "period_start": _as_date(receipt["period_start"]),
        "period_end": _as_date(receipt["period_end"]),
        "received_at": dt.datetime.fromisoformat(receipt["received_at"]),
        "file_name": receipt["file"],
        "sha256": receipt["sha256"],
        "file_format": receipt["file_format"],
        "header_source": receipt["header_source"],
        "codelist_version": receipt["codelist_version"],
        "status": receipt["status"],
        "superseded_by": None,
        "rows_read": receipt["rows_read"],
        "rows_accepted": receipt["rows_accepted"],
        "rows_quarantined": receipt["rows_quarantined"],
        "redactions": json.dumps(receipt["redactions"]),
        "quality_score": receipt["quality_score"],
        "receipt": json.dumps(receipt, default=str),
    }
    frame = pa.Table.from_pylist([record], schema=ISTV_SUBMISSION.arrow_schema())
    warehouse.insert(ISTV_SUBMISSION, frame)


def _as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
