"""Which LSOA 2021, ward and borough a point lies in.

Boundaries come from the warehouse: ``area_boundary`` (levels ``lsoa21``, ``ward22``,
``borough``; WKB in British National Grid) and ``area_lookup`` (the ONS best-fit LSOA 2021
-> ward -> borough lookup). They are read once per warehouse, prepared, indexed with an
STRtree and cached until the boundary tables change.

Assignment is vectorised. When a likely answer is already known (the LSOA code police.uk
published, or the ward the lookup gives for an LSOA), it is *verified* element-wise with
``shapely.contains_xy`` against that one prepared polygon; only points that fail the check,
or have no hint, go through the STRtree. For police.uk data, where nearly every published
code is right, this makes place assignment close to the cost of one point-in-polygon test
per row.

Rules (``assign_police_places``), recorded per row in ``place_method`` and ``place_flag``:

* ``agree``: the published LSOA 2021 polygon contains the point; the published code is kept.
* ``agree_near_edge``: the point lies outside the published polygon but within
  :data:`NEAR_EDGE_METRES` of it. Published boundaries here are generalised (20 m), and
  police.uk assigns LSOAs on full-resolution ones, so the published code is kept.
* ``disagree``: the point lies in another LSOA, further away; both are kept
  (``lsoa_code_published`` and ``lsoa21_code`` from the point) and the row is flagged.
* ``pip_assigned``: no published code; the LSOA comes from the point.
* ``vintage_2011``: the published code is an LSOA 2011 code that no longer exists in 2021
  (split or merged areas); the LSOA 2021 comes from the point (the published code is kept
  as published). 2011 codes of unchanged areas are checked like 2021 codes.
* ``outside_boundaries``: the point lies outside every loaded LSOA 2021 (a point on the
  Thames, or a British Transport Police crime in Leeds when only London is loaded); a
  published code that is a 2021 code is kept.
* ``no_point``: no usable coordinates; a published 2021 code is kept, otherwise no place.
* ``no_boundaries``: no LSOA 2021 boundaries are loaded yet; published 2021 codes are kept
  and ward/borough come from the lookup where it is loaded. Run
  :func:`refresh` after loading boundaries.

Ward is assigned by point where ward boundaries are loaded (LSOAs 2021 do not nest in
wards), otherwise from the best-fit lookup. Borough follows the LSOA (LSOAs nest in
boroughs), falling back to the borough polygons.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from vrhub.progress import SILENT, Progress
from vrhub.standards.geography_tables import AREA_BOUNDARY, AREA_LOOKUP
from vrhub.storage.warehouse import Warehouse

#: A point this close (metres) to its published LSOA polygon still agrees with it.
NEAR_EDGE_METRES = 25.0

PLACE_COLUMNS = ("lsoa21_code", "ward_code", "borough_code")
PLACE_METHODS = ("published", "point", "lookup", "none")
PLACE_FLAGS = (
    "agree", "agree_near_edge", "disagree", "pip_assigned", "vintage_2011",
    "outside_boundaries", "no_point", "no_boundaries",
)

ObjectArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Layer:
    """The prepared polygons of one area level, indexed for point-in-polygon."""

    level: str
    codes: ObjectArray
    geometries: npt.NDArray[Any]
    borough_codes: ObjectArray
    index: pd.Index
    tree: shapely.STRtree

    @classmethod
    def build(cls, level: str, frame: pd.DataFrame) -> Layer:
        geoms = shapely.from_wkb(frame["geometry"].map(bytes).to_numpy())
        shapely.prepare(geoms)
        codes = frame["code"].to_numpy(dtype=object)
        return cls(
            level=level,
            codes=codes,
            geometries=geoms,
            borough_codes=frame["borough_code"].to_numpy(dtype=object),
            index=pd.Index(codes),
            tree=shapely.STRtree(geoms),
        )

    def positions(self, codes: ObjectArray) -> npt.NDArray[np.intp]:
        """Position of each code in the layer, -1 where unknown or blank."""
        return self.index.get_indexer(pd.Index(codes, dtype=object))

    def contains(self, codes: ObjectArray, x: FloatArray, y: FloatArray) -> BoolArray:
        """Element-wise: does area ``codes[i]`` contain point ``(x[i], y[i])``?"""
        pos = self.positions(codes)
        out = np.zeros(len(codes), dtype=bool)
        known = (pos >= 0) & np.isfinite(x) & np.isfinite(y)
        if known.any():
            out[known] = shapely.contains_xy(self.geometries[pos[known]], x[known], y[known])
        return out

    def distance(self, codes: ObjectArray, x: FloatArray, y: FloatArray) -> FloatArray:
        """Element-wise distance (m) from each point to area ``codes[i]`` (inf if unknown)."""
        pos = self.positions(codes)
        out = np.full(len(codes), np.inf)
        known = (pos >= 0) & np.isfinite(x) & np.isfinite(y)
        if known.any():
            out[known] = shapely.distance(
                self.geometries[pos[known]], shapely.points(x[known], y[known])
            )
        return out

    def locate(
        self, x: FloatArray, y: FloatArray, hint: ObjectArray | None = None
    ) -> ObjectArray:
        """The code of the area containing each point (None outside every area).

        ``hint`` is a likely code per point; it is checked first and the STRtree is only
        searched for points it does not hold.
        """
        n = len(x)
        out: ObjectArray = np.full(n, None, dtype=object)
        todo = np.isfinite(x) & np.isfinite(y)
        if hint is not None:
            held = self.contains(hint, x, y)
            out[held] = hint[held]
            todo &= ~held
        rows = np.flatnonzero(todo)
        if not len(rows):
            return out
        px, py = x[rows], y[rows]
        point_idx, area_idx = self.tree.query(shapely.points(px, py))
        for test in (shapely.contains_xy, shapely.intersects_xy):
            if not len(point_idx):
                break
            hit = test(self.geometries[area_idx], px[point_idx], py[point_idx])
            first_point, first = np.unique(point_idx[hit], return_index=True)
            out[rows[first_point]] = self.codes[area_idx[hit][first]]
            # points on a shared edge: accept touching polygons on a second pass
            pending = ~np.isin(point_idx, first_point)
            point_idx, area_idx = point_idx[pending], area_idx[pending]
        return out


@dataclass(frozen=True)
class Boundaries:
    """Everything loaded for place assignment; cached per warehouse by :func:`boundaries`."""

    lsoa21: Layer | None
    ward: Layer | None
    borough: Layer | None
    lookup_ward: pd.Series  # lsoa21 code -> ward code (best fit)
    lookup_borough: pd.Series  # lsoa21 code -> borough code
    ward_hint: pd.Series  # lsoa21 code -> ward holding a point inside the LSOA (for speed)
    lsoa21_codes: frozenset[str]
    lsoa11_codes: frozenset[str]

    @property
    def loaded(self) -> bool:
        return self.lsoa21 is not None

    def ward_and_borough(
        self, lsoa: ObjectArray, x: FloatArray, y: FloatArray
    ) -> tuple[ObjectArray, ObjectArray]:
        """Ward and borough for points already given an LSOA 2021 (or None)."""
        lookup_ward = _map(self.lookup_ward, lsoa)
        if self.ward is not None:
            hint = lookup_ward.copy()
            unknown = _blank(hint)
            if unknown.any():
                hint[unknown] = _map(self.ward_hint, lsoa[unknown])
            ward = self.ward.locate(x, y, hint=hint)
            missing = _blank(ward)
            ward[missing] = lookup_ward[missing]
        else:
            ward = lookup_ward
        borough: ObjectArray = np.full(len(lsoa), None, dtype=object)
        if self.lsoa21 is not None:
            pos = self.lsoa21.positions(lsoa)
            borough[pos >= 0] = self.lsoa21.borough_codes[pos[pos >= 0]]
        missing = _blank(borough)
        borough[missing] = _map(self.lookup_borough, lsoa)[missing]
        missing = _blank(borough)
        if self.borough is not None and missing.any():
            borough[missing] = self.borough.locate(x[missing], y[missing])
        return ward, borough

    def locate(self, easting: npt.ArrayLike, northing: npt.ArrayLike) -> pd.DataFrame:
        x = np.asarray(easting, dtype=float)
        y = np.asarray(northing, dtype=float)
        first, inverse = unique_rows(x, y)
        if len(first) < len(x):
            return self.locate(x[first], y[first]).take(inverse).reset_index(drop=True)
        if self.lsoa21 is not None:
            lsoa = self.lsoa21.locate(x, y)
        else:
            lsoa = np.full(len(x), None, dtype=object)
        ward, borough = self.ward_and_borough(lsoa, x, y)
        return pd.DataFrame({"lsoa21_code": lsoa, "ward_code": ward, "borough_code": borough})


# -- loading and caching ---------------------------------------------------------------
_CACHE: weakref.WeakKeyDictionary[Warehouse, tuple[Hashable, Boundaries]] = (
    weakref.WeakKeyDictionary()
)


def _token(warehouse: Warehouse) -> Hashable:
    """Changes whenever the boundary or lookup tables change."""
    parts: list[Any] = [str(warehouse.path)]
    for table in (AREA_BOUNDARY, AREA_LOOKUP):
        if warehouse.has_table(table.name):
            rows = warehouse.con.execute(
                f'SELECT count(*), min(file_id), max(file_id) FROM "{table.name}"'
            ).fetchall()
            parts.append(tuple(rows[0]) if rows else None)
        else:
            parts.append(None)
    return tuple(parts)


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
        frame = warehouse.query(
            f'SELECT level, code, borough_code, geometry FROM "{AREA_BOUNDARY.name}" '
            "WHERE level IN ('lsoa21', 'ward22', 'borough') ORDER BY level, code"
        )
        for level, part in frame.groupby("level", sort=False):
            layers[str(level)] = Layer.build(str(level), part.reset_index(drop=True))
        codes11 = warehouse.query(
            f"SELECT code FROM \"{AREA_BOUNDARY.name}\" WHERE level = 'lsoa11'"
        )["code"]
        lsoa11 = frozenset(codes11)
    lookup = pd.DataFrame(columns=["lsoa21_code", "ward_code", "borough_code"])
    if warehouse.has_table(AREA_LOOKUP.name):
        lookup = warehouse.query(
            f'SELECT lsoa21_code, ward_code, borough_code FROM "{AREA_LOOKUP.name}"'
        )
    lookup = lookup.drop_duplicates("lsoa21_code").set_index("lsoa21_code")
    lsoa21_layer = layers.get("lsoa21")
    codes21 = set(lookup.index)
    ward_hint = pd.Series(dtype=object)
    if lsoa21_layer is not None:
        codes21.update(lsoa21_layer.codes)
        ward_layer = layers.get("ward22")
        if ward_layer is not None:
            inner = shapely.point_on_surface(lsoa21_layer.geometries)
            wards = ward_layer.locate(shapely.get_x(inner), shapely.get_y(inner))
            ward_hint = pd.Series(wards, index=lsoa21_layer.codes, dtype=object).dropna()
    return Boundaries(
        lsoa21=lsoa21_layer,
        ward=layers.get("ward22"),
        borough=layers.get("borough"),
        lookup_ward=lookup["ward_code"],
        lookup_borough=lookup["borough_code"],
        ward_hint=ward_hint,
        lsoa21_codes=frozenset(codes21),
        lsoa11_codes=lsoa11,
    )


# -- public API ------------------------------------------------------------------------
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


#: First month police.uk published LSOA 2021 codes.
POLICE_UK_LSOA21_FROM = "2023-10"

ArrayInput: TypeAlias = "npt.NDArray[Any] | pa.Array | pa.ChunkedArray | pd.Series | list[Any]"


def assign_police_places(
    bounds: Boundaries,
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    published_code: ArrayInput,
    month: ArrayInput | str,
) -> pd.DataFrame:
    """Places for police.uk rows: verify or replace the published LSOA (rules above).

    ``published_code`` may be a NumPy/pandas array or a pyarrow array (blank or null for
    no code); ``month`` is one 'YYYY-MM' for all rows or one per row. Returns
    ``lsoa_vintage_published``, ``lsoa21_code``, ``ward_code``, ``borough_code``,
    ``place_method`` and ``place_flag`` per row.

    police.uk snaps crimes to a limited set of map points, so each distinct (point,
    published code, month) is placed once and the answer spread back to its rows.
    """
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    keys: list[ArrayInput] = [x, y, published_code]
    if not isinstance(month, str):
        keys.append(month)
    first, inverse = unique_rows(*keys)
    months = (
        np.full(len(first), month, dtype=object) if isinstance(month, str)
        else _take_object(month, first)
    )
    placed = _assign_distinct(
        bounds, x[first], y[first], _take_object(published_code, first), months
    )
    if len(first) == len(x) and np.array_equal(first, np.arange(len(x))):
        return placed
    return placed.take(inverse).reset_index(drop=True)


def assign_police_places_table(
    bounds: Boundaries,
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    published_code: ArrayInput,
    month: ArrayInput | str,
) -> pa.Table:
    """:func:`assign_police_places` as a pyarrow table of strings (for loaders)."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    keys: list[ArrayInput] = [x, y, published_code]
    if not isinstance(month, str):
        keys.append(month)
    first, inverse = unique_rows(*keys)
    months = (
        np.full(len(first), month, dtype=object) if isinstance(month, str)
        else _take_object(month, first)
    )
    placed = _assign_distinct(
        bounds, x[first], y[first], _take_object(published_code, first), months
    )
    take = pa.array(inverse)
    return pa.table({
        name: pa.array(placed[name].to_numpy(dtype=object), pa.string(),
                       from_pandas=True).take(take)
        for name in placed.columns
    })


