"""The near-repeat (Knox) test: do events close in space happen close in time more often
than chance would give?

Every pair of events is placed in one *distance band* and one *time band*. The observed
count of pairs in each (distance band, time band) cell is compared with the counts obtained
when the event times are shuffled among the event locations (a Monte Carlo permutation
test): shuffling keeps where events happen and how many happen when, and breaks only the
link between place and time.

Conventions (those of the NearRepeat R package with its defaults, so results agree):

- Bands are **half-open** ``[lower, upper)``: a pair exactly 100 m apart falls in
  ``[100, 200)``, not ``[0, 100)``; a pair at exactly the last break is not counted. The
  first break is usually 0; pairs closer than the first break are not counted. The last
  break may be ``inf``.
- Distances are **Manhattan** (``|dx| + |dy|``, a fair approximation of distance along a
  street grid; the default) or **Euclidean** (straight line), in the units of the
  coordinates (metres on the British National Grid). Time distances are absolute
  differences in **days** (fractions allowed).
- Knox ratio = observed / mean of the simulated counts (``knox_ratio_mean``) and
  observed / median of the simulated counts (``knox_ratio_median``); undefined (NaN) when
  the simulated statistic is 0.
- p-value = (number of simulations with a count >= the observed count + 1) /
  (permutations + 1), so it lies in ``[1 / (permutations + 1), 1]``.

The implementation never builds a distance matrix: a k-d tree finds the pairs closer than
the largest finite distance break once, and each permutation re-bins only those pairs'
time differences (when every time is a whole day, as a histogram of their gaps:
:mod:`vrhub.analytics.knox_pairs`). An unbounded last distance band (``inf``) is counted
as all pairs minus the close ones; the all-pairs count per time band does not change
under permutation (the multiset of times is the same), so it is computed once from the
sorted times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from vrhub.analytics.knox_pairs import WholeDayPairs
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

Metric = Literal["manhattan", "euclidean"]
METRICS: tuple[str, ...] = ("manhattan", "euclidean")

#: Columns of :attr:`NearRepeatResult.table`, in order.
TABLE_COLUMNS = (
    "distance_band", "distance_from", "distance_to", "time_band", "time_from", "time_to",
    "observed", "sim_mean", "sim_median", "knox_ratio_mean", "knox_ratio_median", "p_value",
)


@dataclass(frozen=True)
class NearRepeatResult:
    """The Knox table (one row per distance band x time band, columns
    :data:`TABLE_COLUMNS`) and the metadata describing how it was computed."""

    table: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)

    def heatmap(self, value: str = "knox_ratio_mean") -> pd.DataFrame:
        """Wide table: one row per distance band, one column per time band, cells ``value``
        (``knox_ratio_mean`` by default; also ``knox_ratio_median``, ``observed``,
        ``p_value``, ...). Band order is kept."""
        if value not in self.table.columns:
            raise UserError(
                f"cannot draw a heat map of {value!r}: no such column",
                hint="use one of " + ", ".join(TABLE_COLUMNS[6:]),
            )
        d_order = list(dict.fromkeys(self.table["distance_band"]))
        t_order = list(dict.fromkeys(self.table["time_band"]))
        wide = self.table.pivot(index="distance_band", columns="time_band", values=value)
        wide = wide.reindex(index=d_order, columns=t_order)
        wide.index.name = "distance_band"
        wide.columns.name = "time_band"
        return wide


# -- input validation (one shared place) ----------------------------------------------------
def _check_breaks(name: str, breaks: Sequence[float], unit: str) -> np.ndarray:
    try:
        values = np.asarray([float(b) for b in breaks], dtype=float)
    except (TypeError, ValueError):
        raise UserError(
            f"{name} must be numbers; found {list(breaks)!r}",
            hint=f"give the band edges in {unit}, e.g. 0,100,200,400",
        ) from None
    if values.size < 2:
        raise UserError(
            f"{name} needs at least two edges (one band); found {list(breaks)!r}",
            hint=f"give the band edges in {unit}, e.g. 0,100,200,400",
        )
    if np.isnan(values).any() or (values < 0).any():
        raise UserError(
            f"{name} must be zero or positive; found {list(breaks)!r}",
            hint="distances and time gaps are never negative; start the bands at 0",
        )
    if np.isinf(values[:-1]).any():
        raise UserError(
            f"{name}: only the last edge may be infinite; found {list(breaks)!r}",
            hint="put inf last, e.g. 0,100,200,inf",
        )
    if (np.diff(values) <= 0).any():
        raise UserError(
            f"{name} must be strictly increasing; found {list(breaks)!r}",
            hint="sort the edges and remove duplicates, e.g. 0,100,200,400",
        )
    return values


def _times_in_days(column: pd.Series, name: str) -> tuple[np.ndarray, str]:
    """Event times as float days from the earliest event, and a description of the unit."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
        if np.isnan(values).any():
            row = int(np.flatnonzero(np.isnan(values))[0]) + 1
            raise UserError(
                f"column {name!r} has {int(np.isnan(values).sum())} missing time(s) "
                f"(first at data row {row})",
                hint="drop events without a time before running the near-repeat test",
            )
        return values - values.min(), "days (numeric input)"
    try:
        stamps = pd.to_datetime(column)
    except (TypeError, ValueError) as exc:
        raise UserError(
            f"column {name!r} cannot be read as dates or times ({exc.__class__.__name__})",
            hint="give dates (YYYY-MM-DD), timestamps or numbers of days",
        ) from None
    missing = stamps.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise UserError(
            f"column {name!r} has {int(missing.sum())} missing time(s) (NaT; first at data "
            f"row {row})",
            hint="drop events without a time before running the near-repeat test",
        )
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return (ns - ns.min()) / 86_400e9, "days"


