"""Chart specifications (Vega-Lite through Altair), rendered to SVG by vl-convert.

Charts are images (``<img src="/charts/...svg">``), so the page's Content-Security-Policy
needs no script or inline style for them; each chart on a page is followed by a table of
the same figures. Text is Arial and at least 12 px; colours keep 3:1 contrast.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

FONT = "Arial"
LINE = "#1d70b8"
MAX_LABELS = 12
"""Month labels on an axis at most: a long series labels every 2nd, 3rd... month."""
POINTS_UP_TO = 36
"""Months up to which each month's point is drawn on a line."""


def month_axis(months: list[str]) -> tuple[list[str], alt.X]:
    """Each month written ``Oct 2024`` and an ordinal x axis over them, in order, that
    labels at most :data:`MAX_LABELS` evenly spaced months (a 188-month series stays
    readable instead of one smear of labels)."""
    from vrhub.standards.months import Month

    labels = [Month.parse(m).short_label if Month.is_valid(m) else str(m) for m in months]
    order = list(dict.fromkeys(labels))
    step = max(1, -(-len(order) // MAX_LABELS))
    shown = order[::-1][::step][::-1]  # always label the latest month
    axis = alt.Axis(labelAngle=-40 if step == 1 else 0, values=shown, labelOverlap=True)
    return labels, alt.X("label:O", title="Month", sort=order, axis=axis)


def _config(chart: alt.Chart) -> alt.Chart:
    return chart.configure(font=FONT).configure_axis(
        labelFontSize=12, titleFontSize=13, labelColor="#0b0c0c", titleColor="#0b0c0c",
        gridColor="#e5e5e5").configure_view(stroke=None)


def monthly_line(rows: list[dict[str, Any]], *, title: str, y_title: str = "Offences",
                 width: int = 640) -> alt.Chart:
    """Counts by month (``month``, ``count``; null = suppressed, drawn as a gap)."""
    frame = pd.DataFrame(rows, columns=["month", "count"])
    labels, x = month_axis([str(m) for m in frame["month"]])
    frame["label"] = labels
    chart = alt.Chart(frame, title=title, width=width, height=260).mark_line(
        point=len(frame) <= POINTS_UP_TO, color=LINE, strokeWidth=2).encode(
        x=x, y=alt.Y("count:Q", title=y_title, scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("label:N", title="Month"), "count"])
    return _config(chart)


def score_lines(rows: list[dict[str, Any]], *, title: str, width: int = 640) -> alt.Chart:
    """Quality score (0-100) by month, one line per ED site (``site``, ``month``,
    ``score``)."""
    frame = pd.DataFrame(rows, columns=["site", "month", "score"])
    labels, x = month_axis([str(m) for m in frame["month"]])
    frame["label"] = labels
    chart = alt.Chart(frame, title=title, width=width, height=240).mark_line(
        point=frame["month"].nunique() <= POINTS_UP_TO, strokeWidth=2).encode(
        x=x,
        y=alt.Y("score:Q", title="Quality score", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("site:N", title="ED site"),
        strokeDash=alt.StrokeDash("site:N", title="ED site"))
    return _config(chart)


def hour_day_heatmap(rows: list[dict[str, Any]], *, title: str) -> alt.Chart:
    """Events by day of week and hour (``day``, ``hour``, ``count``)."""
    frame = pd.DataFrame(rows, columns=["day", "hour", "count"])
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    chart = alt.Chart(frame, title=title, width=600, height=220).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of the day"),
        y=alt.Y("day:O", title=None, sort=days),
        color=alt.Color("count:Q", title="Assaults", scale=alt.Scale(scheme="orangered")))
    return _config(chart)


def to_svg(chart: alt.Chart) -> str:
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(chart.to_json())
    return svg


def percent_trend(rows: list[dict[str, Any]], *, title: str, target: float | None = None,
                  width: int = 560) -> alt.Chart:
    """A percentage by reporting period (``period``, ``pct``, ``low``, ``high``) with its
    interval as a band and the target as a dashed rule."""
    frame = pd.DataFrame(rows, columns=["period", "pct", "low", "high"])
    order = list(frame["period"])
    x = alt.X("period:O", title="Period", sort=order, axis=alt.Axis(labelAngle=0))
    y = alt.Y("pct:Q", title="% agreeing", scale=alt.Scale(domain=[0, 100]))
    band = alt.Chart(frame).mark_area(opacity=0.2, color=LINE).encode(
        x=x, y=alt.Y("low:Q", scale=alt.Scale(domain=[0, 100])), y2="high:Q")
    line = alt.Chart(frame).mark_line(point=True, color=LINE, strokeWidth=2).encode(
        x=x, y=y, tooltip=["period", alt.Tooltip("pct:Q", format=".1f")])
    layers: list[alt.Chart] = [band, line]
    if target is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            strokeDash=[6, 4], color="#0b0c0c").encode(y="target:Q"))
    chart = alt.layer(*layers, title=title[:80]).properties(width=width, height=220)
    return _config(chart)  # type: ignore[arg-type]
