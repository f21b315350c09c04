"""Who may change a directory listing: the policy layer for listings.

=================  ================================================================
provider           listings kept by their own organisation (the organisation code of
                   their account); new listings are kept by it
directory curator  every listing; reviewing is theirs alone
everyone else      no listing (the public search and the ORUK feed only read)
=================  ================================================================

Every change, allowed or refused, is one audit event (resource ``listing:<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from vrhub.access.audit import AuditLog
from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, Action, Role
from vrhub.errors import PermissionDenied


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def listing_decision(principal: Principal, action: Action, owner_code: str | None
                     ) -> Decision:
    if action not in ROLE_ACTIONS[principal.role]:
        return Decision(False, f"the {principal.role.label.lower()} role may not "
                        f"{action.value.replace('_', ' ')}")
    if principal.token_scopes is not None and action.value not in principal.token_scopes:
        return Decision(False, f"this API token does not carry the {action.value!r} scope")
    if principal.role is Role.DIRECTORY_CURATOR:
        return Decision(True, "directory curator")
    if owner_code is not None and owner_code == principal.organisation:
        return Decision(True, "kept by the principal's organisation")
    return Decision(False, "this listing is kept by another organisation")


def owner_of_new(principal: Principal) -> str | None:
    """The organisation a new listing is kept by (a provider's own; None for curators,
    whose listings are kept by the VRU)."""
    return principal.organisation if principal.role is Role.PROVIDER else None


class ListingPolicy:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    def enforce(self, principal: Principal, action: Action, listing_id: str,
                owner_code: str | None, *, detail: str = "") -> None:
        decision = listing_decision(principal, action, owner_code)
        self.audit.record(principal, action.value, f"listing:{listing_id}",
                          outcome="allowed" if decision.allowed else "denied",
                          scope={"owner": owner_code,
                                 "principal_organisation": principal.organisation},
                          detail=f"{decision.reason}{'; ' + detail if detail else ''}")
        if not decision.allowed:
            error = PermissionDenied(
                f"{principal.email} may not {action.value.replace('_', ' ')}: "
                f"{decision.reason}",
                hint="this attempt has been recorded in the audit trail; ask the VRU "
                "directory team if your organisation should keep this listing")
            error.audited = True
            raise error
