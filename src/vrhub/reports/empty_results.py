"""Why a filter found no events, in words a person can act on.

"No events match these filters" leaves an analyst guessing. :func:`no_events` asks the
warehouse how many events each part of the filter selects on its own and together, and
names the part that empties the result: nothing of that source is loaded; the months asked
for lie outside the months loaded; the borough has no events of that source at all (its
force's files are not loaded); the category never occurs there; or events match but none
has a location.
"""

from __future__ import annotations

from collections.abc import Sequence

from vrhub.errors import UserError
from vrhub.storage.points import count_events, event_months
from vrhub.storage.warehouse import Warehouse

WHAT = {"police": "police.uk street crimes", "istv": "ED assaults (ISTV)"}
LOAD = {"police": "load the police.uk street files that cover it (vrhub load police PATH)",
        "istv": "ED sites submit their months (vrhub istv submit FILE)"}


def no_events(warehouse: Warehouse, source: str, *, categories: Sequence[str] = (),
              borough: str | None = None, borough_name: str | None = None,
              start: str | None = None, end: str | None = None,
              selected: int | None = None) -> UserError:
    """The error to raise when ``source`` events filtered by ``categories``, ``borough``
    (a GSS code) and the months ``start``..``end`` (YYYY-MM, inclusive) gave nothing to
    analyse. ``selected``: how many the filter selected before events without a location
    were left out (when the caller knows)."""
    what = WHAT[source]
    cats = list(categories)
    place = borough_name or borough
    first, last = event_months(warehouse, source)
    if first is None:
        return UserError(f"no {what} are loaded", hint=LOAD[source])
    span = f"{first} to {last}"
    wanted = f"{start or first} to {end or last}"
    end_day = _month_end(end) if end else None

    def count(*, c: bool = False, b: bool = False, p: bool = False) -> int:
        return count_events(warehouse, source, cats if c else None,
                            start if p else None, end_day if p else None,
                            borough if b else None)

    if (start or end) and not count(p=True):
        return UserError(f"the {what} loaded run from {span}; none fall in {wanted}",
                         hint=f"choose months between {first} and {last}")
    if borough and not count(b=True):
        return UserError(f"the loaded {what} ({span}) have none in {place} at all",
                         hint=LOAD[source])
    label = " or ".join(cats)
    if cats and not count(c=True):
        return UserError(f"no {what} are of the category {label} in any month",
                         hint="vrhub quality lists what is loaded")
    if cats and borough and not count(c=True, b=True):
        return UserError(f"{place} has {count(b=True):,} {what} in {span} but none of the "
                         f"category {label}", hint="choose another category")
    if start or end:
        matching = count(c=True, b=True)
        if not count(c=True, b=True, p=True):
            scope = " ".join(x for x in (label, f"in {place}" if place else "") if x)
            return UserError(f"{matching:,} {what} {scope} in {span}, but none in {wanted}"
                             .replace("  ", " "),
                             hint=f"widen the months (the data runs {span})")
    total = count(c=True, b=True, p=True) if selected is None else selected
    if total:
        return UserError(f"{total:,} {what} match, but none has a location to analyse",
                         hint="vrhub quality shows how many records are located"
                         + ("; run vrhub istv geocode" if source == "istv" else ""))
    return UserError(f"no {what} match these filters",
                     hint="check the source, category, borough and months")


def _month_end(month: str) -> str:
    import calendar

    year, mon = map(int, month.split("-")[:2])
    return f"{year:04d}-{mon:02d}-{calendar.monthrange(year, mon)[1]:02d}"
