"""Named writes of the opportunities directory (app database).

A service is written whole: :func:`replace_service` removes the stored service (its
schedules, contacts, links and so on go with it) and writes the validated ORUK record in
its place, in the caller's transaction. Locations are shared by services and updated in
place. Every write raises the directory's version number (:func:`bump_version`), so the
web app's search index rebuilds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from vrhub.standards import oruk
from vrhub.standards.opportunity_taxonomy import Vocabulary, stable_id
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.directory_models import (
    DirectoryAccessibility,
    DirectoryCapacity,
    DirectoryContact,
    DirectoryCostOption,
    DirectoryFunding,
    DirectoryLanguage,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectorySchedule,
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceAtLocation,
    DirectoryServiceTerm,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
    DirectoryVersion,
)


@dataclass(frozen=True)
class LocationPoint:
    """Where a location is, worked out by the caller (postcode lookup or the feed's own
    latitude and longitude)."""

    easting: float | None
    northing: float | None
    latitude: float | None
    longitude: float | None
    borough_code: str | None
    postcode: str | None
    source: str | None  # 'postcode', 'feed' or None (not placed)


@dataclass(frozen=True)
class Stewardship:
    """Who keeps a record and how it arrived."""

    origin: str = "local"  # 'local' or 'import'
    feed_id: int | None = None
    owner_code: str | None = None
    reviewed_at: dt.datetime | None = None
    reviewed_by: str | None = None
    last_modified: dt.datetime | None = None


def directory_version(session: Session) -> int:
    return int(session.scalar(select(DirectoryVersion.version).where(DirectoryVersion.id == 1))
               or 0)


def bump_version(session: Session) -> None:
    session.execute(update(DirectoryVersion).where(DirectoryVersion.id == 1)
                    .values(version=DirectoryVersion.version + 1))


def ensure_vocabularies(session: Session, vocabularies: Iterable[Vocabulary]) -> int:
    """Write vrhub's own taxonomies and terms (idempotent); returns terms added."""
    added = 0
    for vocab in vocabularies:
        if session.get(DirectoryTaxonomy, vocab.id) is None:
            session.add(DirectoryTaxonomy(id=vocab.id, name=vocab.name,
                                          description=vocab.description, version=vocab.version,
                                          uri=f"urn:vrhub:taxonomy:{vocab.code}",
                                          origin="local"))
            session.flush()
        for term in vocab.terms:
            if session.get(DirectoryTaxonomyTerm, vocab.term_id(term.code)) is None:
                session.add(DirectoryTaxonomyTerm(
                    id=vocab.term_id(term.code), taxonomy_id=vocab.id, code=term.code,
                    name=term.name, description=term.description,
                    parent_id=vocab.term_id(term.parent) if term.parent else None,
                    term_uri=f"urn:vrhub:taxonomy:{vocab.code}:{term.code}"))
                added += 1
    if added:
        bump_version(session)
    return added


def delete_service(session: Session, service_id: str) -> bool:
    result = session.execute(delete(DirectoryService).where(DirectoryService.id == service_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ServiceWrite:
    """One service to write whole, with what the caller worked out about it."""

    record: oruk.Service
    organisation: oruk.Organization
    points: Mapping[str, LocationPoint]
    keeper: Stewardship
    is_free: bool
    term_ids: tuple[str, ...] = ()


CHUNK = 500


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start:start + CHUNK])


def _ids_present(session: Session, column: Any, ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(ids))):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model.__table__), rows)


def _update(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(model), rows)


