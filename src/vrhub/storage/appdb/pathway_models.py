"""The referral pathway's tables: teams, referrals and what happens to them.

A referral's identity fields (name, date of birth, contact) and every free-text note are
stored only sealed (Fernet tokens, :mod:`vrhub.pathways.sealing`): columns ending
``_sealed``. The other columns are codes, dates and counts, kept for the workflow and for
de-identified figures; after the retention period the sealed columns are erased
(``erased_at``) and the coded columns kept for figures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class PathwayTeam(Base):
    """A team that receives referrals: hospital or custody youth workers, link workers."""

    __tablename__ = "pathway_team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    organisation_code: Mapped[str] = mapped_column(String(64))
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    ed_site_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)


class PathwayTeamMember(Base):
    __tablename__ = "pathway_team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("pathway_team.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("pathway_team.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True,
                                                  index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    referrer_kind: Mapped[str] = mapped_column(String(32))
    referrer_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    reachable_moment: Mapped[str] = mapped_column(String(32))
    moment_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ed_site_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    age_at_referral: Mapped[int | None] = mapped_column(Integer, nullable=True)
    identity_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    response_due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    first_contact_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    first_contact_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    retain_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)

    needs: Mapped[list[ReferralNeed]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralNeed.id")
    consents: Mapped[list[ReferralConsent]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralConsent.id")
    sharing: Mapped[list[ReferralSharing]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralSharing.id")
    flags: Mapped[list[ReferralSafeguarding]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralSafeguarding.id")
    events: Mapped[list[ReferralEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralEvent.id")
    contacts: Mapped[list[ReferralContact]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralContact.id")
    plan: Mapped[list[ReferralPlanItem]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralPlanItem.id")
    onward: Mapped[list[ReferralOnward]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralOnward.id")
    outcomes: Mapped[list[ReferralOutcome]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralOutcome.id")


def _referral_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)


class ReferralNeed(Base):
    """A need or concern (``kind`` 'need') or support offered ('support'), coded."""

    __tablename__ = "referral_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(40))


class ReferralConsent(Base):
    __tablename__ = "referral_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    decision: Mapped[str] = mapped_column(String(16))  # given / refused
    given_by: Mapped[str] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(16))
    scope: Mapped[list[str]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawal_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferralSharing(Base):
    """One information-sharing decision: shared or not, what, with whom, on what basis."""

    __tablename__ = "referral_sharing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean)
    what: Mapped[str] = mapped_column(String(300))
    with_whom: Mapped[str] = mapped_column(String(300))
    lawful_basis: Mapped[str] = mapped_column(String(24))
    consent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    without_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferralSafeguarding(Base):
    __tablename__ = "referral_safeguarding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    category: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(24))
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime)
    raised_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalated_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferralEvent(Base):
    """The referral's timeline: status changes, escalations, allocation (no identity)."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detail: Mapped[str] = mapped_column(String(300), default="")


class ReferralContact(Base):
    __tablename__ = "referral_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mode: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    note_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReferralPlanItem(Base):
    """One goal of the support plan, with the support offered towards it."""

    __tablename__ = "referral_plan_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    support_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    goal_sealed: Mapped[str] = mapped_column(Text)
    review_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ReferralOnward(Base):
    """A referral on to a directory service, and what the service said."""

    __tablename__ = "referral_onward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    service_id: Mapped[str] = mapped_column(String(36), index=True)
    service_name: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ReferralOutcome(Base):
    __tablename__ = "referral_outcome"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = _referral_fk()
    measure: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(24))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