@dataclass(frozen=True)
class _Inputs:
    xy: np.ndarray
    days: np.ndarray
    s_breaks: np.ndarray
    t_breaks: np.ndarray
    metric: Metric
    permutations: int


def _validate(data: pd.DataFrame, distance_bands: Sequence[float], time_bands: Sequence[float],
              metric: str, permutations: int, x: str, y: str, time: str) -> _Inputs:
    if not isinstance(data, pd.DataFrame):
        raise UserError(f"data must be a table (DataFrame); found {type(data).__name__}")
    missing = [c for c in (x, y, time) if c not in data.columns]
    if missing:
        raise UserError(
            f"the events table has no column(s) {', '.join(map(repr, missing))}; it has "
            f"{', '.join(map(repr, list(data.columns)[:12]))}",
            hint="name the coordinate and time columns with x=, y= and time=",
        )
    if metric not in METRICS:
        raise UserError(f"unknown distance metric {metric!r}", hint="use manhattan or euclidean")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer) \
            or permutations < 2:
        raise UserError(
            f"permutations must be a whole number of at least 2; found {permutations!r}",
            hint="99 gives p-values down to 0.01, 999 down to 0.001",
        )
    if len(data) < 2:
        raise UserError(
            f"the near-repeat test needs at least 2 events; found {len(data)}",
            hint="widen the area or period",
        )
    coords = []
    for col in (x, y):
        values = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + 1
            raise UserError(
                f"column {col!r} has {int(bad.sum())} missing or non-numeric coordinate(s) "
                f"(first at data row {row}, value {data[col].iloc[row - 1]!r})",
                hint="drop events without a location (e.g. police.uk 'No Location' rows) "
                "and use projected coordinates (British National Grid metres)",
            )
        coords.append(values)
    days, _unit = _times_in_days(data[time], time)
    xy = np.column_stack(coords)
    # One order for the events whatever order they came in (a warehouse scan has none): the
    # permutations shuffle positions, so the same events and seed give the same answer.
    order = np.lexsort((xy[:, 1], xy[:, 0], days))
    return _Inputs(
        xy=xy[order], days=days[order],
        s_breaks=_check_breaks("distance_bands", distance_bands, "metres"),
        t_breaks=_check_breaks("time_bands", time_bands, "days"),
        metric=metric,  # type: ignore[arg-type]
        permutations=int(permutations),
    )


# -- counting ---------------------------------------------------------------------------------
def _label(lo: float, hi: float) -> str:
    def fmt(v: float) -> str:
        if math.isinf(v):
            return "inf"
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    return f"[{fmt(lo)}, {fmt(hi)})"


