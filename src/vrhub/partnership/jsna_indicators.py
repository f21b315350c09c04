"""A borough's violence indicators in the layout public-health teams already use for their
Joint Strategic Needs Assessment (the shape of OHID's Fingertips data downloads): one row
per indicator, area and period with the value, its 95% confidence interval, the comparison
with London and with the borough's similar boroughs, and the recent trend.

The indicators are the hub indicators of the outcomes framework (ED assault attendances,
all ages, under 25 and with a knife or sharp object, per 100,000; police-recorded violence
with injury per 1,000; homicide, knife crime and possession of weapons per 100,000; the
ED-to-police ratio), computed once by :mod:`vrhub.outcomes.hub_indicators`. Here:

- **Confidence intervals**: rates per residents take exact Poisson (Garwood) limits on the
  count; the ED-to-police ratio takes the exact conditional interval of a ratio of two
  Poisson counts.
- **Compared with London / similar boroughs**: *Higher* or *Lower* when the benchmark's
  value lies outside the area's interval, else *Similar* (the Fingertips method for
  rates); *Better* or *Worse* follows from the indicator's direction. The similar boroughs'
  value is pooled (their counts over their residents).
- **Recent trend**: the latest period against the one before, by the exact interval of the
  rate ratio: *Increasing*, *Decreasing* or *No significant change*.
- **Disclosure control**: every count passes :mod:`vrhub.analytics.disclosure` (1 to 7
  suppressed, the rest rounded to 5); a value, interval, comparison and trend computed from
  a suppressed count are withheld with it.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from vrhub.analytics import disclosure
from vrhub.analytics.poisson import poisson_ci, rate_ratio
from vrhub.errors import UserError
from vrhub.outcomes import hub_indicators
from vrhub.outcomes.indicators import Indicator, default
from vrhub.reports.spreadsheet_safety import neutralise_frame
from vrhub.storage.warehouse import Warehouse

LONDON = hub_indicators.LONDON
RESIDENT_ELEMENTS = frozenset(hub_indicators.RESIDENTS)
COLUMNS = ["indicator_code", "indicator_name", "unit", "direction", "area_code", "area_name",
           "area_type", "period", "count", "denominator", "value", "lower_ci_95",
           "upper_ci_95", "london_value", "compared_with_london", "similar_value",
           "compared_with_similar", "recent_trend"]


def _kind(indicator: Indicator) -> str:
    """``rate`` (per residents), ``ratio`` (of two counts) or ``count``."""
    if indicator.denominator is None:
        return "count"
    if set(indicator.denominator.elements) <= RESIDENT_ELEMENTS:
        return "rate"
    return "ratio"


def _interval(kind: str, count: float, denominator: float | None, multiplier: float
              ) -> tuple[float, float]:
    if kind == "ratio":
        if not denominator:
            return (np.nan, np.nan)
        found = rate_ratio([count], [denominator])
        return float(found.lower[0]) * multiplier, float(found.upper[0]) * multiplier
    lower, upper = poisson_ci([count])
    scale = multiplier / denominator if kind == "rate" and denominator else (
        multiplier if kind == "count" else np.nan)
    return float(lower[0]) * scale, float(upper[0]) * scale


def _compare(value: float | None, low: float, high: float, direction: str) -> str:
    if value is None or not np.isfinite(low) or not np.isfinite(high):
        return "Not compared"
    if value < low:  # the benchmark is below the area's interval: the area is higher
        side = "Higher"
    elif value > high:
        side = "Lower"
    else:
        return "Similar"
    better = (side == "Higher") == (direction == "higher")
    return f"{side} ({'better' if better else 'worse'})"


def _trend(kind: str, latest: dict[str, Any], previous: dict[str, Any] | None) -> str:
    if previous is None or kind == "ratio" or latest["numerator"] is None \
            or previous["numerator"] is None:
        return "Cannot be calculated"
    e1 = latest["denominator"] if kind == "rate" else 1.0
    e2 = previous["denominator"] if kind == "rate" else 1.0
    if not e1 or not e2 or latest["numerator"] + previous["numerator"] == 0:
        return "Cannot be calculated"
    found = rate_ratio([latest["numerator"]], [previous["numerator"]], [e1], [e2])
    if found.lower[0] > 1:
        return "Increasing"
    if found.upper[0] < 1:
        return "Decreasing"
    return "No significant change"


def _disclosed(row: dict[str, Any], kind: str, indicators: dict[str, Indicator]
               ) -> dict[str, Any]:
    """The row with its counts as they may be shown (1 to 7 suppressed, the rest rounded to
    5) and its value recomputed from them, so the value never gives a count back."""
    out = dict(row)
    if row["numerator"] is None:
        return out
    out["suppressed"] = False
    numerator = disclosure.disclose_count(round(row["numerator"]))
    denominator = row["denominator"]
    if kind == "ratio" and denominator is not None:
        denominator = disclosure.disclose_count(round(denominator))
    if numerator is None or (kind == "ratio" and denominator is None):
        out.update(numerator=None, value=None, suppressed=True)
        return out
    out.update(numerator=float(numerator), denominator=denominator,
               value=indicators[row["indicator_code"]].value(float(numerator), denominator))
    return out


def indicator_rows(warehouse: Warehouse, borough: str, *, similar: list[str],
                   names: dict[str, str]) -> pd.DataFrame:
    """The borough's and London's rows (before disclosure control), latest period of each
    indicator and the periods before it, newest first."""
    indicators = default().of_source("hub")
    kinds = {i.code: _kind(i) for i in indicators}
    computed = [_disclosed(r, kinds[r["indicator_code"]], {i.code: i for i in indicators})
                for r in hub_indicators.compute(warehouse, indicators)]
    by_key: dict[tuple[str, str, str], dict[str, Any]] = {
        (r["indicator_code"], r["area_code"], r["period"]): r for r in computed}
    rows: list[dict[str, Any]] = []
    for indicator in indicators:
        kind = _kind(indicator)
        periods = sorted({r["period"] for r in computed
                          if r["indicator_code"] == indicator.code
                          and r["area_code"] == borough
                          and (r["numerator"] is not None or r.get("suppressed"))},
                         reverse=True)
        for i, period in enumerate(periods):
            london = by_key.get((indicator.code, LONDON, period))
            found = [by_key.get((indicator.code, code, period)) for code in similar]
            group = [g for g in found if g is not None and g["numerator"] is not None]
            pooled = None
            if group and kind == "count":
                pooled = indicator.value(sum(g["numerator"] for g in group) / len(group), None)
            elif group and all(g["denominator"] for g in group):
                pooled = indicator.value(sum(g["numerator"] for g in group),
                                         sum(g["denominator"] for g in group))
            for area in (borough, LONDON):
                row = by_key.get((indicator.code, area, period))
                if row is None or (row["numerator"] is None and not row.get("suppressed")):
                    continue
                if row["numerator"] is None:
                    rows.append({
                        "indicator_code": indicator.code, "indicator_name": indicator.name,
                        "unit": indicator.unit,
                        "direction": f"{indicator.direction} is better", "area_code": area,
                        "area_name": names.get(area, area),
                        "area_type": "Borough" if area == borough else "Region",
                        "period": period, "count": None, "denominator": row["denominator"],
                        "value": None, "lower_ci_95": None, "upper_ci_95": None,
                        "london_value": london["value"] if london else None,
                        **{c: "Withheld (small count)" for c in (
                            "compared_with_london", "compared_with_similar",
                            "recent_trend")}, "similar_value": None})
                    continue
                low, high = _interval(kind, row["numerator"], row["denominator"],
                                      indicator.multiplier)
                before = by_key.get((indicator.code, area, periods[i + 1])) \
                    if i + 1 < len(periods) else None
                is_borough = area == borough
                rows.append({
                    "indicator_code": indicator.code, "indicator_name": indicator.name,
                    "unit": indicator.unit, "direction": f"{indicator.direction} is better",
                    "area_code": area, "area_name": names.get(area, "London" if area == LONDON
                                                              else area),
                    "area_type": "Borough" if is_borough else "Region",
                    "period": period, "count": row["numerator"],
                    "denominator": row["denominator"], "value": row["value"],
                    "lower_ci_95": low, "upper_ci_95": high,
                    "london_value": london["value"] if london else None,
                    "compared_with_london": _compare(london["value"] if london else None,
                                                     low, high, indicator.direction)
                    if is_borough else "",
                    "similar_value": pooled if is_borough else None,
                    "compared_with_similar": _compare(pooled, low, high, indicator.direction)
                    if is_borough else "",
                    "recent_trend": _trend(kind, row, before)})
    return pd.DataFrame(rows, columns=COLUMNS)


def controlled(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as shared: their counts checked by the disclosure module (they were
    suppressed and rounded before anything was computed from them, so this changes
    nothing and fails loudly if a count slipped through), figures to 2 decimals."""
    if frame.empty:
        return frame
    figures = frame[["indicator_code", "area_code", "period", "count"]].copy()
    figures["count"] = frame["count"].astype("Float64").round().astype("Int64")
    checked = disclosure.apply(figures, ["count"])
    if not checked["count"].equals(figures["count"]):
        raise UserError("a count escaped disclosure control",
                        hint="this is a fault in vrhub; report it")
    out = frame.copy()
    out["count"] = figures["count"]
    for column in ("value", "lower_ci_95", "upper_ci_95", "london_value", "similar_value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").round(2)
    for column in ("compared_with_london", "compared_with_similar"):
        out[column] = out[column].fillna("")
    return out


