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
from vrhub.standards.istv import CURRENT_VIEW, ISTV_ASSAULT, ISTV_SUBMISSION
from vrhub.storage.warehouse import Warehouse


def regeocode(warehouse: Warehouse, *, site: str | None = None, everything: bool = False,
              progress: Progress = SILENT) -> dict[str, Any]:
    if not warehouse.has_table(ISTV_SUBMISSION.name):
        return {"records": 0, "geocoded": 0, "note": "no ISTV submissions received yet"}
    prepare(warehouse)
    where, params = [], []
    if not everything:
        where.append("geocode_unresolved_reason = ?")
        params.append(NOT_AVAILABLE)
    if site:
        where.append("site_code = ?")
        params.append(site.strip().upper())
    sql = (f'SELECT assault_id, site_code, location_type, location_description FROM '
           f'"{CURRENT_VIEW}"' + (" WHERE " + " AND ".join(where) if where else ""))
    rows = warehouse.query(sql, params)
    if rows.empty:
        return {"records": 0, "geocoded": 0, "note": None}
    handle = GeocoderHandle(warehouse, progress)
    geo, ran = geocode_frame(handle, rows)
    if not ran:
        return {"records": len(rows), "geocoded": 0, "note": handle.unavailable_reason}
    geo.insert(0, "assault_id", rows["assault_id"].to_numpy())
    assignments = ", ".join(f'"{c}" = g."{c}"' for c in GEO_COLUMNS)
    with warehouse.atomic() as con:
        con.register("_istv_geo", geo)
        try:
            con.execute(f'UPDATE "{ISTV_ASSAULT.name}" AS a SET {assignments} '
                        "FROM _istv_geo AS g WHERE a.assault_id = g.assault_id")
        finally:
            con.unregister("_istv_geo")
    return {"records": len(rows), "geocoded": int(geo["easting"].notna().sum()), "note": None}