def write_services(session: Session, writes: Sequence[ServiceWrite]) -> None:
    """Write each service whole, in place of any stored service with its id, in the
    caller's transaction: a few statements for the whole batch, not a few per service.

    Organisations and locations are shared by services, so they are updated in place;
    a service's own parts (schedules, contacts, costs, ...) are replaced with it."""
    latest = {w.record.id: w for w in writes}  # one write per id: the last wins
    batch = list(latest.values())
    if not batch:
        return
    ids = list(latest)
    s = DirectoryService
    kept: dict[str, tuple[Any, Any, Any]] = {}
    for chunk in _chunks(ids):
        for sid, created, reviewed_at, reviewed_by in session.execute(
                select(s.id, s.created_at, s.reviewed_at, s.reviewed_by)
                .where(s.id.in_(chunk))):
            kept[sid] = (created, reviewed_at, reviewed_by)
        session.execute(delete(s).where(s.id.in_(chunk)))
    _write_organisations(session, batch)
    _write_terms(session, batch)
    _write_locations(session, batch)
    now = utc_now()
    rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
        DirectoryService, DirectorySchedule, DirectoryCostOption, DirectoryContact,
        DirectoryLanguage, DirectoryServiceArea, DirectoryFunding, DirectoryCapacity,
        DirectoryServiceTerm, DirectoryServiceAtLocation)}
    for w in batch:
        r, k = w.record, w.keeper
        created, reviewed_at, reviewed_by = kept.get(r.id, (now, None, None))
        if k.reviewed_at is not None:
            reviewed_at, reviewed_by = k.reviewed_at, k.reviewed_by
        rows[DirectoryService].append(dict(
            id=r.id, organisation_id=w.organisation.id, name=r.name,
            description=r.description or "", url=r.url, email=r.email, status=r.status,
            fees_description=r.fee_text, accreditations=r.accreditations,
            eligibility_description=r.eligibility_description,
            minimum_age=_float(r.minimum_age), maximum_age=_float(r.maximum_age),
            alert=r.alert, is_free=w.is_free, origin=k.origin, feed_id=k.feed_id,
            created_at=created, last_modified=k.last_modified or now,
            reviewed_at=reviewed_at, reviewed_by=reviewed_by))
        rows[DirectorySchedule].extend(_schedule(r.id, x) for x in r.schedules)
        rows[DirectoryCostOption].extend(dict(
            id=c.id, service_id=r.id, option=c.option, amount=_float(c.amount),
            currency=c.currency or None, amount_description=c.amount_description,
            valid_from=c.valid_from, valid_to=c.valid_to) for c in r.cost_options)
        rows[DirectoryContact].extend(dict(
            id=c.id, service_id=r.id, name=c.name, title=c.title, department=c.department,
            email=c.email, phone_id=c.phones[0].id if c.phones else None,
            phone=c.phones[0].number if c.phones else None) for c in r.contacts)
        rows[DirectoryLanguage].extend(dict(id=x.id, service_id=r.id, name=x.name,
                                            code=x.code, note=x.note) for x in r.languages)
        rows[DirectoryServiceArea].extend(dict(
            id=a.id, service_id=r.id, name=a.name,
            description=a.description or a.service_area, extent=a.extent,
            extent_type=a.extent_type, uri=a.uri,
            borough_code=_gss(a.extent) if (a.extent_type or "").lower() == "gss" else None)
            for a in r.service_areas)
        rows[DirectoryFunding].extend(dict(id=f.id, service_id=r.id, source=f.source)
                                      for f in r.funding)
        rows[DirectoryCapacity].extend(dict(
            id=c.id, service_id=r.id, unit_id=c.unit.id if c.unit else c.id,
            unit_name=c.unit.name if c.unit else "places", available=_int(c.available),
            maximum=_int(c.maximum), description=c.description, updated=now)
            for c in r.service_capacity)
        rows[DirectoryServiceTerm].extend(
            dict(id=attribute_id, service_id=r.id, term_id=term_id)
            for attribute_id, term_id in _unique_terms(r, w.term_ids))
        rows[DirectoryServiceAtLocation].extend(
            dict(id=sal.id, service_id=r.id, location_id=sal.location.id)
            for sal in r.service_at_locations if sal.location is not None)
    for model, model_rows in rows.items():
        _insert(session, model, _unique_ids(model_rows))