def borough_indicators(warehouse: Warehouse, borough: str) -> pd.DataFrame:
    """The disclosure-controlled Fingertips-layout rows of ``borough`` (a GSS code)."""
    from vrhub.reports.comparison import groups
    from vrhub.storage.names import area_names

    frame = area_names(warehouse, "borough")
    names = {str(c): str(n) for c, n in zip(frame["code"], frame["name"], strict=True)}
    if borough not in names:
        raise UserError(f"{borough!r} is not a loaded borough",
                        hint="load the boundaries first, or check the code (E09...)")
    try:
        similar = groups(warehouse).similar.get(borough, [])
    except UserError:
        similar = []
    return controlled(indicator_rows(warehouse, borough, similar=similar, names=names))


def to_bytes(frame: pd.DataFrame, file_format: str) -> bytes:
    """CSV (UTF-8 with a byte-order mark, as spreadsheets expect) or XLSX, with no cell a
    spreadsheet would run as a formula."""
    safe = neutralise_frame(frame)
    if file_format == "csv":
        return safe.to_csv(index=False).encode("utf-8-sig")
    if file_format == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            safe.to_excel(writer, sheet_name="Indicators", index=False)
            pd.DataFrame({"note": [line.strip() for line in (__doc__ or "").splitlines()
                                   if line.strip()]}).to_excel(
                writer, sheet_name="Method", index=False)
        return buffer.getvalue()
    raise UserError(f"unknown format {file_format!r}", hint="use csv or xlsx")
