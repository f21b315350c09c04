"""Borough plan assessments in the app database (SQLite and PostgreSQL): one per borough
and plan year, its scores replaced whole when assessed again."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers_outcomes import ADMIN, CAMDEN, HACKNEY, ISLINGTON
from vrhub.access.services import AccessServices
from vrhub.storage import plan_assessments as store
from vrhub.storage.appdb.models import User
from vrhub.storage.appdb.plan_models import PlanAssessment, PlanScore


def test_an_assessment_is_one_per_borough_and_year_and_replaced_whole(
        services: AccessServices) -> None:
    services.identity.create_user(ADMIN, "assessor@vru.example", role="pan_london_analyst",
                                  organisation="VRU")
    with services.sessions() as session, session.begin():
        assessor = session.scalar(select(User.id).where(User.email == "assessor@vru.example"))
        store.save(session, borough=CAMDEN, year="2025/26", rubric_version="r1",
                   assessed_by=assessor, summary="first look",
                   scores=[("governance", 2, "minutes"), ("data", 1, None)])
        store.save(session, borough=HACKNEY, year="2024/25", rubric_version="r1",
                   assessed_by=None, summary=None, scores=[("governance", 3, None)])
        store.save(session, borough=ISLINGTON, year="2025/26", rubric_version="r1",
                   assessed_by=None, summary=None, scores=[])
    with services.sessions() as session, session.begin():
        again = store.save(session, borough=CAMDEN, year="2025/26", rubric_version="r2",
                           assessed_by=assessor, summary="revised",
                           scores=[("governance", 4, "new plan"), ("partnership", 3, None),
                                   ("data", 2, "dashboard")])
    with services.sessions() as session:
        found = store.find(session, CAMDEN, "2025/26")
        assert found is not None and found.id == again.id
        assert (found.rubric_version, found.summary, found.assessed_by) == (
            "r2", "revised", assessor)
        assert [(s.criterion, s.score, s.evidence) for s in found.scores] == [
            ("governance", 4, "new plan"), ("partnership", 3, None), ("data", 2, "dashboard")]
        # the first scores are gone, not kept beside the new ones
        assert session.query(PlanScore).count() == 3 + 1
        assert session.query(PlanAssessment).count() == 3
        assert store.find(session, CAMDEN, "2024/25") is None
        assert [(a.plan_year, a.borough_code) for a in store.listed(session)] == [
            ("2024/25", HACKNEY), ("2025/26", CAMDEN), ("2025/26", ISLINGTON)]
        assert [a.borough_code for a in store.listed(session, year="2025/26")] == [
            CAMDEN, ISLINGTON]
        assert [a.plan_year for a in store.listed(session, boroughs={HACKNEY, CAMDEN},
                                                  year="2024/25")] == ["2024/25"]
        assert store.listed(session, boroughs=[]) == []
        assert store.years(session) == ["2025/26", "2024/25"]
