"""Stored directory records as Open Referral UK JSON (HSDS 3.0, UK profile).

Absent values are left out rather than written as ``null`` (the profile's schemas type
every field as a string or number). Whole numbers are written as integers. Times are UTC
ISO 8601 with a ``Z``. ``assured_date`` is the date a VRU curator last reviewed the
listing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from vrhub.storage.appdb.directory_models import (
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceAtLocation,
    DirectoryTaxonomy,
    DirectoryTaxonomyTerm,
)


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def organisation(org: DirectoryOrganisation) -> dict[str, Any]:
    return _clean({
        "id": org.id, "name": org.name, "description": org.description or "",
        "email": org.email, "website": org.website, "logo": org.logo, "uri": org.uri,
        "parent_organization_id": org.parent_id,
    })


def service_item(service: DirectoryService) -> dict[str, Any]:
    """The one-to-one fields of a service and its organisation (a list item)."""
    return _clean({
        "id": service.id,
        "organization_id": service.organisation_id,
        "name": service.name,
        "description": service.description or "",
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "fees": service.fees_description,
        "accreditations": service.accreditations,
        "eligibility_description": service.eligibility_description,
        "minimum_age": _number(service.minimum_age),
        "maximum_age": _number(service.maximum_age),
        "assured_date": service.reviewed_at.date().isoformat() if service.reviewed_at
        else None,
        "alert": service.alert,
        "last_modified": timestamp(service.last_modified),
        "organization": organisation(service.organisation),
    })


def term(item: DirectoryTaxonomyTerm, taxonomy_names: Mapping[str, str]) -> dict[str, Any]:
    return _clean({
        "id": item.id, "name": item.name, "description": item.description or "",
        "code": item.code, "parent_id": item.parent_id,
        "taxonomy": taxonomy_names.get(item.taxonomy_id or ""),
        "taxonomy_id": item.taxonomy_id, "term_uri": _uri(item.term_uri),
    })


def taxonomy(item: DirectoryTaxonomy, terms: list[DirectoryTaxonomyTerm] | None = None
             ) -> dict[str, Any]:
    out = _clean({"id": item.id, "name": item.name, "description": item.description or "",
                  "uri": _uri(item.uri), "version": item.version})
    if terms is not None:
        names = {item.id: item.name}
        out["taxonomy_terms"] = [term(t, names) for t in terms]
    return out


def location(loc: DirectoryLocation) -> dict[str, Any]:
    out = _clean({
        "id": loc.id, "location_type": loc.location_type, "name": loc.name,
        "description": loc.description, "latitude": loc.latitude,
        "longitude": loc.longitude, "external_identifier": loc.external_identifier,
        "external_identifier_type": loc.external_identifier_type, "url": loc.url,
    })
    if loc.address_id and loc.location_type != "virtual":
        out["addresses"] = [_clean({
            "id": loc.address_id, "location_id": loc.id, "address_1": loc.address_1 or "",
            "address_2": loc.address_2, "city": loc.city or "", "region": loc.region,
            "state_province": loc.state_province or "", "postal_code": loc.postcode or "",
            "country": loc.country or "GB", "address_type": "physical",
        })]
    else:
        out["addresses"] = []
    out["accessibility"] = [_clean({
        "id": a.id, "location_id": loc.id, "description": a.description,
        "details": a.details, "url": _uri(a.url)}) for a in loc.accessibility]
    return out


def service_at_location(sal: DirectoryServiceAtLocation) -> dict[str, Any]:
    return {"id": sal.id, "service_id": sal.service_id, "location_id": sal.location_id,
            "location": location(sal.location)}


def service_full(service: DirectoryService, taxonomy_names: Mapping[str, str]
                 ) -> dict[str, Any]:
    """A fully nested service: schedules, areas, places, languages, organisation,
    funding, costs, contacts, categories (attributes) and capacity."""
    out = service_item(service)
    out["schedules"] = [_clean({
        "id": s.id, "service_id": service.id, "service_at_location_id":
        s.service_at_location_id, "valid_from": s.valid_from, "valid_to": s.valid_to,
        "dtstart": s.dtstart, "freq": s.freq, "interval": s.interval, "byday": s.byday,
        "bymonthday": s.bymonthday, "opens_at": s.opens_at, "closes_at": s.closes_at,
        "description": s.description, "notes": _schedule_notes(s.notes, s.term_time_only),
        "attending_type": s.attending_type, "schedule_link": _uri(s.schedule_link),
        "x_term_time_only": s.term_time_only or None}) for s in service.schedules]
    out["service_areas"] = [_clean({
        "id": a.id, "service_id": service.id, "name": a.name, "description": a.description,
        "extent": a.extent, "extent_type": a.extent_type, "uri": a.uri})
        for a in service.service_areas]
    out["service_at_locations"] = [service_at_location(sal) for sal in service.at_locations]
    out["languages"] = [_clean({"id": lang.id, "service_id": service.id, "name": lang.name,
                                "code": lang.code, "note": lang.note})
                        for lang in service.languages]
    out["funding"] = [_clean({"id": f.id, "service_id": service.id, "source": f.source})
                      for f in service.funding]
    out["cost_options"] = [_clean({
        "id": c.id, "service_id": service.id, "option": c.option,
        "amount": _number(c.amount), "currency": c.currency,
        "amount_description": c.amount_description, "valid_from": c.valid_from,
        "valid_to": c.valid_to}) for c in service.cost_options]
    out["contacts"] = [_clean({
        "id": c.id, "service_id": service.id, "name": c.name, "title": c.title,
        "department": c.department, "email": c.email,
        "phones": [{"id": c.phone_id, "number": c.phone}] if c.phone and c.phone_id else []})
        for c in service.contacts]
    out["attributes"] = [{
        "id": link.id, "link_id": service.id, "link_type": "service",
        "link_entity": "service", "taxonomy_term_id": link.term_id,
        "taxonomy_term": term(link.term, taxonomy_names)} for link in service.term_links]
    out["service_capacity"] = [_clean({
        "id": c.id, "service_id": service.id,
        "unit": {"id": c.unit_id, "name": c.unit_name},
        "available": c.available, "maximum": c.maximum, "description": c.description,
        "updated": timestamp(c.updated)}) for c in service.capacities]
    return out


def _schedule_notes(notes: str | None, term_time: bool) -> str | None:
    if term_time and "term time" not in (notes or "").lower():
        return f"Term time only. {notes}".strip() if notes else "Term time only"
    return notes


def _uri(value: str | None) -> str | None:
    """Only absolute addresses are published where the profile wants a URI."""
    if value and ":" in value:
        return value
    return None
