"""Suggestions for a mistyped name: "did you mean Burglary?".

Used wherever a person types a name that must match one of a known set (commands,
categories, boroughs, wards, ED sites): the closest few by
:mod:`difflib` similarity (case-insensitive), or, failing that, the names that
start with or contain what was typed. Only names about as close as the closest are
offered: "Hakney" suggests Hackney, not Haringey.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6
#: Names scoring more than this below the closest one are not suggested beside it.
MARGIN = 0.1


def close_matches(value: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    """The names in ``choices`` closest to ``value`` (best first, by
    :class:`difflib.SequenceMatcher` ratio; none when nothing is close)."""
    options = list(dict.fromkeys(str(c) for c in choices))
    by_folded: dict[str, str] = {}
    for option in options:
        by_folded.setdefault(option.casefold(), option)
    typed = value.strip().casefold()
    if not typed:
        return []
    scored = sorted(((difflib.SequenceMatcher(None, typed, f).ratio(), f) for f in by_folded),
                    key=lambda pair: -pair[0])
    best = scored[0][0] if scored else 0.0
    found = [f for score, f in scored[:limit] if score >= max(CUTOFF, best - MARGIN)]
    if not found:
        found = [f for f in by_folded if f.startswith(typed)][:limit] or \
                [f for f in by_folded if typed in f][:limit]
    return [by_folded[f] for f in found]


def did_you_mean(value: str, choices: Iterable[str], *, limit: int = 3) -> str:
    """`` Did you mean 'X'?`` (or `` Did you mean 'X' or 'Y'?``), or '' when nothing is
    close; ready to append to a sentence."""
    found = close_matches(value, choices, limit=limit)
    if not found:
        return ""
    quoted = [repr(f) for f in found]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" Did you mean {listed}?"
