"""Who may open a case: the policy layer for referrals.

A referral belongs to a team and, once allocated, to a worker. The rule:

=================  ==================================================================
case worker        the referrals allocated to them, and those they made themselves
team lead          every referral of the teams they lead (and their own, as a worker)
everyone else      no case at all: analysts see referral figures only as
                   de-identified, disclosure-controlled aggregates
=================  ==================================================================

Allocating a referral to a worker is for the lead of its team. Every decision on a case,
allowed or refused, writes one event to the audit trail's hash chain (resource
``referral:<reference>``; never the young person's identity); so does every caseload
list. :func:`case_decision` is the pure decision; :class:`CasePolicy` adds the audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vrhub.access.audit import AuditLog
from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, Action, Role
from vrhub.errors import PermissionDenied


@dataclass(frozen=True)
class Caseload:
    """The teams a principal belongs to and leads (from the app database)."""

    user_id: int | None
    teams: frozenset[int] = field(default_factory=frozenset)
    led_teams: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CaseRef:
    """What the policy needs to know of a referral."""

    referral_id: str
    reference: str
    team_id: int
    worker_id: int | None
    created_by: int | None

    @property
    def label(self) -> str:
        return f"referral:{self.reference}"


@dataclass(frozen=True)
class CaseScope:
    """Which referrals a list may show: allocated to or made by ``user_id``, or in one of
    ``team_ids``."""

    user_id: int | None
    team_ids: frozenset[int] = field(default_factory=frozenset)

    def allows(self, case: CaseRef) -> bool:
        return (self.user_id is not None and self.user_id in (case.worker_id, case.created_by)
                ) or case.team_id in self.team_ids

    def to_dict(self) -> dict[str, Any]:
        return {"own": self.user_id, "teams": sorted(self.team_ids)}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def _role_allows(principal: Principal, action: Action) -> Decision | None:
    if action not in ROLE_ACTIONS[principal.role]:
        return Decision(False, f"the {principal.role.label.lower()} role may not "
                        f"{action.value.replace('_', ' ')}")
    if principal.token_scopes is not None and action.value not in principal.token_scopes:
        return Decision(False, f"this API token does not carry the {action.value!r} scope")
    return None


def case_decision(principal: Principal, caseload: Caseload, action: Action,
                  case: CaseRef) -> Decision:
    refused = _role_allows(principal, action)
    if refused is not None:
        return refused
    if action is Action.ALLOCATE_CASE:
        if case.team_id in caseload.led_teams:
            return Decision(True, "lead of the referral's team")
        return Decision(False, "only the lead of the referral's team may allocate it")
    if principal.role is Role.TEAM_LEAD and case.team_id in caseload.led_teams:
        return Decision(True, "lead of the referral's team")
    if caseload.user_id is not None and caseload.user_id == case.worker_id:
        return Decision(True, "allocated to this worker")
    if caseload.user_id is not None and caseload.user_id == case.created_by:
        return Decision(True, "made by this worker")
    return Decision(False, "this referral is not on your caseload")


def caseload_scope(principal: Principal, caseload: Caseload,
                   action: Action = Action.READ_CASE) -> CaseScope | Decision:
    refused = _role_allows(principal, action)
    if refused is not None:
        return refused
    teams = caseload.led_teams if principal.role is Role.TEAM_LEAD else frozenset()
    return CaseScope(caseload.user_id, frozenset(teams))


class CasePolicy:
    """:func:`case_decision` with the audit trail (one event per decision)."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def enforce(self, principal: Principal, caseload: Caseload, action: Action,
                case: CaseRef, *, detail: str = "") -> Decision:
        decision = case_decision(principal, caseload, action, case)
        self.record(principal, action, case.label, allowed=decision.allowed,
                    scope=_scope(caseload, case),
                    detail=f"{decision.reason}{'; ' + detail if detail else ''}")
        if not decision.allowed:
            raise _denied(principal, action, decision)
        return decision

    def enforce_list(self, principal: Principal, caseload: Caseload, *,
                     action: Action = Action.READ_CASE, detail: str = "") -> CaseScope:
        found = caseload_scope(principal, caseload, action)
        allowed = isinstance(found, CaseScope)
        reason = found.reason if isinstance(found, Decision) else "caseload list"
        self.record(principal, action, "caseload", allowed=allowed,
                    scope=found.to_dict() if isinstance(found, CaseScope) else {},
                    detail=reason if not allowed else (detail or reason))
        if isinstance(found, Decision):
            raise _denied(principal, action, found)
        return found

    def enforce_action(self, principal: Principal, action: Action, resource: str, *,
                       detail: str = "") -> None:
        """An action on no particular case (making a referral, a subject-access search):
        the role decides; audited either way."""
        refused = _role_allows(principal, action)
        self.record(principal, action, resource, allowed=refused is None, scope={},
                    detail=detail if refused is None else refused.reason)
        if refused is not None:
            raise _denied(principal, action, refused)

    def record(self, principal: Principal, action: Action, resource: str, *, allowed: bool,
               scope: dict[str, Any], detail: str) -> None:
        self.audit.record(principal, action.value, resource,
                          outcome="allowed" if allowed else "denied", scope=scope,
                          detail=detail)


def _scope(caseload: Caseload, case: CaseRef) -> dict[str, Any]:
    return {"team": case.team_id, "worker": case.worker_id,
            "principal_teams": sorted(caseload.teams),
            "principal_led_teams": sorted(caseload.led_teams)}


def _denied(principal: Principal, action: Action, decision: Decision) -> PermissionDenied:
    error = PermissionDenied(
        f"{principal.email} may not {action.value.replace('_', ' ')}: {decision.reason}",
        hint="this attempt has been recorded in the audit trail; ask your team lead if a "
        "referral should be allocated to you")
    error.audited = True
    return error
