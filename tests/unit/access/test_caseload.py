"""Who may open a case: a worker their own allocated or made referrals, a lead every
referral of the teams they lead, nobody else any; the caseload list shows exactly the
referrals a single decision would open; every decision is audited."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from vrhub.access.caseload import (
    Caseload,
    CasePolicy,
    CaseRef,
    CaseScope,
    case_decision,
    caseload_scope,
)
from vrhub.access.principal import Principal
from vrhub.access.roles import Action, Role
from vrhub.errors import PermissionDenied

WORKER = Principal("worker@example.org", Role.CASE_WORKER, user_id=7)
WORKER_LOAD = Caseload(7, teams=frozenset({1}))
LEAD = Principal("lead@example.org", Role.TEAM_LEAD, user_id=9)
LEAD_LOAD = Caseload(9, teams=frozenset({1}), led_teams=frozenset({1}))
ANALYST = Principal("analyst@example.org", Role.PAN_LONDON_ANALYST, user_id=11)


def case(team: int = 1, worker: int | None = None, made_by: int | None = 3) -> CaseRef:
    return CaseRef("r-1", "REF-0001", team, worker, made_by)


def test_a_worker_opens_what_is_allocated_to_them_or_what_they_made() -> None:
    assert case_decision(WORKER, WORKER_LOAD, Action.READ_CASE, case(worker=7)).reason == \
        "allocated to this worker"
    assert case_decision(WORKER, WORKER_LOAD, Action.READ_CASE, case(made_by=7)).reason == \
        "made by this worker"
    refused = case_decision(WORKER, WORKER_LOAD, Action.READ_CASE, case(worker=8))
    assert (refused.allowed, refused.reason) == (False, "this referral is not on your caseload")


def test_a_lead_opens_every_referral_of_the_teams_they_lead_and_alone_allocates() -> None:
    assert case_decision(LEAD, LEAD_LOAD, Action.READ_CASE, case(team=1, worker=8)).allowed
    assert not case_decision(LEAD, LEAD_LOAD, Action.READ_CASE, case(team=2, worker=8)).allowed
    assert case_decision(LEAD, LEAD_LOAD, Action.ALLOCATE_CASE, case(team=1)).allowed
    refused = case_decision(WORKER, Caseload(7, led_teams=frozenset({1})),
                            Action.ALLOCATE_CASE, case(team=1))
    assert not refused.allowed  # the role, not a stray led team, decides


def test_roles_without_cases_and_narrow_tokens_are_refused() -> None:
    refused = case_decision(ANALYST, Caseload(11), Action.READ_CASE, case(made_by=11))
    assert not refused.allowed and "may not read case" in refused.reason
    token = Principal("worker@example.org", Role.CASE_WORKER, user_id=7,
                      token_scopes=frozenset({"read_referral_figures"}))
    refused = case_decision(token, WORKER_LOAD, Action.READ_CASE, case(worker=7))
    assert refused.reason == "this API token does not carry the 'read_case' scope"
    assert isinstance(caseload_scope(ANALYST, Caseload(11)), type(refused))


@pytest.mark.parametrize(("principal", "load"), [(WORKER, WORKER_LOAD), (LEAD, LEAD_LOAD)])
def test_the_caseload_list_shows_exactly_what_one_decision_would_open(
        principal: Principal, load: Caseload) -> None:
    scope = caseload_scope(principal, load)
    assert isinstance(scope, CaseScope)
    for team, worker, made_by in itertools.product((1, 2), (None, 7, 8, 9), (None, 3, 7, 9)):
        ref = case(team, worker, made_by)
        assert scope.allows(ref) == case_decision(principal, load, Action.READ_CASE,
                                                  ref).allowed, ref


class Recorded:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def record(self, principal: Principal, action: str, resource: str, **fields: Any) -> None:
        self.events.append({"who": principal.email, "action": action, "resource": resource,
                            **fields})


def test_every_decision_is_audited_allowed_or_refused() -> None:
    audit = Recorded()
    policy = CasePolicy(audit)  # type: ignore[arg-type]
    policy.enforce(WORKER, WORKER_LOAD, Action.READ_CASE, case(worker=7))
    with pytest.raises(PermissionDenied, match="not on your caseload") as refused:
        policy.enforce(WORKER, WORKER_LOAD, Action.READ_CASE, case(worker=8))
    assert refused.value.audited is True  # not audited a second time by the handlers
    with pytest.raises(PermissionDenied, match="may not read case"):
        policy.enforce_list(ANALYST, Caseload(11))
    assert [(e["resource"], e["outcome"]) for e in audit.events] == [
        ("referral:REF-0001", "allowed"), ("referral:REF-0001", "denied"),
        ("caseload", "denied")]
    assert audit.events[1]["scope"] == {"team": 1, "worker": 8, "principal_teams": [1],
                                        "principal_led_teams": []}