class PoliceCache:
    """Places of police.uk rows for one load, remembered across its files and blocks.

    police.uk snaps every crime to one of a fixed set of map points, so most points of a
    month were already placed for an earlier month: they are looked up (a hash join on
    point, published code and code era) instead of being placed again.
    """

    _KEYS = ("x", "y", "code", "era")

    def __init__(self, bounds: Boundaries) -> None:
        self.bounds = bounds
        self._known: pa.Table | None = None

    def assign(self, easting: npt.ArrayLike, northing: npt.ArrayLike,
               published_code: ArrayInput, month: str) -> pa.Table:
        """Like :func:`assign_police_places_table` for rows of one month."""
        x = np.asarray(easting, dtype=float)
        y = np.asarray(northing, dtype=float)
        first, inverse = unique_rows(x, y, published_code)
        ux, uy = x[first], y[first]
        codes = _take_object(published_code, first)
        n = len(first)
        keys = pa.table({
            "x": pa.array(np.nan_to_num(ux, nan=-1.0)),
            "y": pa.array(np.nan_to_num(uy, nan=-1.0)),
            "code": pc.fill_null(pa.array(codes, pa.string()), ""),
            "era": pa.repeat(pa.scalar(month >= POLICE_UK_LSOA21_FROM), n),
            "pos": pa.array(np.arange(n)),
        })
        hit = np.zeros(n, dtype=bool)
        columns: dict[str, ObjectArray] = {}
        if self._known is not None:
            joined = keys.join(self._known, keys=list(self._KEYS),
                               join_type="left outer").sort_by("pos")
            hit = pc.is_valid(joined["place_flag"]).to_numpy(zero_copy_only=False)
            for name in self._known.column_names:
                if name not in self._KEYS:
                    columns[name] = np.asarray(joined[name].to_pylist(), dtype=object)
        miss = ~hit
        placed = _assign_distinct(self.bounds, ux[miss], uy[miss], codes[miss],
                                  np.full(int(miss.sum()), month, dtype=object))
        for name in placed.columns:
            values = columns.setdefault(name, np.full(n, None, dtype=object))
            values[miss] = placed[name].to_numpy(dtype=object)
        if miss.any():
            new = keys.filter(pa.array(miss)).drop(["pos"])
            for name in placed.columns:
                new = new.append_column(name, pa.array(placed[name].to_numpy(dtype=object),
                                                       pa.string(), from_pandas=True))
            self._known = new if self._known is None else pa.concat_tables([self._known, new])
        take = pa.array(inverse)
        return pa.table({
            name: pa.array(columns[name], pa.string(), from_pandas=True).take(take)
            for name in placed.columns
        })


