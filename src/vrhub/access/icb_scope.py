"""An ICB analyst's reach: the boroughs their Integrated Care Board(s) serve and the ED
sites they run.

An account of the ``icb_analyst`` role holds ICB codes (ODS, such as ``QMF`` for North
East London), not boroughs or sites: which boroughs and sites make up an ICB's system is
data (:mod:`vrhub.reports.area_directory` builds it from the ONS lookup and the loaded ED
site list), and it can change when the site list is loaded again. So a principal is built
with its ICBs, and :meth:`ICBMembership.expand` fills in its boroughs and sites from the
membership as it is now, every time a principal is handed out (a sign-in, a session, an
API token, a CLI token); the principal caches keep the unexpanded principal. From then on
the policy layer treats those boroughs and sites like any other scope: figures inside them
exact, elsewhere disclosure-controlled or refused (and audited).

Until a source is given (:meth:`ICBMembership.use`: the web app and the CLI give the
warehouse's area directory), an ICB's boroughs are those of the ONS lookup for the five
London ICBs (:mod:`vrhub.standards.icb`) and it runs no ED sites: a missing source never
widens what an account sees.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from vrhub.access.principal import Principal
from vrhub.standards.icb import LONDON_ICBS

#: ICB code -> (its boroughs, its ED sites)
Members = Mapping[str, tuple[Collection[str], Collection[str]]]

LONDON_MEMBERS: dict[str, tuple[Collection[str], Collection[str]]] = {
    icb.code: (icb.districts, ()) for icb in LONDON_ICBS}


class ICBMembership:
    """Where the boroughs and ED sites of each ICB come from (one per process)."""

    def __init__(self, source: Callable[[], Members] | None = None) -> None:
        self._source = source

    def use(self, source: Callable[[], Members] | None) -> None:
        """Take ICBs' membership from ``source`` (called each time a principal with ICBs
        is handed out, so it should be cheap: the web app's is kept per warehouse
        version)."""
        self._source = source

    def members(self) -> Members:
        if self._source is None:
            return LONDON_MEMBERS
        return {**LONDON_MEMBERS, **self._source()}

    def expand(self, principal: Principal) -> Principal:
        """``principal`` with the boroughs and sites of its ICBs (unchanged when it has
        none)."""
        if not principal.icbs:
            return principal
        members = self.members()
        boroughs: set[str] = set()
        sites: set[str] = set()
        for code in principal.icbs:
            held_boroughs, held_sites = members.get(code, ((), ()))
            boroughs.update(held_boroughs)
            sites.update(held_sites)
        return replace(principal, boroughs=frozenset(boroughs), sites=frozenset(sites))
