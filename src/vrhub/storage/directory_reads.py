"""Named reads of the opportunities directory (app database).

:func:`index_rows` reads, in six queries, everything the in-memory search index needs
(services with their organisation, term links, located points, weekly opening, areas and
places at locations); the other functions read records for the API and pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from vrhub.storage.appdb.directory_models import (
    DirectoryFeed,
    DirectoryImport,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryProvenance,
    DirectoryQuarantine,
    DirectorySchedule,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceTerm,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)


@dataclass
class DirectoryRows:
    """Plain rows for the search index (tuples, in the order of each field's comment)."""

    # id, name, description, status, organisation_id, organisation_name, minimum_age,
    # maximum_age, is_free, last_modified, reviewed_at, owner_code, created_at
    services: list[tuple[Any, ...]] = field(default_factory=list)
    # service_id, term_id, taxonomy_id, term name, term code
    terms: list[tuple[Any, ...]] = field(default_factory=list)
    # service_at_location id, service_id, location_id, location_type, easting, northing,
    # borough_code, postcode, location name
    places: list[tuple[Any, ...]] = field(default_factory=list)
    # service_id, byday, opens_at, closes_at, term_time_only
    schedules: list[tuple[Any, ...]] = field(default_factory=list)
    # service_id, borough_code
    areas: list[tuple[Any, ...]] = field(default_factory=list)
    # term id, parent id, taxonomy id (every term)
    term_tree: list[tuple[Any, ...]] = field(default_factory=list)


def index_rows(session: Session) -> DirectoryRows:
    s, o = DirectoryService, DirectoryOrganisation
    rows = DirectoryRows()
    rows.services = [tuple(r) for r in session.execute(
        select(s.id, s.name, s.description, s.status, s.organisation_id, o.name,
               s.minimum_age, s.maximum_age, s.is_free, s.last_modified, s.reviewed_at,
               o.owner_code, s.created_at)
        .join(o, o.id == s.organisation_id).order_by(s.name, s.id))]
    t = DirectoryTaxonomyTerm
    rows.terms = [tuple(r) for r in session.execute(
        select(DirectoryServiceTerm.service_id, t.id, t.taxonomy_id, t.name, t.code)
        .join(t, t.id == DirectoryServiceTerm.term_id))]
    sal, loc = DirectoryServiceAtLocation, DirectoryLocation
    rows.places = [tuple(r) for r in session.execute(
        select(sal.id, sal.service_id, loc.id, loc.location_type, loc.easting, loc.northing,
               loc.borough_code, loc.postcode, loc.name)
        .join(loc, loc.id == sal.location_id).order_by(sal.id))]
    sch = DirectorySchedule
    rows.schedules = [tuple(r) for r in session.execute(
        select(sch.service_id, sch.byday, sch.opens_at, sch.closes_at, sch.term_time_only)
        .where(or_(sch.freq.is_(None), sch.freq == "WEEKLY")))]
    rows.areas = [tuple(r) for r in session.execute(
        select(DirectoryServiceArea.service_id, DirectoryServiceArea.borough_code)
        .where(DirectoryServiceArea.borough_code.is_not(None)))]
    rows.term_tree = [tuple(r) for r in session.execute(select(t.id, t.parent_id,
                                                               t.taxonomy_id))]
    return rows


_FULL_OPTIONS = (
    selectinload(DirectoryService.organisation),
    selectinload(DirectoryService.schedules), selectinload(DirectoryService.cost_options),
    selectinload(DirectoryService.contacts), selectinload(DirectoryService.languages),
    selectinload(DirectoryService.service_areas), selectinload(DirectoryService.funding),
    selectinload(DirectoryService.capacities), selectinload(DirectoryService.term_links),
    selectinload(DirectoryService.at_locations).selectinload(
        DirectoryServiceAtLocation.location).selectinload(DirectoryLocation.accessibility),
)


def services(session: Session, ids: Sequence[str], *, full: bool = True
             ) -> list[DirectoryService]:
    """The services with ``ids``, in that order (missing ids left out)."""
    if not ids:
        return []
    options = _FULL_OPTIONS if full else (selectinload(DirectoryService.organisation),)
    found = {s.id: s for s in session.scalars(
        select(DirectoryService).where(DirectoryService.id.in_(list(ids))).options(*options))}
    return [found[i] for i in ids if i in found]


def all_services(session: Session) -> list[DirectoryService]:
    """Every service with its organisation (the search index renders their list items)."""
    return list(session.scalars(select(DirectoryService)
                                .options(selectinload(DirectoryService.organisation))))


def service(session: Session, service_id: str) -> DirectoryService | None:
    found = services(session, [service_id])
    return found[0] if found else None


def taxonomy_names(session: Session) -> dict[str, str]:
    return {t.id: t.name for t in session.scalars(select(DirectoryTaxonomy))}


def organisation(session: Session, organisation_id: str) -> DirectoryOrganisation | None:
    return session.get(DirectoryOrganisation, organisation_id)


def organisations_page(session: Session, *, search: str | None, offset: int, limit: int,
                       owner_code: str | None = None
                       ) -> tuple[int, list[DirectoryOrganisation]]:
    stmt = select(DirectoryOrganisation)
    if search:
        stmt = stmt.where(DirectoryOrganisation.name.ilike(f"%{_like(search)}%", escape="\\"))
    if owner_code is not None:
        stmt = stmt.where(DirectoryOrganisation.owner_code == owner_code)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(DirectoryOrganisation.name,
                                              DirectoryOrganisation.id)
                                .offset(offset).limit(limit)))
    return total, rows


