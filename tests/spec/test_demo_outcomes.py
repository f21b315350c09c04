"""The demo's synthetic outcomes year: seeded, across the five priority areas, four
quarterly returns per programme (some late, one with errors), measures and surveys that
pass their own checks, put in through the services."""

from __future__ import annotations

from pathlib import Path

from tests.helpers_outcomes import VRU
from vrhub.access.services import AccessServices
from vrhub.demo_outcomes import add_outcomes_year
from vrhub.outcomes import istatement_kpis, prepost, returns
from vrhub.outcomes.context import Outcomes
from vrhub.settings import Settings
from vrhub.synthetic.outcomes import QUARTERS, outcomes_year

BOROUGHS = [f"E0999{i:04d}" for i in range(1, 7)]


def test_the_year_is_seeded_and_covers_every_area() -> None:
    year = outcomes_year(BOROUGHS, seed=7)
    again = outcomes_year(BOROUGHS, seed=7)
    assert [p.returns for p in year.programmes] == [p.returns for p in again.programmes]
    assert len(year.programmes) == 20
    areas = {a for p in year.programmes for a in p.programme["priority_areas"]}
    assert areas == {"CYP-RH", "CYP-PO", "FAM", "EDU", "CAP"}
    assert all(list(p.returns) == list(QUARTERS) for p in year.programmes)
    assert year.late and len(year.late) < 40
    bad = next(p for p in year.programmes if p.programme["code"] == year.with_errors)
    assert b",-3," in bad.returns[year.error_quarter]
    assert all(b",-3," not in p.returns[q] for p in year.programmes for q in QUARTERS
               if (p.programme["code"], q) != (year.with_errors, year.error_quarter))


def test_the_year_goes_in_through_the_services(tmp_path: Path) -> None:
    settings = Settings.load({}, home=tmp_path, environment="test")
    accounts, counts = add_outcomes_year(settings, BOROUGHS, "a long enough passphrase 1",
                                         seed=3, count=5)
    assert accounts[0].role == "programme_lead"
    assert (counts["programmes"], counts["returns"]) == (5, 20)
    services = AccessServices.from_settings(settings)
    try:
        outcomes = Outcomes(services.sessions, services.policy)
        listed = returns.list_returns(outcomes, VRU)
        statuses = sorted({r["status"] for r in listed})
        assert "approved" in statuses and "changes_requested" in statuses
        errors = [r for r in listed if r["rows_quarantined"]]
        assert [(r["programme"], r["period"]) for r in errors] == [("NHS-EDU-04", "2025-26-Q2")]
        change = prepost.prepost(outcomes, VRU).to_dict()
        assert change["participants"]["paired"] > 0
        assert change["participants"]["pre_without_post"] > 0  # attrition is there
        assert istatement_kpis.kpis(outcomes, VRU, kpi_set="NHS Vanguard").kpis
        # once only
        assert add_outcomes_year(settings, BOROUGHS, "x", seed=3, count=5)[1] == {
            "skipped": "the outcomes year is there already"}
    finally:
        services.close()
