"""Referral figures in the API (vrhub.web.routes.api_referral_figures): the months asked
for, who may read them, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.route_paths import path_of
from tests.web.test_access_matrix import World
from vrhub.standards.months import Month
from vrhub.web.routes import api_referral_figures


def test_the_period_is_the_twelve_months_to_the_end_asked_for() -> None:
    assert api_referral_figures.period(None, "2024-12") == (Month(2024, 1), Month(2024, 12))
    assert api_referral_figures.period("2023-11", "2024-02") == (Month(2023, 11),
                                                                 Month(2024, 2))
    today = dt.date.today()
    first, last = api_referral_figures.period(None, None)
    assert last == Month(today.year, today.month)
    assert (first.year * 12 + first.number) + 11 == last.year * 12 + last.number


def test_an_analyst_reads_the_months_asked_for_end_exclusive_and_the_read_is_audited(
        world: World) -> None:
    url = path_of(api_referral_figures, api_referral_figures.figures)
    before = world.audit_count()
    response = world.client.get(url, params={"from": "2024-03", "to": "2024-05"},
                                headers=world.headers["camden"])
    assert response.status_code == 200 and world.audit_count() == before + 1
    body = response.json()
    assert body["period"] == {"from": "2024-03-01", "to": "2024-06-01"}
    assert body["by_borough"] is False and body["volumes"] == []


@pytest.mark.parametrize(("who", "reason"), [
    ("public", "the public role may not read referral figures"),
    ("ed", "the ed data lead role may not read referral figures"),
])
def test_roles_without_referral_figures_are_refused_and_audited(
        world: World, who: str, reason: str) -> None:
    before = world.audit_count()
    response = world.client.get(path_of(api_referral_figures, api_referral_figures.figures),
                                headers=world.headers[who])
    assert response.status_code == 403
    assert reason in response.json()["error"]["message"]
    assert world.audit_count() == before + 1
