"""The app database's tables of programme returns and indicator results.

A return is one submission of a programme's monitoring return for a reporting period. Every
submission is kept: a resubmission adds a version and marks the one before ``superseded``;
a refused file is kept as a ``rejected`` version with its receipt. Exactly one version of a
programme's period is ``is_current`` once anything was accepted. Figures (the data elements
of the "Reach and delivery" sheet) are rows of ``outcome_return_value``; rows of the other
sheets that passed the template's checks are kept in ``outcome_return_row`` (participant
rows carry only the programme's pseudonymous id). Every step of the approval workflow is a
row of ``outcome_return_event`` (and an audit event).

``outcome_indicator_result`` holds indicator values computed from the warehouse (the hub
indicators), per period and area, with the framework and indicator-set versions they were
computed under.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class Return(Base):
    """One version of a programme's return for a period."""

    __tablename__ = "outcome_return"
    __table_args__ = (
        UniqueConstraint("programme_code", "period", "version",
                         name="uq_outcome_return_version"),
        Index("ix_outcome_return_programme_period", "programme_code", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[str] = mapped_column(String(24), unique=True)
    programme_code: Mapped[str] = mapped_column(
        ForeignKey("outcome_programme.code", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(12))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_format: Mapped[str] = mapped_column(String(8), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    framework_version: Mapped[str] = mapped_column(String(64), default="")
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_by: Mapped[str] = mapped_column(String(320))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    values: Mapped[list[ReturnValue]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ReturnValue.id")
    events: Mapped[list[ReturnEvent]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="ReturnEvent.id")


class ReturnValue(Base):
    """A figure of a return: a data element, its breakdown and category, its value."""

    __tablename__ = "outcome_return_value"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_pk: Mapped[int] = mapped_column(
        ForeignKey("outcome_return.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    data_element: Mapped[str] = mapped_column(String(40))
    breakdown: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24), default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class ReturnEvent(Base):
    """A step of a return's workflow: submitted, reviewed, approved, changes requested,
    reopened, superseded."""

    __tablename__ = "outcome_return_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_pk: Mapped[int] = mapped_column(
        ForeignKey("outcome_return.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class IndicatorResult(Base):
    """An indicator's value for a period and area, computed from the warehouse."""

    __tablename__ = "outcome_indicator_result"
    __table_args__ = (
        UniqueConstraint("indicator_code", "period", "area_level", "area_code",
                         name="uq_outcome_indicator_result_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(32), index=True)
    period: Mapped[str] = mapped_column(String(12))
    area_level: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(String(16))
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    framework_version: Mapped[str] = mapped_column(String(64))
    indicator_version: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
