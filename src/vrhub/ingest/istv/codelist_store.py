"""Code-list versions an administrator loads into the warehouse.

``vrhub istv codelist load FILE`` stores a version (JSON, see
:mod:`vrhub.standards.codelists`); the most recently loaded version validates every later
submission, and each submission records the version it was checked against. A version name
is loaded once: a changed list needs a new version name, so old receipts stay explainable.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from vrhub.errors import Conflict
from vrhub.standards import codelists
from vrhub.standards.istv import ISTV_CODELIST
from vrhub.storage.queries import istv as istv_queries
from vrhub.storage.warehouse import Warehouse


def versions(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Shipped and loaded versions, oldest first."""
    out: list[dict[str, Any]] = [
        {"version": s.version, "title": s.title, "where": "shipped", "loaded_at": None}
        for s in codelists.shipped()
    ]
    if warehouse.has_table(ISTV_CODELIST.name):
        frame = istv_queries.codelist_versions(warehouse)
        assert frame is not None
        out += [{"version": r.version, "title": r.title, "where": "loaded",
                 "loaded_at": r.loaded_at} for r in frame.itertuples()]
    return out


def load_version(warehouse: Warehouse, path: Path, *, now: dt.datetime) -> codelists.CodeListSet:
    """Validate and store a code-list file; it is in force from now on."""
    parsed = codelists.load_text(path.read_text(encoding="utf-8-sig"), file=path.name)
    warehouse.ensure_tables([ISTV_CODELIST])
    exists = istv_queries.codelist_has(warehouse, parsed.version)
    if exists or parsed.version in {s.version for s in codelists.shipped()}:
        raise Conflict(f"code-list version {parsed.version!r} is already known",
                       hint="give the new list a new 'version' so that earlier receipts stay "
                       "explainable")
    loaded_at = now.replace(tzinfo=None)
    records = [
        {"version": parsed.version, "list_name": name, "code": code.code, "label": code.label,
         "synonyms": json.dumps(list(code.synonyms)), "title": parsed.title,
         "source": parsed.source, "loaded_at": loaded_at}
        for name, codes in parsed.lists.items() for code in codes.codes
    ]
    with warehouse.atomic():
        warehouse.insert(ISTV_CODELIST,
                         pa.Table.from_pylist(records, schema=ISTV_CODELIST.arrow_schema()))
    return parsed
