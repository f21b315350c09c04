"""Loading a revised outcomes framework and listing the versions loaded.

The framework in force is the newest version loaded (:meth:`Outcomes.framework`); every
KPI result records the version it was computed under, so a revision never silently
re-labels figures computed before it. Loading is an administrator's action, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.outcomes import framework as framework_mod
from vrhub.outcomes.context import FRAMEWORK, Outcomes
from vrhub.outcomes.framework import Framework
from vrhub.storage.outcomes import reference as store


@dataclass(frozen=True)
class FrameworkVersion:
    version: str
    title: str
    loaded_at: str | None
    loaded_by: str | None
    in_force: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_framework(outcomes: Outcomes, principal: Principal, data: bytes,
                   file: str) -> Framework:
    """Check a framework document and make it the framework in force (audited)."""
    parsed = framework_mod.parse_bytes(data, file)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.MANAGE_FRAMEWORK, Resource("framework", parsed.version),
            session=session) as note:
        store.add_reference(session, kind=FRAMEWORK, version=parsed.version,
                            title=parsed.title, document=parsed.document,
                            loaded_by=principal.email)
        note.detail = (f"loaded framework {parsed.version}: {len(parsed.priority_areas)} "
                       f"priority areas, {len(parsed.outcome_codes)} outcomes")
    return parsed


def versions(outcomes: Outcomes) -> list[FrameworkVersion]:
    """Every framework version loaded, newest (in force) first, then the shipped default."""
    default = framework_mod.default()
    with outcomes.sessions() as session:
        rows = store.reference_versions(session, FRAMEWORK)
        out = [FrameworkVersion(r.version, r.title, r.loaded_at.isoformat(timespec="seconds"),
                                r.loaded_by, i == 0) for i, r in enumerate(rows)]
    out.append(FrameworkVersion(default.version, default.title + " (shipped)", None, None,
                                not out))
    return out