def _assign_distinct(
    bounds: Boundaries, x: FloatArray, y: FloatArray, published: ObjectArray,
    months: ObjectArray,
) -> pd.DataFrame:
    n = len(x)
    published = np.where(_blank(published), np.array(None, dtype=object), published)
    vintage = published_vintage(bounds, published, months)
    has_point = np.isfinite(x) & np.isfinite(y)
    has_code = ~_blank(published)
    pub21 = has_code & (vintage == "2021")

    lsoa: ObjectArray = np.full(n, None, dtype=object)
    method: ObjectArray = np.full(n, "none", dtype=object)
    flag: ObjectArray = np.full(n, "no_point", dtype=object)

    if bounds.lsoa21 is None:
        lsoa[pub21] = published[pub21]
        method[pub21] = "published"
        flag[:] = "no_boundaries"
    else:
        layer = bounds.lsoa21
        # a published code that is also an LSOA 2021 code (every 2021 code, and 2011 codes
        # of areas unchanged in 2021) names a polygon the point can be checked against
        checkable = has_code & (layer.positions(published) >= 0)
        hint: ObjectArray = np.where(checkable, published, np.array(None, dtype=object))
        found = layer.locate(x, y, hint=hint)
        inside = ~_blank(found) & has_point
        agree = inside & has_code & (found == published)
        differs = has_point & checkable & ~agree
        near = np.zeros(n, dtype=bool)
        if differs.any():
            near[differs] = layer.distance(published[differs], x[differs], y[differs]) <= (
                NEAR_EDGE_METRES
            )
        outside_kept = has_point & ~inside & (pub21 | checkable) & ~near
        keep_published = agree | near | outside_kept | (~has_point & pub21)
        lsoa[keep_published] = published[keep_published]
        method[keep_published] = "published"
        from_point = inside & ~keep_published
        lsoa[from_point] = found[from_point]
        method[from_point] = "point"

        flag[has_point & ~inside] = "outside_boundaries"
        flag[agree] = "agree"
        flag[near] = "agree_near_edge"
        flag[from_point & has_code & (pub21 | checkable)] = "disagree"
        flag[from_point & ~has_code] = "pip_assigned"
        flag[from_point & has_code & ~pub21 & ~checkable] = "vintage_2011"
        flag[~has_point] = "no_point"

    ward, borough = bounds.ward_and_borough(lsoa, x, y)
    return pd.DataFrame({
        "lsoa_vintage_published": vintage,
        "lsoa21_code": lsoa,
        "ward_code": ward,
        "borough_code": borough,
        "place_method": method,
        "place_flag": flag,
    })


