"""Numbering distinct keys in order of first sight, for lookups repeated block after block.

A load numbers the same keys (map points, place keys) over and over: each block of rows
is looked up among the keys seen so far, and the few new ones are added. A pandas index
builds its hash table again whenever it grows, so :class:`Numbering` keeps the keys in
levels, each a pandas index of consecutive numbers, largest (oldest) first, each at most
half the one before: a block's new keys become a level of their own, and a level grown
to more than half the one before is merged into it. A key is looked up in the largest
level first (where most are), the keys not found there in the next, and so on; each key
is merged a few times over a load, however many blocks it spans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Positions = npt.NDArray[np.intp]


class Numbering:
    """Distinct keys (int64 or complex128 NumPy arrays), numbered 0, 1, 2... as first seen.
    Not safe to share between threads without a lock."""

    #: Levels are merged while the one before holds fewer keys than this, whatever their
    #: sizes (a small index costs more to ask than to rebuild).
    MERGE_AT = 4096

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self._dtype = np.dtype(dtype)
        #: indexes of consecutive numbers: the first holds 0..., each the next ones
        self._levels: list[pd.Index] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def find(self, keys: npt.NDArray[Any]) -> Positions:
        """Each key's number, -1 where it was never added."""
        found = np.full(len(keys), -1, dtype=np.intp)
        todo = np.arange(len(keys))
        start = 0
        for level in self._levels:
            if not len(todo):
                break
            hit = np.asarray(level.get_indexer(pd.Index(keys[todo])), dtype=np.intp)
            known = hit >= 0
            found[todo[known]] = hit[known] + start
            todo = todo[~known]
            start += len(level)
        return found

    def number(self, keys: npt.NDArray[Any]) -> tuple[Positions, npt.NDArray[Any], Positions]:
        """Each key's number, adding keys not seen before. Also returns the new keys in
        the order they were numbered, and the position in ``keys`` of each one's first
        occurrence."""
        keys = np.asarray(keys, dtype=self._dtype)
        found = self.find(keys)
        miss = np.flatnonzero(found < 0)
        if not len(miss):
            return found, keys[:0], miss
        codes, new = pd.factorize(keys[miss])
        found[miss] = self._count + codes
        first = np.empty(len(new), dtype=np.intp)
        first[codes[::-1]] = miss[::-1]
        self._add(np.asarray(new, dtype=self._dtype))
        return found, np.asarray(new), first

    def _add(self, new: npt.NDArray[Any]) -> None:
        """The new keys as the last level, merging levels grown past half the one before
        (or following one smaller than :attr:`MERGE_AT`)."""
        levels = self._levels
        levels.append(pd.Index(new))
        self._count += len(new)
        while len(levels) > 1 and (2 * len(levels[-1]) > len(levels[-2])
                                   or len(levels[-2]) < self.MERGE_AT):
            last = levels.pop()
            levels[-1] = levels[-1].append(last)


class GrowingColumns:
    """Columns of values by key number (what was found for each key numbered), growing
    block after block: held in arrays with room to spare (doubled when full), so adding a
    block's new keys copies only their values."""

    def __init__(self, columns: dict[str, npt.DTypeLike]) -> None:
        self._arrays = {name: np.zeros(0, dtype) for name, dtype in columns.items()}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, added: dict[str, npt.NDArray[Any]]) -> None:
        """Add the values of the next keys (every column, of equal lengths)."""
        n = len(added[next(iter(self._arrays))])
        size = self._size
        if size + n > len(next(iter(self._arrays.values()))):
            room = max(2 * (size + n), 1024)
            grown = {name: np.empty(room, values.dtype) for name, values in self._arrays.items()}
            for name, values in self._arrays.items():
                grown[name][:size] = values[:size]
            self._arrays = grown
        for name, values in self._arrays.items():
            values[size:size + n] = added[name]
        self._size = size + n

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        """The column's values so far (values added never change)."""
        return self._arrays[name][:self._size]
