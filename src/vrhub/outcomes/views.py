"""Which programmes a figure covers: one programme, a priority area, a borough or every
programme, always cut to what the principal may see (the policy layer decides and audits
refusals).

A borough's figures are those of the programmes serving it (a programme serving several
boroughs counts in each of them: borough figures are not additive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import NotFound
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.programmes import ProgrammeView, every_programme, get_programme
from vrhub.standards.codes import BoroughCode
from vrhub.storage.outcomes.versions import data_versions


@dataclass(frozen=True)
class View:
    level: str  # programme | area | borough | all
    code: str
    label: str
    programmes: tuple[ProgrammeView, ...]

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.programmes]

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "code": self.code, "label": self.label,
                "programmes": self.codes}


def current_versions(outcomes: Outcomes) -> dict[str, tuple[Any, ...]]:
    """What cached figures are keyed by (one query)."""
    with outcomes.sessions() as session:
        return data_versions(session)


def _visible(outcomes: Outcomes, principal: Principal,
             versions: dict[str, tuple[Any, ...]] | None) -> list[ProgrammeView]:
    """The programmes ``principal`` may see (refused, and audited, when none)."""
    scope = outcomes.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES,
                                                  "programmes", detail="outcome figures")
    every = every_programme(outcomes, versions)
    if scope.everything:
        return list(every)
    return [p for p in every if p.code in scope.programmes
            or set(p.boroughs) & scope.boroughs]


def view_of(outcomes: Outcomes, principal: Principal, *, programme: str | None = None,
            area: str | None = None, borough: str | None = None,
            versions: dict[str, tuple[Any, ...]] | None = None) -> View:
    """The programmes a figure for ``programme``, ``area`` or ``borough`` (at most one;
    none: all the principal may see) covers."""
    if programme:
        found = get_programme(outcomes, principal, programme)
        return View("programme", found.code, f"{found.code} {found.name}", (found,))
    if borough:
        code = str(BoroughCode(borough))
        outcomes.policy.enforce(principal, Action.READ_OUTCOMES,
                                Resource.outcomes("borough", boroughs=[code]),
                                detail=f"outcome figures for {code}")
        found_all = [p for p in _visible(outcomes, principal, versions)
                     if code in p.boroughs]
        return View("borough", code, code, tuple(found_all))
    if area:
        framework = outcomes.framework()
        if not framework.has_area(area):
            raise NotFound(f"there is no priority area {area!r}", hint="use one of " + ", "
                           .join(a.code for a in framework.priority_areas))
        pa = framework.area(area)
        return View("area", pa.code, f"{pa.number}. {pa.name}",
                    tuple(p for p in _visible(outcomes, principal, versions)
                          if pa.code in p.priority_areas))
    return View("all", "", "All programmes you may see",
                tuple(_visible(outcomes, principal, versions)))
