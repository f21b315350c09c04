"""Named questions and writes of borough plan assessments (app database)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.plan_models import PlanAssessment, PlanScore


def find(session: Session, borough: str, year: str) -> PlanAssessment | None:
    return session.scalar(select(PlanAssessment).where(
        PlanAssessment.borough_code == borough, PlanAssessment.plan_year == year))


def save(session: Session, *, borough: str, year: str, rubric_version: str,
         assessed_by: int | None, summary: str | None,
         scores: Iterable[tuple[str, int, str | None]]) -> PlanAssessment:
    """Create or replace the assessment of ``borough`` for ``year`` (in the session's
    transaction)."""
    row = find(session, borough, year)
    if row is None:
        row = PlanAssessment(borough_code=borough, plan_year=year)
        session.add(row)
    row.rubric_version, row.assessed_by, row.summary = rubric_version, assessed_by, summary
    row.scores.clear()
    session.flush()
    for criterion, score, evidence in scores:
        row.scores.append(PlanScore(criterion=criterion, score=score, evidence=evidence))
    session.flush()
    return row


def listed(session: Session, *, boroughs: Iterable[str] | None = None,
           year: str | None = None) -> list[PlanAssessment]:
    query = select(PlanAssessment)
    if boroughs is not None:
        query = query.where(PlanAssessment.borough_code.in_(sorted(boroughs)))
    if year is not None:
        query = query.where(PlanAssessment.plan_year == year)
    return list(session.scalars(query.order_by(PlanAssessment.plan_year,
                                               PlanAssessment.borough_code)))


def years(session: Session) -> list[str]:
    return list(session.scalars(select(PlanAssessment.plan_year).distinct()
                                .order_by(PlanAssessment.plan_year.desc())))
