"""A referral as its worker sees it: sealed fields opened, codes labelled, overdue and the
highest open safeguarding flag worked out, and everything JSON-ready."""

from __future__ import annotations

import datetime as dt

from vrhub.pathways.case_views import summary, view
from vrhub.pathways.sealing import Sealer, new_key
from vrhub.storage.appdb.pathway_models import (
    Referral,
    ReferralContact,
    ReferralEvent,
    ReferralNeed,
    ReferralOutcome,
    ReferralPlanItem,
    ReferralSafeguarding,
)

RECEIVED = dt.datetime(2025, 3, 3, 10, 0)
DUE = dt.datetime(2025, 3, 4, 10, 0)
SEALER = Sealer([new_key()])


def referral(status: str = "requested") -> Referral:
    row = Referral(
        id="c0ffee00-0000-4000-8000-000000000001", reference="VR-0001", team_id=1,
        worker_id=7, referrer_kind="ed_navigator", referrer_sealed=SEALER.seal("Nurse Ade"),
        reachable_moment="ed_attendance", moment_at=RECEIVED - dt.timedelta(hours=2),
        ed_site_code="RJ122", borough_code="E09000022", age_at_referral=16,
        identity_sealed=SEALER.seal_json({"given_name": "Sam", "family_name": "Jones"}),
        status=status, received_at=RECEIVED, response_due_at=DUE)
    row.needs = [ReferralNeed(kind="need", code="violence_victim"),
                 ReferralNeed(kind="support", code="mentoring")]
    flag = dict(category="exploitation", raised_at=RECEIVED, raised_by=7)
    row.flags = [ReferralSafeguarding(id=1, level="significant_harm", **flag),
                 ReferralSafeguarding(id=2, level="immediate_danger", resolved_at=DUE, **flag),
                 ReferralSafeguarding(id=3, level="concern", note_sealed=SEALER.seal("seen"),
                                      **flag)]
    row.contacts = [ReferralContact(id=1, at=RECEIVED, by=7, mode="phone",
                                    outcome="reached", note_sealed=None)]
    row.plan = [ReferralPlanItem(id=1, created_at=RECEIVED, support_code="mentoring",
                                 goal_sealed=SEALER.seal("Back at college"),
                                 review_on=dt.date(2025, 4, 1))]
    row.outcomes = [ReferralOutcome(measure="engaged", value="yes", recorded_at=DUE)]
    row.events = [ReferralEvent(at=RECEIVED, by=None, kind="received", from_status=None,
                                to_status="requested", detail="")]
    row.consents, row.sharing, row.onward = [], [], []
    return row


def test_a_summary_opens_the_name_and_counts_open_flags() -> None:
    late = summary(referral(), SEALER, {7: "Wes Worker"}, {1: "South team"},
                   now=DUE + dt.timedelta(minutes=1))
    assert (late.name, late.worker, late.team, late.age) == (
        "Sam Jones", "Wes Worker", "South team", 16)
    assert (late.status_label, late.reachable_moment) == ("Requested", "A&E attendance")
    # the resolved 'immediate danger' flag no longer counts
    assert (late.open_flags, late.highest_flag, late.overdue, late.escalated) == (
        2, "significant_harm", True, False)
    on_time = summary(referral(), SEALER, {}, {}, now=DUE)
    assert (on_time.overdue, on_time.worker, on_time.team) == (False, None, "")
    accepted = summary(referral("accepted"), SEALER, {}, {}, now=DUE + dt.timedelta(days=9))
    assert accepted.overdue is False  # only a referral still waiting is overdue
    erased = referral()
    erased.identity_sealed = None
    assert summary(erased, SEALER, {}, {}, now=DUE).name == "(erased)"
    assert late.to_dict()["received_at"] == "2025-03-03T10:00:00"


def test_a_case_view_opens_each_sealed_field_and_labels_codes() -> None:
    case = view(referral(), SEALER, {7: "Wes Worker"}, "South team", now=RECEIVED)
    assert (case.name, case.referrer, case.worker, case.is_open) == (
        "Sam Jones", "Nurse Ade", "Wes Worker", True)
    assert case.next_statuses == ["accepted", "cancelled", "rejected"]
    assert case.needs == [{"code": "violence_victim", "label": "Harmed by violence"}]
    assert case.support == [{"code": "mentoring", "label": "Mentoring"}]
    assert [(f["level"], f["note"], f["raised_by"]) for f in case.flags] == [
        ("significant_harm", None, "Wes Worker"), ("immediate_danger", None, "Wes Worker"),
        ("concern", "seen", "Wes Worker")]
    assert case.plan == [{"id": 1, "goal": "Back at college", "support": "mentoring",
                          "review_on": dt.date(2025, 4, 1), "done_at": None}]
    assert case.outcomes[0]["label"] == "Engaged with support offered"
    assert case.events == [{"at": RECEIVED, "by": None, "kind": "received", "from": None,
                            "to": "requested", "detail": ""}]
    out = case.to_dict()
    assert out["name"] == "Sam Jones"
    assert out["plan"][0]["review_on"] == "2025-04-01"
    assert out["contacts"][0] == {"id": 1, "at": "2025-03-03T10:00:00", "by": "Wes Worker",
                                  "mode": "phone", "outcome": "reached", "note": None}
    assert not view(referral("completed"), SEALER, {}, "", now=RECEIVED).is_open