def band_index(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Index of the half-open band ``[breaks[k], breaks[k+1])`` holding each value;
    -1 when below the first edge or at/above the last."""
    idx = np.searchsorted(breaks, values, side="right") - 1
    idx[idx >= breaks.size - 1] = -1
    return idx


def pair_distances(xy: np.ndarray, i: np.ndarray, j: np.ndarray, metric: Metric) -> np.ndarray:
    """Distances between events ``i`` and ``j`` (the one formula used everywhere)."""
    dx = np.abs(xy[i, 0] - xy[j, 0])
    dy = np.abs(xy[i, 1] - xy[j, 1])
    if metric == "manhattan":
        return dx + dy
    return np.sqrt(dx * dx + dy * dy)


def _close_pairs(xy: np.ndarray, max_distance: float, metric: Metric) -> tuple[np.ndarray, ...]:
    """Pairs (i < j) closer than ``max_distance`` (strictly), and their distances."""
    tree = cKDTree(xy)
    # A hair of slack so the tree's own rounding never loses a pair; the exact half-open
    # test is then made with pair_distances.
    radius = max_distance * (1 + 1e-9) + 1e-9
    pairs = tree.query_pairs(radius, p=1 if metric == "manhattan" else 2,
                             output_type="ndarray")
    i = pairs[:, 0].astype(np.int64)
    j = pairs[:, 1].astype(np.int64)
    d = pair_distances(xy, i, j, metric)
    keep = d < max_distance
    return i[keep], j[keep], d[keep]


def _all_pairs_by_time_band(days: np.ndarray, t_breaks: np.ndarray) -> np.ndarray:
    """Number of pairs of all events whose time gap falls in each time band (O(n log n))."""
    t = np.sort(days)
    n = t.size
    # pairs with gap < edge, for each edge: for each i, count j > i with t[j] - t[i] < edge.
    below = np.empty(t_breaks.size, dtype=np.int64)
    for k, edge in enumerate(t_breaks):
        if math.isinf(edge):
            below[k] = n * (n - 1) // 2
        else:
            upto = np.searchsorted(t, t + edge, side="left")
            below[k] = int((upto - np.arange(n) - 1).clip(min=0).sum())
    return np.diff(below)


def near_repeat(
    data: pd.DataFrame,
    *,
    distance_bands: Sequence[float],
    time_bands: Sequence[float],
    metric: Metric = "manhattan",
    permutations: int = 99,
    seed: int | None = None,
    x: str = "easting",
    y: str = "northing",
    time: str = "date",
    progress: Progress = SILENT,
) -> NearRepeatResult:
    """Knox test for space-time clustering of the events in ``data``.

    ``distance_bands`` and ``time_bands`` are band edges (metres and days), e.g.
    ``[0, 100, 200, 400]`` and ``[0, 7, 14, 28]``; bands are half-open ``[a, b)``.
    ``time`` may hold dates, timestamps or numbers of days. The times are shuffled
    ``permutations`` times with ``numpy.random.default_rng(seed)``; without a seed one is
    drawn, announced and recorded in the metadata so the run can be repeated.
    """
    inputs = _validate(data, distance_bands, time_bands, metric, permutations, x, y, time)
    notes: list[str] = []
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))  # type: ignore[operator]
        notes.append(f"no seed given: drew seed {seed}; pass seed={seed} to repeat this run")
    lo, hi = inputs.xy.min(axis=0), inputs.xy.max(axis=0)
    if (np.abs(inputs.xy[:, 0]) <= 180).all() and (np.abs(inputs.xy[:, 1]) <= 90).all() \
            and ((hi - lo) < 5).all() and not np.allclose(inputs.xy, np.round(inputs.xy)):
        notes.append("the coordinates span less than 5 units and look like longitude/latitude "
                     "degrees; distance bands are in coordinate units, so project the points "
                     "to the British National Grid (metres) first")
    rng = np.random.default_rng(seed)
    s_breaks, t_breaks = inputs.s_breaks, inputs.t_breaks
    ns, nt = s_breaks.size - 1, t_breaks.size - 1
    n = inputs.days.size
    inf_last = math.isinf(s_breaks[-1])
    finite_edges = s_breaks[:-1] if inf_last else s_breaks
    max_finite = float(finite_edges[-1])

    if max_finite > 0:
        ci, cj, cd = _close_pairs(inputs.xy, max_finite, inputs.metric)
    else:
        ci = cj = np.empty(0, dtype=np.int64)
        cd = np.empty(0)
    n_close_bands = finite_edges.size - 1  # bands counted from the close pairs
    s_idx = band_index(cd, finite_edges) if n_close_bands > 0 else np.full(cd.size, -1)
    keep = s_idx >= 0
    i, j = ci[keep], cj[keep]
    base = s_idx[keep].astype(np.int64) * nt
    # The unbounded last band = all pairs minus every pair closer than the last finite edge
    # (including pairs closer than the first edge); all pairs per time band never change
    # under permutation.
    all_by_t = _all_pairs_by_time_band(inputs.days, t_breaks) if inf_last else np.zeros(nt)

    # group of each close pair: its distance band; with an unbounded last band, the pairs
    # closer than the first edge form one more group (they count towards "near")
    group = np.where(s_idx >= 0, s_idx, n_close_bands) if inf_last else s_idx
    whole = WholeDayPairs.build(inputs.days, ci, cj, group,
                                n_close_bands + (1 if inf_last else 0))
    if whole is not None:
        gap_bands = whole.gap_bands(
            band_index(np.arange(whole.span + 1, dtype=float), t_breaks), nt)

        def count(days: np.ndarray) -> np.ndarray:
            by_band = whole.gap_histogram(days) @ gap_bands
            out = np.zeros(ns * nt, dtype=np.int64)
            out[: n_close_bands * nt] = by_band[:n_close_bands].ravel()
            if inf_last:
                out[(ns - 1) * nt:] = all_by_t - by_band.sum(axis=0)
            return out

        days = whole.whole_days
    else:
        def count(days: np.ndarray) -> np.ndarray:
            out = np.zeros(ns * nt, dtype=np.int64)
            if n_close_bands > 0:
                t_idx = band_index(np.abs(days[i] - days[j]), t_breaks)
                ok = t_idx >= 0
                out[: n_close_bands * nt] = np.bincount(
                    base[ok] + t_idx[ok], minlength=n_close_bands * nt
                )
            if inf_last:
                t_close = band_index(np.abs(days[ci] - days[cj]), t_breaks)
                near = np.bincount(t_close[t_close >= 0], minlength=nt)
                out[(ns - 1) * nt:] = all_by_t - near
            return out
        days = inputs.days

    observed = count(days)
    sims = np.empty((inputs.permutations, ns * nt), dtype=np.int64)
    with progress.task("Knox test permutations", total=inputs.permutations) as task:
        for k in range(inputs.permutations):
            # the same shuffle whatever the array's type: the permutation drawn depends
            # only on the generator and the number of events
            sims[k] = count(rng.permutation(days))
            task.advance()

    sim_mean = sims.mean(axis=0)
    sim_median = np.median(sims, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_mean = np.where(sim_mean > 0, observed / np.where(sim_mean > 0, sim_mean, 1),
                              np.nan)
        ratio_median = np.where(sim_median > 0,
                                observed / np.where(sim_median > 0, sim_median, 1), np.nan)
    p_value = ((sims >= observed).sum(axis=0) + 1) / (inputs.permutations + 1)

    rows = []
    for a in range(ns):
        for b in range(nt):
            k = a * nt + b
            rows.append({
                "distance_band": _label(s_breaks[a], s_breaks[a + 1]),
                "distance_from": float(s_breaks[a]), "distance_to": float(s_breaks[a + 1]),
                "time_band": _label(t_breaks[b], t_breaks[b + 1]),
                "time_from": float(t_breaks[b]), "time_to": float(t_breaks[b + 1]),
                "observed": int(observed[k]),
                "sim_mean": float(sim_mean[k]), "sim_median": float(sim_median[k]),
                "knox_ratio_mean": float(ratio_mean[k]),
                "knox_ratio_median": float(ratio_median[k]),
                "p_value": float(p_value[k]),
            })
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for note in notes:
        progress.note(note)
    metadata = {
        "method": "Knox test with Monte Carlo permutation of event times",
        "parameters": {
            "distance_bands": [float(v) for v in s_breaks],
            "time_bands": [float(v) for v in t_breaks],
            "metric": inputs.metric, "permutations": inputs.permutations, "seed": seed,
            "x": x, "y": y, "time": time,
        },
        "conventions": {
            "bands": "half-open [lower, upper); pairs below the first edge or at/above the "
                     "last edge are not counted",
            "distance_unit": "units of the coordinates (metres on EPSG:27700)",
            "time_unit": "days",
            "knox_ratio": "observed / mean (or median) of simulated counts; NaN when that is 0",
            "p_value": "(simulations with count >= observed + 1) / (permutations + 1)",
        },
        "n_events": int(n),
        "n_pairs": int(n * (n - 1) // 2),
        "n_pairs_counted": int(observed.sum()),
        "notes": notes,
    }
    return NearRepeatResult(table=table, metadata=metadata)
