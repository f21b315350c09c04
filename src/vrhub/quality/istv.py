"""Data quality of ED assault (ISTV) submissions, per ED site and month.

For each site and reporting month (current submissions only):

* **completeness** of each element among accepted records: arrival date-time, assault time,
  a method other than 'unknown', a location type other than 'unknown', a location
  description, and a description of the method where it is 'other';
* **geocoding**: share of records placed at each confidence level — high (≥ 0.8), medium
  (0.5-0.8), low (< 0.5) — or left unresolved, and not yet attempted;
* **timeliness**: days from the end of the period to the first submission received for it
  (flagged ``late`` past :data:`LATE_DAYS`);
* **volume** against the site's own history: a month is flagged ``high``/``low`` when its
  count is more than :data:`VOLUME_Z` robust standard deviations from the median of the
  site's other months (standard deviation = max(1.4826 × MAD, √median), so that small sites
  are judged on Poisson noise), with at least :data:`MIN_HISTORY` other months.

Only counts and shares are reported: no record, no free text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from vrhub.quality import QualityReport, QualityResult, Section
from vrhub.standards.istv import ISTV_SUBMISSION
from vrhub.storage.queries import quality as quality_queries
from vrhub.storage.queries import run
from vrhub.storage.warehouse import Warehouse

LATE_DAYS = 30
VOLUME_Z = 3.0
MIN_HISTORY = 3
CONFIDENCE_LEVELS = (("high", 0.8), ("medium", 0.5), ("low", 0.0))
NOT_AVAILABLE = quality_queries.ISTV_NOT_AVAILABLE


def _pct(part: float, whole: float) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def site_months(warehouse: Warehouse) -> pd.DataFrame:
    """One row per site and period with the measures described above."""
    records = run(warehouse, quality_queries.ISTV_SITE_MONTHS)
    timeliness = run(warehouse, quality_queries.ISTV_TIMELINESS)
    frame = records.merge(timeliness, on=["site_code", "month"], how="left")
    frame["volume_flag"] = _volume_flags(frame)
    frame["late"] = frame["days_to_submit"] > LATE_DAYS
    return frame


def _volume_flags(frame: pd.DataFrame) -> list[str | None]:
    flags: list[str | None] = [None] * len(frame)
    for _, group in frame.groupby("site_code"):
        counts = group["records"].to_numpy(dtype=float)
        for pos, index in enumerate(group.index):
            others = np.delete(counts, pos)
            if len(others) < MIN_HISTORY:
                continue
            median = float(np.median(others))
            mad = float(np.median(np.abs(others - median)))
            spread = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
            z = (counts[pos] - median) / spread
            if z > VOLUME_Z:
                flags[frame.index.get_loc(index)] = "high"
            elif z < -VOLUME_Z:
                flags[frame.index.get_loc(index)] = "low"
    return flags


def build(warehouse: Warehouse) -> QualityResult:
    if not warehouse.has_table(ISTV_SUBMISSION.name):
        return QualityResult("istv", {"site_months": [], "note": "no ISTV submissions"}, [])
    frame = site_months(warehouse)
    rows: list[dict[str, Any]] = []
    for r in _records(frame):
        n = int(r["records"])
        rows.append({
            "site_code": r["site_code"], "month": r["month"], "records": n,
            "quarantined": int(r["quarantined"] or 0),
            "quality_score": None if r["quality_score"] is None else float(r["quality_score"]),
            "completeness_pct": {
                "arrival_at": _pct(r["arrival_at"], n),
                "assault_time": _pct(r["assault_time"], n),
                "assault_method": _pct(r["assault_method"], n),
                "location_type": _pct(r["location_type"], n),
                "location_description": _pct(r["location_description"], n),
                "method_other_description": _pct(r["method_other_description"], r["method_other"]),
            },
            "geocoded_pct": {
                "high": _pct(r["geo_high"], n), "medium": _pct(r["geo_medium"], n),
                "low": _pct(r["geo_low"], n), "unresolved": _pct(r["geo_unresolved"], n),
                "not_attempted": _pct(r["geo_not_attempted"], n),
            },
            "days_to_submit": None if r["days_to_submit"] is None else int(r["days_to_submit"]),
            "submissions": int(r["submissions"] or 0),
            "late": bool(r["late"] or False),
            "volume_flag": r["volume_flag"],
        })
    quarantine = quality_queries.istv_quarantine(warehouse)
    statuses = run(warehouse, quality_queries.ISTV_STATUSES)
    by_rule = dict(zip(quarantine["rule"], quarantine["records"].astype(int), strict=True))
    data: dict[str, Any] = {
        "site_months": rows,
        "quarantined_by_rule": by_rule,
        "submissions_by_status": dict(zip(statuses["status"], statuses["n"].astype(int),
                                          strict=True)),
        "thresholds": {"late_days": LATE_DAYS, "volume_z": VOLUME_Z,
                       "min_history_months": MIN_HISTORY},
    }
    sections = [
        Section("per ED site and month",
                ["site", "month", "records", "quarantined", "score", "complete %",
                 "geocoded % (high/med/low)", "days to submit", "flags"],
                [[r["site_code"], r["month"], r["records"], r["quarantined"], r["quality_score"],
                  _mean_pct(r["completeness_pct"]),
                  _geocoded_text(r["geocoded_pct"]),
                  r["days_to_submit"],
                  ", ".join(f for f in ("late" if r["late"] else "",
                                        f"volume {r['volume_flag']}" if r["volume_flag"]
                                        else "") if f)]
                 for r in rows]),
        Section("quarantined records by rule", ["rule", "records"],
                [[k, v] for k, v in by_rule.items()]),
    ]
    return QualityResult("istv", data, sections)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for values in frame.itertuples(index=False, name=None):
        row = dict(zip(frame.columns, values, strict=True))
        out.append({k: (None if _missing(v) else v) for k, v in row.items()})
    return out


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _mean_pct(values: dict[str, float | None]) -> float | None:
    present = [v for v in values.values() if v is not None]
    return round(sum(present) / len(present), 1) if present else None


def _geocoded_text(pct: dict[str, float | None]) -> str:
    if pct.get("not_attempted") == 100.0:
        return "not yet"
    return "/".join(_fmt(pct[k]) for k in ("high", "medium", "low"))


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


REPORTS = (QualityReport("istv", "ED assault (ISTV) submissions: completeness, geocoding, "
                         "timeliness and volume per ED site and month", build),)