def organisation_service_ids(session: Session, organisation_id: str) -> list[str]:
    return list(session.scalars(select(DirectoryService.id)
                                .where(DirectoryService.organisation_id == organisation_id)
                                .order_by(DirectoryService.name, DirectoryService.id)))


def taxonomies_page(session: Session, *, search: str | None, offset: int, limit: int
                    ) -> tuple[int, list[DirectoryTaxonomy]]:
    stmt = select(DirectoryTaxonomy)
    if search:
        stmt = stmt.where(DirectoryTaxonomy.name.ilike(f"%{_like(search)}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(DirectoryTaxonomy.name, DirectoryTaxonomy.id)
                                .offset(offset).limit(limit)))
    return total, rows


def taxonomy(session: Session, taxonomy_id: str) -> DirectoryTaxonomy | None:
    return session.get(DirectoryTaxonomy, taxonomy_id)


def taxonomy_terms(session: Session, taxonomy_id: str | None = None
                   ) -> list[DirectoryTaxonomyTerm]:
    stmt = select(DirectoryTaxonomyTerm)
    if taxonomy_id:
        stmt = stmt.where(DirectoryTaxonomyTerm.taxonomy_id == taxonomy_id)
    return list(session.scalars(stmt.order_by(DirectoryTaxonomyTerm.name,
                                              DirectoryTaxonomyTerm.id)))


def taxonomy_terms_page(session: Session, *, search: str | None, taxonomy_id: str | None,
                        parent_id: str | None, top_only: bool, offset: int, limit: int
                        ) -> tuple[int, list[DirectoryTaxonomyTerm]]:
    t = DirectoryTaxonomyTerm
    stmt = select(t)
    if search:
        stmt = stmt.where(t.name.ilike(f"%{_like(search)}%", escape="\\"))
    if taxonomy_id:
        stmt = stmt.where(t.taxonomy_id == taxonomy_id)
    if parent_id:
        stmt = stmt.where(t.parent_id == parent_id)
    if top_only:
        stmt = stmt.where(t.parent_id.is_(None))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(t.name, t.id).offset(offset).limit(limit)))
    return total, rows


def taxonomy_term(session: Session, term_id: str) -> DirectoryTaxonomyTerm | None:
    return session.get(DirectoryTaxonomyTerm, term_id)


def service_at_location(session: Session, sal_id: str) -> DirectoryServiceAtLocation | None:
    return session.scalar(select(DirectoryServiceAtLocation)
                          .where(DirectoryServiceAtLocation.id == sal_id)
                          .options(selectinload(DirectoryServiceAtLocation.location)
                                   .selectinload(DirectoryLocation.accessibility)))


# -- import bookkeeping ----------------------------------------------------------------------
def feed_by_source(session: Session, source: str) -> DirectoryFeed | None:
    return session.scalar(select(DirectoryFeed).where(DirectoryFeed.source == source))


def feeds(session: Session) -> list[DirectoryFeed]:
    return list(session.scalars(select(DirectoryFeed).order_by(DirectoryFeed.id)))


def provenance_of_feed(session: Session, feed_id: int) -> dict[str, tuple[str, str]]:
    """The feed's external id -> (vrhub record id, content hash) of every record it gave."""
    return {p.external_id: (p.record_id, p.content_hash) for p in session.scalars(
        select(DirectoryProvenance).where(DirectoryProvenance.feed_id == feed_id))}


def provenance_of(session: Session, record_id: str) -> list[DirectoryProvenance]:
    return list(session.scalars(select(DirectoryProvenance)
                                .where(DirectoryProvenance.record_id == record_id)))


def service_keys(session: Session) -> dict[tuple[str, str], tuple[str, str, int | None]]:
    """(normalised name, postcode without spaces) -> (service id, origin, feed id), for
    every service with a located postcode: how imports find duplicates under another id."""
    s, sal, loc = DirectoryService, DirectoryServiceAtLocation, DirectoryLocation
    out: dict[tuple[str, str], tuple[str, str, int | None]] = {}
    for sid, name, postcode, origin, feed_id in session.execute(
            select(s.id, s.name, loc.postcode, s.origin, s.feed_id)
            .join(sal, sal.service_id == s.id).join(loc, loc.id == sal.location_id)
            .where(loc.postcode.is_not(None))):
        key = (" ".join(str(name).lower().split()), str(postcode).replace(" ", "").upper())
        out.setdefault(key, (sid, origin, feed_id))
    return out


def service_origins(session: Session) -> dict[str, tuple[str, int | None]]:
    """Service id -> (origin, feed id) of every stored service."""
    return {sid: (origin, feed_id) for sid, origin, feed_id in session.execute(
        select(DirectoryService.id, DirectoryService.origin, DirectoryService.feed_id))}


def imports(session: Session, *, limit: int = 20) -> list[DirectoryImport]:
    return list(session.scalars(select(DirectoryImport).order_by(DirectoryImport.id.desc())
                                .limit(limit)))


def quarantine_of(session: Session, import_id: int) -> list[DirectoryQuarantine]:
    return list(session.scalars(select(DirectoryQuarantine)
                                .where(DirectoryQuarantine.import_id == import_id)
                                .order_by(DirectoryQuarantine.id)))


def stale_services(session: Session, before: dt.datetime) -> list[DirectoryService]:
    """Services not reviewed since ``before`` (never-reviewed ones by creation date)."""
    s = DirectoryService
    return list(session.scalars(
        select(s).where(func.coalesce(s.reviewed_at, s.created_at) < before)
        .options(selectinload(s.organisation)).order_by(s.name)))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
