"""The near-repeat risk window and zone around a critical incident, from the Knox test on
the area's recent events.

The rule (docs/explanation/critical-incidents.md):

- Events: the incident's borough, the 12 complete months before the incident's month. ED
  assaults (dated to the day) when at least :data:`MIN_EVENTS` of them have a point;
  otherwise police.uk violence and sexual offences, dated to the month only.
- Bands: distance ``0, 100, 200, 400`` metres (Manhattan); time ``0, 7, 14, 28, 56`` days for
  ED assaults, ``0, 32, 63, 94`` days for police.uk (same or next month, two months, three
  months apart: monthly dates cannot resolve less).
- A cell is *significant* when its Knox ratio is at least :data:`MIN_RATIO` and its p-value
  at most :data:`MAX_P` (99 permutations, seeded from the incident's reference, so the run
  can be repeated with ``vrhub nearrepeat ... --seed``).
- The zone's radius is the upper edge of the last of the consecutive significant distance
  bands in the first time band; the window is the upper edge of the last of the
  consecutive significant time bands in the first distance band.
- When the nearest, shortest cell is not significant, or the events are too few, the
  protocol's default (14 days, 400 m) is used and the zone says why.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from vrhub.analytics.nearrepeat import near_repeat
from vrhub.standards.incidents import DEFAULT_RADIUS_METRES, DEFAULT_WINDOW_DAYS

DISTANCE_BANDS = (0.0, 100.0, 200.0, 400.0)
ED_TIME_BANDS = (0.0, 7.0, 14.0, 28.0, 56.0)
POLICE_TIME_BANDS = (0.0, 32.0, 63.0, 94.0)
PERMUTATIONS = 99
MIN_EVENTS = 30
MIN_RATIO = 1.2
MAX_P = 0.05
POLICE_CATEGORY = "Violence and sexual offences"


@dataclass(frozen=True)
class Zone:
    radius_m: float
    window_days: float
    basis: str  # "knox" or "default"
    reason: str
    source: str | None = None  # "istv" or "police"
    category: str | None = None
    borough: str | None = None
    months: tuple[str, str] | None = None
    events: int = 0
    seed: int | None = None
    distance_bands: tuple[float, ...] = DISTANCE_BANDS
    time_bands: tuple[float, ...] = ()
    table: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["months"] = list(self.months) if self.months else None
        out["distance_bands"] = list(self.distance_bands)
        out["time_bands"] = list(self.time_bands)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Zone:
        values = dict(data)
        values["months"] = tuple(values["months"]) if values.get("months") else None
        values["distance_bands"] = tuple(values.get("distance_bands") or DISTANCE_BANDS)
        values["time_bands"] = tuple(values.get("time_bands") or ())
        return cls(**values)

    @property
    def command(self) -> str | None:
        """The ``vrhub nearrepeat`` command that repeats this Knox run."""
        if self.source is None or self.months is None:
            return None
        parts = ["vrhub nearrepeat", f"--source {self.source}"]
        if self.category:
            parts.append(f"--category '{self.category}'")
        parts += [f"--borough {self.borough}", f"--from {self.months[0]}",
                  f"--to {self.months[1]}",
                  "--distance-bands " + ",".join(f"{b:g}" for b in self.distance_bands),
                  "--time-bands " + ",".join(f"{b:g}" for b in self.time_bands),
                  f"--permutations {PERMUTATIONS}", f"--seed {self.seed}"]
        return " ".join(parts)


def seed_for(reference: str) -> int:
    """A seed drawn from the incident's reference: the same incident, the same run."""
    return int.from_bytes(hashlib.sha256(reference.encode()).digest()[:4], "big")


def default_zone(reason: str, **context: Any) -> Zone:
    return Zone(radius_m=DEFAULT_RADIUS_METRES, window_days=DEFAULT_WINDOW_DAYS,
                basis="default", reason=reason, **context)


def zone_from_events(events: pd.DataFrame, *, source: str, category: str | None,
                     borough: str, months: tuple[str, str], seed: int,
                     area_name: str) -> Zone:
    """The zone from ``events`` (columns easting, northing, date) of one area."""
    time_bands = ED_TIME_BANDS if source == "istv" else POLICE_TIME_BANDS
    context: dict[str, Any] = {"source": source, "category": category, "borough": borough,
                               "months": months, "events": len(events), "seed": seed,
                               "time_bands": time_bands}
    period = f"{area_name}'s events from {months[0]} to {months[1]}"
    if len(events) < MIN_EVENTS:
        return default_zone(
            f"too few events to test ({len(events)} with a point in {period}; "
            f"at least {MIN_EVENTS} are needed): the protocol's default is used", **context)
    result = near_repeat(events, distance_bands=DISTANCE_BANDS, time_bands=time_bands,
                         permutations=PERMUTATIONS, seed=seed)
    table = result.table
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()} for r in table.to_dict("records")]
    context["table"] = rows
    n_d, n_t = len(DISTANCE_BANDS) - 1, len(time_bands) - 1

    def significant(d: int, t: int) -> bool:
        row = rows[d * n_t + t]
        ratio, p_value = row["knox_ratio_mean"], row["p_value"]
        return (ratio is not None and float(ratio) >= MIN_RATIO
                and p_value is not None and float(p_value) <= MAX_P)

    if not significant(0, 0):
        return default_zone(
            f"no significant near-repeat pattern in {period} (the closest, shortest band "
            f"needs a Knox ratio of at least {MIN_RATIO} with p <= {MAX_P}): the "
            "protocol's default is used", **context)
    d = 0
    while d + 1 < n_d and significant(d + 1, 0):
        d += 1
    t = 0
    while t + 1 < n_t and significant(0, t + 1):
        t += 1
    radius, window = DISTANCE_BANDS[d + 1], time_bands[t + 1]
    return Zone(radius_m=radius, window_days=window, basis="knox",
                reason=(f"the Knox test on {period} finds more pairs than chance within "
                        f"{radius:g} m and {window:g} days"), **context)
