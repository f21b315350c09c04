"""The "when", "who" and "risk" sections.

* When: the hour-of-day by day-of-week profile of ED assaults (aoristic where only the
  date is known, :func:`vrhub.analytics.aoristic.aoristic_profile`, as ``vrhub trends
  profile`` draws it) and the seasonal profile of police-recorded serious violence (each
  calendar month's share over the years loaded).
* Who: ED assaults by the patient's age band, and the ED-to-police "hidden violence"
  ratio (:func:`vrhub.analytics.hidden_violence.hidden_violence`: ED assaults per
  police-recorded offence of the place category, months both sources cover).
* Risk: IMD 2025 (overall and each domain) as the share of the area's LSOAs among
  England's most deprived 20%, and residents under 25.
"""

from __future__ import annotations

import calendar
from typing import Any

import numpy as np
import pandas as pd

from vrhub.analytics.aoristic import aoristic_profile
from vrhub.analytics.hidden_violence import hidden_violence
from vrhub.partnership import sna_maps
from vrhub.partnership.sna_data import SourceData
from vrhub.partnership.sna_model import SECTION_TITLES, Area, Section, unavailable
from vrhub.standards.deprivation import IMD_DOMAINS

AGE_ORDER = ("0-10", "11-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
WEEKDAYS = tuple(calendar.day_abbr)


def _ed(data: SourceData, area: Area) -> pd.DataFrame | None:
    if data.ed is None:
        return None
    mine = data.ed[data.ed["borough_code"].isin(area.boroughs)]
    return mine if len(mine) else None


def _no_ed(data: SourceData, area: Area) -> str:
    return data.missing.get("istv") or (
        f"no ED assault (ISTV) records are placed in {area.name} for {data.latest_start} "
        f"to {data.end}; the EDs treating its residents have not submitted, or their "
        "records could not be geocoded (vrhub istv submit ..., vrhub istv geocode)")


def season_findings(season: pd.DataFrame) -> tuple[dict[str, Any], list[str]]:
    index = pd.to_numeric(season["index"], errors="coerce")
    if not index.notna().any():
        return {}, []
    peak = season.iloc[int(np.nanargmax(index.to_numpy(dtype="float64")))]
    return ({"peak_month": str(peak["month_name"])},
            [f"Police-recorded serious violence is highest in {peak['month_name']} "
             f"({float(peak['index']):.0f} against an average month of 100)."])


def age_findings(ages: pd.DataFrame) -> tuple[dict[str, Any], list[str]]:
    counts = pd.to_numeric(ages["count"], errors="coerce")
    known = float(counts.sum())
    if not known:
        return {}, []
    young = float(counts[ages["age_band"].isin(AGE_ORDER[:4])].sum())
    return ({"ed_assaults_under_25": int(young),
             "under_25_share_pct": round(young / known * 100, 1)},
            [f"{young / known:.0%} of ED assault patients with a recorded age were under 25."])


def ratio_findings(ed_police: pd.DataFrame, place: str) -> tuple[dict[str, Any], list[str]]:
    ed = pd.to_numeric(ed_police["ed_count"], errors="coerce").sum()
    police = pd.to_numeric(ed_police["police_count"], errors="coerce").sum()
    if not police:
        return {}, []
    ratio = float(ed) / float(police)
    return ({"ed_to_police_ratio": round(ratio, 3)},
            [f"EDs treated {ratio:.2f} assault patients for every offence of {place.lower()} "
             "the police recorded in the same months: violence the police do not hear of."])


def when(data: SourceData, area: Area) -> Section:
    tables: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {}
    text: list[str] = []
    reasons: list[str] = []
    maps: list[tuple[str, str]] = []
    ed = _ed(data, area)
    if ed is not None:
        events = pd.DataFrame({"start": pd.to_datetime(ed["assault_at"])})
        events["end"] = events["start"].where(~ed["assault_time_known"].fillna(False)
                                              .to_numpy(bool)) + pd.Timedelta(days=1)
        events.loc[ed["assault_time_known"].fillna(False).to_numpy(bool), "end"] = pd.NaT
        profile = aoristic_profile(events, start="start", end="end")
        grid = profile.pivot(index="hour", columns="weekday", values="events")
        grid.columns = [WEEKDAYS[int(c)] for c in grid.columns]
        tables["hour_by_day"] = grid.reset_index()
        maps.append(("hour_by_day", sna_maps.heat_grid(
            grid.T.to_numpy().tolist(), rows=list(grid.columns), chart_id="chart-hours",
            title=f"Heat map of ED assaults in {area.name} by hour of day (columns, from "
            "00:00) and day of week (rows), darker is more; the figures are in the table "
            "of ED assaults by hour and day")))
        busiest = profile.iloc[int(np.argmax(profile["events"].to_numpy()))]
        night = profile[(profile["weekday"] >= 4) & ((profile["hour"] >= 20)
                                                    | (profile["hour"] < 4))]["share"].sum()
        figures["busiest_day"] = str(busiest["weekday_name"])
        figures["busiest_hour"] = int(busiest["hour"])
        figures["friday_saturday_night_share_pct"] = round(float(night) * 100, 1)
        text.append(f"ED assaults peak on {busiest['weekday_name']} from "
                    f"{int(busiest['hour']):02d}:00; {night:.0%} happen between 20:00 and "
                    "04:00 on a Friday, Saturday or Sunday.")
    else:
        reasons.append("Hour by day: " + _no_ed(data, area))
    counts = data.counts
    if len(counts):
        totals = [c.key for c in data.definition.total_categories]
        mine = counts[counts["area_code"].isin(area.boroughs)
                      & counts["category"].isin(totals) & (counts["month"] >= data.start)]
        by_month = mine.groupby("month")["count"].sum().reset_index()
        by_month["calendar_month"] = by_month["month"].str[5:7].astype(int)
        season = by_month.groupby("calendar_month").agg(
            years=("count", "size"), count=("count", "sum")).reset_index()
        season["average"] = season["count"] / season["years"]
        season["index"] = (season["average"] / season["average"].mean() * 100).round(1)
        season["month_name"] = season["calendar_month"].map(lambda m: calendar.month_name[m])
        tables["seasonal"] = season[["calendar_month", "month_name", "years", "count",
                                     "average", "index"]].round({"average": 1})
        found, sentences = season_findings(tables["seasonal"])
        figures.update(found)
        text.extend(sentences)
    elif "mps" in data.missing:
        reasons.append("Seasons: " + data.missing["mps"])
    if not tables:
        return unavailable("when", " ".join(reasons))
    notes = ("Times of day come from ED records only (police data carry the month); an "
             "assault with a date but no time is spread evenly over its day. Times of day "
             "are never published.",)
    return Section("when", SECTION_TITLES["when"], True,
                   " ".join(reasons) or None, figures, tables, tuple(text), tuple(maps),
                   notes=notes)


def who(data: SourceData, area: Area) -> Section:
    ed = _ed(data, area)
    if ed is None:
        return unavailable("who", _no_ed(data, area) + ". Victims' ages and the ED-to-police "
                           "ratio need ED records.")
    figures: dict[str, Any] = {"ed_assaults": len(ed)}
    tables: dict[str, pd.DataFrame] = {}
    text: list[str] = []
    aged = ed["age_band"].dropna().astype(str)
    if len(aged):
        bands = aged.value_counts()
        order = [b for b in AGE_ORDER if b in bands.index] + sorted(
            b for b in bands.index if b not in AGE_ORDER)
        table = pd.DataFrame({"age_band": order, "count": [int(bands[b]) for b in order]})
        table["share"] = (table["count"] / table["count"].sum()).round(3)
        tables["ages"] = table
        found, sentences = age_findings(table)
        figures.update(found)
        text.extend(sentences)
    place = data.definition.place_category
    police = data.counts[(data.counts["area_code"].isin(area.boroughs))
                         & (data.counts["month"] >= data.latest_start)]
    keys = [c.key for c in data.definition.categories if c.mps.upper() == place.upper()]
    police = police[police["category"].isin(keys)]
    if len(police):
        ed_months = ed.groupby("month").size().rename("count").reset_index()
        ed_months["area_code"] = area.code
        pol_months = police.groupby("month")["count"].sum().reset_index()
        pol_months["area_code"] = area.code
        result = hidden_violence(ed_months, pol_months, ed_coverage=data.ed_coverage,
                                 police_coverage=data.coverage.get(keys[0], []))
        tables["ed_police"] = result.drop(columns=["area_name"]).round(
            {"ratio": 3, "ratio_lower": 3, "ratio_upper": 3})
        found, sentences = ratio_findings(tables["ed_police"], place)
        figures.update(found)
        text.extend(sentences)
    notes = ("Age bands are as the ED extract records them; the ED data carry no sex, so "
             "victims' sex is not shown. ED records place the assault where the patient "
             "says it happened; not every ED submits every month.",)
    return Section("who", SECTION_TITLES["who"], True, None, figures, tables, tuple(text),
                   notes=notes)


def risk(data: SourceData, area: Area) -> Section:
    figures: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    text: list[str] = []
    reasons: list[str] = []
    if data.imd is not None:
        mine = data.imd[data.imd["borough_code"].isin(area.boroughs)]
        rows = [{"domain": IMD_DOMAINS["imd"], "lsoas": len(mine),
                 "most_deprived_20_pct_share": round(float((mine["imd_decile"] <= 2).mean()),
                                                     3) if len(mine) else None}]
        if data.domains is not None and len(mine):
            domains = data.domains[data.domains["lsoa_code"].isin(mine["lsoa_code"])]
            for domain, part in domains.groupby("domain"):
                rows.append({"domain": IMD_DOMAINS.get(str(domain), str(domain)),
                             "lsoas": len(part), "most_deprived_20_pct_share": round(
                                 float((part["decile"] <= 2).mean()), 3)})
        tables["deprivation_domains"] = pd.DataFrame(rows)
        share = rows[0]["most_deprived_20_pct_share"]
        figures["lsoas_most_deprived_20_pct_share"] = share
        if share is not None:
            text.append(f"{share:.0%} of the area's LSOAs are among England's most deprived "
                        "20% (IMD 2025).")
        if data.domains is None:
            reasons.append("The IMD domains are not loaded, only the overall index.")
    else:
        reasons.append(data.missing.get("imd", "IMD 2025 is not loaded."))
    population = data.population.get("borough")
    if population is not None and len(data.under_25):
        total = float(population[population.index.isin(area.boroughs)].sum())
        young = float(data.under_25[data.under_25.index.isin(area.boroughs)].sum())
        if total:
            figures["residents"] = round(total)
            figures["residents_under_25"] = round(young)
            figures["under_25_share_pct"] = round(young / total * 100, 1)
            tables["population"] = pd.DataFrame({"measure": ["residents", "under 25"],
                                                 "population": [round(total), round(young)]})
            text.append(f"{young / total:.0%} of residents are under 25 ({round(young):,} "
                        "people).")
    else:
        reasons.append(data.missing.get("population", "Population by age is not loaded."))
    if not tables:
        return unavailable("risk", " ".join(reasons))
    return Section("risk", SECTION_TITLES["risk"], True, " ".join(reasons) or None, figures,
                   tables, tuple(text))
