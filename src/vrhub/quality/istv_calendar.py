"""What each ED site has sent, month by month: received, received late, nothing usable,
due, or missing.

A month's submission is due :data:`vrhub.quality.istv.LATE_DAYS` days after the month
ends. The calendar covers the latest twelve complete months (the one default period); a
month whose current submission accepted no records counts as *nothing usable*, not as
received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from vrhub.quality.istv import LATE_DAYS
from vrhub.standards.months import Month, Period


@dataclass(frozen=True)
class MonthStatus:
    month: Month
    status: str
    """received, late, unusable, due or missing."""
    due: dt.date
    records: int | None = None
    received_on: dt.date | None = None

    @property
    def text(self) -> str:
        if self.status == "received":
            return f"Received {self.received_on:%-d %b}: {self.records:,} records"
        if self.status == "late":
            return (f"Received late ({self.received_on:%-d %b %Y}): "
                    f"{self.records:,} records")
        if self.status == "unusable":
            return "Received, but no records could be used: resubmit"
        if self.status == "due":
            return f"Due by {self.due:%-d %B %Y}"
        return f"Missing: was due by {self.due:%-d %B %Y}"


@dataclass(frozen=True)
class SiteCalendar:
    site_code: str
    site_name: str | None
    months: list[MonthStatus]

    @property
    def label(self) -> str:
        return f"{self.site_name} ({self.site_code})" if self.site_name else self.site_code

    def count(self, status: str) -> int:
        return sum(1 for m in self.months if m.status == status)


def due_date(month: Month) -> dt.date:
    return month.last_day + dt.timedelta(days=LATE_DAYS)


def calendar(received: pd.DataFrame | None, sites: Mapping[str, str | None], *,
             today: dt.date, period: Period | None = None) -> list[SiteCalendar]:
    """Per site in ``sites`` (code -> name), the status of each month of ``period``
    (default: the latest 12 complete months before ``today``), from
    :func:`vrhub.storage.istv_submissions.months_received`."""
    period = period or Period.latest_complete(today=today)
    by_key: dict[tuple[str, str], tuple[int, dt.date]] = {}
    if received is not None:
        for code, month, at, records in zip(received["site_code"], received["month"],
                                            received["received_at"], received["rows_accepted"],
                                            strict=True):
            by_key[(str(code), str(month))] = (int(records or 0), pd.Timestamp(at).date())
    out = []
    for code in sorted(sites):
        months = []
        for month in period.months:
            due = due_date(month)
            row = by_key.get((code, month.iso))
            if row is None:
                months.append(MonthStatus(month, "due" if today <= due else "missing", due))
                continue
            records, on = row
            status = "unusable" if not records else "late" if on > due else "received"
            months.append(MonthStatus(month, status, due, records, on))
        out.append(SiteCalendar(code, sites[code], months))
    return out
