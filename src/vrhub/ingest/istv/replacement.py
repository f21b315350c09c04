"""Protecting a good month: when a resubmission would replace it with far fewer records.

A new submission for a site and month makes the current one *superseded*. That is right
when the new file is a correction; it is a loss when the new file is broken (every date
unreadable, the wrong extract) and most of its rows are set aside. So a submission that
would keep fewer than :data:`KEEP_SHARE` of the records the month has now (or none) is held
until the sender confirms it, and the confirmation shows before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from vrhub.errors import Conflict
from vrhub.standards.months import Month
from vrhub.storage import istv_submissions
from vrhub.storage.warehouse import Warehouse

KEEP_SHARE = 0.5
"""A replacement keeping fewer than this share of the month's current records is held."""


@dataclass(frozen=True)
class Replacement:
    """What a submission would do to the month it replaces."""

    file: str
    site_code: str
    site_name: str | None
    period_start: str
    period_end: str
    current_submission: str
    current_file: str
    current_received_at: str
    before: int
    """Records accepted in the month now."""
    after: int
    """Records the new file would have accepted."""

    @property
    def needs_confirmation(self) -> bool:
        return self.before > 0 and self.after < KEEP_SHARE * self.before

    @property
    def month_label(self) -> str:
        start = dt.date.fromisoformat(self.period_start)
        end = dt.date.fromisoformat(self.period_end)
        month = Month(start.year, start.month)
        if start.day == 1 and end == month.last_day:
            return month.label
        return f"{start:%-d %B %Y} to {end:%-d %B %Y}"

    @property
    def site_label(self) -> str:
        return f"{self.site_name} ({self.site_code})" if self.site_name else self.site_code

    def describe(self) -> str:
        return (f"{self.file} would replace {self.site_label}, {self.month_label}: "
                f"{self.before:,} records accepted now ({self.current_file}, received "
                f"{self.current_received_at[:16]}), {self.after:,} after")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "needs_confirmation": self.needs_confirmation,
                "month_label": self.month_label}


def replacement(warehouse: Warehouse, *, file: str, site_code: str, site_name: str | None,
                period_start: dt.date, period_end: dt.date,
                after: int) -> Replacement | None:
    """What accepting ``after`` records for this site and period would replace (None when
    the period has no current submission)."""
    current = istv_submissions.current_for_period(warehouse, site_code, period_start,
                                                  period_end)
    if not current:
        return None
    return Replacement(
        file=file, site_code=site_code, site_name=site_name,
        period_start=str(period_start), period_end=str(period_end),
        current_submission=", ".join(str(c["submission_id"]) for c in current),
        current_file=", ".join(str(c["file_name"]) for c in current),
        current_received_at=str(current[0]["received_at"]),
        before=sum(int(c["rows_accepted"] or 0) for c in current), after=after)


class ReplacementNotConfirmed(Conflict):
    """A submission was held because it would replace a month with far fewer records."""

    def __init__(self, held: list[Replacement]) -> None:
        lines = "; ".join(r.describe() for r in held)
        super().__init__(
            f"nothing was stored: {lines}",
            hint="check the set-aside rows first (vrhub istv submit --dry-run FILE); to "
            "replace the month anyway, submit again with --replace")
        self.held = held
