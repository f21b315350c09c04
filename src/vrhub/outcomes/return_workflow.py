"""The approval workflow of a return: submitted → reviewed → approved (VRU analysts), or
changes requested (the programme lead resubmits); an approved return is locked until an
administrator reopens it, giving a reason. Each step is checked against the version's
status, recorded as a workflow event and audited in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import Conflict, NotFound, UserError
from vrhub.outcomes.context import Outcomes
from vrhub.privacy.identifiers import redact
from vrhub.storage.outcomes import programmes as programme_store
from vrhub.storage.outcomes import returns as store


@dataclass(frozen=True)
class Step:
    action: Action
    verb: str
    allowed_from: tuple[str, ...]
    to_status: str
    needs_note: bool = False


STEPS: dict[str, Step] = {
    "review": Step(Action.REVIEW_RETURN, "reviewed", ("submitted",), "reviewed"),
    "approve": Step(Action.REVIEW_RETURN, "approved", ("reviewed",), "approved"),
    "request_changes": Step(Action.REVIEW_RETURN, "changes_requested",
                            ("submitted", "reviewed", "reopened"), "changes_requested",
                            needs_note=True),
    "reopen": Step(Action.REOPEN_RETURN, "reopened", ("approved",), "reopened",
                   needs_note=True),
}


def move(outcomes: Outcomes, principal: Principal, return_id: str, step_name: str,
         note: str = "") -> str:
    """Take ``step_name`` (review, approve, request_changes, reopen) on a return; returns
    its new status."""
    step = STEPS.get(step_name)
    if step is None:
        raise UserError(f"{step_name!r} is not a step of the workflow",
                        hint="use " + ", ".join(STEPS))
    text = redact(note or "").text.strip()[:2000]
    if step.needs_note and not text:
        raise UserError(f"say why ({step_name.replace('_', ' ')} needs a reason)",
                        hint="give a note, e.g. --note 'Q2 figures double count referrals'")
    with outcomes.sessions() as session:
        row = store.get(session, return_id)
        if row is None:
            raise NotFound(f"there is no return {return_id!r}",
                           hint="see the returns board or `vrhub outcomes returns list`")
        boroughs = programme_store.programme_boroughs(session, [row.programme_code])
    resource = Resource.programme(row.programme_code,
                                  boroughs=boroughs.get(row.programme_code, []),
                                  kind="return", name=return_id)
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, step.action, resource, session=session) as audit_note:
        row = store.get(session, return_id)
        if row is None:
            raise NotFound(f"there is no return {return_id!r}")
        if not row.is_current:
            raise Conflict(f"return {return_id} is version {row.version}, no longer the one "
                           f"in force ({row.status})",
                           hint="act on the newest version of the return")
        if row.status not in step.allowed_from:
            raise Conflict(f"return {return_id} is {row.status.replace('_', ' ')}: it "
                           f"cannot be {step.verb.replace('_', ' ')}",
                           hint=_hint(row.status, step_name))
        before = row.status
        store.set_status(session, row, status=step.to_status, actor=principal.email,
                         action=step_name, note=text)
        audit_note.detail = (f"return {return_id} {row.programme_code} {row.period} "
                             f"v{row.version}: {before} -> {step.to_status}"
                             + (f" ({text[:200]})" if text else ""))
    return step.to_status


def _hint(status: str, step: str) -> str:
    if status == "approved":
        return "an approved return is locked; an administrator may reopen it with a reason"
    if step == "approve":
        return "review the return first (submitted → reviewed → approved)"
    if status == "changes_requested":
        return "wait for the programme lead's resubmission"
    return "see the return's history"
