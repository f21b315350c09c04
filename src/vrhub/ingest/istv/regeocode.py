"""Geocode stored ISTV records again (``vrhub istv geocode``).

Used when records were received before the geocoder or its gazetteer was ready, or after
the gazetteer improved. Only current submissions are touched; by default only records
stored as ``geocoder not available``.
"""

from __future__ import annotations

from typing import Any

from vrhub.ingest.istv.geocoding import GEO_COLUMNS, NOT_AVAILABLE, GeocoderHandle, geocode_frame
from vrhub.ingest.istv.submission import prepare
from vrhub.progress import SILENT, Progress
from vrhub.standards.istv import ISTV_SUBMISSION
from vrhub.storage.queries import istv as istv_queries
from vrhub.storage.warehouse import Warehouse


def regeocode(warehouse: Warehouse, *, site: str | None = None, everything: bool = False,
              progress: Progress = SILENT) -> dict[str, Any]:
    if not warehouse.has_table(ISTV_SUBMISSION.name):
        return {"records": 0, "geocoded": 0, "note": "no ISTV submissions received yet"}
    prepare(warehouse)
    rows = istv_queries.unresolved_current(
        warehouse, reason=None if everything else NOT_AVAILABLE,
        site=site.strip().upper() if site else None)
    if rows.empty:
        return {"records": 0, "geocoded": 0, "note": None}
    handle = GeocoderHandle(warehouse, progress)
    geo, ran = geocode_frame(handle, rows)
    if not ran:
        return {"records": len(rows), "geocoded": 0, "note": handle.unavailable_reason}
    geo.insert(0, "assault_id", rows["assault_id"].to_numpy())
    istv_queries.update_geocodes(warehouse, geo, tuple(GEO_COLUMNS))
    return {"records": len(rows), "geocoded": int(geo["easting"].notna().sum()), "note": None}
