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
  :func:`vrhub.places.placement.refresh` after loading boundaries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.geography.boundaries import ArrayInput, Boundaries, Layer
from vrhub.geography.numbering import GrowingColumns, Numbering

#: A point this close (metres) to its published LSOA polygon still agrees with it.
NEAR_EDGE_METRES = 25.0

PLACE_METHODS = ("published", "point", "lookup", "none")
PLACE_FLAGS = (
    "agree", "agree_near_edge", "disagree", "pip_assigned", "vintage_2011",
    "outside_boundaries", "no_point", "no_boundaries",
)
VINTAGES = ("2011", "2021")

FloatArray = npt.NDArray[np.float64]
Numbers = npt.NDArray[np.int32]
_T = TypeVar("_T", bound=np.generic)

#: First month police.uk published LSOA 2021 codes.
POLICE_UK_LSOA21_FROM = "2023-10"

#: The place columns, in order.
POLICE_PLACE_COLUMNS = ("lsoa_vintage_published", "lsoa21_code", "ward_code", "borough_code",
                 "place_method", "place_flag")

_METHOD = {name: number for number, name in enumerate(PLACE_METHODS)}
_FLAG = {name: number for number, name in enumerate(PLACE_FLAGS)}
_V2011, _V2021 = 0, 1


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
    ``place_method`` and ``place_flag`` per row (None where there is none).
    """
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    codes = _as_arrow(published_code)
    cache = PoliceCache(bounds)
    if isinstance(month, str):
        table = cache.assign(x, y, codes, month)
        return pd.DataFrame({name: _objects(table[name]) for name in POLICE_PLACE_COLUMNS})
    months = np.asarray(month.to_pylist() if isinstance(month, pa.Array | pa.ChunkedArray)
                        else month, dtype=object)
    era = months.astype(str) >= POLICE_UK_LSOA21_FROM
    out = {name: np.full(len(x), None, dtype=object) for name in POLICE_PLACE_COLUMNS}
    for in_era, first_month in ((False, "2011-01"), (True, POLICE_UK_LSOA21_FROM)):
        rows = np.flatnonzero(era == in_era)
        if len(rows):
            table = cache.assign(x[rows], y[rows], codes.take(pa.array(rows)), first_month)
            for name in POLICE_PLACE_COLUMNS:
                out[name][rows] = _objects(table[name])
    return pd.DataFrame(out)


class _Values:
    """The distinct values of one place column, numbered in order of first sight (a
    value's number is its position in the column's dictionary)."""

    def __init__(self, fixed: Sequence[str] = ()) -> None:
        self._numbers: dict[str, int] = {}
        self.values: list[str] = []
        self._dictionary: pa.Array | None = None
        for value in fixed:
            self.number(value)

    def number(self, value: str) -> int:
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = len(self.values)
            self.values.append(value)
            self._dictionary = None
        return found

    def numbers(self, values: Iterable[str | None]) -> Numbers:
        """Each value's number (-1 for None or blank), numbering new values."""
        return np.fromiter((self.number(v) if v else -1 for v in values), dtype=np.int32)

    def numbers_of(self, values: pa.Array) -> Numbers:
        """Like :meth:`numbers` for text in a pyarrow array (values seen before are found
        by hashing, without a Python object per value). Few values against many seen (a
        file's LSOA codes against every code of a national load) are looked up one by
        one: hashing every value seen again for each file would cost more."""
        if len(values) * 8 < len(self.values) or not self.values:
            return self.numbers(values.to_pylist())
        found = pc.fill_null(pc.index_in(values, value_set=self.dictionary), -1)
        out = found.to_numpy(zero_copy_only=False).astype(np.int32)
        new = np.flatnonzero(out < 0)
        if len(new):
            out[new] = self.numbers(values.take(pa.array(new)).to_pylist())
        return out

    @property
    def dictionary(self) -> pa.Array:
        if self._dictionary is None:
            self._dictionary = pa.array(self.values, pa.string())
        return self._dictionary