def _unique_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with an id already given (a feed that reuses one) are left out."""
    seen: set[str] = set()
    out = []
    for row in rows:
        if row["id"] not in seen:
            seen.add(row["id"])
            out.append(row)
    return out


def _write_organisations(session: Session, batch: Sequence[ServiceWrite]) -> None:
    orgs = {w.organisation.id: w for w in batch}
    present = _ids_present(session, DirectoryOrganisation.id, orgs)
    now = utc_now()
    new, changed = [], []
    for org_id, w in orgs.items():
        o = w.organisation
        row: dict[str, Any] = dict(
            id=org_id, name=o.name, description=o.description or "", email=o.email,
            website=o.website, logo=o.logo, uri=o.uri, parent_id=o.parent_organization_id,
            modified_at=now)
        if org_id in present:
            if w.keeper.owner_code is not None:
                row["owner_code"] = w.keeper.owner_code
            changed.append(row)
        else:
            new.append(row | dict(owner_code=w.keeper.owner_code, origin=w.keeper.origin,
                                  feed_id=w.keeper.feed_id, created_at=now))
    _update(session, DirectoryOrganisation, changed)
    _insert(session, DirectoryOrganisation, new)


def _write_terms(session: Session, batch: Sequence[ServiceWrite]) -> None:
    terms = {a.taxonomy_term.id: a.taxonomy_term for w in batch for a in w.record.attributes
             if a.taxonomy_term is not None}
    missing = set(terms) - _ids_present(session, DirectoryTaxonomyTerm.id, terms)
    if not missing:
        return
    taxonomies: dict[str, str | None] = {}
    for t in missing:
        if terms[t].taxonomy_id:
            taxonomies[str(terms[t].taxonomy_id)] = terms[t].taxonomy
    absent = set(taxonomies) - _ids_present(session, DirectoryTaxonomy.id, taxonomies)
    _insert(session, DirectoryTaxonomy, [dict(id=t, name=taxonomies[t] or "Imported",
                                              description="", origin="import")
                                         for t in sorted(absent)])
    _insert(session, DirectoryTaxonomyTerm, [dict(
        id=t.id, taxonomy_id=t.taxonomy_id, parent_id=t.parent_id, code=t.code, name=t.name,
        description=t.description or "", term_uri=t.term_uri)
        for t in (terms[i] for i in sorted(missing))])


def _write_locations(session: Session, batch: Sequence[ServiceWrite]) -> None:
    locations: dict[str, dict[str, Any]] = {}
    access: dict[str, list[dict[str, Any]]] = {}
    for w in batch:
        for sal in w.record.service_at_locations:
            if sal.location is not None:
                loc = sal.location
                locations[loc.id] = _location(loc, w.points.get(loc.id), w.organisation.id)
                access[loc.id] = [dict(id=a.id, location_id=loc.id,
                                       description=a.description or a.accessibility,
                                       details=a.details, url=a.url)
                                  for a in loc.accessibility]
    if not locations:
        return
    present = _ids_present(session, DirectoryLocation.id, locations)
    _update(session, DirectoryLocation, [r for i, r in locations.items() if i in present])
    _insert(session, DirectoryLocation, [r for i, r in locations.items() if i not in present])
    for chunk in _chunks(list(locations)):
        session.execute(delete(DirectoryAccessibility)
                        .where(DirectoryAccessibility.location_id.in_(chunk)))
    _insert(session, DirectoryAccessibility,
            _unique_ids([row for rows in access.values() for row in rows]))


def _location(record: oruk.Location, point: LocationPoint | None, organisation_id: str
              ) -> dict[str, Any]:
    address = next((a for a in record.addresses if a.address_type != "postal"),
                   record.addresses[0] if record.addresses else None)
    row: dict[str, Any] = dict(
        id=record.id, organisation_id=organisation_id, location_type=record.location_type,
        name=record.name, description=record.description,
        external_identifier=record.external_identifier,
        external_identifier_type=record.external_identifier_type, url=record.url,
        address_id=address.id if address else None,
        address_1=address.address_1 if address else None,
        address_2=address.address_2 if address else None,
        city=address.city if address else None, region=address.region if address else None,
        state_province=address.state_province if address else None,
        country=(address.country or "GB")[:2].upper() if address else None,
        postcode=(point.postcode if point and point.postcode else
                  (address.postal_code or None) if address else None),
        easting=None, northing=None, latitude=None, longitude=None, borough_code=None,
        point_source=None)
    if point is not None:
        row.update(easting=point.easting, northing=point.northing, latitude=point.latitude,
                   longitude=point.longitude, borough_code=point.borough_code,
                   point_source=point.source)
    return row


def _gss(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text if len(text) == 9 and text[0] in "EW" and text[1:].isdigit() else None


def replace_service(session: Session, record: oruk.Service, organisation: oruk.Organization,
                    points: Mapping[str, LocationPoint], keeper: Stewardship, *,
                    is_free: bool, term_ids: Iterable[str] = ()) -> None:
    """Write one service whole (see :func:`write_services`)."""
    write_services(session, [ServiceWrite(record, organisation, points, keeper, is_free,
                                          tuple(term_ids))])


def _unique_terms(record: oruk.Service, term_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(attribute id, term id) pairs, one per term; terms given only by id get an id
    made from the service's and the term's."""
    out: dict[str, str] = {}
    for attribute in record.attributes:
        term_id = attribute.taxonomy_term.id if attribute.taxonomy_term else \
            attribute.taxonomy_term_id
        if term_id and term_id not in out:
            out[term_id] = attribute.id
    for term_id in term_ids:
        if term_id not in out:
            out[term_id] = stable_id("attribute", record.id, term_id)
    return [(attribute_id, term_id) for term_id, attribute_id in out.items()]


