"""British National Grid coordinates of published points, each distinct point converted once.

police.uk anonymises every crime to one of a fixed set of map points, so a year of a
force's files repeats a few tens of thousands of points a million times. :class:`GridPoints`
remembers each point's grid reference for the length of a load: a block's points are
numbered (:class:`vrhub.geography.numbering.Numbering`, hashing ``longitude + i *
latitude``) and only points not seen before go through the projection.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from vrhub.geography.bng import to_bng
from vrhub.geography.numbering import GrowingColumns, Numbering

FloatArray = npt.NDArray[np.float64]


class GridPoints:
    """Easting and northing of WGS84 points, remembered across calls."""

    def __init__(self) -> None:
        #: a loader's worker threads project points at the same time
        self._lock = threading.Lock()
        self._numbers = Numbering(np.complex128)
        #: each point's easting and northing, by its number
        self._grid = GrowingColumns({"easting": np.float64, "northing": np.float64})

    def __len__(self) -> int:
        return len(self._numbers)

    def to_bng(self, longitude: FloatArray, latitude: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Like :func:`vrhub.geography.bng.to_bng` for finite points."""
        _numbers, easting, northing = self.project(longitude, latitude)
        return easting, northing

    def project(
        self, longitude: FloatArray, latitude: FloatArray
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        """Each finite point's number (equal points, equal numbers, for the life of this
        object), easting and northing."""
        keys = np.asarray(longitude, dtype=float) + 1j * np.asarray(latitude, dtype=float)
        with self._lock:
            return self._project(keys)

    def _project(
        self, keys: npt.NDArray[np.complex128]
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        found, new, _first = self._numbers.number(keys)
        if len(new):
            easting, northing = to_bng(new.real, new.imag)
            self._grid.append({"easting": easting, "northing": northing})
        return (found.astype(np.int64), self._grid["easting"][found],
                self._grid["northing"][found])
