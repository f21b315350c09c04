"""A young person's rights over their record: subject access, and erasure when the
retention period ends.

**Subject access.** A team lead (for their teams) or the console administrator (for every
team) searches by name and date of birth; each referral's sealed identity is opened and
compared (names without case, accents or extra spaces; the date exactly). The answer is
every matching record in full (JSON, and a readable page), or a clear statement that the
teams searched hold no record, which is itself a valid answer to a request. The search
and every record it returns are audited.

**Retention.** A referral is kept until
:func:`vrhub.pathways.referral_closure.retain_until` (set at close); :func:`purge` then
erases its identity and every free-text note, keeping the coded fields that referral
figures count.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.roles import Action, Role
from vrhub.errors import PermissionDenied
from vrhub.pathways.case_views import CaseView
from vrhub.pathways.referrals import Pathway
from vrhub.storage import referrals as store


def _norm(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().replace("-", " ").split())


@dataclass
class SubjectAccessResult:
    given_name: str
    family_name: str
    date_of_birth: dt.date
    searched: str  # which teams
    made_at: dt.datetime
    records: list[CaseView] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.records)

    def statement(self) -> str:
        if self.found:
            return (f"{len(self.records)} referral record"
                    f"{'s' if len(self.records) != 1 else ''} held for this person.")
        return ("No referral record is held for a person with this name and date of birth "
                f"in {self.searched}.")

    def to_dict(self) -> dict[str, Any]:
        return {"request": {"given_name": self.given_name, "family_name": self.family_name,
                            "date_of_birth": self.date_of_birth.isoformat()},
                "searched": self.searched, "made_at": self.made_at.isoformat(),
                "found": self.found, "statement": self.statement(),
                "records": [r.to_dict() for r in self.records]}


def subject_access(pathway: Pathway, principal: Principal, *, given_name: str,
                   family_name: str, date_of_birth: dt.date) -> SubjectAccessResult:
    caseload = pathway.caseload_of(principal)
    if principal.role is Role.TEAM_LEAD:
        teams: list[int] | None = sorted(caseload.led_teams)
        searched = "the teams you lead"
    elif principal.role is Role.ADMINISTRATOR and principal.channel == "cli":
        teams, searched = None, "every team"
    else:
        pathway.policy.record(principal, Action.EXPORT_CASE, "subject_access", allowed=False,
                              scope={}, detail="subject access is for team leads and the "
                              "console administrator")
        refused = PermissionDenied(
            f"{principal.email} may not run a subject-access search",
            hint="ask the lead of the team, or the data protection officer at the console")
        refused.audited = True  # recorded just above
        raise refused
    wanted = (_norm(given_name), _norm(family_name), date_of_birth.isoformat())
    with pathway.sessions() as session:
        candidates = store.sealed_identities(session, teams)
    matches = []
    for referral_id, _reference, sealed in candidates:
        if sealed is None:
            continue
        identity = pathway.sealer.open_json(sealed)
        if (_norm(identity.get("given_name", "")), _norm(identity.get("family_name", "")),
                identity.get("date_of_birth")) == wanted:
            matches.append(referral_id)
    pathway.policy.record(principal, Action.EXPORT_CASE, "subject_access", allowed=True,
                          scope={"teams": teams if teams is not None else "all"},
                          detail=f"subject-access search: {len(matches)} record(s) found")
    result = SubjectAccessResult(given_name, family_name, date_of_birth, searched,
                                 pathway.clock())
    for referral_id in matches:
        result.records.append(_read(pathway, principal, referral_id))
    return result


def _read(pathway: Pathway, principal: Principal, referral_id: str) -> CaseView:
    if principal.role is Role.ADMINISTRATOR:
        # the console administrator answering a request: audited per record, no caseload
        from vrhub.pathways import case_views

        with pathway.sessions() as session:
            referral = store.referral(session, referral_id)
            assert referral is not None
            pathway.policy.record(principal, Action.EXPORT_CASE,
                                  f"referral:{referral.reference}", allowed=True, scope={},
                                  detail="subject access")
            names = store.user_names(session, [referral.worker_id])
            team = store.team(session, referral.team_id)
            return case_views.view(referral, pathway.sealer, names,
                                   team.name if team else "", pathway.clock())
    return pathway.open(principal, referral_id, detail="subject access")


def purge(pathway: Pathway, principal: Principal, today: dt.date | None = None) -> list[str]:
    """Erase the referrals whose retention has ended; returns their references."""
    day = today or pathway.clock().date()
    with pathway.sessions() as session, session.begin():
        due = store.due_for_erasure(session, day)
        for referral in due:
            store.erase(session, referral.id, pathway.clock())
        references = [r.reference for r in due]
    pathway.policy.record(principal, Action.WRITE_CASE, "retention", allowed=True, scope={},
                          detail=f"retention purge on {day}: {len(references)} erased")
    return references
