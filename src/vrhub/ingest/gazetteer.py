"""Optional gazetteer imports: OS Open Names and the ONS Postcode Directory (ONSPD).

Both are large national products; only rows inside the extent of the boundaries loaded
in the warehouse (London, by default) are kept, so the gazetteer stays small.

* **OS Open Names** (CSV, with or without its header row; the official files have none):
  named roads and road sections become street names, railway and other stations become
  station names, populated places (suburbs, villages, towns) become place names, each at
  its GEOMETRY_X / GEOMETRY_Y point. Other types (hills, rivers) are skipped.
* **ONSPD** (CSV, columns ``pcds``, ``oseast1m``, ``osnrth1m`` and ``lsoa21`` or
  ``lsoa11``, optionally ``osward``, ``oslaua``): postcode centroids, so a full postcode in
  a description resolves to its centroid and LSOA.

A new import replaces the previous import of the same product.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.geography.text import core_of, normalise_name
from vrhub.ingest.inputs import InputFile, discover
from vrhub.places.gazetteer import locate_points
from vrhub.progress import SILENT, Progress
from vrhub.standards.gazetteer import (
    GAZETTEER_NAME,
    GAZETTEER_POINT,
    GAZETTEER_POSTCODE,
    TABLES,
)
from vrhub.storage.queries import gazetteer as gq
from vrhub.storage.queries import run
from vrhub.storage.table_writes import delete_rows
from vrhub.storage.warehouse import Warehouse

OPEN_NAMES_COLUMNS = (
    "ID", "NAMES_URI", "NAME1", "NAME1_LANG", "NAME2", "NAME2_LANG", "TYPE", "LOCAL_TYPE",
    "GEOMETRY_X", "GEOMETRY_Y", "MOST_DETAIL_VIEW_RES", "LEAST_DETAIL_VIEW_RES", "MBR_XMIN",
    "MBR_YMIN", "MBR_XMAX", "MBR_YMAX", "POSTCODE_DISTRICT", "POSTCODE_DISTRICT_URI",
    "POPULATED_PLACE", "POPULATED_PLACE_URI", "POPULATED_PLACE_TYPE", "DISTRICT_BOROUGH",
    "DISTRICT_BOROUGH_URI", "DISTRICT_BOROUGH_TYPE", "COUNTY_UNITARY", "COUNTY_UNITARY_URI",
    "COUNTY_UNITARY_TYPE", "REGION", "REGION_URI", "COUNTRY", "COUNTRY_URI",
    "RELATED_SPATIAL_OBJECT", "SAME_AS_DBPEDIA", "SAME_AS_GEONAMES",
)
"""The columns of OS Open Names CSV files, in order (the files carry no header row)."""

LOCAL_TYPE_KIND = {
    "named road": "street", "section of named road": "street",
    "railway station": "station", "bus station": "station",
    "city": "place", "town": "place", "village": "place", "hamlet": "place",
    "suburban area": "place", "other settlement": "place",
}

LONDON_EXTENT = (495_000.0, 150_000.0, 570_000.0, 206_000.0)
"""Used when no boundaries are loaded: a box around Greater London (BNG metres)."""


def import_open_names(warehouse: Warehouse, paths: Iterable[Path],
                      progress: Progress = SILENT) -> dict[str, int]:
    """Import OS Open Names rows inside the loaded boundaries' extent."""
    files = discover(paths, ("*.csv", "*.CSV"))
    if not files:
        raise InputError("no CSV files found", Location(", ".join(map(str, paths))),
                         hint="pass the OS Open Names CSV files (or the folder or zip)")
    xmin, ymin, xmax, ymax = _extent(warehouse)
    frames = []
    read = 0
    with progress.task("Reading OS Open Names", total=len(files)) as task:
        for f in files:
            frame = _read_open_names(f)
            read += len(frame)
            x = pd.to_numeric(frame["GEOMETRY_X"], errors="coerce")
            y = pd.to_numeric(frame["GEOMETRY_Y"], errors="coerce")
            kind = frame["LOCAL_TYPE"].str.strip().str.lower().map(LOCAL_TYPE_KIND)
            keep = kind.notna() & x.between(xmin, xmax) & y.between(ymin, ymax)
            frames.append(pd.DataFrame({
                "display_name": frame.loc[keep, "NAME1"], "kind": kind[keep],
                "easting": x[keep], "northing": y[keep]}))
            task.advance()
    rows = pd.concat(frames, ignore_index=True)
    rows["name"] = rows["display_name"].map(normalise_name)
    rows = rows[rows["name"] != ""]
    located = locate_points(warehouse, rows["easting"].to_numpy(float),
                            rows["northing"].to_numpy(float))
    for col in ("lsoa21_code", "ward_code", "borough_code"):
        rows[col] = located[col].to_numpy()
    rows["weight"] = 1.0
    names = rows.groupby(["name", "kind"], sort=True).agg(
        display_name=("display_name", "first"), n_points=("easting", "size"),
        n_lsoas=("lsoa21_code", "nunique")).reset_index()
    warehouse.ensure_tables(TABLES)
    with warehouse.atomic():
        gq.clear_sources(warehouse, ["os_open_names"])
        start = gq.next_name_id(warehouse)
        names["name_id"] = np.arange(start, start + len(names), dtype=np.int64)
        names["core"] = names["name"].map(core_of)
        names["source"] = "os_open_names"
        names["area_code"] = None
        warehouse.insert(GAZETTEER_NAME, names[[c.name for c in GAZETTEER_NAME.columns]])
        points = rows.merge(names[["name", "kind", "name_id"]], on=["name", "kind"])
        warehouse.insert(GAZETTEER_POINT, points[[c.name for c in GAZETTEER_POINT.columns]])
    return {"rows_read": read, "names": len(names), "points": len(rows)}


