"""A principal's scope: the part of record-level data (boroughs, ED sites, funded
programmes) it may see, as the policy decides and the query layer filters by.

:func:`record_scope` is the scope a principal's role and API token give it for one action;
:class:`~vrhub.access.policy.Policy` checks requests against it and
:mod:`vrhub.access.ed_figures` decides from it how ED figures are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, Action, Role


@dataclass(frozen=True)
class Scope:
    """What part of record-level data a principal may see. ``everything`` (pan-London),
    else only rows in ``boroughs`` or from ED ``sites``; neither means nothing. A dataset
    without a site column yields nothing for a site-scoped principal."""

    everything: bool = False
    boroughs: frozenset[str] = field(default_factory=frozenset)
    sites: frozenset[str] = field(default_factory=frozenset)
    #: funded programmes (outcomes): a programme lead's own
    programmes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.boroughs or self.sites or self.programmes)

    def allows(self, *, borough: str | None = None, site: str | None = None) -> bool:
        """Whether one row, in ``borough`` and/or from ``site``, is inside the scope."""
        if self.everything:
            return True
        return bool((borough and borough in self.boroughs) or (site and site in self.sites))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"everything": self.everything,
                               "boroughs": sorted(self.boroughs), "sites": sorted(self.sites)}
        if self.programmes:
            out["programmes"] = sorted(self.programmes)
        return out


NO_SCOPE = Scope()


def record_scope(principal: Principal, dataset: str = "", *,
                 action: Action = Action.READ_RECORDS) -> Scope:
    """The record-level scope ``principal`` has for ``action`` on ``dataset`` (empty when
    none). The scope does not depend on the dataset today: a site-scoped principal sees
    nothing of a dataset that has no ED-site column."""
    if action not in ROLE_ACTIONS[principal.role] or not token_allows(principal, action):
        return NO_SCOPE
    if principal.role is Role.PAN_LONDON_ANALYST:
        return Scope(everything=True)
    if principal.role is Role.BOROUGH_ANALYST:
        return Scope(boroughs=principal.boroughs)
    if principal.role is Role.ED_DATA_LEAD:
        return Scope(sites=principal.sites)
    if principal.role is Role.ICB_ANALYST:
        # the boroughs the ICB serves and the ED sites it runs (vrhub.access.icb_scope)
        return Scope(boroughs=principal.boroughs, sites=principal.sites)
    if principal.role is Role.ADMINISTRATOR and action in (Action.READ_QUALITY,
                                                           Action.BUILD_SNA):
        return Scope(everything=True)
    return NO_SCOPE


def token_allows(principal: Principal, action: Action) -> bool:
    """Whether the principal's API token, if it signed in with one, carries ``action``."""
    return principal.token_scopes is None or action.value in principal.token_scopes
