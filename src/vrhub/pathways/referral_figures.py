"""Referral figures: de-identified, disclosure-controlled aggregates of the pathway.

Computed once here for the dashboard, the API and the CLI, and every table goes through
:func:`vrhub.analytics.disclosure.apply` (counts of 1 to 7 suppressed, the rest rounded to
the nearest 5; shares recomputed from the disclosed counts; medians withheld wherever the
count they summarise is suppressed). Figures are by month received and, where asked, by
borough (the young person's home borough, else the team's) and reachable moment.

=======================  ==========================================================
table                    columns
=======================  ==========================================================
volumes                  month, [borough], reachable_moment, referrals
first_contact            month, [borough], reachable_moment, contacted,
                         median_days_to_first_contact
engagement               month, [borough], closed_with_outcome, engaged,
                         engaged_pct
outcomes                 measure, value, referrals (closed in the period)
=======================  ==========================================================

A listing's own figures ("usually replies in N days", "% of referrals accepted") come
from onward referrals to it (:func:`listing_figures`), withheld until enough referrals
make them safe and meaningful.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from vrhub.analytics import disclosure
from vrhub.standards import pathway_codes as codes
from vrhub.storage import referrals as store

MIN_FOR_LISTING = disclosure.SUPPRESS_MAX + 1


@dataclass(frozen=True)
class ReferralFigures:
    since: dt.date
    until: dt.date
    by_borough: bool
    volumes: pd.DataFrame
    first_contact: pd.DataFrame
    engagement: pd.DataFrame
    outcomes: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = frame.astype(object).where(frame.notna(), None)
            return [{str(k): (float(v) if isinstance(v, np.floating) else
                              int(v) if isinstance(v, np.integer) else v)
                     for k, v in r.items()} for r in out.to_dict(orient="records")]

        return {"period": {"from": self.since.isoformat(), "to": self.until.isoformat()},
                "rule": disclosure.RULE, "by_borough": self.by_borough,
                "volumes": rows(self.volumes), "first_contact": rows(self.first_contact),
                "engagement": rows(self.engagement), "outcomes": rows(self.outcomes)}


def _frame(session: Session, since: dt.date, until: dt.date) -> pd.DataFrame:
    rows = store.figure_rows(session, dt.datetime.combine(since, dt.time()),
                             dt.datetime.combine(until, dt.time()))
    frame = pd.DataFrame(rows, columns=["reachable_moment", "borough", "received_at",
                                        "first_contact_at", "status", "closed_at",
                                        "engaged"])
    frame["month"] = pd.to_datetime(frame["received_at"]).dt.strftime("%Y-%m")
    frame["borough"] = frame["borough"].fillna("unknown")
    return frame


def figures(sessions: sessionmaker[Session], since: dt.date, until: dt.date, *,
            by_borough: bool = False) -> ReferralFigures:
    """Every table for referrals received in [since, until)."""
    with sessions() as session:
        frame = _frame(session, since, until)
        outcome_rows = store.outcome_rows(session, dt.datetime.combine(since, dt.time()),
                                          dt.datetime.combine(until, dt.time()))
    keys = ["month", *(["borough"] if by_borough else [])]
    volumes = (frame.groupby([*keys, "reachable_moment"]).size()
               .rename("referrals").reset_index())
    volumes["reachable_moment"] = volumes["reachable_moment"].map(
        codes.REACHABLE_MOMENTS.label)
    contacted = frame[frame["first_contact_at"].notna()].copy()
    contacted["days"] = (pd.to_datetime(contacted["first_contact_at"])
                         - pd.to_datetime(contacted["received_at"])
                         ).dt.total_seconds() / 86400
    first = (contacted.groupby([*keys, "reachable_moment"])
             .agg(contacted=("days", "size"),
                  median_days_to_first_contact=("days", "median")).reset_index())
    first["median_days_to_first_contact"] = first["median_days_to_first_contact"].round(1)
    first["reachable_moment"] = first["reachable_moment"].map(codes.REACHABLE_MOMENTS.label)
    closed = frame[frame["engaged"].notna()]
    engagement = (closed.groupby(keys).agg(
        closed_with_outcome=("engaged", "size"),
        engaged=("engaged", lambda v: int((v == "yes").sum()))).reset_index())
    outcomes = pd.DataFrame(outcome_rows, columns=["measure", "value", "borough",
                                                   "closed_at"])
    outcome_table = (outcomes.groupby(["measure", "value"]).size().rename("referrals")
                     .reset_index())
    outcome_table["measure"] = outcome_table["measure"].map(codes.OUTCOME_MEASURES.label)
    return ReferralFigures(
        since, until, by_borough,
        disclosure.apply(volumes, ["referrals"]),
        disclosure.apply(first, ["contacted"],
                         derived_from={"median_days_to_first_contact": ["contacted"]}),
        disclosure.apply(engagement, ["closed_with_outcome", "engaged"], rates={
            "engaged_pct": disclosure.Rate("engaged", "closed_with_outcome", 100.0)}),
        disclosure.apply(outcome_table, ["referrals"]),
    )


@dataclass(frozen=True)
class ListingFigures:
    """What the referral data says about one listing (None: too few to say)."""

    referrals: int | None
    accepted_pct: float | None
    reply_days: float | None

    def sentences(self) -> list[str]:
        out = []
        if self.reply_days is not None:
            out.append(f"Usually replies in {self.reply_days:g} "
                       f"day{'s' if self.reply_days != 1 else ''}")
        if self.accepted_pct is not None:
            out.append(f"{self.accepted_pct:.0f}% of referrals accepted")
        return out


def listing_figures(sessions: sessionmaker[Session], service_ids: Sequence[str] | None = None
                    ) -> dict[str, ListingFigures]:
    """Per service: referrals sent (disclosed), the share accepted (of those replied to)
    and the median days to a reply, each withheld when its count is suppressed."""
    with sessions() as session:
        rows = store.onward_rows(session, service_ids)
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["service_id", "status", "sent_at", "replied_at"])
    frame["replied"] = frame["replied_at"].notna()
    frame["accepted"] = frame["status"].isin(["accepted", "attended", "did_not_attend"])
    frame["days"] = (pd.to_datetime(frame["replied_at"]) - pd.to_datetime(frame["sent_at"])
                     ).dt.total_seconds() / 86400
    table = frame.groupby("service_id").agg(
        referrals=("status", "size"), replied=("replied", "sum"),
        accepted=("accepted", "sum"), reply_days=("days", "median")).reset_index()
    table["reply_days"] = table["reply_days"].round(0)
    safe = disclosure.apply(table, ["referrals", "replied", "accepted"],
                            rates={"accepted_pct": disclosure.Rate("accepted", "replied",
                                                                   100.0)},
                            derived_from={"reply_days": ["replied"]},
                            allow_columns=["service_id"])
    out = {}
    for r in safe.astype(object).where(safe.notna(), None).to_dict(orient="records"):
        referrals, pct, days = r["referrals"], r["accepted_pct"], r["reply_days"]
        out[str(r["service_id"])] = ListingFigures(
            None if referrals is None else int(referrals),
            None if pct is None else round(float(pct)),
            None if days is None else max(1.0, float(days)))
    return out
