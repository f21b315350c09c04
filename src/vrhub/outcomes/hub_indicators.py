"""Hub indicators: computed from the warehouse for London and each borough, per period,
and stored with the framework and indicator-set versions they were computed under.

The data elements the hub indicators' expressions may use:

=============================  ====================================================
``ed_assaults``                ED assault attendances (ISTV records, all ages)
``ed_assaults_under_25``       the same, patients under 25
``ed_assaults_knife``          the same, assault method knife or sharp object
``mps_violence_with_injury``   MPS recorded violence with injury
``mps_homicide``               MPS recorded homicide
``mps_possession_of_weapons``  MPS recorded possession of weapons offences
``mps_knife_crime``            MPS knife crime offences (Monthly Crime Dashboard), if loaded
``residents``                  residents (newest Census or mid-year, LSOA 2021)
``residents_under_25``         residents under 25
=============================  ====================================================

A period counts only when every month of it has data for each count in the expression
(a quarter with one month of ED data is not compared with a full one); otherwise its
result is "no data", with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import UserError
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.indicators import Indicator, indicator_set
from vrhub.standards.months import Month
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import hub as hub_store
from vrhub.storage.outcomes import indicator_results as result_store
from vrhub.storage.warehouse import Warehouse

LONDON = "E12000007"
COUNTS: dict[str, Callable[[Warehouse], pd.DataFrame]] = {
    "ed_assaults": lambda w: hub_store.ed_assault_counts(w),
    "ed_assaults_under_25": lambda w: hub_store.ed_assault_counts(w, under_25=True),
    "ed_assaults_knife": lambda w: hub_store.ed_assault_counts(w, knife=True),
    "mps_violence_with_injury": lambda w: hub_store.mps_category_counts(
        w, "Violence with Injury"),
    "mps_homicide": lambda w: hub_store.mps_category_counts(w, "Homicide"),
    "mps_possession_of_weapons": lambda w: hub_store.mps_category_counts(
        w, "Possession of Weapons"),
    "mps_knife_crime": hub_store.knife_crime_counts,
}
RESIDENTS = {"residents": False, "residents_under_25": True}


def _area_values(frame: pd.DataFrame, months: list[str]) -> dict[str, float]:
    """Counts over ``months`` by borough and for London (every row, placed or not)."""
    part = frame[frame["month"].isin(months)]
    out = {str(k): float(v) for k, v in part.groupby("borough_code")["count"].sum().items()
           if k is not None and str(k).startswith("E09")}
    out[LONDON] = float(part["count"].sum())
    return out


def compute(warehouse: Warehouse, indicators: list[Indicator]) -> list[dict[str, Any]]:
    """Result rows (indicator, period, area level and code, numerator, denominator, value,
    target, status, notes) for every period with data: pure apart from reading."""
    counts = {name: load(warehouse) for name, load in COUNTS.items()
              if any(name in i.elements for i in indicators)}
    residents: dict[str, dict[str, float]] = {}
    res_notes: list[str] = []
    for name, under in RESIDENTS.items():
        if any(name in i.elements for i in indicators):
            frame, notes = hub_store.residents_by_borough(warehouse, under_25=under)
            values = {str(code): float(pop) for code, pop in
                      zip(frame["borough_code"], frame["population"], strict=True)}
            if values:
                values[LONDON] = sum(values.values())
            residents[name] = values
            res_notes += notes
    rows: list[dict[str, Any]] = []
    for indicator in indicators:
        used = [e for e in indicator.elements if e in counts]
        unknown = [e for e in indicator.elements if e not in counts and e not in residents]
        if unknown:
            raise UserError(f"indicator {indicator.code} uses {', '.join(unknown)}, which "
                            "the hub does not provide", hint="use " + ", ".join(
                                [*COUNTS, *RESIDENTS]))
        months = sorted(set().union(*(set(counts[e]["month"]) for e in used))) if used else []
        if not months:
            continue
        periods = sorted({ReportingPeriod.containing(Month.parse(m).first_day,
                                                     indicator.period_type) for m in months})
        for period in periods:
            wanted = [str(m) for m in period.months]
            complete = all(set(wanted) <= set(counts[e]["month"]) for e in used)
            values_by_element = {e: _area_values(counts[e], wanted) for e in used}
            areas = sorted(set().union(*(v.keys() for v in values_by_element.values())))
            for area in areas:
                values = {e: v.get(area, 0.0) for e, v in values_by_element.items()}
                for name, by_area in residents.items():
                    if area in by_area:
                        values[name] = by_area[area]
                notes = list(res_notes)
                if not complete:
                    notes.append(f"{period.short_label} is not complete in every source: "
                                 "not compared")
                num = indicator.numerator.evaluate(values) if complete else None
                den = (indicator.denominator.evaluate(values)
                       if indicator.denominator and complete else None)
                value = indicator.value(num, den)
                rows.append({"indicator_code": indicator.code, "period": period.code,
                             "area_level": "region" if area == LONDON else "borough",
                             "area_code": area, "numerator": num, "denominator": den,
                             "value": value, "target": indicator.target,
                             "status": indicator.status(value), "notes": notes})
    return rows


def compute_and_store(outcomes: Outcomes, principal: Principal,
                      warehouse: Warehouse) -> dict[str, Any]:
    """Compute every hub indicator and replace the stored results (administrators and
    VRU analysts; audited)."""
    found = indicator_set(outcomes)
    framework = outcomes.framework()
    hub = found.of_source("hub")
    rows = compute(warehouse, hub)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_PROGRAMMES, Resource("indicators", "hub"),
            session=session) as note:
        stored = result_store.replace(session, [i.code for i in hub], rows,
                                      framework_version=framework.version,
                                      indicator_version=found.version,
                                      computed_at=outcomes.now())
        note.detail = f"hub indicators computed: {stored} result(s), {found.version}"
    per = {i.code: sum(1 for r in rows if r["indicator_code"] == i.code) for i in hub}
    return {"results": stored, "per_indicator": per, "framework_version": framework.version,
            "indicator_version": found.version}


def hub_results(outcomes: Outcomes, principal: Principal, *,
                borough: str | None = None) -> list[dict[str, Any]]:
    """Stored hub results for London, or a borough (borough analysts: theirs), with each
    indicator's latest period and its series."""
    if borough:
        outcomes.policy.enforce(principal, Action.READ_OUTCOMES,
                                Resource.outcomes("hub indicators", boroughs=[borough]),
                                detail=f"hub indicators for {borough}")
    else:
        outcomes.policy.enforce(principal, Action.READ_OUTCOMES,
                                Resource.outcomes("hub indicators"),
                                detail="hub indicators for London")
    found = indicator_set(outcomes)
    area = borough or LONDON
    with outcomes.sessions() as session:
        rows = result_store.results(session, area_code=area)
    out = []
    for indicator in found.of_source("hub"):
        series = sorted((r for r in rows if r.indicator_code == indicator.code),
                        key=lambda r: r.period)
        points = [{"period": r.period, "label": ReportingPeriod.parse(r.period).short_label,
                   "numerator": r.numerator, "denominator": r.denominator,
                   "value": r.value, "status": r.status} for r in series]
        with_data = [p for p in points if p["value"] is not None]
        latest = with_data[-1] if with_data else None
        out.append({"indicator": indicator.to_dict(), "area": area, "latest": latest,
                    "status": latest["status"] if latest else "no data", "series": points,
                    "framework_version": series[-1].framework_version if series else None,
                    "indicator_version": series[-1].indicator_version if series else None,
                    "computed_at": series[-1].computed_at.isoformat(timespec="seconds")
                    if series else None,
                    "notes": list(series[-1].notes) if series else []})
    return out
