"""The opportunities directory's tables, in the Open Referral UK (HSDS 3.0) data model.

Organisations, services, locations (with their British National Grid point, postcode and
borough), services at locations, schedules, cost options, contacts, languages,
accessibility, service areas, funding, capacity (HSDS 3.1), taxonomies and their terms,
and the links from services to terms. Identifiers are UUIDs (text), as HSDS requires.

Every record remembers where it came from: ``origin`` is ``local`` (kept in vrhub by a
provider or the VRU) or ``import`` (read from another organisation's ORUK feed);
``directory_provenance`` holds, per record and feed, the feed's own identifier, a hash of
what the feed last said and when it was first and last seen. Imports are recorded in
``directory_import`` and every record an import could not use in
``directory_quarantine`` with the reason.

``directory_version`` is one number raised by every change, so that the search index kept
in memory by the web app knows when to rebuild.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vrhub.storage.appdb.base import Base, utc_now

UUID = String(36)


class DirectoryOrganisation(Base):
    __tablename__ = "directory_organisation"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    logo: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    owner_code: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    origin: Mapped[str] = mapped_column(String(16), default="local")
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("directory_feed.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    modified_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)

    services: Mapped[list[DirectoryService]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan")


class DirectoryService(Base):
    __tablename__ = "directory_service"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("directory_organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="active")
    fees_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    accreditations: Mapped[str | None] = mapped_column(Text, nullable=True)
    eligibility_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    minimum_age: Mapped[float | None] = mapped_column(Float, nullable=True)
    maximum_age: Mapped[float | None] = mapped_column(Float, nullable=True)
    alert: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_free: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(16), default="local")
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("directory_feed.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_modified: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now, index=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(320), nullable=True)

    organisation: Mapped[DirectoryOrganisation] = relationship(back_populates="services")
    schedules: Mapped[list[DirectorySchedule]] = relationship(
        cascade="all, delete-orphan", order_by="DirectorySchedule.id")
    cost_options: Mapped[list[DirectoryCostOption]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryCostOption.id")
    contacts: Mapped[list[DirectoryContact]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryContact.id")
    languages: Mapped[list[DirectoryLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryLanguage.id")
    service_areas: Mapped[list[DirectoryServiceArea]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryServiceArea.id")
    funding: Mapped[list[DirectoryFunding]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryFunding.id")
    capacities: Mapped[list[DirectoryCapacity]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryCapacity.id")
    term_links: Mapped[list[DirectoryServiceTerm]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryServiceTerm.id")
    at_locations: Mapped[list[DirectoryServiceAtLocation]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryServiceAtLocation.id")


class DirectoryLocation(Base):
    __tablename__ = "directory_location"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("directory_organisation.id", ondelete="CASCADE"), nullable=True, index=True)
    location_type: Mapped[str] = mapped_column(String(16), default="physical")
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    easting: Mapped[float | None] = mapped_column(Float, nullable=True)
    northing: Mapped[float | None] = mapped_column(Float, nullable=True)
    point_source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    address_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    address_1: Mapped[str | None] = mapped_column(String(300), nullable=True)
    address_2: Mapped[str | None] = mapped_column(String(300), nullable=True)
    city: Mapped[str | None] = mapped_column(String(120), nullable=True)
    region: Mapped[str | None] = mapped_column(String(120), nullable=True)
    state_province: Mapped[str | None] = mapped_column(String(120), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    external_identifier: Mapped[str | None] = mapped_column(String(120), nullable=True)
    external_identifier_type: Mapped[str | None] = mapped_column(String(60), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)

    accessibility: Mapped[list[DirectoryAccessibility]] = relationship(
        cascade="all, delete-orphan", order_by="DirectoryAccessibility.id")


class DirectoryAccessibility(Base):
    __tablename__ = "directory_accessibility"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    location_id: Mapped[str] = mapped_column(
        ForeignKey("directory_location.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[str | None] = mapped_column(Text, nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class DirectoryServiceAtLocation(Base):
    __tablename__ = "directory_service_at_location"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(
        ForeignKey("directory_location.id", ondelete="CASCADE"), index=True)

    location: Mapped[DirectoryLocation] = relationship()


class DirectorySchedule(Base):
    __tablename__ = "directory_schedule"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    freq: Mapped[str | None] = mapped_column(String(8), nullable=True)
    interval: Mapped[int | None] = mapped_column(Integer, nullable=True)
    byday: Mapped[str | None] = mapped_column(String(60), nullable=True)
    bymonthday: Mapped[str | None] = mapped_column(String(60), nullable=True)
    opens_at: Mapped[str | None] = mapped_column(String(8), nullable=True)
    closes_at: Mapped[str | None] = mapped_column(String(8), nullable=True)
    valid_from: Mapped[str | None] = mapped_column(String(10), nullable=True)
    valid_to: Mapped[str | None] = mapped_column(String(10), nullable=True)
    dtstart: Mapped[str | None] = mapped_column(String(10), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    attending_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    schedule_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    term_time_only: Mapped[bool] = mapped_column(Boolean, default=False)


class DirectoryCostOption(Base):
    __tablename__ = "directory_cost_option"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    option: Mapped[str | None] = mapped_column(String(300), nullable=True)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    amount_description: Mapped[str | None] = mapped_column(String(300), nullable=True)
    valid_from: Mapped[str | None] = mapped_column(String(10), nullable=True)
    valid_to: Mapped[str | None] = mapped_column(String(10), nullable=True)


class DirectoryContact(Base):
    __tablename__ = "directory_contact"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    department: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)


class DirectoryLanguage(Base):
    __tablename__ = "directory_language"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


class DirectoryServiceArea(Base):
    __tablename__ = "directory_service_area"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extent: Mapped[str | None] = mapped_column(Text, nullable=True)
    extent_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    borough_code: Mapped[str | None] = mapped_column(String(9), nullable=True)


class DirectoryFunding(Base):
    __tablename__ = "directory_funding"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)


class DirectoryCapacity(Base):
    """HSDS 3.1 ``service_capacity``: places available out of a maximum."""

    __tablename__ = "directory_capacity"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[str] = mapped_column(UUID)
    unit_name: Mapped[str] = mapped_column(String(100), default="places")
    available: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maximum: Mapped[int | None] = mapped_column(Integer, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)


class DirectoryTaxonomy(Base):
    __tablename__ = "directory_taxonomy"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="local")


class DirectoryTaxonomyTerm(Base):
    __tablename__ = "directory_taxonomy_term"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    taxonomy_id: Mapped[str | None] = mapped_column(
        ForeignKey("directory_taxonomy.id", ondelete="CASCADE"), nullable=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(UUID, nullable=True)
    code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    term_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)


class DirectoryServiceTerm(Base):
    """A service's link to a taxonomy term (an ORUK ``attribute``)."""

    __tablename__ = "directory_service_term"
    __table_args__ = (UniqueConstraint("service_id", "term_id",
                                       name="uq_directory_service_term_pair"),)

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        ForeignKey("directory_service.id", ondelete="CASCADE"), index=True)
    term_id: Mapped[str] = mapped_column(
        ForeignKey("directory_taxonomy_term.id", ondelete="CASCADE"), index=True)

    term: Mapped[DirectoryTaxonomyTerm] = relationship(lazy="joined")


class DirectoryFeed(Base):
    """An ORUK feed (URL) or file the directory has imported from."""

    __tablename__ = "directory_feed"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1000), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class DirectoryImport(Base):
    """One run of ``vrhub directory import``: what it read, loaded and quarantined."""

    __tablename__ = "directory_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("directory_feed.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    records_read: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DirectoryQuarantine(Base):
    """A record an import could not use, with the reason (never silently dropped)."""

    __tablename__ = "directory_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("directory_import.id", ondelete="CASCADE"), index=True)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reason: Mapped[str] = mapped_column(Text)


class DirectoryProvenance(Base):
    """Where a directory record came from: per record and feed, the feed's identifier,
    the hash of what the feed last said, and when it was first and last seen."""

    __tablename__ = "directory_provenance"

    record_id: Mapped[str] = mapped_column(UUID, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("directory_feed.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="service")
    external_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utc_now)
    last_import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DirectoryVersion(Base):
    """One number raised by every change to the directory (search index freshness)."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
