"""The trends section: five years (where the data exist) of each category of the
definition, counts and rates per 1,000 residents against London, and each year's change
on the year before with its exact 95% interval.

Counts are MPS recorded crime by borough and month (:func:`vrhub.storage.series.
monthly_counts`); London is the sum of its boroughs. Each year is the 12 months ending
at the assessment's last month, or 12, 24, ... months before it. Changes come from
:func:`vrhub.analytics.trends.year_on_year` (events per covered month compared, exact
conditional interval), the function the borough profile's headlines use; rates take
exact Poisson limits (:func:`vrhub.analytics.poisson.rate_ci`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vrhub.analytics.poisson import rate_ci
from vrhub.analytics.trends import year_on_year
from vrhub.errors import UserError
from vrhub.partnership.sna_data import LONDON, TREND_YEARS, SourceData
from vrhub.partnership.sna_model import SECTION_TITLES, Area, Section, unavailable
from vrhub.reports.borough_profile import Headline
from vrhub.standards.months import Month, month_span, shift

TOTAL = "serious_violence"
CITY_OF_LONDON = "E09000001"
TOTAL_LABEL = "Serious violence (total of the definition)"
COLUMNS = ["category", "label", "year_from", "year_to", "months_covered", "count",
           "population", "rate_per_1000", "rate_lower", "rate_upper", "london_count",
           "london_population", "london_rate_per_1000", "previous",
           "previous_months", "pct_change", "ratio_lower", "ratio_upper", "p_value"]


def _labels(data: SourceData) -> dict[str, str]:
    labels = {c.key: c.label for c in data.definition.categories}
    labels[TOTAL] = TOTAL_LABEL
    return labels


def all_trends(data: SourceData) -> pd.DataFrame:
    """Every area's (each borough's and London's) yearly rows, computed once."""
    if "trends" in data.cache:
        cached: pd.DataFrame = data.cache["trends"]
        return cached
    counts = data.counts
    totals = [c.key for c in data.definition.total_categories if c.key in data.coverage]
    if len(counts):
        summed = counts[counts["category"].isin(totals)].groupby(
            ["area_code", "month"])["count"].sum().reset_index()
        summed["category"] = TOTAL
        counts = pd.concat([counts, summed], ignore_index=True)
        london = counts.groupby(["category", "month"])["count"].sum().reset_index()
        london["area_code"] = LONDON
        counts = pd.concat([counts, london], ignore_index=True)
    population = data.population.get("borough", pd.Series(dtype=float))
    population = pd.concat([population, pd.Series(
        {LONDON: float(population[population.index.isin(data.borough_names)].sum())})])
    labels = _labels(data)
    rows: list[pd.DataFrame] = []
    if len(counts):
        for months_held, chosen in _coverage_groups(data, totals).items():
            rows += _years(data, counts[counts["category"].isin(chosen)], list(months_held))
    if not rows:
        frame = pd.DataFrame(columns=["area_code", *COLUMNS])
        data.cache["trends"] = frame
        return frame
    frame = pd.concat(rows, ignore_index=True)
    frame["label"] = frame["category"].map(labels)
    frame["population"] = frame["area_code"].map(population)
    pop = frame["population"].to_numpy(dtype="float64")
    rate, low, high = rate_ci(frame["count"].to_numpy(dtype="float64"),
                              np.where(np.isnan(pop), np.nan, pop))
    per_month = 12 / frame["months_covered"].to_numpy(dtype="float64")
    frame["rate_per_1000"], frame["rate_lower"], frame["rate_upper"] = (
        rate * per_month, low * per_month, high * per_month)
    london = frame[frame["area_code"] == LONDON].set_index(["category", "year_to"])
    keys = list(zip(frame["category"], frame["year_to"], strict=True))
    for column, source in (("london_count", "count"), ("london_population", "population"),
                           ("london_rate_per_1000", "rate_per_1000")):
        values = london[source]
        frame[column] = [values.get(key, np.nan) for key in keys]
    order = {key: i for i, key in enumerate([*labels])}
    frame["order"] = frame["category"].map(order)
    frame = frame.sort_values(["area_code", "order", "year_to"], ascending=[True, True, False])
    data.cache["trends"] = frame.drop(columns="order").reset_index(drop=True)
    return data.cache["trends"]


