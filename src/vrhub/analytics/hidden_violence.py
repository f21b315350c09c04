"""ED assaults beside police-recorded violence: the "hidden violence" ratio.

Surveys and the Cardiff Model work show that many assault injuries treated in emergency
departments never reach police records. For the same areas and months, the ratio of ED
assault attendances (ISTV) to police-recorded violence shows where that gap is widest.

Both counts are treated as Poisson and the ratio ``ED / police`` gets the exact
conditional interval of :func:`vrhub.analytics.poisson.rate_ratio` (given the total, ED's
share is binomial; Clopper-Pearson on that share, then transformed). Only months that
*both* sources cover are compared; an area-month present in one source but not the other
within those months counts as zero in the other.

Two cautions belong with every result: ED data place the assault where the patient says
it happened (or at home, or the ED itself when unknown), police data where the offence was
recorded; and not every ED in London submits every month. The ratio is a pointer to
under-reporting, not a measure of it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from vrhub.analytics.poisson import rate_ratio
from vrhub.analytics.series_inputs import (
    Choices,
    check_confidence,
    check_counts,
    check_months,
    require_columns,
)
from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress

COLUMNS = ("area_code", "area_name", "month_from", "month_to", "months", "ed_count",
           "police_count", "ratio", "ratio_lower", "ratio_upper")
"""Columns of :func:`hidden_violence`: one row per area (and month when ``by_month``);
``month_from``/``month_to`` the months compared, ``months`` how many, ``ratio`` ED per
police-recorded offence with its exact limits (``inf`` when police recorded none, NaN when
neither source has any)."""


def _prepare(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    require_columns(frame, ("area_code", "month", "count"), what=what)
    out = frame.copy()
    out["month"] = check_months(out["month"], what=what)
    out["count"] = check_counts(out["count"], what=what)
    if "area_name" not in out.columns:
        out["area_name"] = pd.NA
    return out


def hidden_violence(ed: pd.DataFrame, police: pd.DataFrame, *, by_month: bool = False,
                    ed_coverage: Iterable[str] | None = None,
                    police_coverage: Iterable[str] | None = None,
                    confidence: float = 0.95, progress: Progress = SILENT) -> pd.DataFrame:
    """ED assaults and police-recorded violence per area (and month), with the ratio.

    ``ed`` and ``police``: ``area_code``, ``month`` (YYYY-MM), ``count``, optional
    ``area_name``. Coverage defaults to the months present in each frame. Returns
    :data:`COLUMNS`.
    """
    what = "ED-police comparison"
    choices = Choices(progress)
    check_confidence(confidence, what=what)
    e = _prepare(ed, f"{what} (ED)")
    p = _prepare(police, f"{what} (police)")
    e_cov = set(ed_coverage) if ed_coverage is not None else set(e["month"])
    p_cov = set(police_coverage) if police_coverage is not None else set(p["month"])
    common = sorted(e_cov & p_cov)
    if not common:
        raise UserError(
            f"{what}: the ED and police data share no month (ED: "
            f"{_span(e_cov)}; police: {_span(p_cov)})",
            hint="load both sources for overlapping months or adjust --from/--to")
    dropped = sorted((e_cov | p_cov) - set(common))
    if dropped:
        choices.note(f"{len(dropped)} month(s) covered by only one source left out "
                     f"({_span(set(dropped))}); comparing {common[0]} to {common[-1]}")
    e = e[e["month"].isin(common)]
    p = p[p["month"].isin(common)]
    keys = ["area_code", "month"] if by_month else ["area_code"]
    ed_sum = e.groupby(keys)["count"].sum().rename("ed_count")
    police_sum = p.groupby(keys)["count"].sum().rename("police_count")
    merged = pd.concat([ed_sum, police_sum], axis=1).fillna(0.0).reset_index()
    names = pd.concat([p, e]).dropna(subset=["area_name"]).drop_duplicates("area_code")
    merged["area_name"] = merged["area_code"].map(names.set_index("area_code")["area_name"])
    if by_month:
        merged["month_from"] = merged["month"]
        merged["month_to"] = merged["month"]
        merged["months"] = 1
    else:
        merged["month_from"], merged["month_to"], merged["months"] = (
            common[0], common[-1], len(common))
    rr = rate_ratio(merged["ed_count"].to_numpy(), merged["police_count"].to_numpy(),
                    confidence=confidence)
    merged["ratio"], merged["ratio_lower"], merged["ratio_upper"] = rr.ratio, rr.lower, rr.upper
    result = merged.sort_values(["area_code", "month_from"]).reset_index(drop=True)
    result = result[list(COLUMNS)]
    return choices.attach(result, function="hidden_violence", parameters={
        "by_month": by_month, "confidence": confidence, "months": common})


def overall_ratio(result: pd.DataFrame, *, confidence: float = 0.95) -> dict[str, float]:
    """The ratio over all rows of a :func:`hidden_violence` result."""
    ed_total = float(result["ed_count"].sum())
    police_total = float(result["police_count"].sum())
    rr = rate_ratio(np.array([ed_total]), np.array([police_total]), confidence=confidence)
    return {"ed_count": ed_total, "police_count": police_total, "ratio": float(rr.ratio[0]),
            "ratio_lower": float(rr.lower[0]), "ratio_upper": float(rr.upper[0])}


def _span(months: set[str]) -> str:
    if not months:
        return "none"
    ordered = sorted(months)
    return ordered[0] if len(ordered) == 1 else f"{ordered[0]}..{ordered[-1]}"
