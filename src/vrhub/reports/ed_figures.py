"""ED (ISTV) figures by area, computed once and shown at the level the policy decided.

Pages, charts and the API ask :meth:`vrhub.access.policy.Policy.ed_figures` first; the
:class:`~vrhub.access.ed_figures.EDView` it returns comes here with the warehouse:

- :func:`hour_day`: assaults with a known time by day of week and hour in a borough
  (a fine form: only ever asked for with an exact view);
- :func:`ed_vs_police`: ED assaults beside police-recorded violence with injury per ward
  of a borough, exact or disclosure-controlled (the ED count suppressed or rounded, the
  ratio recomputed from it; police counts are open data and stay as they are);
- :func:`shown_counts` and :func:`shown_notes`: any table of ED counts and the notes that
  come with it, under disclosure control unless the view is exact. A note about rows
  outside the view's boroughs ("N rows with no borough") is London-wide, so it is exact
  only for a London-wide exact view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from vrhub.access.ed_figures import EDView
from vrhub.analytics import disclosure as sdc
from vrhub.analytics.hidden_violence import hidden_violence
from vrhub.storage.series import istv_assault_times, monthly_counts
from vrhub.storage.warehouse import Warehouse

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
POLICE_VIOLENCE_WITH_INJURY = "VIOLENCE WITH INJURY"


def has_ed_data(wh: Warehouse | None) -> bool:
    return wh is not None and wh.has_table("istv_assault") and bool(wh.count("istv_assault"))


def hour_day(wh: Warehouse, view: EDView, borough: str) -> list[dict[str, Any]]:
    """ED assaults with a known time in ``borough``, by day of week and hour (exact:
    times of day cannot be disclosure-controlled, so the view must be exact)."""
    if not view.exact:
        raise ValueError("hour x day figures are shown only with an exact view")
    if not has_ed_data(wh):
        return []
    times, _provenance = istv_assault_times(wh, level="borough", areas=[borough])
    known = times[times["end"].isna()]
    if not len(known):
        return []
    stamps = pd.to_datetime(known["start"])
    grid = pd.crosstab(stamps.dt.dayofweek, stamps.dt.hour)
    return [{"day": DAYS[int(d)], "hour": int(h), "count": int(grid.loc[d, h])}
            for d in grid.index for h in grid.columns]


def ed_vs_police(wh: Warehouse, view: EDView, borough: str,
                 period: tuple[str | None, str | None]) -> list[dict[str, Any]]:
    """ED assaults against police-recorded violence with injury per ward of ``borough``
    over the same months; ``ed`` is disclosure-controlled (None when suppressed) unless
    ``view`` is exact, and ``ratio`` is computed from the ``ed`` shown."""
    if not view.shown or not has_ed_data(wh):
        return []
    ed = monthly_counts(wh, source="istv", level="ward", areas=[borough], period=period)
    police = monthly_counts(wh, source="mps", level="ward", areas=[borough],
                            categories=[POLICE_VIOLENCE_WITH_INJURY], period=period)
    if not len(ed.data):
        return []
    result = hidden_violence(ed.data, police.data, ed_coverage=ed.coverage,
                             police_coverage=police.coverage)
    frame = result[["area_code", "area_name", "ed_count", "police_count"]].copy()
    frame["ratio"] = result["ratio"]
    if not view.exact:
        frame = sdc.apply(frame, ["ed_count"],
                          rates={"ratio": sdc.Rate("ed_count", "police_count")},
                          allow_columns=["area_name"])
    rows = []
    for r in frame.to_dict("records"):
        ed_count = None if pd.isna(r["ed_count"]) else int(r["ed_count"])
        ratio = r["ratio"]
        # a ward the lookup has no name for (ED rows placed in it, no police row) is named
        # by its code rather than left NaN, which no JSON answer can carry
        name = r["area_name"]
        rows.append({"area_code": str(r["area_code"]),
                     "area_name": str(name) if isinstance(name, str) else str(r["area_code"]),
                     "ed": ed_count, "police": int(r["police_count"]),
                     "ratio": None if pd.isna(ratio) or not math.isfinite(float(ratio))
                     else float(ratio)})
    return rows


def shown_counts(frame: pd.DataFrame, view: EDView, count_columns: Sequence[str] = ("count",),
                 allow_columns: Sequence[str] = ("area_name", "category")) -> pd.DataFrame:
    """A table of ED counts as ``view`` lets it be shown: unchanged when exact, else
    through :func:`vrhub.analytics.disclosure.apply` (its declaration left on
    ``frame.attrs``)."""
    if view.exact:
        return frame
    return sdc.apply(frame, list(count_columns),
                     allow_columns=[c for c in allow_columns if c in frame.columns])


def disclosure_of(frame: pd.DataFrame, view: EDView) -> dict[str, Any] | None:
    """What disclosure control did to a table :func:`shown_counts` returned (None when the
    view is exact)."""
    return None if view.exact else sdc.disclosure_metadata(frame)


def shown_notes(notes: Sequence[str], view: EDView) -> list[str]:
    """Notes as ``view`` lets them be shown: counts in them are London-wide, so exact
    only for an exact London-wide view, otherwise disclosure-controlled."""
    if view.exact and view.london_wide:
        return list(notes)
    return [sdc.disclose_text(note) for note in notes]
