"""Outcome actions: London-wide roles act everywhere, a programme lead on their own
programmes only, a borough or ICB analyst on their boroughs and the programmes serving
them; every refusal says why."""

from __future__ import annotations

import pytest

from vrhub.access.outcomes_scope import authorize_outcome, london_wide
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action, Role

HACKNEY, NEWHAM, LAMBETH = "E09000012", "E09000025", "E09000022"


def person(role: Role, **scope: frozenset[str]) -> Principal:
    return Principal(f"{role.value}@example.org", role, **scope)


@pytest.mark.parametrize("role", [Role.PAN_LONDON_ANALYST, Role.ADMINISTRATOR])
def test_london_wide_roles_read_any_outcomes(role: Role) -> None:
    assert london_wide(person(role))
    allowed, reason = authorize_outcome(person(role), Action.READ_OUTCOMES,
                                        Resource.outcomes(boroughs=[LAMBETH]))
    assert allowed and "London-wide" in reason


def test_a_programme_lead_acts_on_their_own_programmes_only() -> None:
    lead = person(Role.PROGRAMME_LEAD, programmes=frozenset({"LCPF-HAC-01"}))
    assert not london_wide(lead)
    own = Resource.outcomes(programmes=["LCPF-HAC-01"])
    assert authorize_outcome(lead, Action.READ_OUTCOMES, own) == (
        True, "the principal's own programme")
    mixed = Resource.outcomes(programmes=["LCPF-HAC-01", "LCPF-LAM-02"])
    assert authorize_outcome(lead, Action.SUBMIT_RETURN, mixed) == (
        False, "not your programme: LCPF-LAM-02")
    allowed, reason = authorize_outcome(lead, Action.READ_OUTCOMES, Resource.outcomes())
    assert not allowed and "name one" in reason


def test_a_borough_analyst_sees_figures_for_their_boroughs_only() -> None:
    analyst = person(Role.BOROUGH_ANALYST, boroughs=frozenset({HACKNEY}))
    assert authorize_outcome(analyst, Action.READ_OUTCOMES,
                             Resource.outcomes(boroughs=[HACKNEY]))[0]
    allowed, reason = authorize_outcome(analyst, Action.READ_OUTCOMES,
                                        Resource.outcomes(boroughs=[HACKNEY, NEWHAM]))
    assert (allowed, reason) == (False, f"outside your boroughs: {NEWHAM}")
    allowed, reason = authorize_outcome(analyst, Action.READ_OUTCOMES, Resource.outcomes())
    assert not allowed and "need a pan-London role" in reason


def test_an_area_analyst_sees_a_programme_that_serves_one_of_their_boroughs() -> None:
    analyst = person(Role.ICB_ANALYST, boroughs=frozenset({HACKNEY, NEWHAM}))
    serving = Resource.programme("LCPF-NE-01", boroughs=[NEWHAM, LAMBETH])
    assert authorize_outcome(analyst, Action.READ_RETURN, serving) == (
        True, "a programme serving one of the principal's boroughs")
    elsewhere = Resource.programme("LCPF-LAM-02", boroughs=[LAMBETH])
    assert authorize_outcome(analyst, Action.READ_RETURN, elsewhere) == (
        False, f"this programme does not serve your boroughs: it serves {LAMBETH}")


def test_a_role_without_an_outcomes_scope_is_refused_naming_the_role() -> None:
    allowed, reason = authorize_outcome(person(Role.ED_DATA_LEAD), Action.READ_OUTCOMES,
                                        Resource.outcomes(boroughs=[HACKNEY]))
    assert not allowed and reason.endswith("role has no outcomes scope")
