"""Who may see and do what on the outcomes side: the programme and borough scope rules the
policy layer applies to the outcome actions (:data:`vrhub.access.roles.OUTCOME_ACTIONS`).

- VRU (pan-London) analysts and administrators act London-wide (within their actions);
- a programme lead acts only on their own programme(s): a resource must name programmes,
  all of them theirs;
- a borough analyst sees the programmes serving any of their boroughs, and outcome figures
  for their boroughs (every borough named must be theirs); an ICB analyst the same for the
  boroughs their ICB(s) serve.

:func:`authorize_outcome` is pure; :class:`vrhub.access.policy.Policy` calls it and audits.
"""

from __future__ import annotations

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import AREA_SCOPED_ROLES, PROGRAMME_SCOPED, Action, Role


def london_wide(principal: Principal) -> bool:
    return principal.role in (Role.PAN_LONDON_ANALYST, Role.ADMINISTRATOR)


def authorize_outcome(principal: Principal, action: Action,
                      resource: Resource) -> tuple[bool, str]:
    """(allowed, reason) for an outcome action the principal's role and token allow."""
    if action not in PROGRAMME_SCOPED or london_wide(principal):
        return True, f"{principal.role.value} may {action.value.replace('_', ' ')} "\
                     "London-wide"
    if principal.role is Role.PROGRAMME_LEAD:
        if not resource.programmes:
            return False, "a programme lead sees only their own programme(s); name one"
        outside = resource.programmes - principal.programmes
        if outside:
            return False, "not your programme: " + " ".join(sorted(outside))
        return True, "the principal's own programme"
    if principal.role in AREA_SCOPED_ROLES:
        if not resource.boroughs:
            return False, ("outcome figures for all of London need a pan-London role; name "
                           "your borough or a programme serving it")
        if resource.kind == "outcomes":
            outside = resource.boroughs - principal.boroughs
            if outside:
                return False, "outside your boroughs: " + " ".join(sorted(outside))
            return True, "inside the principal's boroughs"
        if resource.boroughs & principal.boroughs:
            return True, "a programme serving one of the principal's boroughs"
        return False, "this programme does not serve your boroughs: it serves " + \
            " ".join(sorted(resource.boroughs))
    return False, f"the {principal.role.label.lower()} role has no outcomes scope"
