"""What changed in a needs assessment since its last edition, figure by figure.

:func:`compare` takes two editions' figures (section key -> figure name -> value, as
:func:`vrhub.partnership.sna.figures` gives them and the edition store keeps them) and,
optionally, each edition's sections (key -> ``{"available": bool, "reason": str}``), and
returns one row per difference::

    {"section", "figure", "previous", "current", "change",
     "kind", "difference", "percent"}

``change`` is what a reader is shown: ``+12 (+8.5%)`` where both values are numbers (no
percentage from zero), ``changed`` for text, ``new`` for a figure the previous edition did
not have, ``gone`` for one it had and this one has not, and for a section that lost its data
``no longer available: <why>`` (``available again`` the other way round). ``kind`` names the
case (``changed``, ``new``, ``gone``, ``unavailable``, ``available``, ``same``);
``difference`` and ``percent`` are the numbers, or None. A missing value (None) counts as no
figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: the order sections are reported in (a needs assessment's own order)
SECTION_ORDER = ("definition", "sources", "trends", "where", "when", "who", "risk",
                 "services", "recommendations")
SECTION_ROW = "(section)"

Figures = Mapping[str, Mapping[str, Any]]
Sections = Mapping[str, Mapping[str, Any]]


def compare(previous: Figures, current: Figures, *, previous_sections: Sections | None = None,
            current_sections: Sections | None = None,
            unchanged: bool = False) -> list[dict[str, Any]]:
    """The rows that differ between ``previous`` and ``current`` (every figure with
    ``unchanged``), section by section in the assessment's order."""
    rows: list[dict[str, Any]] = []
    for section in _ordered(set(previous) | set(current)
                            | set(previous_sections or {}) | set(current_sections or {})):
        flag = _availability(section, (previous_sections or {}).get(section),
                             (current_sections or {}).get(section))
        if flag is not None:
            rows.append(flag)
        before = previous.get(section) or {}
        after = current.get(section) or {}
        names = [*after, *(n for n in before if n not in after)]
        for name in names:
            row = _row(section, name, _value(before.get(name)), _value(after.get(name)))
            if row["kind"] != "same" or unchanged:
                rows.append(row)
    return rows


def _ordered(sections: set[str]) -> list[str]:
    known = [s for s in SECTION_ORDER if s in sections]
    return known + sorted(sections - set(SECTION_ORDER))


def _availability(section: str, before: Mapping[str, Any] | None,
                  after: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if before is None or after is None:
        return None
    was, now = bool(before.get("available", True)), bool(after.get("available", True))
    if was == now:
        return None
    if was:
        why = str(after.get("reason") or "no data for this section")
        return _out(section, SECTION_ROW, "available", "not available",
                    f"no longer available: {why}", "unavailable")
    return _out(section, SECTION_ROW, "not available", "available", "available again",
                "available")


def _row(section: str, name: str, before: Any, after: Any) -> dict[str, Any]:
    if before is None and after is None:
        return _out(section, name, None, None, "no change", "same")
    if before is None:
        return _out(section, name, None, after, "new", "new")
    if after is None:
        return _out(section, name, before, None, "gone", "gone")
    if _number(before) and _number(after):
        difference = after - before
        if isinstance(difference, float):
            difference = round(difference, 6)
        if difference == 0:
            return _out(section, name, before, after, "no change", "same", 0, 0.0)
        percent = round(100.0 * difference / before, 1) if before != 0 else None
        text = _signed(difference) + (f" ({percent:+.1f}%)" if percent is not None else "")
        return _out(section, name, before, after, text, "changed", difference, percent)
    if before == after:
        return _out(section, name, before, after, "no change", "same")
    return _out(section, name, before, after, "changed", "changed")


def _out(section: str, figure: str, previous: Any, current: Any, change: str, kind: str,
         difference: float | None = None, percent: float | None = None) -> dict[str, Any]:
    return {"section": section, "figure": figure, "previous": previous, "current": current,
            "change": change, "kind": kind, "difference": difference, "percent": percent}


def _value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _signed(difference: float) -> str:
    if isinstance(difference, int) or float(difference).is_integer():
        return f"{int(difference):+,d}"
    return f"{difference:+,.2f}".rstrip("0").rstrip(".")
