"""Numbering distinct keys in order of first sight, for lookups repeated block after block.

A load numbers the same keys (map points, place keys) over and over: each block of rows
is looked up among the keys seen so far, and the few new ones are added. A pandas index
rebuilds its hash table whenever it grows, so :class:`Numbering` keeps two: the settled
keys, rebuilt rarely, and the recent ones, small, merged into the settled ones once they
reach a quarter of their number.
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

    #: The recent keys are merged into the settled ones beyond this many (or a quarter).
    MERGE_AT = 4096

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self._dtype = np.dtype(dtype)
        self._settled = pd.Index(np.zeros(0, self._dtype))
        self._recent = pd.Index(np.zeros(0, self._dtype))

    def __len__(self) -> int:
        return len(self._settled) + len(self._recent)

    def find(self, keys: npt.NDArray[Any]) -> Positions:
        """Each key's number, -1 where it was never added."""
        found = np.asarray(self._settled.get_indexer(pd.Index(keys)), dtype=np.intp)
        if len(self._recent):
            miss = np.flatnonzero(found < 0)
            if len(miss):
                recent = self._recent.get_indexer(pd.Index(keys[miss]))
                found[miss] = np.where(recent >= 0, recent + len(self._settled), -1)
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
        found[miss] = len(self) + codes
        first = np.empty(len(new), dtype=np.intp)
        first[codes[::-1]] = miss[::-1]
        self._recent = self._recent.append(pd.Index(new))
        if len(self._recent) > max(self.MERGE_AT, len(self._settled) // 4):
            self._settled = self._settled.append(self._recent)
            self._recent = pd.Index(np.zeros(0, self._dtype))
        return found, np.asarray(new), first
