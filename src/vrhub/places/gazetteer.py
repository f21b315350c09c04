"""The gazetteer: every place name vrhub knows, with the points each name can refer to.

It is built from what the warehouse already holds:

* police.uk street-level crime: each "On or near X" location is an anonymised *snap point*
  (a fixed point on or near a street, shared by the crimes mapped to it). One street name
  has many snap points, often in several LSOAs and sometimes several boroughs; the number
  of crimes at each point is kept as its prior weight.
* borough and ward names (``area_boundary``), at a representative point of the area;
* emergency-department sites (``ed_site``);

and, optionally, imports of OS Open Names (streets, places, stations) and the ONS Postcode
Directory. The names and points are persisted in the ``gazetteer_*`` tables
(:mod:`vrhub.standards.gazetteer`) and loaded into memory as arrays for fast matching
(a :class:`vrhub.geography.gazetteer.Gazetteer`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.geography.gazetteer import Gazetteer, from_frame
from vrhub.geography.text import STREET_TYPES, core_of, normalise_name
from vrhub.places import placement
from vrhub.progress import SILENT, Progress
from vrhub.standards.gazetteer import (
    GAZETTEER_BUILD,
    GAZETTEER_NAME,
    GAZETTEER_POINT,
    GAZETTEER_POSTCODE,
    TABLES,
)
from vrhub.storage.queries import gazetteer as gq
from vrhub.storage.queries import run
from vrhub.storage.table_writes import delete_rows
from vrhub.storage.warehouse import Warehouse

DERIVED_SOURCES = ("police_uk", "area", "ed_site")
"""Sources a build replaces; imported sources survive rebuilds."""

GENERIC_BOROUGHS = 5
"""A police.uk location without a street type found in this many boroughs is a kind of
place ('Supermarket', 'Petrol Station', 'Parking Area'), not a particular one."""


# -- building -------------------------------------------------------------------------------
def build(warehouse: Warehouse, progress: Progress = SILENT) -> dict[str, int]:
    """(Re)build the derived part of the gazetteer from the warehouse and persist it.

    Returns counts: police rows read, names and points written."""
    warehouse.ensure_tables(TABLES)
    frames: list[pd.DataFrame] = []
    police_rows = 0
    with progress.task("Building the gazetteer", total=3) as task:
        police, police_rows = _police_points(warehouse)
        frames.append(police)
        task.advance()
        frames.append(_area_points(warehouse))
        task.advance()
        frames.append(_ed_points(warehouse))
        task.advance()
    points = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(
        len(f) for f in frames) else _empty_points()
    imported = gq.names_not_from(warehouse, DERIVED_SOURCES)
    if not len(points) and not imported:
        raise UserError(
            "there is nothing to build a gazetteer from: the warehouse holds no police.uk "
            "street-level crime, area boundaries or ED sites",
            hint="load police.uk street files first (vrhub load police FILES), or import "
            "OS Open Names (vrhub istv gazetteer import-open-names FILE)",
        )
    with warehouse.atomic():
        gq.clear_sources(warehouse, DERIVED_SOURCES)
        kept_names, kept_points = gq.size(warehouse)
        names, pts = _name_tables(warehouse, points)
        warehouse.insert(GAZETTEER_NAME, names)
        warehouse.insert(GAZETTEER_POINT, pts)
        delete_rows(warehouse, GAZETTEER_BUILD)
        warehouse.insert(GAZETTEER_BUILD, pd.DataFrame({
            "built_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            "police_rows": [police_rows],
            "names": [len(names) + kept_names],
            "points": [len(pts) + kept_points],
        }))
    return {"police_rows": police_rows, "names": len(names), "points": len(pts)}


def is_current(warehouse: Warehouse) -> bool:
    """Whether a gazetteer exists and was built from the police rows now loaded."""
    if not warehouse.has_table(GAZETTEER_BUILD.name) or not warehouse.count(
            GAZETTEER_BUILD.name):
        return False
    return gq.built_from_rows(warehouse) == warehouse.count("police_street")


def load(warehouse: Warehouse) -> Gazetteer:
    """Read the persisted gazetteer into memory."""
    frame = run(warehouse, gq.POINTS)
    postcodes: dict[str, tuple[float, float, str | None, str | None, str | None]] = {}
    if warehouse.has_table(GAZETTEER_POSTCODE.name):
        pc = run(warehouse, gq.POSTCODES)
        for code, e, n, lsoa, ward, borough in zip(
                pc["postcode"], pc["easting"], pc["northing"], pc["lsoa21_code"],
                pc["ward_code"], pc["borough_code"], strict=True):
            postcodes[str(code)] = (float(e), float(n), _code(lsoa), _code(ward),
                                    _code(borough))
    gazetteer = from_frame(frame, postcodes)
    if warehouse.has_table("area_boundary"):
        areas = run(warehouse, gq.LSOA_AREAS)
        gazetteer.lsoa_area = dict(zip(areas["code"], areas["area_m2"].astype(float),
                                       strict=True))
    return gazetteer


def _code(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# -- sources --------------------------------------------------------------------------------
def _empty_points() -> pd.DataFrame:
    return pd.DataFrame(columns=["display_name", "name", "kind", "source", "area_code",
                                 "easting", "northing", "lsoa21_code", "ward_code",
                                 "borough_code", "weight"])


def _police_points(warehouse: Warehouse) -> tuple[pd.DataFrame, int]:
    if not warehouse.has_table("police_street"):
        return _empty_points(), 0
    total = warehouse.count("police_street")
    frame = gq.police_locations(warehouse)
    if frame is None:
        return _empty_points(), total
    if "x" in frame.columns:
        from pyproj import Transformer

        tr = Transformer.from_crs(4326, 27700, always_xy=True)
        e, n = tr.transform(frame.pop("x").to_numpy(float), frame.pop("y").to_numpy(float))
        frame["easting"], frame["northing"] = np.round(e, 1), np.round(n, 1)
    for col in ("lsoa21_code", "ward_code", "borough_code"):
        if col not in frame.columns:
            frame[col] = None
    missing = frame["lsoa21_code"].isna() | frame["borough_code"].isna()
    if missing.any():
        located = locate_points(warehouse, frame.loc[missing, "easting"].to_numpy(float),
                                frame.loc[missing, "northing"].to_numpy(float))
        for col in ("lsoa21_code", "ward_code", "borough_code"):
            frame.loc[missing, col] = frame.loc[missing, col].fillna(
                pd.Series(located[col].to_numpy(), index=frame.index[missing]))
    unique = pd.Series(frame["display_name"].unique())
    keys = dict(zip(unique, unique.map(normalise_name), strict=True))
    frame["name"] = frame["display_name"].map(keys)
    frame["kind"] = np.where(frame["name"].str.endswith(" station"), "station", "street")
    spread = frame.groupby("name")["borough_code"].nunique()
    last = frame["name"].str.rsplit(" ", n=1).str[-1]
    generic = frame["name"].map(spread).ge(GENERIC_BOROUGHS) & ~last.isin(STREET_TYPES)
    frame.loc[generic.to_numpy(), "kind"] = "landmark"
    frame["source"] = "police_uk"
    frame["area_code"] = None
    frame = frame[frame["name"] != ""]
    frame = frame[~frame["name"].isin(["no location", "none"])]
    return frame, total


def _area_points(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.has_table("area_boundary"):
        return _empty_points()
    import shapely

    frame = run(warehouse, gq.AREA_NAMES)
    if not len(frame):
        return _empty_points()
    geoms = shapely.from_wkb([bytes(g) for g in frame["geometry"]])
    reps = shapely.point_on_surface(geoms)
    out = pd.DataFrame({
        "display_name": frame["name"],
        "easting": shapely.get_x(reps),
        "northing": shapely.get_y(reps),
        "area_code": frame["code"],
        "kind": "area",
        "source": "area",
        "weight": 1.0,
    })
    located = locate_points(warehouse, out["easting"].to_numpy(float),
                            out["northing"].to_numpy(float))
    out["lsoa21_code"] = located["lsoa21_code"].to_numpy()
    out["ward_code"] = np.where(frame["level"] == "ward22", frame["code"],
                                located["ward_code"].to_numpy())
    out["borough_code"] = np.where(frame["level"] == "borough", frame["code"],
                                   frame["borough_code"].fillna(pd.Series(
                                       located["borough_code"].to_numpy())).to_numpy())
    out["name"] = out["display_name"].map(normalise_name)
    return out


def _ed_points(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.has_table("ed_site"):
        return _empty_points()
    frame = run(warehouse, gq.ED_SITE_NAMES)
    if not len(frame):
        return _empty_points()
    located = locate_points(warehouse, frame["easting"].to_numpy(float),
                            frame["northing"].to_numpy(float))
    for col in ("lsoa21_code", "ward_code", "borough_code"):
        frame[col] = located[col].to_numpy()
    frame["name"] = frame["display_name"].map(normalise_name)
    frame["kind"], frame["source"], frame["area_code"], frame["weight"] = (
        "ed_site", "ed_site", None, 1.0)
    return frame


def _name_tables(warehouse: Warehouse, points: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    start = gq.next_name_id(warehouse)
    # group on a string key: a column of missing area codes alone (no boundaries loaded)
    # would otherwise come back as float NaN and no longer merge with the object column
    keys = ["name", "source", "kind", "area_key"]
    points = points.copy()
    points["area_key"] = [c if isinstance(c, str) and c else "" for c in points["area_code"]]
    grouped = points.groupby(keys, dropna=False, sort=True)
    names = grouped.agg(
        display_name=("display_name", "first"),
        n_points=("easting", "size"),
        n_lsoas=("lsoa21_code", "nunique"),
    ).reset_index()
    names["name_id"] = np.arange(start, start + len(names), dtype=np.int64)
    names["core"] = names["name"].map(core_of)
    names["area_code"] = pd.Series([c or None for c in names["area_key"]], index=names.index,
                                   dtype=object)
    merged = points.merge(names[[*keys, "name_id"]], on=keys, how="left")
    pts = merged.groupby(["name_id", "easting", "northing"], sort=False, dropna=False).agg(
        lsoa21_code=("lsoa21_code", "first"), ward_code=("ward_code", "first"),
        borough_code=("borough_code", "first"), weight=("weight", "sum")).reset_index()
    names = names[[c.name for c in GAZETTEER_NAME.columns]]
    return names, pts[[c.name for c in GAZETTEER_POINT.columns]]


# -- point in area --------------------------------------------------------------------------
def locate_points(warehouse: Warehouse, easting: np.ndarray, northing: np.ndarray
                  ) -> pd.DataFrame:
    """LSOA 2021, ward and borough of points (columns lsoa21_code, ward_code, borough_code;
    None where a point falls in no loaded boundary)."""
    if not len(easting):
        return pd.DataFrame({"lsoa21_code": [], "ward_code": [], "borough_code": []},
                            dtype=object)
    located = placement.locate(warehouse, np.asarray(easting, float),
                            np.asarray(northing, float))
    return located.reset_index(drop=True)
