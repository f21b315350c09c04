"""The referral pathway's code lists hang together: the status workflow is FHIR Task's,
every reachable moment has a response time, every outcome has its answers, and typed
codes are read the way people write them."""

from __future__ import annotations

import pytest

from vrhub.errors import CodeError
from vrhub.standards import pathway_codes as codes


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        status = todo.pop()
        for nxt in codes.TRANSITIONS[status] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_the_workflow_is_fhir_tasks() -> None:
    assert set(codes.TRANSITIONS) == set(codes.STATUSES.codes)
    assert set(codes.STATUSES.codes) == codes.OPEN_STATUSES | codes.CLOSED_STATUSES
    assert not codes.OPEN_STATUSES & codes.CLOSED_STATUSES
    for status in codes.CLOSED_STATUSES:
        assert codes.TRANSITIONS[status] == frozenset(), status
    for status in codes.OPEN_STATUSES:  # every open referral can still be closed
        assert reachable(status) & codes.CLOSED_STATUSES, status
    assert "requested" not in reachable("requested")  # no way back to the start
    assert reachable("requested") == set(codes.STATUSES.codes) - {"requested"}
    assert "completed" not in codes.TRANSITIONS["requested"]  # accepted before done


def test_every_moment_has_a_response_time_and_a_and_e_and_custody_the_shortest() -> None:
    moments = {code for code, _ in codes.REACHABLE_MOMENTS}
    assert set(codes.RESPONSE_DAYS) == moments
    quickest = min(codes.RESPONSE_DAYS.values())
    assert {m for m, d in codes.RESPONSE_DAYS.items() if d == quickest} == \
        {"ed_attendance", "custody"}


def test_every_outcome_has_its_answers_and_follow_ups_can_be_not_known() -> None:
    assert set(codes.OUTCOME_VALUES) == set(codes.OUTCOME_MEASURES.codes)
    assert set(codes.OUTCOME_MEASURES.codes) >= codes.FOLLOW_UP_MEASURES
    for measure in codes.FOLLOW_UP_MEASURES:
        assert "not_known" in codes.OUTCOME_VALUES[measure]


def test_bases_without_consent_are_lawful_bases_other_than_consent() -> None:
    assert set(codes.LAWFUL_BASES.codes) - {"consent"} == codes.WITHOUT_CONSENT_BASES
    assert set(codes.SAFEGUARDING_LEVELS.codes) > codes.ESCALATED_LEVELS
    assert "concern" not in codes.ESCALATED_LEVELS


def test_codes_are_read_as_people_write_them_and_others_refused() -> None:
    assert codes.REACHABLE_MOMENTS.check(" ED Attendance ") == "ed_attendance"
    assert codes.check_status("In_Progress") == "in-progress"
    assert codes.NEEDS.label("housing") == "Housing"
    assert codes.NEEDS.label("unlisted") == "unlisted" and codes.NEEDS.label(None) == ""
    with pytest.raises(CodeError, match=r"reachable moment 'hospital' is not one of "
                                        r"ed_attendance, custody"):
        codes.REACHABLE_MOMENTS.check("hospital")
    with pytest.raises(CodeError, match=r"^moment 'x'"):
        codes.REACHABLE_MOMENTS.check("x", field="moment")
    with pytest.raises(CodeError, match="status 'done' is not one of requested"):
        codes.check_status("done")
