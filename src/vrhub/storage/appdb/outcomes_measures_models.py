"""The app database's tables of participants' measures and i-Statement surveys.

- ``outcome_measure_upload``: one file of measures for a programme and reporting period
  (uploaded on its own or as the Measures sheet of a return), with its receipt; a later
  upload for the same programme and period supersedes it (kept, no longer counted);
- ``outcome_participant_measure``: one young person at one timepoint (pre or post), under
  the programme's own pseudonymous id, never a name, with the item scores;
- ``outcome_workshop``, ``outcome_istatement``, ``outcome_survey``: i-Statements, the
  youth-led workshops they came from (date, borough, number of young people; no names) and
  the survey instruments built from them;
- ``outcome_survey_upload`` and ``outcome_survey_response``: survey responses on the
  agreement scale, one row per respondent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vrhub.storage.appdb.base import Base, utc_now


class MeasureUpload(Base):
    __tablename__ = "outcome_measure_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_code: Mapped[str] = mapped_column(String(32), index=True)
    period_code: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="upload")  # upload | return
    return_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    received_by: Mapped[str] = mapped_column(String(320))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ParticipantMeasure(Base):
    """One young person (pseudonymous id) at one timepoint: their item scores."""

    __tablename__ = "outcome_participant_measure"
    __table_args__ = (Index("ix_outcome_participant_measure_programme", "programme_code",
                            "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_measure_upload.id", ondelete="CASCADE"), index=True)
    programme_code: Mapped[str] = mapped_column(String(32))
    period_code: Mapped[str] = mapped_column(String(12))
    participant_id: Mapped[str] = mapped_column(String(40))
    timepoint: Mapped[str] = mapped_column(String(4))
    collected_on: Mapped[dt.date] = mapped_column(Date)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ethnicity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")


class Workshop(Base):
    """A youth-led workshop that produced i-Statements: when, where, how many took part."""

    __tablename__ = "outcome_workshop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    borough_code: Mapped[str] = mapped_column(String(9))
    young_people: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(320))


class IStatement(Base):
    """A first-person statement co-produced with young people, and the KPI it defines
    (% agreeing) with its target."""

    __tablename__ = "outcome_istatement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(String(300))
    workshop_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    theme: Mapped[str] = mapped_column(String(100))
    priority_area: Mapped[str] = mapped_column(String(24))
    outcome_code: Mapped[str | None] = mapped_column(String(24), nullable=True)
    kpi_set: Mapped[str | None] = mapped_column(String(64), nullable=True)
    baseline_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    target_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(320))


class Survey(Base):
    """A survey instrument: i-Statements answered on the agreement scale."""

    __tablename__ = "outcome_survey"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    statements: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(320))


class SurveyUpload(Base):
    __tablename__ = "outcome_survey_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_code: Mapped[str] = mapped_column(String(24), index=True)
    programme_code: Mapped[str] = mapped_column(String(32), index=True)
    period_code: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="upload")
    return_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    received_by: Mapped[str] = mapped_column(String(320))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SurveyResponse(Base):
    """One respondent's answers (statement code -> 1..5) in one period."""

    __tablename__ = "outcome_survey_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_survey_upload.id", ondelete="CASCADE"), index=True)
    survey_code: Mapped[str] = mapped_column(String(24))
    programme_code: Mapped[str] = mapped_column(String(32))
    period_code: Mapped[str] = mapped_column(String(12))
    respondent_id: Mapped[str] = mapped_column(String(40))
    collected_on: Mapped[dt.date] = mapped_column(Date)
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ethnicity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
