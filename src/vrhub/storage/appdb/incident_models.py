"""Critical incidents and the partnership's response to them.

No names are held anywhere: the victim is an age band, the place a point (British National
Grid) with the borough and ward it lies in, and free text (a place description, action
notes, the after-action review) passes the identifier guard before it is stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    logged_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    logged_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    incident_type: Mapped[str] = mapped_column(String(16))
    victim_age_band: Mapped[str] = mapped_column(String(16))
    location_source: Mapped[str] = mapped_column(String(16))
    location_text: Mapped[str | None] = mapped_column(String(200), nullable=True)
    easting: Mapped[float] = mapped_column()
    northing: Mapped[float] = mapped_column()
    borough_code: Mapped[str] = mapped_column(String(9), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    checklist_version: Mapped[str] = mapped_column(String(32))
    #: the near-repeat zone: radius, window, basis (knox or default), and the Knox figures
    zone: Mapped[dict] = mapped_column(JSON)
    review_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    actions: Mapped[list[IncidentAction]] = relationship(
        back_populates="incident", order_by="IncidentAction.due_at",
        cascade="all, delete-orphan")
    events: Mapped[list[IncidentEvent]] = relationship(
        order_by="IncidentEvent.id", cascade="all, delete-orphan")
    fund: Mapped[list[FundApplication]] = relationship(
        order_by="FundApplication.id", cascade="all, delete-orphan")


class IncidentAction(Base):
    """One line of the partner checklist, from the template the incident was logged under."""

    __tablename__ = "incident_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="to_do")
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="actions")


class IncidentEvent(Base):
    """The incident's timeline: logged, actions changed, fund decisions, review, closure."""

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"),
                                             index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    by_user: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))


class FundApplication(Base):
    """A Critical Incidents Fund application: amounts in whole pounds."""

    __tablename__ = "incident_fund_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"),
                                             index=True)
    applicant: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(1000))
    amount_requested: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    amount_approved: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    amount_spent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class IncidentSubscription(Base):
    """A partner who is told of new incidents: in the app always, by e-mail when chosen.
    ``borough_code`` None means every borough the account may see."""

    __tablename__ = "incident_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    email: Mapped[bool] = mapped_column(default=True)


class IncidentNotice(Base):
    """An in-app notification of an incident, until read."""

    __tablename__ = "incident_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    text: Mapped[str] = mapped_column(String(300))
    emailed: Mapped[str] = mapped_column(String(16), default="not_asked")
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