def import_onspd(warehouse: Warehouse, paths: Iterable[Path],
                 progress: Progress = SILENT) -> dict[str, int]:
    """Import ONSPD postcode centroids inside the loaded boundaries' extent."""
    files = discover(paths, ("*.csv", "*.CSV"))
    if not files:
        raise InputError("no CSV files found", Location(", ".join(map(str, paths))),
                         hint="pass the ONSPD CSV file (or the folder or zip it came in)")
    xmin, ymin, xmax, ymax = _extent(warehouse)
    frames = []
    read = 0
    with progress.task("Reading ONSPD", total=len(files)) as task:
        for f in files:
            with f.open() as stream:
                frame = pd.read_csv(io.TextIOWrapper(stream, encoding="utf-8-sig"),
                                    dtype=str, keep_default_na=False)
            frame.columns = [c.strip().lower() for c in frame.columns]
            for col in ("pcds", "oseast1m", "osnrth1m"):
                if col not in frame.columns:
                    raise InputError(
                        f"not an ONS Postcode Directory file: no {col!r} column",
                        Location(f.name, row=0, column=col),
                        hint="pass the ONSPD CSV (columns pcds, oseast1m, osnrth1m, lsoa21)")
            read += len(frame)
            x = pd.to_numeric(frame["oseast1m"], errors="coerce")
            y = pd.to_numeric(frame["osnrth1m"], errors="coerce")
            keep = x.between(xmin, xmax) & y.between(ymin, ymax)
            part = pd.DataFrame({
                "postcode": frame.loc[keep, "pcds"].str.replace(" ", "").str.upper(),
                "easting": x[keep], "northing": y[keep],
                "lsoa21_code": frame.loc[keep, "lsoa21"] if "lsoa21" in frame.columns
                else None,
                "ward_code": frame.loc[keep, "osward"] if "osward" in frame.columns else None,
                "borough_code": frame.loc[keep, "oslaua"] if "oslaua" in frame.columns
                else None,
            })
            frames.append(part)
            task.advance()
    rows = pd.concat(frames, ignore_index=True).drop_duplicates("postcode")
    rows = rows[rows["postcode"].str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")]
    for col in ("lsoa21_code", "ward_code", "borough_code"):
        rows[col] = rows[col].where(rows[col].astype(str).str.match(r"[EW]0\d{7}$"), None)
    missing = rows["lsoa21_code"].isna()
    if missing.any():
        located = locate_points(warehouse, rows.loc[missing, "easting"].to_numpy(float),
                                rows.loc[missing, "northing"].to_numpy(float))
        for col in ("lsoa21_code", "ward_code", "borough_code"):
            rows.loc[missing, col] = located[col].to_numpy()
    warehouse.ensure_tables(TABLES)
    with warehouse.atomic():
        delete_rows(warehouse, GAZETTEER_POSTCODE)
        warehouse.insert(GAZETTEER_POSTCODE, rows)
    return {"rows_read": read, "postcodes": len(rows)}


def _read_open_names(f: InputFile) -> pd.DataFrame:
    with f.open() as stream:
        raw = stream.read()
    text = io.StringIO(raw.decode("utf-8-sig"))
    first = raw[:200].decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    if "NAME1" in first.upper():
        frame = pd.read_csv(text, dtype=str, keep_default_na=False)
        frame.columns = [c.strip().upper() for c in frame.columns]
    else:
        frame = pd.read_csv(text, dtype=str, keep_default_na=False, header=None)
        if frame.shape[1] != len(OPEN_NAMES_COLUMNS):
            raise InputError(
                f"not an OS Open Names file: {frame.shape[1]} columns, expected "
                f"{len(OPEN_NAMES_COLUMNS)} (or a header row naming NAME1, LOCAL_TYPE, "
                "GEOMETRY_X, GEOMETRY_Y)", Location(f.name, row=1),
                hint="pass the CSV files from the OS Open Names download")
        frame.columns = list(OPEN_NAMES_COLUMNS)
    for col in ("NAME1", "LOCAL_TYPE", "GEOMETRY_X", "GEOMETRY_Y"):
        if col not in frame.columns:
            raise InputError(f"not an OS Open Names file: no {col} column",
                             Location(f.name, row=0, column=col),
                             hint="pass the CSV files from the OS Open Names download")
    return frame


def _extent(warehouse: Warehouse) -> tuple[float, float, float, float]:
    """The box around the loaded boundaries, with a 2 km margin."""
    if warehouse.has_table("area_boundary"):
        import shapely

        geoms = run(warehouse, gq.BOROUGH_SHAPES)["geometry"]
        if len(geoms):
            xmin, ymin, xmax, ymax = shapely.total_bounds(
                shapely.from_wkb([bytes(g) for g in geoms]))
            return xmin - 2000, ymin - 2000, xmax + 2000, ymax + 2000
    return LONDON_EXTENT
