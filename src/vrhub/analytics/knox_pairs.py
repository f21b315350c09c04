"""The close pairs of a Knox test, counted by time gap quickly when every event time is a
whole number of days (events dated to the day or the month, the usual case).

The pairs are found and sorted into groups (distance bands) once. Each permutation then
costs two look-ups and a subtraction per pair and one histogram per group: the gaps
``days[i] - days[j]`` are whole numbers between ``-span`` and ``span``, so they are counted
exactly, and the caller folds the histogram into its time bands. The counts are the same
as binning every pair's gap; only the arithmetic is cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the histograms cover gaps up to this many days (about 55 years); longer spans, and
#: times with fractions of a day, are counted pair by pair instead
MAX_SPAN_DAYS = 20_000


@dataclass(frozen=True)
class WholeDayPairs:
    """Close pairs ``(i, j)`` grouped by ``group``, with event times in whole days."""

    whole_days: np.ndarray  # int64 days from the earliest event
    span: int  # the largest day
    i: np.ndarray
    j: np.ndarray
    bounds: tuple[tuple[int, int], ...]  # (start, end) of each group in i and j

    @classmethod
    def build(cls, days: np.ndarray, i: np.ndarray, j: np.ndarray, group: np.ndarray,
              n_groups: int) -> WholeDayPairs | None:
        """None when the times are not whole days (or span too long for a histogram).
        Pairs with ``group`` outside ``0 .. n_groups - 1`` are dropped."""
        if days.size == 0 or not np.array_equal(days, np.floor(days)):
            return None
        span = int(days.max()) if days.size else 0
        if days.min() < 0 or span > MAX_SPAN_DAYS:
            return None
        keep = (group >= 0) & (group < n_groups)
        order = np.argsort(group[keep], kind="stable")
        g = group[keep][order]
        edges = np.searchsorted(g, np.arange(n_groups + 1), side="left")
        return cls(whole_days=days.astype(np.int64), span=span,
                   i=np.ascontiguousarray(i[keep][order], dtype=np.intp),
                   j=np.ascontiguousarray(j[keep][order], dtype=np.intp),
                   bounds=tuple((int(edges[k]), int(edges[k + 1]))
                                for k in range(n_groups)))

    def gap_histogram(self, days: np.ndarray) -> np.ndarray:
        """Counts of pairs by signed gap: row per group, column ``gap + span`` for the gap
        ``days[i] - days[j]`` (``days``: a permutation of :attr:`whole_days`)."""
        width = 2 * self.span + 1
        out = np.zeros((len(self.bounds), width), dtype=np.int64)
        if self.i.size == 0:
            return out
        gaps = np.take(days + self.span, self.i)
        gaps -= np.take(days, self.j)
        for k, (start, end) in enumerate(self.bounds):
            if end > start:
                out[k] = np.bincount(gaps[start:end], minlength=width)
        return out

    def gap_bands(self, band_of_gap: np.ndarray, n_bands: int) -> np.ndarray:
        """A 0/1 matrix (signed gap -> band) from ``band_of_gap`` (the band of each gap
        ``0 .. span``, -1 when in none), so that ``histogram @ matrix`` counts pairs by
        group and band."""
        width = 2 * self.span + 1
        absolute = np.abs(np.arange(width) - self.span)
        bands = band_of_gap[absolute]
        matrix = np.zeros((width, n_bands), dtype=np.int64)
        inside = bands >= 0
        matrix[np.flatnonzero(inside), bands[inside]] = 1
        return matrix
