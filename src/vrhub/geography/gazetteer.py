"""The gazetteer in memory: every place name vrhub knows, with the points each name can
refer to, held as arrays for fast matching (:mod:`vrhub.geography.matching`).

Building it from the warehouse, persisting it in the ``gazetteer_*`` tables
(:mod:`vrhub.standards.gazetteer`) and loading it back is :mod:`vrhub.places.gazetteer`'s.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vrhub.geography.text import core_of

KIND_PREFERENCE = {"street": 0, "station": 1, "landmark": 2, "ed_site": 3, "place": 4,
                   "area": 5}
"""When one normalised name has several kinds, the name takes the first of these."""


@dataclass
class Gazetteer:
    """Names and points in memory. Points are sorted by name; the points of name ``i`` are
    ``offsets[i]:offsets[i + 1]``."""

    names: list[str]
    kinds: list[str]
    area_codes: list[str | None]
    offsets: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    weight: np.ndarray
    lsoa: np.ndarray  # object arrays of codes (None where unknown)
    ward: np.ndarray
    borough: np.ndarray
    postcodes: dict[str, tuple[float, float, str | None, str | None, str | None]] = field(
        default_factory=dict
    )
    lsoa_borough: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    by_core: dict[str, list[int]] = field(default_factory=dict)
    max_name_tokens: int = 1
    lsoa_area: dict[str, float] = field(default_factory=dict)
    lsoa_codes: list[str] = field(default_factory=list)
    lsoa_id: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        codes = sorted({c for c in self.lsoa if c})
        self.lsoa_codes = codes
        position = {c: i for i, c in enumerate(codes)}
        self.lsoa_id = np.array([position.get(c, -1) if c else -1 for c in self.lsoa],
                                dtype=np.int64)
        self.by_name = {n: i for i, n in enumerate(self.names)}
        cores: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self.names):
            core = core_of(name)
            if core and self.kinds[i] == "street":
                cores[core].append(i)
        self.by_core = dict(cores)
        self.max_name_tokens = max((len(n.split()) for n in self.names), default=1)
        for lsoa, borough in zip(self.lsoa, self.borough, strict=True):
            if lsoa and borough and lsoa not in self.lsoa_borough:
                self.lsoa_borough[lsoa] = borough

    def __len__(self) -> int:
        return len(self.names)

    @property
    def n_points(self) -> int:
        return len(self.easting)

    def points_of(self, index: int) -> slice:
        return slice(int(self.offsets[index]), int(self.offsets[index + 1]))


def from_frame(frame: pd.DataFrame, postcodes: dict[str, Any] | None = None) -> Gazetteer:
    """A :class:`Gazetteer` from one row per (name, point), sorted by name."""
    frame = frame.sort_values("name", kind="stable").reset_index(drop=True)
    names_col = frame["name"].to_numpy(dtype=object)
    if len(frame):
        change = np.flatnonzero(names_col[1:] != names_col[:-1]) + 1
        starts = np.concatenate([[0], change])
    else:
        starts = np.zeros(0, dtype=int)
    offsets = np.concatenate([starts, [len(frame)]]).astype(np.int64)
    rank = frame["kind"].map(KIND_PREFERENCE).fillna(9).to_numpy()
    ends = np.concatenate([starts[1:], [len(frame)]]).astype(np.int64)
    best_kind = []
    area_of = []
    kinds_col = frame["kind"].to_numpy(dtype=object)
    area_col = frame["area_code"].to_numpy(dtype=object)
    for s, e in zip(starts, ends, strict=True):
        best_kind.append(str(kinds_col[s + int(np.argmin(rank[s:e]))]))
        codes = [c for c in area_col[s:e] if isinstance(c, str) and c]
        area_of.append(codes[0] if codes else None)

    def _codes(col: str) -> np.ndarray:
        values = frame[col].astype(object).to_numpy()
        return np.array([v if isinstance(v, str) and v else None for v in values], dtype=object)

    return Gazetteer(
        names=[str(names_col[i]) for i in starts],
        kinds=best_kind,
        area_codes=area_of,
        offsets=offsets,
        easting=frame["easting"].to_numpy(dtype=float),
        northing=frame["northing"].to_numpy(dtype=float),
        weight=frame["weight"].to_numpy(dtype=float),
        lsoa=_codes("lsoa21_code"),
        ward=_codes("ward_code"),
        borough=_codes("borough_code"),
        postcodes=postcodes or {},
    )