def published_vintage(
    bounds: Boundaries, codes: npt.ArrayLike, months: npt.ArrayLike
) -> ObjectArray:
    """The LSOA vintage ('2011' or '2021') of published codes, None where blank.

    A code found only among LSOA 2021 codes is 2021; one found only among LSOA 2011 codes
    is 2011. Codes valid in both (unchanged areas, the same polygon in both vintages) or
    in neither (areas whose boundaries are not loaded) take the vintage police.uk used for
    that month: 2011 codes until 2023-09, 2021 codes from 2023-10.
    """
    code = np.asarray(codes, dtype=object)
    month = np.asarray(months, dtype=object).astype(str)
    out: ObjectArray = np.where(month >= POLICE_UK_LSOA21_FROM, "2021", "2011").astype(object)
    series = pd.Series(code, dtype=object)
    in21 = series.isin(bounds.lsoa21_codes).to_numpy()
    in11 = series.isin(bounds.lsoa11_codes).to_numpy()
    out[in21 & ~in11] = "2021"
    out[in11 & ~in21] = "2011"
    out[_blank(code)] = None
    return out


def refresh(warehouse: Warehouse, progress: Progress = SILENT) -> dict[str, int]:
    """Re-assign places for every loaded police.uk row (after boundaries change).

    Runs in one transaction. Returns the number of rows updated per table.
    """
    from vrhub.standards.police_uk import POLICE_STOP_SEARCH, POLICE_STREET

    bounds = boundaries(warehouse)
    updated: dict[str, int] = {}
    with warehouse.atomic():
        if warehouse.has_table(POLICE_STREET.name):
            frame = warehouse.query(
                f'SELECT file_id, row_number, easting, northing, lsoa_code_published, month '
                f'FROM "{POLICE_STREET.name}"'
            )
            with progress.task("Re-assigning police street places", total=len(frame)) as task:
                places = assign_police_places(
                    bounds, frame["easting"], frame["northing"],
                    frame["lsoa_code_published"], frame["month"],
                )
                places.insert(0, "row_number", frame["row_number"].to_numpy())
                places.insert(0, "file_id", frame["file_id"].to_numpy())
                _update(warehouse, POLICE_STREET.name, places)
                task.advance(len(frame))
            updated[POLICE_STREET.name] = len(frame)
        if warehouse.has_table(POLICE_STOP_SEARCH.name):
            frame = warehouse.query(
                f'SELECT file_id, row_number, easting, northing FROM "{POLICE_STOP_SEARCH.name}"'
            )
            places = bounds.locate(frame["easting"], frame["northing"])
            places.insert(0, "row_number", frame["row_number"].to_numpy())
            places.insert(0, "file_id", frame["file_id"].to_numpy())
            _update(warehouse, POLICE_STOP_SEARCH.name, places)
            updated[POLICE_STOP_SEARCH.name] = len(frame)
    return updated


