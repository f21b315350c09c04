"""The period a figure covers, chosen in one place for the API, the command line and the
downloads they write (the dashboard pages choose theirs the same way, from their forms).

Without months, a question covers the latest 12 complete months the source holds
(:meth:`vrhub.standards.months.Period.latest_complete`), the default everywhere. A preset
(``latest``, ``rolling-12``, ``financial-year``, ``calendar-year``, ``custom``) with a
``year`` or months asks for another; months alone keep working as they always have:

- ``from`` and ``to``: those months (a custom period);
- ``from`` alone: from that month to the latest complete month the source holds;
- ``to`` alone: the 12 months ending then (a rolling 12 months).

Every answer states the period it covers (:func:`describe`): in a JSON response's
``period`` member, in a written file's metadata and in ``--json`` output.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vrhub.errors import MonthError
from vrhub.standards.months import Month, Period, Preset
from vrhub.storage.catalogue import mps_months, point_months
from vrhub.storage.warehouse import Warehouse

PRESETS = tuple(p.value for p in Preset)
PRESET_HELP = ("latest (the latest 12 complete months, the default), rolling-12 (12 months "
               "ending at 'to'), financial-year or calendar-year (with 'year'; default the "
               "latest), custom (with 'from' and 'to')")


def latest_month(warehouse: Warehouse | None, source: str,
                 level: str | None = None) -> Month | None:
    """The latest month ``source`` (mps, police or istv) holds, or None when it holds
    nothing."""
    if warehouse is None:
        return None
    last = (mps_months(warehouse, level)[1] if source == "mps"
            else point_months(warehouse, source)[1])
    return Month.parse(last) if last else None


def choose(warehouse: Warehouse | None, source: str, *, preset: str | None = None,
           year: str | int | None = None, first: str | None = None,
           last: str | None = None, level: str | None = None,
           today: dt.date | None = None) -> Period | None:
    """The period a question asks for (see the module's docstring), or None when the
    source holds no data and no months were given (there is nothing to cover)."""
    first = _month_text(first)
    last = _month_text(last)
    chosen = (preset or "").strip().lower() or None
    if chosen is not None and chosen not in PRESETS:
        raise MonthError(f"{preset!r} is not a period", hint="choose " + PRESET_HELP)
    if chosen in (Preset.FINANCIAL_YEAR.value, Preset.CALENDAR_YEAR.value,
                  Preset.LATEST.value) and (first or last):
        raise MonthError(f"the period {chosen} takes no 'from' or 'to' months (found "
                         f"{' to '.join(m for m in (first, last) if m)})",
                         hint="give 'year' with a financial or calendar year, or choose "
                         "period custom for your own months")
    if chosen == Preset.ROLLING_12.value and first:
        raise MonthError("the period rolling-12 takes only the month it ends ('to')",
                         hint="choose period custom to give 'from' as well")
    if year not in (None, "") and chosen not in (Preset.FINANCIAL_YEAR.value,
                                                 Preset.CALENDAR_YEAR.value):
        raise MonthError(f"'year' ({year}) needs the period financial-year or calendar-year",
                         hint="add period financial-year (2024 is April 2024 to March "
                         "2025) or period calendar-year")
    latest = latest_month(warehouse, source, level)
    if chosen is None:
        if first and last:
            return Period.custom(first, last)
        if last:
            return Period.rolling_12(last)
        if latest is None and not first:
            return None
        default = Period.latest_complete(latest, today=today)
        if first:
            return Period.custom(first, max(Month.parse(first), default.last))
        return default
    if chosen == Preset.CUSTOM.value and not (first and last):
        raise MonthError("the period custom needs both 'from' and 'to'",
                         hint="give the first and last months, for example from 2024-04 "
                         "to 2025-03")
    if latest is None and not (last or year):
        return None
    return Period.choose(chosen, latest=latest, today=today,
                         year=year if year not in (None, "") else None,
                         ending=last, first=first, last=last)


def bounds(period: Period | None) -> tuple[str | None, str | None]:
    """The ``(first, last)`` months of ``period`` as YYYY-MM (open ends when None)."""
    return (period.first.iso, period.last.iso) if period else (None, None)


def describe(period: Period | None, *, chosen_by: str | None = None) -> dict[str, Any] | None:
    """How a response, download or ``--json`` output states its period::

        {"preset": "latest", "from": "2024-10", "to": "2025-09", "months": 12,
         "title": "12 months to September 2025",
         "label": "October 2024 to September 2025",
         "statement": "12 months to September 2025 (October 2024 to September 2025)"}
    """
    if period is None:
        return None
    out: dict[str, Any] = {"preset": period.preset.value, "from": period.first.iso,
                           "to": period.last.iso, "months": len(period),
                           "title": period.title, "label": period.label,
                           "statement": period.statement}
    if chosen_by:
        out["chosen_by"] = chosen_by
    return out


def file_label(period: Period | None) -> str:
    """The months of ``period`` for a download's file name (``2024-10-to-2025-09``)."""
    if period is None:
        return "all-months"
    return f"{period.first.iso}-to-{period.last.iso}"


def _month_text(value: str | None) -> str | None:
    """A typed month as YYYY-MM (any form :meth:`Month.parse` reads), None when empty."""
    if value is None or not str(value).strip():
        return None
    return Month.parse(str(value).strip()).iso
