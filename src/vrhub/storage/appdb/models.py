"""The app database's tables: organisations, accounts, API tokens and the audit trail.

The app database holds who may do what; the analytical warehouse (DuckDB) holds the data.
Record-level data never enters this database: an audit event names what was asked for and
in which scope, never the rows themselves.

Every table is declared on :class:`~vrhub.storage.appdb.base.Base`. This module imports
the modules of the outcomes, incident, plan and needs-assessment tables too (an account's
programmes, one of its scopes, are among them), so that wherever accounts are used the
metadata holds those tables as well.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb import incident_models as _incidents  # noqa: F401 - tables
from vrhub.storage.appdb import outcomes_measures_models as _measures  # noqa: F401 - tables
from vrhub.storage.appdb import outcomes_returns_models as _returns  # noqa: F401 - tables
from vrhub.storage.appdb import plan_models as _plans  # noqa: F401 - tables
from vrhub.storage.appdb import sna_models as _sna  # noqa: F401 - tables
from vrhub.storage.appdb.base import Base, utc_now
from vrhub.storage.appdb.outcomes_models import UserProgramme


class Organisation(Base):
    """A partner organisation: an NHS trust, a borough council, the VRU, an ICB."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    """An account. ``password_hash`` is empty for accounts that only sign in through an
    organisation's single sign-on."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_app_user_oidc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")
    borough_links: Mapped[list[UserBorough]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserBorough.borough_code"
    )
    site_links: Mapped[list[UserSite]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserSite.site_code"
    )
    icb_links: Mapped[list[UserICB]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserICB.icb_code"
    )
    programme_links: Mapped[list[UserProgramme]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserProgramme.programme_code"
    )
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user",
                                                  cascade="all, delete-orphan")

    @property
    def boroughs(self) -> list[str]:
        return [link.borough_code for link in self.borough_links]

    @property
    def sites(self) -> list[str]:
        return [link.site_code for link in self.site_links]

    @property
    def icbs(self) -> list[str]:
        return [link.icb_code for link in self.icb_links]

    @property
    def programmes(self) -> list[str]:
        return [link.programme_code for link in self.programme_links]

    # Links already held are kept (not deleted and inserted again): adding or taking away
    # a link ends the account's sessions (migration 0006), so setting the same scope again
    # (a single sign-on at each sign-in) changes nothing.
    def set_boroughs(self, codes: list[str]) -> None:
        kept = {link.borough_code: link for link in self.borough_links}
        self.borough_links = [kept.get(c) or UserBorough(borough_code=c)
                              for c in sorted(set(codes))]

    def set_sites(self, codes: list[str]) -> None:
        kept = {link.site_code: link for link in self.site_links}
        self.site_links = [kept.get(c) or UserSite(site_code=c) for c in sorted(set(codes))]

    def set_icbs(self, codes: list[str]) -> None:
        kept = {link.icb_code: link for link in self.icb_links}
        self.icb_links = [kept.get(c) or UserICB(icb_code=c) for c in sorted(set(codes))]

    def set_programmes(self, codes: list[str]) -> None:
        kept = {link.programme_code: link for link in self.programme_links}
        self.programme_links = [kept.get(c) or UserProgramme(programme_code=c)
                                for c in sorted(set(codes))]


class UserBorough(Base):
    """A borough (E09 GSS code) whose record-level data a borough analyst may see."""

    __tablename__ = "user_borough"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    borough_code: Mapped[str] = mapped_column(String(9), primary_key=True)


class UserSite(Base):
    """An emergency-department site (ODS code) whose submissions an ED data lead handles."""

    __tablename__ = "user_site"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    site_code: Mapped[str] = mapped_column(String(9), primary_key=True)


class UserICB(Base):
    """An Integrated Care Board (ODS code) whose system an ICB analyst sees: the boroughs
    it serves and the ED sites it runs."""

    __tablename__ = "user_icb"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         primary_key=True)
    icb_code: Mapped[str] = mapped_column(String(9), primary_key=True)


class ApiToken(Base):
    """A token for scripts. Only its SHA-256 is kept: tokens are 256-bit random values, so a
    fast hash is safe, and the plaintext is shown once when it is created."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined")


class UserSession(Base):
    """One browser sign-in. The cookie carries a random session key; only its SHA-256 is
    kept here. A session is live until ``ended_at`` is set: by signing out, by the user
    ending it from their account page, or by the database itself (triggers, migration
    0006) when the account's password, disabled flag, role, organisation, e-mail or scope
    changes, whichever process made the change."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(64), default="password")
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    ended_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AccountVersion(Base):
    """One row whose number the database raises whenever an account, its scope or a token
    changes in a way that can alter what it may do (triggers, migration 0002); the web app
    compares it with the number its cached principals were resolved at."""

    __tablename__ = "account_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class AuditEvent(Base):
    """One audited action. Append-only: triggers refuse UPDATE and DELETE, and on PostgreSQL
    the app role holds only INSERT and SELECT. ``hash`` chains each row to the one before
    (``prev_hash`` is unique, so the chain can never fork)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_email: Mapped[str] = mapped_column(String(320), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_organisation: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(200))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: HMAC-SHA256 of ``hash`` under the audit key held outside the database (migration
    #: 0007); empty for events written before the key existed
    seal: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
