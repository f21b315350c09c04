"""Borough violence reduction plan assessments: one per borough and plan year, scored by
VRU assessors against the rubric in force (its version kept with the assessment)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class PlanAssessment(Base):
    __tablename__ = "plan_assessment"
    __table_args__ = (UniqueConstraint("borough_code", "plan_year",
                                       name="uq_plan_assessment_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    borough_code: Mapped[str] = mapped_column(String(9), index=True)
    plan_year: Mapped[str] = mapped_column(String(7))  # e.g. 2025/26
    rubric_version: Mapped[str] = mapped_column(String(32))
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    assessed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)

    scores: Mapped[list[PlanScore]] = relationship(
        order_by="PlanScore.id", cascade="all, delete-orphan", lazy="selectin")


class PlanScore(Base):
    __tablename__ = "plan_score"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("plan_assessment.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
