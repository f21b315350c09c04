"""The one policy layer: every page, API endpoint and CLI command asks here.

:func:`authorize` is the pure decision (no I/O). :class:`Policy` wraps it for callers:

- :meth:`Policy.enforce` for one object (a record, a submission): decides, writes exactly
  one audit event, raises :class:`~vrhub.errors.PermissionDenied` when denied;
- :meth:`Policy.enforce_scope` for lists, searches and exports: checks any boroughs or
  sites the caller asked for against the principal's scope and returns the
  :class:`~vrhub.access.scopes.Scope` the query layer must filter by (one audit event);
- :meth:`Policy.audited` for administrative actions: one event written when the action
  ends, with its outcome (success, failed or denied).

- :meth:`Policy.ed_figures` for any figure drawn from ED (ISTV) data, on any surface:
  the level it may be shown at (exact, disclosure-controlled or none, see
  :mod:`vrhub.access.ed_figures`), one audit event for every such read.

Record-level and administrative actions are always audited; so is every denial and every
read of ED figures. Allowed reads of open-data aggregates are not (they hold no
record-level data).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from vrhub.access.audit import AuditLog, append, new_event
from vrhub.access.ed_figures import EDView, ed_view
from vrhub.access.icb_scope import ICBMembership
from vrhub.access.outcomes_scope import authorize_outcome, london_wide
from vrhub.access.principal import Principal
from vrhub.access.resources import Resource, _boroughs, _sites
from vrhub.access.roles import (
    AREA_SCOPED_ROLES,
    OUTCOME_ACTIONS,
    PROGRAMME_SCOPED,
    ROLE_ACTIONS,
    Action,
    Role,
)
from vrhub.access.scopes import NO_SCOPE, Scope, record_scope, token_allows
from vrhub.errors import PermissionDenied, UserError

SCOPED_ACTIONS = frozenset({
    Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS,
    Action.UPLOAD_ISTV, Action.READ_ISTV_SUBMISSION, Action.READ_QUALITY,
    Action.READ_INCIDENT, Action.WRITE_INCIDENT, Action.READ_PLAN_ASSESSMENT,
    Action.READ_SNA, Action.BUILD_SNA,
})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def authorize(principal: Principal, action: Action, resource: Resource) -> Decision:
    """Whether ``principal`` may take ``action`` on ``resource``, and why."""
    role = principal.role
    if action not in ROLE_ACTIONS[role]:
        return Decision(False, f"the {role.label.lower()} role may not {_verb(action)}")
    if not token_allows(principal, action):
        return Decision(False, f"this API token does not carry the {action.value!r} scope")
    if action is Action.MANAGE_OWN_TOKENS and resource.name != principal.email.lower():
        return Decision(False, "you may only manage your own API tokens")
    if action in OUTCOME_ACTIONS:
        return Decision(*authorize_outcome(principal, action, resource))
    if action not in SCOPED_ACTIONS:
        return Decision(True, f"{role.value} may {_verb(action)}")
    scope = record_scope(principal, resource.name, action=action)
    if scope.everything:
        return Decision(True, f"{role.value} has London-wide scope")
    if not (resource.boroughs or resource.sites):
        return Decision(False, f"{_verb(action)} for all of London needs a pan-London role; "
                        "name your borough or site")
    # A row is inside a scope when it lies in one of its boroughs or comes from one of
    # its ED sites (as Scope.allows and the query layer filter); an ICB analyst holds both.
    outside_boroughs = resource.boroughs - scope.boroughs
    outside_sites = resource.sites - scope.sites
    if scope.boroughs and resource.boroughs and not outside_boroughs:
        return Decision(True, "inside the principal's boroughs")
    if scope.sites and resource.sites and not outside_sites:
        return Decision(True, "from the principal's ED sites")
    if scope.boroughs and resource.boroughs:
        return Decision(False, "outside your boroughs: " + " ".join(sorted(outside_boroughs)))
    if scope.sites and resource.sites:
        return Decision(False, "not your ED site: " + " ".join(sorted(outside_sites)))
    held = "boroughs" if scope.boroughs else "ED sites" if scope.sites else "no scope"
    return Decision(False, f"your access is limited to {held}; this {resource.kind} is "
                    "not identified by one of them")


def _verb(action: Action) -> str:
    return action.value.replace("_", " ")


#: Reads of figures that hold no record- or participant-level data: audited only when
#: refused.
UNAUDITED_READS = frozenset({Action.READ_AGGREGATES, Action.READ_OUTCOMES,
                             Action.READ_PLAN_ASSESSMENT})


def outcome_scope(principal: Principal, action: Action) -> Scope:
    """The programmes or boroughs ``principal`` may take the outcome ``action`` on (for
    lists and dashboards; empty when none)."""
    if action not in ROLE_ACTIONS[principal.role] or not token_allows(principal, action):
        return NO_SCOPE
    if action not in PROGRAMME_SCOPED or london_wide(principal):
        return Scope(everything=True)
    if principal.role is Role.PROGRAMME_LEAD:
        return Scope(programmes=principal.programmes)
    if principal.role in AREA_SCOPED_ROLES:
        return Scope(boroughs=principal.boroughs)
    return NO_SCOPE


def _audited(action: Action, allowed: bool) -> bool:
    return not allowed or action not in UNAUDITED_READS


class Policy:
    """:func:`authorize` plus the audit trail. Construct one per app with its
    :class:`~vrhub.access.audit.AuditLog`."""

    def __init__(self, audit: AuditLog, membership: ICBMembership | None = None) -> None:
        self.audit = audit
        #: the boroughs and ED sites of each ICB, for ICB analysts' principals
        self.membership = membership or ICBMembership()

    def enforce(self, principal: Principal, action: Action, resource: Resource, *,
                detail: str = "") -> Decision:
        """Decide, audit (one event) and raise PermissionDenied when refused."""
        decision = authorize(principal, action, resource)
        if _audited(action, decision.allowed):
            self._record(principal, action, resource.label,
                         outcome="allowed" if decision.allowed else "denied",
                         scope=_resource_scope(principal, resource),
                         detail=detail or decision.reason)
        if not decision.allowed:
            raise _denied(principal, action, decision)
        return decision

    def enforce_scope(self, principal: Principal, action: Action, dataset: str, *,
                      boroughs: Iterable[str] | None = None,
                      sites: Iterable[str] | None = None, detail: str = "") -> Scope:
        """For a list, search or export of ``dataset``: the scope to filter by.

        Boroughs or sites the caller asked for must all lie inside the principal's scope
        (else denied); without them the principal's whole scope is used. One audit event.
        """
        wanted_boroughs = _boroughs(boroughs or ())
        wanted_sites = _sites(sites or ())
        allowed_scope = record_scope(principal, dataset, action=action)
        resource = Resource("records", dataset, wanted_boroughs, wanted_sites)
        if wanted_boroughs or wanted_sites:
            decision = authorize(principal, action, resource)
            scope = Scope(boroughs=wanted_boroughs, sites=wanted_sites)
        elif action not in ROLE_ACTIONS[principal.role]:
            decision, scope = authorize(principal, action, resource), NO_SCOPE
        elif allowed_scope.is_empty:
            reason = ("this API token does not carry the " f"{action.value!r} scope"
                      if not token_allows(principal, action)
                      else "your account has no boroughs or sites to see records for")
            decision, scope = Decision(False, reason), NO_SCOPE
        else:
            decision, scope = Decision(True, "the principal's own scope"), allowed_scope
        self._record(principal, action, resource.label,
                     outcome="allowed" if decision.allowed else "denied",
                     scope={**_resource_scope(principal, resource),
                            "granted": scope.to_dict() if decision.allowed else None},
                     detail=detail or decision.reason)
        if not decision.allowed:
            raise _denied(principal, action, decision)
        return scope

    @contextmanager
    def audited(self, principal: Principal, action: Action, resource: Resource,
                *, detail: str = "", session: Session | None = None) -> Iterator[AuditNote]:
        """Run an administrative action: refused (and audited) when not allowed, otherwise
        one event written when the block ends, recording success or failure.

        With ``session``, the block must leave its changes uncommitted: the success event
        is appended to the same transaction and committed with them, so a change is never
        stored without its audit event. Failures are recorded in a transaction of their
        own after ``session`` is rolled back.
        """
        decision = authorize(principal, action, resource)
        scope = _resource_scope(principal, resource)
        if not decision.allowed:
            self._record(principal, action, resource.label, outcome="denied", scope=scope,
                         detail=detail or decision.reason)
            raise _denied(principal, action, decision)
        note = AuditNote(detail)
        try:
            yield note
            if session is not None:
                session.flush()
                append(session, new_event(principal, action.value, resource.label,
                                          outcome="success", scope=scope,
                                          detail=note.detail), self.audit.seal_key())
                session.commit()
                self.audit.committed("success")
        except UserError as exc:
            if session is not None:
                session.rollback()
            self._record(principal, action, resource.label, outcome="failed", scope=scope,
                         detail=f"{note.detail} [{exc.code}: {exc.message}]".strip())
            raise
        except BaseException as exc:
            if session is not None:
                session.rollback()
            self._record(principal, action, resource.label, outcome="failed", scope=scope,
                         detail=f"{note.detail} [internal error {type(exc).__name__}]".strip())
            raise
        if session is None:
            self._record(principal, action, resource.label, outcome="success", scope=scope,
                         detail=note.detail)

    def enforce_outcome_scope(self, principal: Principal, action: Action, what: str, *,
                              detail: str = "") -> Scope:
        """For a list or dashboard of outcome figures (``what``): the programmes or
        boroughs to filter by. Refused (and audited) when the principal has none; an
        allowed read of figures is audited only when the action is (not READ_OUTCOMES)."""
        scope = outcome_scope(principal, action)
        resource = Resource("outcomes", what)
        if scope.is_empty:
            if action not in ROLE_ACTIONS[principal.role]:
                decision = authorize(principal, action, resource)
            elif not token_allows(principal, action):
                decision = Decision(False, f"this API token does not carry the "
                                    f"{action.value!r} scope")
            else:
                decision = Decision(False, "your account has no programmes or boroughs to "
                                    "see outcomes for")
        else:
            decision = Decision(True, "the principal's own scope")
        if _audited(action, decision.allowed):
            self._record(principal, action, resource.label,
                         outcome="allowed" if decision.allowed else "denied",
                         scope={**_resource_scope(principal, resource),
                                "granted": scope.to_dict() if decision.allowed else None},
                         detail=detail or decision.reason)
        if not decision.allowed:
            raise _denied(principal, action, decision)
        return scope

    def ed_figures(self, principal: Principal, surface: str, *,
                   boroughs: Iterable[str] = (), fine: bool = False,
                   by_site: bool = False, detail: str = "") -> EDView:
        """How ED figures about ``boroughs`` may be shown on ``surface`` (a page section,
        a chart, an API endpoint): one audit event, ``allowed`` with the level and scope
        or ``denied`` with the reason. Never raises for a refusal: call
        :meth:`EDView.require` where a refusal ends the request."""
        view = ed_view(principal, boroughs, fine=fine, by_site=by_site)
        self._record(principal, Action.READ_ED_FIGURES, f"ed_figures:{surface}",
                     outcome="allowed" if view.shown else "denied",
                     scope={"boroughs": sorted(view.boroughs),
                            "everything": view.everything,
                            "sites": sorted(view.sites),
                            "principal_boroughs": sorted(principal.boroughs),
                            "principal_sites": sorted(principal.sites)},
                     detail=(f"{view.detail.value}: {view.reason}"
                             + (f"; {detail}" if detail else "")))
        return view

    def note_sign_in(self, principal: Principal, *, ok: bool, detail: str) -> None:
        self._record(principal, Action.SIGN_IN, "session", outcome="success" if ok else
                     "failed", scope={}, detail=detail)

    def note_refusal(self, principal: Principal, resource: str, *, code: str,
                     detail: str) -> None:
        """One event for a request refused outside a policy decision (which audits its
        own): bad or missing credentials, CSRF, a page refused to a role."""
        self._record(principal, Action.REQUEST, resource, outcome="denied", scope={},
                     detail=f"{code}: {detail}")

    def _record(self, principal: Principal, action: Action, resource: str, *, outcome: str,
                scope: dict[str, Any], detail: str) -> None:
        self.audit.record(principal, action.value, resource, outcome=outcome, scope=scope,
                          detail=detail)


@dataclass
class AuditNote:
    """What an administrative action did, in words (never data), for its audit event."""

    detail: str = ""


def _resource_scope(principal: Principal, resource: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "boroughs": sorted(resource.boroughs),
        "sites": sorted(resource.sites),
        "principal_boroughs": sorted(principal.boroughs),
        "principal_sites": sorted(principal.sites),
    }
    if resource.programmes or principal.programmes:
        out["programmes"] = sorted(resource.programmes)
        out["principal_programmes"] = sorted(principal.programmes)
    if principal.token_scopes is not None:
        out["token_scopes"] = sorted(principal.token_scopes)
    return out


def _denied(principal: Principal, action: Action, decision: Decision) -> PermissionDenied:
    error = PermissionDenied(
        f"{principal.email} may not {_verb(action)}: {decision.reason}",
        hint="this attempt has been recorded in the audit trail; ask an administrator if "
        "your role or boroughs are wrong",
    )
    error.audited = True
    return error
