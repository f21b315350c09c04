"""MPS Monthly Crime Dashboard counts by borough and month: the knife crime figures of the
needs assessment and the outcomes hub.

Borough counts are the rows of ``area_type`` 'Borough' with a GSS borough code; the
dashboard's pseudo-areas (blank or non-GSS codes) and its Safer Neighbourhood Team rows are
in none of them. Crime type, subtype and measure match whatever their case.
"""

from __future__ import annotations

import pandas as pd

from vrhub.standards.mps_dashboard import BOROUGH_AREA, MPS_DASHBOARD_COUNT
from vrhub.storage.queries.core import define, run
from vrhub.storage.queries.series import MonthlyCounts, provenance_for
from vrhub.storage.warehouse import Warehouse

TABLE = MPS_DASHBOARD_COUNT.name
_CHOSEN = ("area_type = '" + BOROUGH_AREA + "' AND lower(crime_type) = lower($crime_type) "
           "AND lower(crime_subtype) = lower($crime_subtype) "
           "AND lower(measure) = lower($measure)")

BOROUGH_MONTHS = define(
    "mps_dashboard.borough_months",
    f'SELECT DISTINCT month FROM "{TABLE}" WHERE {_CHOSEN} ORDER BY month',
    {"crime_type": "str", "crime_subtype": "str", "measure": "str"},
    doc="Months with borough counts of a dashboard crime type, subtype and measure.",
    example={"crime_type": "Knife Crime", "crime_subtype": "Knife Crime",
             "measure": "Offences"})

BOROUGH_MONTHLY_COUNTS = define(
    "mps_dashboard.borough_monthly_counts",
    f'SELECT area_code, any_value(area_name) AS area_name, month, sum("count") AS "count" '
    f'FROM "{TABLE}" WHERE {_CHOSEN} AND area_code LIKE \'E09%\' '
    "AND month >= $first AND month <= $last GROUP BY area_code, month "
    "ORDER BY area_code, month",
    {"crime_type": "str", "crime_subtype": "str", "measure": "str", "first": "str",
     "last": "str"},
    doc="Monthly borough counts of a dashboard crime type, subtype and measure "
        "(area_code, area_name, month, count) over months first..last.",
    example={"crime_type": "Knife Crime", "crime_subtype": "Knife Crime",
             "measure": "Offences", "first": "2024-01", "last": "2024-12"})


def loaded(wh: Warehouse) -> bool:
    """Whether dashboard counts are loaded."""
    return wh.has_table(TABLE) and wh.count(TABLE) > 0


def borough_monthly_counts(wh: Warehouse, *, crime_type: str, crime_subtype: str,
                           measure: str, period: tuple[str | None, str | None] = (None, None)
                           ) -> MonthlyCounts:
    """Monthly borough counts of one crime type, subtype and measure, as
    :class:`~vrhub.storage.queries.series.MonthlyCounts` (``category`` is the subtype); its
    ``coverage`` is the months the dashboard has that series for. Empty when the table is
    not loaded or holds no such series."""
    chosen = {"crime_type": crime_type, "crime_subtype": crime_subtype, "measure": measure}
    if not loaded(wh):
        return MonthlyCounts("mps-dashboard", "borough", _empty(), [], [])
    coverage = [str(m) for m in run(wh, BOROUGH_MONTHS, **chosen)["month"]]
    data = run(wh, BOROUGH_MONTHLY_COUNTS, **chosen, first=period[0] or "0000-01",
               last=period[1] or "9999-12")
    data["category"] = crime_subtype
    data["count"] = data["count"].astype("int64")
    provenance = provenance_for(wh, [TABLE])
    notes = [f"MPS Monthly Crime Dashboard, borough rows of {crime_type} / {crime_subtype} / "
             f"{measure}"] if coverage else []
    return MonthlyCounts("mps-dashboard", "borough",
                         data[["area_code", "area_name", "category", "month", "count"]],
                         coverage, provenance, notes)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"area_code": pd.Series(dtype=str), "area_name": pd.Series(dtype=str),
                         "category": pd.Series(dtype=str), "month": pd.Series(dtype=str),
                         "count": pd.Series(dtype="int64")})
