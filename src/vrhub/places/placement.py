"""Places of points against the boundaries loaded into the warehouse: which LSOA 2021,
ward and borough each point lies in (:func:`locate`), and the places of every loaded
police.uk row assigned again after the boundaries change (:func:`refresh`).

Boundaries come from ``area_boundary`` (levels ``lsoa21``, ``ward22``, ``borough``) and
``area_lookup`` (the ONS best-fit LSOA 2021 -> ward -> borough lookup). They are read once
per warehouse, prepared (:class:`vrhub.geography.boundaries.Boundaries`) and cached until
the boundary tables change.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable

import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from vrhub.geography.boundaries import Boundaries, Layer
from vrhub.geography.police_places import assign_police_places
from vrhub.progress import SILENT, Progress
from vrhub.standards.geography_tables import AREA_BOUNDARY, AREA_LOOKUP
from vrhub.standards.police_uk import POLICE_STOP_SEARCH, POLICE_STREET
from vrhub.storage.queries import areas as area_queries
from vrhub.storage.table_writes import update_from
from vrhub.storage.warehouse import Warehouse

_CACHE: weakref.WeakKeyDictionary[Warehouse, tuple[Hashable, Boundaries]] = (
    weakref.WeakKeyDictionary()
)


def _token(warehouse: Warehouse) -> Hashable:
    """Changes whenever the boundary or lookup tables change."""
    return (str(warehouse.path), *area_queries.boundary_token(warehouse))


def boundaries(warehouse: Warehouse) -> Boundaries:
    """The prepared boundaries of ``warehouse`` (built once, rebuilt when they change)."""
    token = _token(warehouse)
    cached = _CACHE.get(warehouse)
    if cached is not None and cached[0] == token:
        return cached[1]
    built = _build(warehouse)
    _CACHE[warehouse] = (token, built)
    return built


def _build(warehouse: Warehouse) -> Boundaries:
    layers: dict[str, Layer] = {}
    lsoa11: frozenset[str] = frozenset()
    if warehouse.has_table(AREA_BOUNDARY.name):
        frame = area_queries.place_shapes(warehouse)
        for level, part in frame.groupby("level", sort=False):
            layers[str(level)] = Layer.build(str(level), part.reset_index(drop=True))
        lsoa11 = area_queries.lsoa11_codes(warehouse)
    lookup = pd.DataFrame(columns=["lsoa21_code", "ward_code", "borough_code"])
    if warehouse.has_table(AREA_LOOKUP.name):
        lookup = area_queries.lookup_codes(warehouse)
    lookup = lookup.drop_duplicates("lsoa21_code").set_index("lsoa21_code")
    lsoa21_layer = layers.get("lsoa21")
    codes21 = set(lookup.index)
    if lsoa21_layer is not None:
        codes21.update(lsoa21_layer.codes)
    return Boundaries(
        lsoa21=lsoa21_layer,
        ward=layers.get("ward22"),
        borough=layers.get("borough"),
        lookup_ward=lookup["ward_code"],
        lookup_borough=lookup["borough_code"],
        lsoa21_codes=frozenset(codes21),
        lsoa11_codes=lsoa11,
    )


def locate(
    warehouse: Warehouse, easting: npt.ArrayLike, northing: npt.ArrayLike
) -> pd.DataFrame:
    """LSOA 2021, ward and borough of British National Grid points.

    Returns a frame with one row per point and columns ``lsoa21_code``, ``ward_code``,
    ``borough_code``; None where a point is missing (NaN) or lies outside every loaded
    boundary. Needs boundaries in the warehouse (source ``boundaries``); without them
    every place is None.
    """
    return boundaries(warehouse).locate(easting, northing)


def refresh(warehouse: Warehouse, progress: Progress = SILENT) -> dict[str, int]:
    """Re-assign places for every loaded police.uk row (after boundaries change).

    Runs in one transaction. Returns the number of rows updated per table.
    """
    bounds = boundaries(warehouse)
    updated: dict[str, int] = {}
    with warehouse.atomic():
        if warehouse.has_table(POLICE_STREET.name):
            total = warehouse.count(POLICE_STREET.name)
            with progress.task("Re-assigning police street places", total=total) as task:

                def place(part: pa.Table) -> pa.Table:
                    places = assign_police_places(
                        bounds, part["easting"].to_numpy(zero_copy_only=False),
                        part["northing"].to_numpy(zero_copy_only=False),
                        part["lsoa_code_published"], part["month"],
                    )
                    for name in places.columns:
                        part = part.set_column(part.column_names.index(name), name,
                                               pa.array(places[name], pa.string()))
                    task.advance(part.num_rows)
                    return part

                warehouse.rewrite_parts(POLICE_STREET, place)
            updated[POLICE_STREET.name] = total
        if warehouse.has_table(POLICE_STOP_SEARCH.name):
            frame = area_queries.stop_search_points(warehouse)
            places = bounds.locate(frame["easting"], frame["northing"])
            places.insert(0, "row_number", frame["row_number"].to_numpy())
            places.insert(0, "file_id", frame["file_id"].to_numpy())
            if not places.empty:
                update_from(warehouse, POLICE_STOP_SEARCH, places, ("file_id", "row_number"),
                            [c for c in places.columns if c not in ("file_id", "row_number")])
            updated[POLICE_STOP_SEARCH.name] = len(frame)
    return updated
