"""What each ED site has sent, month by month: received, received late, nothing usable,
due, or missing.

A month's submission is due :data:`vrhub.quality.istv.LATE_DAYS` days after the month
ends. The calendar covers the latest twelve complete months (the one default period); a
month whose current submission accepted no records counts as *nothing usable*, not as
received.

The calendar is read on the workspace's reporting clock (:func:`reporting_clock`): today,
unless the newest ED data any site has sent is more than two months older than the last
complete month (a demonstration workspace, or data loaded long after it was collected).
Then it is read as at the first day after the month following the data's newest month
ends: that month is the one *due*, months sent are *received* (a receipt dated after the
clock cannot be judged late), and gaps before it are *missing*; the page says so, naming
the months and today's date, so nothing is hidden.
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


#: How many months behind the last complete month the newest ED data may be before the
#: calendar is read on the data's own clock (a month not yet due, and one more).
BEHIND = 2


@dataclass(frozen=True)
class Clock:
    """The day a calendar is read at, and why when it is not today."""

    today: dt.date
    as_of: dt.date
    latest: Month | None

    @property
    def on_data(self) -> bool:
        return self.as_of != self.today

    @property
    def statement(self) -> str | None:
        """What a page says when the calendar is not read at today."""
        if not self.on_data or self.latest is None:
            return None
        return (f"The newest ED data any site has sent is for {self.latest.label}, "
                f"{Month.last_complete(self.today) - self.latest} months before the last "
                f"complete month, so this calendar is shown as at "
                f"{self.as_of:%-d %B %Y} (today is {self.today:%-d %B %Y}): "
                f"{(self.latest + 1).label} is the month due, and receipts dated after "
                "that day count as received.")


def reporting_clock(latest: Month | str | None, today: dt.date) -> Clock:
    """The day the calendar is read at: ``today``, or, when ``latest`` (the newest month
    of ED data any site has sent) is more than :data:`BEHIND` months before the last
    complete month, the first day after the month following ``latest`` ends."""
    newest = Month.parse(latest) if latest else None
    if newest is None or newest >= Month.last_complete(today).minus(BEHIND):
        return Clock(today, today, newest)
    return Clock(today, (newest + 2).first_day, newest)


def calendar(received: pd.DataFrame | None, sites: Mapping[str, str | None], *,
             today: dt.date, period: Period | None = None,
             clock: Clock | None = None) -> list[SiteCalendar]:
    """Per site in ``sites`` (code -> name), the status of each month of ``period``
    (default: the latest 12 complete months before ``today``, or before the ``clock``'s
    day), from :func:`vrhub.storage.istv_submissions.months_received`."""
    judged_late = True
    if clock is not None and clock.on_data:
        today, judged_late = clock.as_of, False
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
            late = on > due and (judged_late or on <= today)
            status = "unusable" if not records else "late" if late else "received"
            months.append(MonthStatus(month, status, due, records, on))
        out.append(SiteCalendar(code, sites[code], months))
    return out
