"""Serious Violence Duty needs assessments: each edition built for an area (a borough, the
City or London), kept whole, with its files.

An edition is one build of one kind (``full``, restricted; or ``public``, the
disclosure-controlled summary) for one area. Its version counts up per area and kind,
starting at 1; the unique constraint on (area, kind, version) makes two builds at once
receive different numbers (the loser of a race retries, see
:func:`vrhub.storage.sna_editions.save`).

The three files (HTML report, PDF, XLSX data annex) are kept in the app database, in
:class:`SnaEditionFile`, not under the workspace:

- an edition is a record of what the partnership published on a date: its figures, its
  recommendations and its files are written in one transaction with its version number and
  its audit event, so no edition exists without its files or the other way round;
- the web app may run as several processes on several hosts (one PostgreSQL, no shared
  disk), and every one must serve every edition;
- the app database's backup then carries the editions, which a workspace folder would not.

A file is a few hundred kilobytes to a few megabytes; 33 areas, two kinds and a few
editions a year stay far inside what either database keeps comfortably. Each file keeps its
SHA-256, checked when it is read back, and its size, so lists never load the bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now


class SnaEdition(Base):
    __tablename__ = "sna_edition"
    __table_args__ = (UniqueConstraint("area_code", "edition", "version",
                                       name="uq_sna_edition_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(9), index=True)
    area_name: Mapped[str] = mapped_column(String(100))
    #: ``full`` (restricted) or ``public`` (disclosure-controlled summary)
    edition: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    period_from: Mapped[str] = mapped_column(String(10))
    period_to: Mapped[str] = mapped_column(String(10))
    definition_version: Mapped[str] = mapped_column(String(32))
    built_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    built_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    #: who built it, as the audit trail names them (an account's e-mail, console:USER)
    builder: Mapped[str] = mapped_column(String(320))
    recommendations: Mapped[str] = mapped_column(Text, default="")
    #: section key -> figure name -> value (what editions are compared on)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: section key -> {"title", "available", "reason"}
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)

    files: Mapped[list[SnaEditionFile]] = relationship(
        order_by="SnaEditionFile.id", cascade="all, delete-orphan", lazy="noload")


class SnaEditionFile(Base):
    __tablename__ = "sna_edition_file"
    __table_args__ = (UniqueConstraint("edition_id", "format", name="uq_sna_edition_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("sna_edition.id", ondelete="CASCADE"), index=True)
    #: html, pdf or xlsx
    format: Mapped[str] = mapped_column(String(4))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