def _update(warehouse: Warehouse, table: str, places: pd.DataFrame) -> None:
    if places.empty:
        return
    con = warehouse.con
    con.register("_vrhub_places", places)
    try:
        sets = ", ".join(
            f'"{c}" = p."{c}"' for c in places.columns if c not in ("file_id", "row_number")
        )
        con.execute(
            f'UPDATE "{table}" AS t SET {sets} FROM _vrhub_places AS p '
            "WHERE t.file_id = p.file_id AND t.row_number = p.row_number"
        )
    finally:
        con.unregister("_vrhub_places")


def unique_rows(*arrays: ArrayInput) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Distinct combinations of equal-length arrays (NaN, None and null count as values).

    Returns ``first`` (position of each distinct combination's first row) and ``inverse``
    (for each row, the number of its combination), so ``values[first][inverse]`` equals
    ``values``. pyarrow arrays are dictionary-encoded in C++ (fast for strings).
    """
    combined: npt.NDArray[np.int64] | None = None
    for array in arrays:
        codes, cardinality = _factorize(array)
        if combined is None:
            combined = codes
        else:
            combined, _ = pd.factorize(combined * (cardinality + 1) + codes)
            combined = combined.astype(np.int64)
    if combined is None:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    inverse, uniques = pd.factorize(combined)
    first = np.empty(len(uniques), dtype=np.intp)
    first[inverse[::-1]] = np.arange(len(inverse) - 1, -1, -1)
    return first, inverse.astype(np.intp)


def _factorize(array: ArrayInput) -> tuple[npt.NDArray[np.int64], int]:
    if isinstance(array, pd.Series) and isinstance(array.dtype, pd.ArrowDtype | pd.StringDtype):
        array = pa.array(array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if isinstance(array, pa.Array):
        encoded = pc.dictionary_encode(array)
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return indices.astype(np.int64) + 1, len(encoded.dictionary) + 1
    codes, uniques = pd.factorize(np.asarray(array), use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def _take_object(array: ArrayInput, positions: npt.NDArray[np.intp]) -> ObjectArray:
    """``array[positions]`` as a NumPy object array (None for nulls)."""
    if isinstance(array, pa.ChunkedArray | pa.Array):
        taken = array.take(pa.array(positions))
        return np.asarray(taken.to_pylist(), dtype=object)
    if isinstance(array, pd.Series):
        values = array.iloc[positions]
        return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    return np.asarray(array, dtype=object)[positions]


def _blank(values: ObjectArray) -> BoolArray:
    return np.asarray(pd.isna(values) | (values == ""), dtype=bool)


def _map(series: pd.Series, codes: ObjectArray) -> ObjectArray:
    if series.empty:
        return np.full(len(codes), None, dtype=object)
    mapped = pd.Series(codes, dtype=object).map(series)
    return mapped.astype(object).where(mapped.notna(), None).to_numpy(dtype=object)