def _coverage_groups(data: SourceData, totals: list[str]
                     ) -> dict[tuple[str, ...], list[str]]:
    """Categories grouped by the months their source covers: the recorded-crime
    categories share one coverage, a category counted from the Monthly Crime Dashboard
    (knife crime) has the dashboard's, so that a year before the dashboard begins is not
    read as a year without offences."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for key, months in data.coverage.items():
        groups.setdefault(tuple(sorted(months)), []).append(key)
    if totals:
        union = tuple(sorted({m for k in totals for m in data.coverage[k]}))
        groups.setdefault(union, []).append(TOTAL)
    return groups


def _years(data: SourceData, counts: pd.DataFrame, covered: list[str]
           ) -> list[pd.DataFrame]:
    """Each trend year's counts and change on the year before, for categories whose
    source covers the months ``covered``."""
    rows: list[pd.DataFrame] = []
    for k in range(TREND_YEARS):
        year_end = shift(data.end, -12 * k)
        months = month_span(shift(year_end, -11), year_end)
        n_covered = sum(m in set(covered) for m in months)
        if not n_covered or not len(counts):
            continue
        part = counts[counts["month"].isin(months)]
        year = part.groupby(["area_code", "category"])["count"].sum().reset_index()
        year["year_from"], year["year_to"], year["months_covered"] = (
            months[0], year_end, n_covered)
        try:
            yoy = year_on_year(counts, period=(None, year_end), coverage=covered)
            year = year.merge(yoy[["area_code", "category", "previous", "previous_months",
                                   "pct_change",
                                   "ratio_lower", "ratio_upper", "p_value"]],
                              on=["area_code", "category"], how="left")
        except UserError:  # no year before it in the data
            for column in ("previous", "previous_months", "pct_change", "ratio_lower",
                           "ratio_upper", "p_value"):
                year[column] = np.nan
        rows.append(year)
    return rows


def _round(value: object, places: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    number = float(value)  # type: ignore[arg-type]
    return round(number, places) if math.isfinite(number) else None


def findings(table: pd.DataFrame, end: str, is_london: bool
             ) -> tuple[dict[str, int | float | str | None], list[str]]:
    """The latest year's figures and sentences from an area's trend table (the full
    table, or the public one with its disclosed counts)."""
    latest = table[table["year_to"] == end]
    figures: dict[str, int | float | str | None] = {}
    text = []
    for row in latest.to_dict("records"):
        key, label, rate, london = (str(row["category"]), str(row["label"]),
                                    row["rate_per_1000"], row["london_rate_per_1000"])
        count = None if pd.isna(row["count"]) else int(row["count"])
        figures[f"{key}_count"] = count
        figures[f"{key}_rate_per_1000"] = _round(rate)
        figures[f"{key}_change_pct"] = _round(row["pct_change"], 1)
        if count is None:
            text.append(f"{label}: too few offences to publish.")
            continue
        if pd.notna(row["previous"]) and pd.notna(row["ratio_lower"]):
            change = row["pct_change"]
            heading = Headline(label, count, int(row["previous"]),
                               float(1 + change / 100) if pd.notna(change) else math.inf,
                               float(row["ratio_lower"]), float(row["ratio_upper"]),
                               float(row["p_value"]), str(row["year_from"]),
                               str(row["year_to"]), int(row["months_covered"]) == 12)
            sentence = heading.sentence
        else:
            sentence = (f"{label}: {count:,} in the year to "
                        f"{Month.parse(str(row['year_to'])).label}; no year before it to "
                        "compare.")
        if not is_london and pd.notna(rate) and pd.notna(london):
            sentence += (f" That is {float(rate):.2f} per 1,000 residents, against "
                         f"{float(london):.2f} across London.")
        text.append(sentence)
    return figures, text


def section(data: SourceData, area: Area) -> Section:
    if "mps" in data.missing:
        return unavailable("trends", data.missing["mps"])
    trends = all_trends(data)
    mine = trends[trends["area_code"] == area.code]
    if not len(mine):
        if area.code == CITY_OF_LONDON:
            return unavailable("trends", "the City of London's crime is recorded by the City "
                               "of London Police, which the MPS recorded-crime tables do not "
                               "cover; its street-level crimes (police.uk) are in the other "
                               "sections")
        return unavailable("trends", f"the MPS recorded-crime counts hold no offences of the "
                           f"definition for {area.name}; check that its borough table is "
                           "loaded (vrhub load mps ...)")
    mine = mine[COLUMNS].reset_index(drop=True)
    figures, text = findings(mine, data.end, area.is_london)
    years = sorted(mine["year_to"].unique())
    figures["years_with_data"] = len(years)
    have = [c.label for c in data.definition.categories
            if c.key in data.coverage and c.key not in data.dashboard_keys]
    lacking = [c.label for c in data.definition.categories if c.key not in data.coverage]
    dashboard = [f"{c.label} (from {Month.parse(data.coverage[c.key][0]).label})"
                 for c in data.definition.categories
                 if c.key in data.dashboard_keys and data.coverage[c.key]]
    notes = [
        f"Years with data: {len(years)} of {TREND_YEARS} (each the 12 months to "
        + ", ".join(Month.parse(y).label for y in reversed(years)) + "). MPS recorded crime "
        "by borough is loaded for these categories: " + ", ".join(have) + "."
        + (" Counted from the MPS Monthly Crime Dashboard (borough offences): "
           + ", ".join(dashboard) + "." if dashboard else "")
        + (f" Not in the loaded MPS tables: {', '.join(lacking)}." if lacking else ""),
        "A year with fewer than 12 months covered compares offences per covered month; "
        "its rate is scaled to 12 months. Changes carry exact 95% confidence intervals "
        "for the ratio of the two years' counts; an interval that includes no change "
        "could be chance. London is the sum of the 32 boroughs (the City of London's "
        "crime is recorded by its own force and is not in the MPS tables).",
    ]
    if data.population.get("borough") is None:
        notes.append("No resident population is loaded, so there are no rates: "
                     + data.missing.get("population", ""))
    return Section("trends", SECTION_TITLES["trends"], True, None, figures,
                   {"trends": mine}, tuple(text), notes=tuple(notes))
