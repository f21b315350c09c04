"""ED figures: how much of the emergency-department (ISTV) data a principal may see, on
every surface that shows it (pages, charts, caches, notes, file lists and the API).

ED assault attendances come from NHS emergency departments under a data-sharing
agreement; small counts by area or hour can point at a person. So every figure drawn
from them, whatever shows it, is decided here, once:

====================  ==================================  ===============================
Principal             Inside their scope                  Elsewhere
====================  ==================================  ===============================
pan-London analyst    exact (all of London)               -
borough analyst       exact, in their own boroughs        disclosure-controlled
ED data lead          (area figures mix every site's      disclosure-controlled
                      attendances, so none are exact;
                      a surface that can keep to one
                      site's records shows their own
                      site's records exactly)
administrator         -                                   disclosure-controlled
public                -                                   none (published outputs only)
====================  ==================================  ===============================

"Disclosure-controlled" is :mod:`vrhub.analytics.disclosure`'s rule (counts 1-7
suppressed, others rounded to 5, ratios recomputed from the disclosed counts), and that
rule makes only ward-or-coarser, month-or-coarser tables safe. A surface that shows a
*fine* form (grid cells, points, LSOAs, times of day) is therefore shown exactly or not at
all: outside the principal's scope it is refused.

:meth:`vrhub.access.policy.Policy.ed_figures` makes the decision and writes one audit
event for every read (allowed at a level, or refused). The :class:`EDView` it returns
says at which level to show the figures (``detail``) and which rows they may cover
(``scope``); its :meth:`EDView.cache_key` is part of every cache key of what is shown, and
exact figures are kept only in memory, never in the workspace's cache files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import _boroughs
from vrhub.access.roles import ROLE_ACTIONS, Action
from vrhub.access.scopes import record_scope
from vrhub.errors import PermissionDenied

# The scope the two levels need: record search for exact figures (a token must carry
# ``search_records``), aggregate reading for disclosure-controlled ones.
EXACT_ACTION = Action.SEARCH_RECORDS
DISCLOSED_ACTION = Action.READ_AGGREGATES


class Detail(StrEnum):
    EXACT = "exact"
    DISCLOSED = "disclosed"
    NONE = "none"


@dataclass(frozen=True)
class EDView:
    """How ED figures are shown to one principal for one request.

    ``boroughs`` empty with ``everything`` True means all of London; otherwise the rows
    shown are those in ``boroughs``."""

    detail: Detail
    reason: str
    everything: bool = False
    boroughs: frozenset[str] = frozenset()
    london_wide: bool = False
    """The principal sees exact figures for all of London (figures about rows outside
    any borough, such as those not yet placed, are exact only for them)."""
    sites: frozenset[str] = frozenset()
    """When not empty, only records of these ED sites are shown (an ED data lead's own)."""

    @property
    def exact(self) -> bool:
        return self.detail is Detail.EXACT

    @property
    def shown(self) -> bool:
        return self.detail is not Detail.NONE

    @property
    def areas(self) -> list[str] | None:
        """Boroughs to compute for (None: all of London)."""
        return None if self.everything else sorted(self.boroughs)

    def cache_key(self) -> dict[str, Any]:
        """What a cached figure depends on besides its parameters."""
        return {"detail": self.detail.value, "everything": self.everything,
                "boroughs": sorted(self.boroughs), "london_wide": self.london_wide,
                "sites": sorted(self.sites)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.cache_key(), "reason": self.reason}

    def require(self) -> EDView:
        """This view, or :class:`PermissionDenied` (already audited) when nothing may be
        shown."""
        if not self.shown:
            raise denied(self.reason)
        return self


def denied(reason: str) -> PermissionDenied:
    error = PermissionDenied(
        f"ED figures refused: {reason}",
        hint="this attempt has been recorded in the audit trail; ask an administrator if "
        "your role or boroughs are wrong")
    error.audited = True
    return error


def _may(principal: Principal, action: Action) -> bool:
    return action in ROLE_ACTIONS[principal.role] and (
        principal.token_scopes is None or action.value in principal.token_scopes)


def ed_view(principal: Principal, boroughs: Iterable[str] = (), *,
            fine: bool = False, by_site: bool = False) -> EDView:
    """The decision, without I/O: how ED figures about ``boroughs`` (none named: all the
    principal may see) are shown to ``principal``. ``fine`` is True for surfaces that
    show grid cells, points, LSOAs or times of day; ``by_site`` for surfaces that can
    keep to the records of :attr:`EDView.sites` (an ED data lead then sees their own
    site's records exactly)."""
    asked = _boroughs(boroughs)
    if principal.is_public:
        return EDView(Detail.NONE, "ED figures are for signed-in partners; the public sees "
                      "the published, disclosure-controlled outputs")
    own = record_scope(principal, "istv", action=EXACT_ACTION)
    if own.everything:
        return EDView(Detail.EXACT, "London-wide scope", everything=not asked,
                      boroughs=asked, london_wide=True)
    if own.boroughs and asked <= own.boroughs:
        return EDView(Detail.EXACT, "inside your boroughs", boroughs=asked or own.boroughs)
    if by_site and own.sites and not own.boroughs:
        return EDView(Detail.EXACT, "your own ED site's records", boroughs=asked,
                      sites=frozenset(own.sites))
    outside = asked - own.boroughs
    where = ("outside your boroughs: " + " ".join(sorted(outside)) if outside and own.boroughs
             else "your access does not include exact ED figures by area")
    if fine:
        return EDView(Detail.NONE, f"ED figures finer than a ward or by time of day are "
                      f"shown only inside your own scope ({where})", boroughs=asked)
    if not _may(principal, DISCLOSED_ACTION):
        return EDView(Detail.NONE, "this API token does not carry the 'read_aggregates' "
                      "scope", boroughs=asked)
    return EDView(Detail.DISCLOSED, f"disclosure-controlled ({where})",
                  everything=not asked, boroughs=asked)