def _schedule(service_id: str, s: oruk.Schedule) -> dict[str, Any]:
    extra = s.model_extra or {}
    term_time = bool(extra.get("x_term_time_only")) or "term time" in (
        (s.notes or "") + " " + (s.description or "")).lower()
    return dict(
        id=s.id, service_id=service_id, service_at_location_id=s.service_at_location_id,
        freq=s.freq, interval=_int(s.interval), byday=",".join(s.days()) or s.byday,
        bymonthday=s.bymonthday, opens_at=_time(s.opens_at), closes_at=_time(s.closes_at),
        valid_from=s.valid_from, valid_to=s.valid_to, dtstart=s.dtstart,
        description=s.description, notes=s.notes, attending_type=s.attending_type,
        schedule_link=s.schedule_link, term_time_only=term_time)


def mark_reviewed(session: Session, service_id: str, reviewer: str,
                  when: dt.datetime | None = None) -> bool:
    result = session.execute(update(DirectoryService).where(DirectoryService.id == service_id)
                             .values(reviewed_at=when or utc_now(), reviewed_by=reviewer))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_capacity(session: Session, service_id: str, *, available: int | None,
                 maximum: int | None, unit_id: str, capacity_id: str) -> None:
    session.execute(delete(DirectoryCapacity).where(DirectoryCapacity.service_id == service_id))
    session.add(DirectoryCapacity(id=capacity_id, service_id=service_id, unit_id=unit_id,
                                  unit_name="places", available=available, maximum=maximum,
                                  updated=utc_now()))


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None else int(float(value))  # type: ignore[arg-type]


def _time(value: str | None) -> str | None:
    """'9:30', '09:30', '09:30:00' -> '09:30'; anything else kept as given."""
    if not value:
        return None
    parts = value.strip().split(":")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1][:2].isdigit():
        return f"{int(parts[0]):02d}:{parts[1][:2]}"
    return value.strip()[:8]
