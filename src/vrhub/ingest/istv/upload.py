"""Receiving an ISTV file uploaded through the web app or API.

The upload is read into memory up to the upload limit (``VRHUB_UPLOAD_MAX_FILE_BYTES``, as
received; a larger one is refused once that many bytes have come) and received through the
same bounded reader and path as ``vrhub istv submit`` (limits, identifier guard, validation,
history, geocoding, receipt) without vrhub writing its raw bytes to disk: the raw file can
carry identifiers the guard has not yet redacted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from vrhub.errors import Location, NotFound, UserError
from vrhub.ingest.bounded import UploadLimits, read_limited
from vrhub.storage.queries import istv as istv_queries
from vrhub.storage.warehouse import Warehouse

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xml", ".csv.gz", ".txt.gz", ".xml.gz")
"""What the web page and the API take (one list); ``.gz`` is inflated within the limits."""


def receive_upload(warehouse: Warehouse, filename: str, stream: IO[bytes], *, site: str,
                   period: str | None = None, dry_run: bool = False,
                   replace: bool = False,
                   limits: UploadLimits | None = None) -> list[dict[str, Any]]:
    """Receive one uploaded file as submission(s) of ``site`` within ``limits`` (a file
    larger than ``limits.file_bytes`` is refused once that many bytes have come); returns
    the receipts (a
    refused file gives one receipt with status ``rejected`` rather than an exception; a
    replacement needing confirmation raises, see :func:`receive_bytes`)."""
    from vrhub.ingest.istv.memory import receive_bytes

    name = Path(filename or "").name
    if not name:
        raise UserError("the upload has no file name", hint="choose a file to upload")
    if not name.lower().endswith(SUFFIXES):
        raise UserError(f"the file {name} is not CSV, Excel (.xlsx) or XML",
                        hint="save the extract in one of those formats and upload it again")
    limits = limits or UploadLimits()
    return receive_bytes(warehouse, name, read_upload(stream, name, limits), site=site,
                         period=period, dry_run=dry_run, replace=replace, limits=limits)


def read_upload(stream: IO[bytes], name: str, limits: UploadLimits) -> bytes:
    """The bytes of an uploaded file, refused once more than ``limits.file_bytes`` come."""
    data = read_limited(stream, limits.file_bytes)
    if data is None:
        raise limits.refuse("file_bytes", "more bytes were sent", Location(name))
    return data


def submission_site(warehouse: Warehouse, submission_id: str) -> str:
    """The ED site a submission belongs to (for the object-level policy check)."""
    row = istv_queries.submission_receipt(warehouse, submission_id)
    if row is not None and isinstance(row["site_code"], str):
        return row["site_code"]
    raise NotFound(f"there is no ISTV submission {submission_id!r}")


def receipt(warehouse: Warehouse, submission_id: str) -> dict[str, Any]:
    row = istv_queries.submission_receipt(warehouse, submission_id)
    if row is None:
        raise NotFound(f"there is no ISTV submission {submission_id!r}")
    value: dict[str, Any] = json.loads(row["receipt"])
    return value


def list_submissions(warehouse: Warehouse, sites: set[str] | None) -> list[dict[str, Any]]:
    """Submissions of ``sites`` (None: every site), newest first, without the receipts."""
    if not warehouse.has_table("istv_submission"):
        return []
    if sites is not None and not sites:
        return []
    frame = istv_queries.submissions(warehouse, sites)
    return [{str(k): (None if v != v else v) for k, v in r.items()}  # NaN -> None
            for r in frame.to_dict("records")]