@dataclass
class _Areas:
    """What is known of each LSOA code seen (published or found), by its number among the
    ``lsoa21_code`` values: its LSOA 2021 polygon, vintages, lookup ward and borough, and
    a likely ward for points in it."""

    position: npt.NDArray[np.intp]  # in the LSOA 2021 layer, -1 if none
    in21: npt.NDArray[np.bool_]
    in11: npt.NDArray[np.bool_]
    lookup_ward: Numbers  # ward value number from the lookup, -1 if none
    borough: Numbers  # borough value number (polygon's, else lookup's), -1 if none
    ward_hint: npt.NDArray[np.intp]  # ward layer position, -1 while unknown


def _at(values: npt.NDArray[_T], numbers: npt.NDArray[np.integer],
        missing: object) -> npt.NDArray[_T]:
    """``values[numbers]``, ``missing`` where a number is -1."""
    out = np.full(len(numbers), missing, dtype=values.dtype)
    known = numbers >= 0
    out[known] = values[numbers[known]]
    return out


class PoliceCache:
    """Places of police.uk rows for one load, remembered across its files and blocks.

    police.uk snaps every crime to one of a fixed set of map points, so most points of a
    month were already placed for an earlier month: they are looked up instead of being
    placed again. Every lookup is vectorised and works on numbers, not text: a point
    becomes a number (its position among the distinct points seen, found by hashing
    ``easting + i * northing``), a published code its number among the LSOA codes seen,
    and the pair one integer key, numbered among the keys already placed for the code era
    (2011 or 2021 codes) by :class:`vrhub.geography.numbering.Numbering`. Each place
    column's values are numbered as they are first seen, so a block's places come out
    dictionary-encoded with dictionaries of a few thousand codes at most, and what is
    known of each LSOA (its polygon, lookup ward and borough) is looked up by number.
    Safe to share between threads.
    """

    #: Multiplier separating the point number from the code number in a key.
    _CODE_SPACE = 1 << 24

    def __init__(self, bounds: Boundaries) -> None:
        self.bounds = bounds
        self._lock = threading.Lock()
        self._points = Numbering(np.complex128)
        #: whether callers number the points (see :meth:`places`)
        self._numbered: bool | None = None
        #: era -> (the keys placed, each place column's value numbers in key order)
        self._places: dict[bool, tuple[Numbering, GrowingColumns]] = {}
        self._values = {
            "lsoa_vintage_published": _Values(VINTAGES), "lsoa21_code": _Values(),
            "ward_code": _Values(), "borough_code": _Values(),
            "place_method": _Values(PLACE_METHODS), "place_flag": _Values(PLACE_FLAGS),
        }
        empty = np.zeros(0, dtype=np.intp)
        self._areas = _Areas(empty, np.zeros(0, bool), np.zeros(0, bool),
                             np.zeros(0, np.int32), np.zeros(0, np.int32), empty)
        self._lsoa_position = _positions(bounds.lsoa21)
        self._ward_position = _positions(bounds.ward)
        self._lookup_ward = _mapping(bounds.lookup_ward)
        self._lookup_borough = _mapping(bounds.lookup_borough)
        #: a layer position's value number (-1 until numbered), per layer
        self._numbered_at = {
            name: np.full(0 if layer is None else len(layer.codes), -1, dtype=np.int32)
            for name, layer in (("lsoa21_code", bounds.lsoa21), ("ward_code", bounds.ward),
                                ("borough_code", bounds.borough))}

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

        ``published_code`` is best given dictionary-encoded (its dictionary is read, not
        every row). ``point_numbers`` may name each row's point (-1 for none) when the
        caller has already numbered the points (:class:`vrhub.ingest.grid_points.
        GridPoints` does): equal points must have equal numbers in every call on this
        cache, so give them in every call or in none.
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
            codes = self._code_numbers(published_code, len(x))
            keys = points * self._CODE_SPACE + (codes + 1)
            era = month >= POLICE_UK_LSOA21_FROM
            if era not in self._places:
                self._places[era] = (Numbering(np.int64), GrowingColumns(
                    dict.fromkeys(POLICE_PLACE_COLUMNS, np.int32)))
            placed, columns = self._places[era]
            found, new, rows = placed.number(keys)
            if len(new):
                columns.append(self._place(x[rows], y[rows], codes[rows], era))
            numbers = {name: columns[name] for name in POLICE_PLACE_COLUMNS}
            dictionaries = {name: values.dictionary for name, values in self._values.items()}
        out = {}
        for name in POLICE_PLACE_COLUMNS:
            values = numbers[name][found]
            missing = values < 0
            indices = pa.array(values, mask=missing) if missing.any() else pa.array(values)
            out[name] = pa.DictionaryArray.from_arrays(indices, dictionaries[name])
        return out

    # -- numbering (with the lock held) ---------------------------------------------------
    def _point_numbers(self, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int64]:
        """1 + the number of each row's point among the points seen (0: no point)."""
        has_point = np.isfinite(x) & np.isfinite(y)
        found, _new, _first = self._points.number(x[has_point] + 1j * y[has_point])
        out = np.zeros(len(x), dtype=np.int64)
        out[has_point] = found + 1
        return out

    def _code_numbers(self, codes: ArrayInput, n: int) -> npt.NDArray[np.int64]:
        """Each row's published code as its number among the LSOA codes (-1: blank)."""
        arrow = _as_arrow(codes)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        encoded = arrow if pa.types.is_dictionary(arrow.type) else pc.dictionary_encode(arrow)
        numbers = self._values["lsoa21_code"].numbers_of(encoded.dictionary)
        self._describe_new_areas()
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        out = np.full(n, -1, dtype=np.int64)
        valid = indices >= 0
        out[valid] = numbers[indices[valid]]
        return out

    def _describe_new_areas(self) -> None:
        areas = self._areas
        new = self._values["lsoa21_code"].values[len(areas.position):]
        if not new:
            return
        bounds = self.bounds
        position = np.fromiter((self._lsoa_position.get(c, -1) for c in new), np.intp,
                               len(new))
        lookup_ward = [self._lookup_ward.get(c) for c in new]
        borough = [self._lookup_borough.get(c) for c in new]
        if bounds.lsoa21 is not None:
            for i in np.flatnonzero(position >= 0):
                polygon_borough = bounds.lsoa21.borough_codes[position[i]]
                if isinstance(polygon_borough, str) and polygon_borough:
                    borough[i] = polygon_borough
        self._areas = _Areas(
            position=np.concatenate([areas.position, position]),
            in21=np.concatenate([areas.in21, [c in bounds.lsoa21_codes for c in new]]),
            in11=np.concatenate([areas.in11, [c in bounds.lsoa11_codes for c in new]]),
            lookup_ward=np.concatenate([areas.lookup_ward,
                                        self._values["ward_code"].numbers(lookup_ward)]),
            borough=np.concatenate([areas.borough,
                                    self._values["borough_code"].numbers(borough)]),
            ward_hint=np.concatenate([areas.ward_hint, np.fromiter(
                (self._ward_position.get(w, -1) if w else -1 for w in lookup_ward), np.intp,
                len(new))]),
        )

    def _numbers_at(self, name: str, layer: Layer, positions: npt.NDArray[np.intp]) -> Numbers:
        """The value numbers of the areas at layer ``positions`` (-1 stays -1)."""
        numbered = self._numbered_at[name]
        unnumbered = np.unique(positions[positions >= 0])
        unnumbered = unnumbered[numbered[unnumbered] < 0]
        if len(unnumbered):
            numbered[unnumbered] = self._values[name].numbers(layer.codes[unnumbered])
            if name == "lsoa21_code":
                self._describe_new_areas()
        return _at(numbered, positions, -1)

    # -- placing (with the lock held) -----------------------------------------------------
    def _place(self, x: FloatArray, y: FloatArray, code: npt.NDArray[np.int64],
               era_2021: bool) -> dict[str, Numbers]:
        """Value numbers of the places of distinct rows (the rules above)."""
        n = len(x)
        areas = self._areas
        has_code = code >= 0
        published = _at(areas.position, code, -1)
        in21, in11 = _at(areas.in21, code, False), _at(areas.in11, code, False)
        vintage = np.where(in21 & ~in11, _V2021, np.where(in11 & ~in21, _V2011,
                                                          _V2021 if era_2021 else _V2011))
        vintage[~has_code] = -1
        pub21 = vintage == _V2021
        has_point = np.isfinite(x) & np.isfinite(y)

        lsoa = np.full(n, -1, dtype=np.int64)
        method = np.full(n, _METHOD["none"], dtype=np.int32)
        flag = np.full(n, _FLAG["no_point"], dtype=np.int32)
        layer = self.bounds.lsoa21
        if layer is None:
            lsoa[pub21] = code[pub21]
            method[pub21] = _METHOD["published"]
            flag[:] = _FLAG["no_boundaries"]
        else:
            # a published code that is also an LSOA 2021 code (every 2021 code, and 2011
            # codes of areas unchanged in 2021) names a polygon the point is checked against
            checkable = published >= 0
            found = layer.locate_at(x, y, hint=published)
            inside = (found >= 0) & has_point
            agree = inside & checkable & (found == published)
            differs = has_point & checkable & ~agree
            near = np.zeros(n, dtype=bool)
            if differs.any():
                near[differs] = layer.distance_at(published[differs], x[differs],
                                                  y[differs]) <= NEAR_EDGE_METRES
            outside_kept = has_point & ~inside & (pub21 | checkable) & ~near
            keep_published = agree | near | outside_kept | (~has_point & pub21)
            lsoa[keep_published] = code[keep_published]
            method[keep_published] = _METHOD["published"]
            from_point = inside & ~keep_published
            lsoa[from_point] = self._numbers_at("lsoa21_code", layer, found[from_point])
            method[from_point] = _METHOD["point"]

            flag[has_point & ~inside] = _FLAG["outside_boundaries"]
            flag[agree] = _FLAG["agree"]
            flag[near] = _FLAG["agree_near_edge"]
            flag[from_point & has_code & (pub21 | checkable)] = _FLAG["disagree"]
            flag[from_point & ~has_code] = _FLAG["pip_assigned"]
            flag[from_point & has_code & ~pub21 & ~checkable] = _FLAG["vintage_2011"]
            flag[~has_point] = _FLAG["no_point"]

        ward, borough = self._ward_and_borough(lsoa, x, y)
        return {
            "lsoa_vintage_published": vintage.astype(np.int32),
            "lsoa21_code": lsoa.astype(np.int32),
            "ward_code": ward,
            "borough_code": borough,
            "place_method": method,
            "place_flag": flag,
        }

    def _ward_and_borough(self, lsoa: npt.NDArray[np.int64], x: FloatArray,
                          y: FloatArray) -> tuple[Numbers, Numbers]:
        """Ward and borough value numbers of points given an LSOA's number (or -1): ward
        by point where ward polygons are loaded, else the lookup's; borough the LSOA's
        (LSOAs nest in boroughs), else by point."""
        areas = self._areas
        ward = _at(areas.lookup_ward, lsoa, -1)
        wards = self.bounds.ward
        if wards is not None:
            hint = _at(areas.ward_hint, lsoa, -1)
            unhinted = np.flatnonzero((hint < 0) & (lsoa >= 0))
            if len(unhinted):
                # the ward of one point of an LSOA is the first one tried for the others
                _, first = np.unique(lsoa[unhinted], return_index=True)
                sample = unhinted[first]
                at = wards.locate_at(x[sample], y[sample])
                areas.ward_hint[lsoa[sample]] = at
                hint = _at(areas.ward_hint, lsoa, -1)
            at = wards.locate_at(x, y, hint=hint)
            located = self._numbers_at("ward_code", wards, at)
            ward = np.where(located >= 0, located, ward)
        borough = _at(areas.borough, lsoa, -1)
        missing = borough < 0
        if self.bounds.borough is not None and missing.any():
            at = self.bounds.borough.locate_at(x[missing], y[missing])
            borough[missing] = self._numbers_at("borough_code", self.bounds.borough, at)
        return ward.astype(np.int32), borough.astype(np.int32)


def _positions(layer: Layer | None) -> dict[str, int]:
    return {} if layer is None else {code: i for i, code in enumerate(layer.codes)}


def _mapping(series: pd.Series) -> dict[str, str]:
    """A code -> code lookup as a dict, without missing values."""
    return {key: value for key, value in zip(series.index, series.to_numpy(dtype=object),
                                             strict=True)
            if isinstance(key, str) and isinstance(value, str) and value}


def _as_arrow(values: ArrayInput) -> pa.Array | pa.ChunkedArray:
    """Published codes as a pyarrow array of text (or dictionary-encoded text)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    items = np.asarray(values, dtype=object)
    return pa.array([v if isinstance(v, str) else None for v in items], pa.string())


def _objects(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.object_]:
    return np.asarray(column.to_pylist(), dtype=object)
