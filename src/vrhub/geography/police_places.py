"""Places for police.uk rows: verify the published LSOA against the point, or replace it.

police.uk publishes an LSOA code with every located crime. Where it is right (nearly
always) it is verified with one element-wise point-in-polygon test; only the rest are
searched. Each distinct (point, published code) is placed once; :class:`PoliceCache`
remembers the answers across the files of a load, since police.uk snaps crimes to a fixed
set of map points.

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
  :func:`vrhub.geography.places.refresh` after loading boundaries.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.geography.places import (
    ArrayInput,
    Boundaries,
    ObjectArray,
    is_blank,
    take_object,
    unique_rows,
)

#: A point this close (metres) to its published LSOA polygon still agrees with it.
NEAR_EDGE_METRES = 25.0

PLACE_METHODS = ("published", "point", "lookup", "none")
PLACE_FLAGS = (
    "agree", "agree_near_edge", "disagree", "pip_assigned", "vintage_2011",
    "outside_boundaries", "no_point", "no_boundaries",
)

FloatArray = npt.NDArray[np.float64]

#: First month police.uk published LSOA 2021 codes.
POLICE_UK_LSOA21_FROM = "2023-10"


def _place_distinct(
    bounds: Boundaries,
    easting: npt.ArrayLike,
    northing: npt.ArrayLike,
    published_code: ArrayInput,
    month: ArrayInput | str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Places of each distinct (point, published code, month), with the index of each
    distinct row's first occurrence and the map from every row back to its distinct row."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    keys: list[ArrayInput] = [x, y, published_code]
    if not isinstance(month, str):
        keys.append(month)
    first, inverse = unique_rows(*keys)
    months = (
        np.full(len(first), month, dtype=object) if isinstance(month, str)
        else take_object(month, first)
    )
    placed = _assign_distinct(
        bounds, x[first], y[first], take_object(published_code, first), months
    )
    return placed, first, inverse


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
    placed, first, inverse = _place_distinct(bounds, easting, northing, published_code, month)
    if len(first) == len(inverse) and np.array_equal(first, np.arange(len(inverse))):
        return placed
    return placed.take(inverse).reset_index(drop=True)


class PoliceCache:
    """Places of police.uk rows for one load, remembered across its files and blocks.

    police.uk snaps every crime to one of a fixed set of map points, so most points of a
    month were already placed for an earlier month: they are looked up instead of being
    placed again. Every lookup is vectorised: a point becomes a number (its position among
    the distinct points seen, found by hashing ``easting + i * northing``), a published
    code becomes a number the same way, and the pair one integer key, looked up in a hash
    index of the places already decided for the code era (2011 or 2021 codes). A decided
    place is kept as one small integer per column (its value's position among the
    column's distinct values), so a block's places come out dictionary-encoded with
    dictionaries of a few thousand codes at most. Safe to share between threads.
    """

    #: Multiplier separating the point number from the code number in a key.
    _CODE_SPACE = 1 << 24

    def __init__(self, bounds: Boundaries) -> None:
        self.bounds = bounds
        self._lock = threading.Lock()
        self._points = pd.Index(np.zeros(0, dtype=np.complex128))
        self._codes = pd.Index(np.zeros(0, dtype=object))
        #: whether callers number the points (see :meth:`places`)
        self._numbered: bool | None = None
        #: era -> (index of keys, each place column's value numbers in key order)
        self._places: dict[bool, tuple[pd.Index, dict[str, npt.NDArray[np.int32]]]] = {}
        #: column -> its distinct values (a value's number is its position), as text
        self._values: dict[str, pd.Index] = {}
        self._dictionaries: dict[str, pa.Array] = {}

    def assign(self, easting: npt.ArrayLike, northing: npt.ArrayLike,
               published_code: ArrayInput, month: str) -> pa.Table:
        """Places of rows of one month, as a pyarrow table of strings."""
        placed = self.places(easting, northing, published_code, month)
        return pa.table({name: column.cast(pa.string()) for name, column in placed.items()})

    def places(
        self, easting: npt.ArrayLike, northing: npt.ArrayLike, published_code: ArrayInput,
        month: str, point_numbers: npt.NDArray[np.int64] | None = None,
    ) -> dict[str, pa.DictionaryArray]:
        """The rows' places (``lsoa_vintage_published``, ``lsoa21_code``, ``ward_code``,
        ``borough_code``, ``place_method``, ``place_flag``), dictionary-encoded text.

        ``point_numbers`` may name each row's point (-1 for none) when the caller has
        already numbered the points (:class:`vrhub.ingest.grid_points.GridPoints` does):
        equal points must have equal numbers in every call on this cache, so give them
        in every call or in none.
        """
        x = np.asarray(easting, dtype=float)
        y = np.asarray(northing, dtype=float)
        given = point_numbers is not None
        with self._lock:
            if self._numbered is None:
                self._numbered = given
            elif self._numbered != given:
                raise ValueError("give point_numbers in every call on a PoliceCache or in "
                                 "none")
            points = (np.asarray(point_numbers, dtype=np.int64) + 1 if point_numbers is not None
                      else self._point_numbers(x, y))
            keys = points * self._CODE_SPACE + self._code_numbers(published_code, len(x))
            era = month >= POLICE_UK_LSOA21_FROM
            index, numbers = self._places.get(era, (pd.Index(np.zeros(0, np.int64)), {}))
            found = index.get_indexer(pd.Index(keys))
            miss = found < 0
            if miss.any():
                new_keys, first, inverse = np.unique(keys[miss], return_index=True,
                                                     return_inverse=True)
                found[miss] = len(index) + inverse.ravel()
                rows = np.flatnonzero(miss)[first]
                placed = _assign_distinct(
                    self.bounds, x[rows], y[rows], take_object(published_code, rows),
                    np.full(len(rows), month, dtype=object),
                )
                added = {name: self._number(name, placed[name].to_numpy(dtype=object))
                         for name in placed.columns}
                numbers = added if not numbers else {
                    name: np.concatenate([numbers[name], added[name]]) for name in numbers}
                index = index.append(pd.Index(new_keys))
                self._places[era] = (index, numbers)
            dictionaries = dict(self._dictionaries)
        out = {}
        for name, column in numbers.items():
            values = column[found]
            missing = values < 0
            indices = pa.array(values, mask=missing) if missing.any() else pa.array(values)
            out[name] = pa.DictionaryArray.from_arrays(indices, dictionaries[name])
        return out

    def _number(self, name: str, values: ObjectArray) -> npt.NDArray[np.int32]:
        """Each value's number among the column's distinct values (-1: none), adding
        values not seen before."""
        known = self._values.get(name, pd.Index([], dtype=object))
        blank = pd.isna(values)
        found = known.get_indexer(pd.Index(values, dtype=object))
        new = (found < 0) & ~blank
        if new.any() or name not in self._dictionaries:
            known = known.append(pd.Index(pd.unique(values[new]), dtype=object))
            self._values[name] = known
            self._dictionaries[name] = pa.array(known.to_numpy(dtype=object), pa.string())
            found = known.get_indexer(pd.Index(values, dtype=object))
        found[blank] = -1
        return found.astype(np.int32)

    def _point_numbers(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int64]:
        """1 + the number of each row's point among the points seen (0: no point)."""
        has_point = np.isfinite(x) & np.isfinite(y)
        points = x[has_point] + 1j * y[has_point]
        found = self._points.get_indexer(pd.Index(points))
        miss = found < 0
        if miss.any():
            inverse, new = pd.factorize(points[miss])
            found[miss] = len(self._points) + inverse
            self._points = self._points.append(pd.Index(new))
        out = np.zeros(len(x), dtype=np.int64)
        out[has_point] = found + 1
        return out

    def _code_numbers(self, codes: ArrayInput, n: int) -> npt.NDArray[np.int64]:
        """1 + the number of each row's published code among the codes seen (0: blank)."""
        if isinstance(codes, pa.ChunkedArray):
            codes = codes.combine_chunks()
        if isinstance(codes, pa.Array):
            encoded = pc.dictionary_encode(codes)
            indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
            values = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
        else:
            indices, values = pd.factorize(np.asarray(codes, dtype=object))
            values = np.asarray(values, dtype=object)
        blank = is_blank(values) if len(values) else np.zeros(0, dtype=bool)
        known = self._codes.get_indexer(pd.Index(values, dtype=object))
        new = (known < 0) & ~blank
        if new.any():
            self._codes = self._codes.append(pd.Index(values[new], dtype=object))
            known = self._codes.get_indexer(pd.Index(values, dtype=object))
        numbers = np.where(blank, 0, known + 1).astype(np.int64)
        out = np.zeros(n, dtype=np.int64)
        valid = indices >= 0
        out[valid] = numbers[indices[valid]]
        return out


def _assign_distinct(
    bounds: Boundaries, x: FloatArray, y: FloatArray, published: ObjectArray,
    months: ObjectArray,
) -> pd.DataFrame:
    n = len(x)
    published = np.where(is_blank(published), np.array(None, dtype=object), published)
    vintage = published_vintage(bounds, published, months)
    has_point = np.isfinite(x) & np.isfinite(y)
    has_code = ~is_blank(published)
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
        inside = ~is_blank(found) & has_point
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
    out[is_blank(code)] = None
    return out
