"""The app database's outcomes tables: reference documents (the framework, the YEF
Toolkit strands, a SWEMWBS conversion table), funded programmes and the accounts that lead
them, and the evidence library.

Returns, measures, surveys, indicators and KPI results are in
:mod:`vrhub.storage.appdb.outcomes_returns_models`. Participant-level rows carry only a
programme's own pseudonymous id, never a name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class OutcomeReference(Base):
    """A version of a reference document: ``kind`` framework, yef_toolkit or
    swemwbs_conversion. The newest loaded of a kind is the one in force."""

    __tablename__ = "outcome_reference"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_outcome_reference_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    loaded_by: Mapped[str] = mapped_column(String(320))


class Programme(Base):
    """A funded intervention: who delivers it, where, for whom, with what money and when."""

    __tablename__ = "outcome_programme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    funding_stream: Mapped[str] = mapped_column(String(16))
    budget: Mapped[float | None] = mapped_column(Numeric(14, 2), nullable=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    period_type: Mapped[str] = mapped_column(String(8), default="quarter")
    cohort_min_age: Mapped[int] = mapped_column(Integer, default=10)
    cohort_max_age: Mapped[int] = mapped_column(Integer, default=25)
    cohort_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cohort_sexes: Mapped[list[str]] = mapped_column(JSON, default=list)
    cohort_ethnicities: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    yef_strand: Mapped[str | None] = mapped_column(String(64), nullable=True)
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)
    scales: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    survey_code: Mapped[str | None] = mapped_column(String(24), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)

    area_links: Mapped[list[ProgrammeArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProgrammeArea.area_code")
    borough_links: Mapped[list[ProgrammeBorough]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProgrammeBorough.borough_code")
    ward_links: Mapped[list[ProgrammeWard]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ProgrammeWard.ward_code")

    @property
    def areas(self) -> list[str]:
        return [link.area_code for link in self.area_links]

    @property
    def boroughs(self) -> list[str]:
        return [link.borough_code for link in self.borough_links]

    @property
    def wards(self) -> list[str]:
        return [link.ward_code for link in self.ward_links]


class ProgrammeArea(Base):
    """A priority area (framework code) a programme works in."""

    __tablename__ = "outcome_programme_area"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_programme.id", ondelete="CASCADE"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(24), primary_key=True)


class ProgrammeBorough(Base):
    """A borough (E09 code) a programme serves."""

    __tablename__ = "outcome_programme_borough"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_programme.id", ondelete="CASCADE"), primary_key=True)
    borough_code: Mapped[str] = mapped_column(String(9), primary_key=True, index=True)


class ProgrammeWard(Base):
    """A ward (E05 code) a programme serves."""

    __tablename__ = "outcome_programme_ward"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_programme.id", ondelete="CASCADE"), primary_key=True)
    ward_code: Mapped[str] = mapped_column(String(9), primary_key=True)


class UserProgramme(Base):
    """A programme whose returns a programme lead submits and whose figures they see."""

    __tablename__ = "user_programme"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    programme_code: Mapped[str] = mapped_column(
        ForeignKey("outcome_programme.code", ondelete="CASCADE"), primary_key=True)


class Evidence(Base):
    """An evaluation or study in the evidence library, tagged like the VRU's Evidence Hub."""

    __tablename__ = "outcome_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    method: Mapped[str] = mapped_column(String(64))
    findings: Mapped[str] = mapped_column(Text, default="")
    priority_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    timing: Mapped[list[str]] = mapped_column(JSON, default=list)
    intervention_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    yef_strand: Mapped[str | None] = mapped_column(String(64), nullable=True)
    programmes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(320))
