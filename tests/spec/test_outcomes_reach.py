"""Reach totals count approved returns in force only, by the stated rule (SQLite)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.helpers_outcomes import VRU, lead
from tests.helpers_returns import CODE, filled, setup, to_bytes
from vrhub.access.services import AccessServices
from vrhub.outcomes import reach, return_workflow, returns
from vrhub.settings import Settings


def test_reach_counts_only_approved_returns(tmp_path: Path) -> None:
    services = AccessServices.from_settings(Settings.load({}, home=tmp_path,
                                                          environment="test"))
    try:
        outcomes = setup(services, dt.date(2024, 11, 20))
        q1 = returns.submit_return(outcomes, lead(), CODE, to_bytes(filled(outcomes, "2024-25-Q1", {
            ("positive_opportunities", "total", ""): 30, ("young_people_new", "total", ""): 12,
            ("schools_supported", "total", ""): 3})), "q1.xlsx", period="2024-25-Q1")
        q2 = returns.submit_return(outcomes, lead(), CODE, to_bytes(filled(outcomes, "2024-25-Q2", {
            ("positive_opportunities", "total", ""): 25, ("young_people_new", "total", ""): 9,
            ("schools_supported", "total", ""): 3})), "q2.xlsx", period="2024-25-Q2")
        for step in ("review", "approve"):
            return_workflow.move(outcomes, VRU, q1["return_id"], step)
        first = {t.element: t for t in reach.reach_totals(outcomes, VRU).totals}
        # Q2 is submitted, not approved: only Q1 counts
        assert (first["positive_opportunities"].value, first["young_people_new"].value,
                first["schools_supported"].value) == (30, 12, 3)
        assert first["young_people_reached"].value == 40 and first["schools_supported"].returns == 1
        for step in ("review", "approve"):
            return_workflow.move(outcomes, VRU, q2["return_id"], step)
        totals = {t.element: t for t in reach.reach_totals(outcomes, VRU,
                                                            programme=CODE).totals}
        assert (totals["positive_opportunities"].value, totals["young_people_new"].value) == (
            55, 21)
        # a school supported in both quarters counts twice, and the rule says so
        assert totals["schools_supported"].value == 6
        assert "counts each time" in totals["schools_supported"].double_counting
        assert totals["young_people_reached"].periods == "2024-25-Q1 to 2024-25-Q2"
    finally:
        services.close()
