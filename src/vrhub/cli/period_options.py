"""The period options every reporting command takes: ``--period``, ``--year``, ``--from``
and ``--to``, read by :func:`vrhub.reports.periods.choose` (the same rules as the API).

Without any of them a command covers the latest 12 complete months its source holds and
says so; the chosen period is printed, written into ``--json`` output and into every file
``--output`` writes. Only click is imported here (``--help`` stays quick).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from vrhub.cli.context import AppContext
    from vrhub.standards.months import Period

F = TypeVar("F", bound=Callable[..., Any])

PRESETS = ("latest", "rolling-12", "financial-year", "calendar-year", "custom")


def period_options(func: F, *, from_help: str | None = None, to_help: str | None = None,
                   period_name: str = "--period") -> F:
    """Add ``--period``, ``--year``, ``--from`` and ``--to`` (``from_month``,
    ``to_month``, ``period_preset``, ``period_year``) to a command."""
    func = click.option(
        "--to", "to_month", metavar="MONTH", default=None,
        help=to_help or "Last month (2025-09 or 'September 2025'). Alone: the 12 months "
        "ending then.")(func)
    func = click.option(
        "--from", "from_month", metavar="MONTH", default=None,
        help=from_help or "First month (2024-10 or 'October 2024'). With --to: those "
        "months; alone: to the latest complete month with data.")(func)
    func = click.option(
        "--year", "period_year", metavar="YEAR", default=None,
        help="With --period financial-year (2024 or 2024/25: April 2024 to March 2025) or "
        "calendar-year. Default: the latest.")(func)
    return click.option(
        period_name, "period_preset", type=click.Choice(PRESETS), default=None,
        help="Period: latest (the latest 12 complete months with data; the default), "
        "rolling-12 (12 months ending --to), financial-year, calendar-year (with --year), "
        "custom (--from and --to).")(func)


def choose_period(app: AppContext, source: str, *, preset: str | None, year: str | None,
                  first: str | None, last: str | None,
                  level: str | None = None) -> Period | None:
    """The period the options ask for (see :func:`vrhub.reports.periods.choose`),
    announced on the console; None when the source holds no data."""
    from vrhub.reports import periods

    period = periods.choose(app.warehouse(), source, preset=preset, year=year, first=first,
                            last=last, level=level if source == "mps" else None)
    if period is not None:
        chosen = ("" if preset or first or last or year
                  else " (the latest 12 complete months with data; --period, --year, "
                  "--from and --to choose others)")
        app.progress.note(f"Period: {period.statement}{chosen}")
    return period
