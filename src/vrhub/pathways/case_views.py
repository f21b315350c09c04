"""Referrals as their workers see them: decrypted, labelled, ready for a page or the API.

Only :mod:`vrhub.pathways.referrals` builds these, after the caseload policy has allowed
(and audited) the read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from vrhub.pathways.sealing import Sealer
from vrhub.standards import pathway_codes as codes
from vrhub.storage.appdb.pathway_models import Referral


@dataclass(frozen=True)
class CaseSummary:
    id: str
    reference: str
    name: str
    age: int | None
    team: str
    worker: str | None
    status: str
    status_label: str
    reachable_moment: str
    received_at: dt.datetime
    response_due_at: dt.datetime
    overdue: bool
    escalated: bool
    open_flags: int
    highest_flag: str | None

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass
class CaseView:
    id: str
    reference: str
    identity: dict[str, Any]
    age: int | None
    team_id: int
    team: str
    worker: str | None
    referrer_kind: str
    referrer: str | None
    reachable_moment: str
    moment_at: dt.datetime
    ed_site_code: str | None
    borough_code: str | None
    status: str
    status_reason: str | None
    received_at: dt.datetime
    response_due_at: dt.datetime
    overdue: bool
    escalated_at: dt.datetime | None
    accepted_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    first_contact_mode: str | None
    closed_at: dt.datetime | None
    retain_until: dt.date | None
    next_statuses: list[str]
    needs: list[dict[str, str]] = field(default_factory=list)
    support: list[dict[str, str]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    sharing: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    onward: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.identity.get('given_name', '')} " \
               f"{self.identity.get('family_name', '')}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in codes.OPEN_STATUSES

    def to_dict(self) -> dict[str, Any]:
        out = _plain(asdict(self))
        out["name"] = self.name
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def summary(referral: Referral, sealer: Sealer, names: dict[int, str],
            teams: dict[int, str], now: dt.datetime) -> CaseSummary:
    identity = sealer.open_json(referral.identity_sealed) if referral.identity_sealed \
        else {}
    open_flags = [f for f in referral.flags if f.resolved_at is None]
    levels = list(codes.SAFEGUARDING_LEVELS.codes)
    highest = max((f.level for f in open_flags), key=levels.index, default=None)
    return CaseSummary(
        id=referral.id, reference=referral.reference,
        name=f"{identity.get('given_name', '')} {identity.get('family_name', '')}".strip()
        or "(erased)", age=referral.age_at_referral, team=teams.get(referral.team_id, ""),
        worker=names.get(referral.worker_id) if referral.worker_id else None,
        status=referral.status, status_label=codes.STATUSES.label(referral.status),
        reachable_moment=codes.REACHABLE_MOMENTS.label(referral.reachable_moment),
        received_at=referral.received_at, response_due_at=referral.response_due_at,
        overdue=referral.status == "requested" and referral.response_due_at < now,
        escalated=referral.escalated_at is not None, open_flags=len(open_flags),
        highest_flag=highest)


def view(referral: Referral, sealer: Sealer, names: dict[int, str], team: str,
         now: dt.datetime) -> CaseView:
    identity = sealer.open_json(referral.identity_sealed) if referral.identity_sealed \
        else {}

    def who(user_id: int | None) -> str | None:
        return names.get(user_id) if user_id is not None else None

    return CaseView(
        id=referral.id, reference=referral.reference, identity=identity,
        age=referral.age_at_referral, team_id=referral.team_id, team=team,
        worker=who(referral.worker_id), referrer_kind=referral.referrer_kind,
        referrer=sealer.open_optional(referral.referrer_sealed),
        reachable_moment=referral.reachable_moment, moment_at=referral.moment_at,
        ed_site_code=referral.ed_site_code, borough_code=referral.borough_code,
        status=referral.status, status_reason=referral.status_reason,
        received_at=referral.received_at, response_due_at=referral.response_due_at,
        overdue=referral.status == "requested" and referral.response_due_at < now,
        escalated_at=referral.escalated_at, accepted_at=referral.accepted_at,
        first_contact_at=referral.first_contact_at,
        first_contact_mode=referral.first_contact_mode, closed_at=referral.closed_at,
        retain_until=referral.retain_until,
        next_statuses=sorted(codes.TRANSITIONS[referral.status]),
        needs=[{"code": n.code, "label": codes.NEEDS.label(n.code)}
               for n in referral.needs if n.kind == "need"],
        support=[{"code": n.code, "label": codes.SUPPORT_OFFERED.label(n.code)}
                 for n in referral.needs if n.kind == "support"],
        consents=[{"id": c.id, "decision": c.decision, "given_by": c.given_by,
                   "method": c.method, "scope": list(c.scope or []),
                   "recorded_at": c.recorded_at, "withdrawn_at": c.withdrawn_at,
                   "withdrawal_reason": sealer.open_optional(c.withdrawal_sealed)}
                  for c in referral.consents],
        sharing=[{"id": s.id, "decided_at": s.decided_at, "shared": s.shared, "what": s.what,
                  "with_whom": s.with_whom, "lawful_basis": s.lawful_basis,
                  "without_consent": s.without_consent, "safeguarding": s.safeguarding,
                  "rationale": sealer.open_optional(s.rationale_sealed)}
                 for s in referral.sharing],
        flags=[{"id": f.id, "category": f.category, "level": f.level,
                "raised_at": f.raised_at, "raised_by": who(f.raised_by),
                "escalated_to": who(f.escalated_to), "escalated_at": f.escalated_at,
                "resolved_at": f.resolved_at, "note": sealer.open_optional(f.note_sealed)}
               for f in referral.flags],
        contacts=[{"id": c.id, "at": c.at, "by": who(c.by), "mode": c.mode,
                   "outcome": c.outcome, "note": sealer.open_optional(c.note_sealed)}
                  for c in referral.contacts],
        plan=[{"id": p.id, "goal": sealer.open(p.goal_sealed) if p.goal_sealed else "",
               "support": p.support_code, "review_on": p.review_on, "done_at": p.done_at}
              for p in referral.plan],
        onward=[{"id": o.id, "service_id": o.service_id, "service_name": o.service_name,
                 "sent_at": o.sent_at, "status": o.status, "replied_at": o.replied_at}
                for o in referral.onward],
        outcomes=[{"measure": o.measure, "label": codes.OUTCOME_MEASURES.label(o.measure),
                   "value": o.value, "recorded_at": o.recorded_at, "due_on": o.due_on}
                  for o in referral.outcomes],
        events=[{"at": e.at, "by": who(e.by), "kind": e.kind, "from": e.from_status,
                 "to": e.to_status, "detail": e.detail} for e in referral.events],
    )
