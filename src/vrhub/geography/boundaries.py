"""Which LSOA 2021, ward and borough a point lies in, given the boundaries.

:class:`Boundaries` holds the prepared polygons of each area level (``lsoa21``, ``ward22``,
``borough``; WKB in British National Grid, indexed with an STRtree) and the ONS best-fit
LSOA 2021 -> ward -> borough lookup. Loading them from a warehouse, and keeping them until
the boundary tables change, is :mod:`vrhub.places.placement`'s.

Assignment is vectorised. When a likely answer is already known (the LSOA code police.uk
published, or the ward the lookup gives for an LSOA), it is *verified* element-wise with
``shapely.contains_xy`` against that one prepared polygon; only points that fail the check,
or have no hint, go through the STRtree. For police.uk data, where nearly every published
code is right, this makes place assignment close to the cost of one point-in-polygon test
per row.

Police.uk rows, which arrive with a published LSOA code to verify, are placed by
:mod:`vrhub.geography.police_places`.

Ward is assigned by point where ward boundaries are loaded (LSOAs 2021 do not nest in
wards), otherwise from the best-fit lookup. Borough follows the LSOA (LSOAs nest in
boroughs), falling back to the borough polygons.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

PLACE_COLUMNS = ("lsoa21_code", "ward_code", "borough_code")

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

    def contains_at(self, positions: npt.NDArray[np.intp], x: FloatArray,
                    y: FloatArray) -> BoolArray:
        """Element-wise: does the area at ``positions[i]`` (-1: none) contain point i?"""
        out = np.zeros(len(positions), dtype=bool)
        known = (positions >= 0) & np.isfinite(x) & np.isfinite(y)
        if known.any():
            out[known] = shapely.contains_xy(self.geometries[positions[known]], x[known],
                                             y[known])
        return out

    def distance_at(self, positions: npt.NDArray[np.intp], x: FloatArray,
                    y: FloatArray) -> FloatArray:
        """Element-wise distance (m) from point i to the area at ``positions[i]`` (inf
        where -1 or the point is missing)."""
        out = np.full(len(positions), np.inf)
        known = (positions >= 0) & np.isfinite(x) & np.isfinite(y)
        if known.any():
            out[known] = shapely.distance(
                self.geometries[positions[known]], shapely.points(x[known], y[known])
            )
        return out

    def locate(
        self, x: FloatArray, y: FloatArray, hint: ObjectArray | None = None
    ) -> ObjectArray:
        """The code of the area containing each point (None outside every area).

        ``hint`` is a likely code per point; it is checked first and the STRtree is only
        searched for points it does not hold.
        """
        found = self.locate_at(x, y, None if hint is None else self.positions(hint))
        out: ObjectArray = np.full(len(found), None, dtype=object)
        out[found >= 0] = self.codes[found[found >= 0]]
        return out

    def locate_at(
        self, x: FloatArray, y: FloatArray, hint: npt.NDArray[np.intp] | None = None
    ) -> npt.NDArray[np.intp]:
        """The position of the area containing each point (-1 outside every area), with
        ``hint`` a likely position per point (-1: none), as in :meth:`locate`."""
        n = len(x)
        out = np.full(n, -1, dtype=np.intp)
        todo = np.isfinite(x) & np.isfinite(y)
        if hint is not None:
            held = self.contains_at(hint, x, y)
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
            out[rows[first_point]] = area_idx[hit][first]
            # points on a shared edge: accept touching polygons on a second pass
            pending = ~np.isin(point_idx, first_point)
            point_idx, area_idx = point_idx[pending], area_idx[pending]
        return out


@dataclass(frozen=True)
class Boundaries:
    """Everything loaded for place assignment (see :func:`vrhub.places.placement.boundaries`)."""

    lsoa21: Layer | None
    ward: Layer | None
    borough: Layer | None
    lookup_ward: pd.Series  # lsoa21 code -> ward code (best fit)
    lookup_borough: pd.Series  # lsoa21 code -> borough code
    lsoa21_codes: frozenset[str]
    lsoa11_codes: frozenset[str]

    @property
    def loaded(self) -> bool:
        return self.lsoa21 is not None

    @cached_property
    def ward_hint(self) -> pd.Series:
        """LSOA 2021 code -> the ward holding a point inside the LSOA (a likely ward for
        points in it, checked before the ward tree is searched)."""
        if self.lsoa21 is None or self.ward is None:
            return pd.Series(dtype=object)
        inner = shapely.point_on_surface(self.lsoa21.geometries)
        wards = self.ward.locate(shapely.get_x(inner), shapely.get_y(inner))
        return pd.Series(wards, index=self.lsoa21.codes, dtype=object).dropna()

    def ward_and_borough(
        self, lsoa: ObjectArray, x: FloatArray, y: FloatArray
    ) -> tuple[ObjectArray, ObjectArray]:
        """Ward and borough for points already given an LSOA 2021 (or None)."""
        lookup_ward = map_codes(self.lookup_ward, lsoa)
        if self.ward is not None:
            hint = lookup_ward.copy()
            unknown = is_blank(hint)
            if unknown.any():
                hint[unknown] = map_codes(self.ward_hint, lsoa[unknown])
            ward = self.ward.locate(x, y, hint=hint)
            missing = is_blank(ward)
            ward[missing] = lookup_ward[missing]
        else:
            ward = lookup_ward
        borough: ObjectArray = np.full(len(lsoa), None, dtype=object)
        if self.lsoa21 is not None:
            pos = self.lsoa21.positions(lsoa)
            borough[pos >= 0] = self.lsoa21.borough_codes[pos[pos >= 0]]
        missing = is_blank(borough)
        borough[missing] = map_codes(self.lookup_borough, lsoa)[missing]
        missing = is_blank(borough)
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


ArrayInput: TypeAlias = "npt.NDArray[Any] | pa.Array | pa.ChunkedArray | pd.Series | list[Any]"


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


def is_blank(values: ObjectArray) -> BoolArray:
    return np.asarray(pd.isna(values) | (values == ""), dtype=bool)


def map_codes(series: pd.Series, codes: ObjectArray) -> ObjectArray:
    """``series[code]`` for each code (None where the code is not in the index, or its
    value is missing); the index must be unique."""
    out: ObjectArray = np.full(len(codes), None, dtype=object)
    if series.empty or not len(codes):
        return out
    positions = series.index.get_indexer(pd.Index(np.asarray(codes, dtype=object),
                                                  dtype=object))
    found = positions >= 0
    out[found] = series.to_numpy(dtype=object)[positions[found]]
    out[pd.isna(out)] = None
    return out
