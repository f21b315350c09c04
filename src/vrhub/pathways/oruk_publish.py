"""Publishing the directory as an Open Referral UK feed: every ``/oruk/`` answer.

The web routes parse the request and call these; each returns the profile's JSON (a
paginated list, or one record). Filters are checked here, with messages that say what was
wrong and how to ask instead. Services are searched through the directory's in-memory
index (:mod:`vrhub.pathways.search`) and a page of services is assembled from list items
rendered once, when the index was built.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vrhub.errors import NotFound, UserError
from vrhub.geography.postcodes import Place
from vrhub.pathways import oruk_records
from vrhub.pathways.directory import Directory
from vrhub.pathways.search import SearchQuery, minutes
from vrhub.standards import oruk
from vrhub.storage import directory_reads as reads

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PROXIMITY_M = 100_000
DAY_NAMES = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH",
             "friday": "FR", "saturday": "SA", "sunday": "SU"}


class PlaceNotFound(UserError):
    """A well-formed postcode that the postcode directory does not hold."""

    code = "unknown_postcode"


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(page: str | None, per_page: str | None) -> Paging:
    return Paging(_whole("page", page, 1, 1, 10_000_000),
                  _whole("per_page", per_page, DEFAULT_PER_PAGE, 1, MAX_PER_PAGE))


def _whole(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise UserError(f"{name} {value!r} is not a whole number",
                        hint=f"give {name} as a number from {low} to {high}") from None
    if not low <= number <= high:
        raise UserError(f"{name} {number} is outside {low} to {high}",
                        hint=f"give {name} as a number from {low} to {high}")
    return number


def flag(name: str, value: str | None) -> bool:
    if value is None or value == "":
        return False
    text = value.strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise UserError(f"{name} {value!r} is not true or false", hint=f"use {name}=true")


def _age(name: str, value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        age = float(value)
    except ValueError:
        raise UserError(f"{name} {value!r} is not an age in years",
                        hint=f"give {name} as a number such as 16") from None
    if not 0 <= age <= 130:
        raise UserError(f"{name} {value!r} is not an age in years",
                        hint=f"give {name} as a number from 0 to 130")
    return age


def parse_day(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip().lower()
    if text.upper() in oruk.WEEKDAYS:
        return text.upper()
    if text in DAY_NAMES:
        return DAY_NAMES[text]
    raise UserError(f"day {value!r} is not a day of the week",
                    hint="use MO, TU, WE, TH, FR, SA or SU (or the day's name)")


def parse_time(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    found = minutes(value.strip())
    if found is None or ":" not in value:
        raise UserError(f"{name} {value!r} is not a time of day",
                        hint=f"give {name} as HH:MM, such as 16:30")
    return found


def parse_when(value: str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"modified_after {value!r} is not a date and time",
                        hint="use ISO 8601, such as 2025-01-31 or 2025-01-31T09:00:00Z"
                        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def locate(directory: Directory, postcode: str | None) -> Place | None:
    if postcode is None or not postcode.strip():
        return None
    if directory.postcodes is None:
        raise PlaceNotFound("this directory has no postcode data to search by postcode",
                            hint="search by borough instead")
    place = directory.postcodes.place(postcode)
    if place is None:
        raise PlaceNotFound(f"postcode {postcode.strip().upper()!r} is not in the postcode "
                            "directory", hint="check the postcode, or give its first half "
                            "(such as SE1)")
    return place


def needs_lookup(directory: Directory, params: Mapping[str, str | None]) -> bool:
    """Whether :func:`service_query` will ask the postcode directory (a postcode not looked
    up before): the caller may then prefer to ask off its event loop."""
    postcode = params.get("postcode")
    return bool(postcode and postcode.strip() and directory.postcodes is not None
                and not directory.postcodes.known(postcode))


def service_query(directory: Directory, params: Mapping[str, str | None]) -> SearchQuery:
    """The search an ORUK ``/services`` request asks for (every service, any status,
    unless filtered)."""
    place = locate(directory, params.get("postcode"))
    proximity = params.get("proximity")
    metres = None
    if proximity not in (None, ""):
        if place is None:
            raise UserError("proximity needs a postcode to measure from",
                            hint="add postcode=..., e.g. postcode=SE1 7EH&proximity=2000")
        try:
            metres = float(str(proximity))
        except ValueError:
            raise UserError(f"proximity {proximity!r} is not a distance in metres",
                            hint="give proximity in metres, such as 2000") from None
        if not 0 < metres <= MAX_PROXIMITY_M:
            raise UserError(f"proximity {proximity!r} is outside 1 to {MAX_PROXIMITY_M} "
                            "metres", hint="give proximity in metres, such as 2000")
    terms = tuple(t.strip().lower() for t in (params.get("taxonomy_term_id") or "").split(",")
                  if t.strip())
    return SearchQuery(
        text=(params.get("search") or "").strip() or None,
        term_ids=terms,
        taxonomy_id=(params.get("taxonomy_id") or "").strip().lower() or None,
        organisation_id=(params.get("organization_id") or "").strip().lower() or None,
        modified_after=parse_when(params.get("modified_after")),
        minimum_age=_age("minimum_age", params.get("minimum_age")),
        maximum_age=_age("maximum_age", params.get("maximum_age")),
        day=parse_day(params.get("day")),
        start_time=parse_time("start_time", params.get("start_time")),
        end_time=parse_time("end_time", params.get("end_time")),
        centre=(place.easting, place.northing) if place else None,
        centre_borough=place.borough_code if place else None,
        proximity=metres,
    )


def _page_bytes(items: list[bytes], *, total: int, paging: Paging) -> bytes:
    head = oruk.page([], total_items=total, page_number=paging.page,
                     per_page=paging.per_page)
    head["size"] = len(items)
    head["empty"] = not items
    del head["contents"]
    text = json.dumps(head, separators=(",", ":"))[:-1]
    return (text + ',"contents":[').encode() + b",".join(items) + b"]}"


def services_page(directory: Directory, query: SearchQuery, paging: Paging) -> bytes:
    """A page of services as the feed's JSON bytes; a page asked again is served as
    rendered until the directory changes (:meth:`DirectoryIndex.page`)."""
    index = directory.index()

    def render() -> bytes:
        found = index.search(query)
        return _page_bytes(found.json(paging.offset, paging.per_page), total=len(found),
                           paging=paging)

    return index.page(("services", query, paging), render)


def services_page_full(directory: Directory, query: SearchQuery, paging: Paging
                       ) -> dict[str, Any]:
    """A page of fully nested services (``full=true``)."""
    hits = directory.index().search(query)
    chosen = [h.service_id for h in hits.page(paging.offset, paging.per_page)]
    with directory.sessions() as session:
        names = reads.taxonomy_names(session)
        contents = [oruk_records.service_full(s, names)
                    for s in reads.services(session, chosen)]
    return _pages(len(hits), contents, paging)


def services_page_minimal(directory: Directory, query: SearchQuery, paging: Paging
                          ) -> dict[str, Any]:
    """A page of services as id and last change only (``minimal=true``)."""
    index = directory.index()
    hits = index.search(query)
    contents = [{"id": h.service_id,
                 "last_modified": str(index.modified[h.position])[:19] + "Z"}
                for h in hits.page(paging.offset, paging.per_page)]
    return _pages(len(hits), contents, paging)


def services_ndjson(directory: Directory, query: SearchQuery) -> Iterator[bytes]:
    """Every matching service, one list item per line, without pagination."""
    for item in directory.index().search(query).json():
        yield item + b"\n"


def service_document(directory: Directory, service_id: str) -> dict[str, Any]:
    with directory.sessions() as session:
        found = reads.service(session, service_id.strip().lower())
        if found is None:
            raise NotFound(f"there is no service {service_id!r}",
                           hint="list services at /oruk/services")
        return oruk_records.service_full(found, reads.taxonomy_names(session))


def _pages(total: int, contents: list[dict[str, Any]], paging: Paging) -> dict[str, Any]:
    return oruk.page(contents, total_items=total, page_number=paging.page,
                     per_page=paging.per_page)


def organisations_page(directory: Directory, search: str | None, paging: Paging
                       ) -> dict[str, Any]:
    with directory.sessions() as session:
        total, rows = reads.organisations_page(session, search=search, offset=paging.offset,
                                               limit=paging.per_page)
        return _pages(total, [oruk_records.organisation(o) for o in rows], paging)


def organisation_document(directory: Directory, organisation_id: str, *,
                          full_service: bool) -> dict[str, Any]:
    with directory.sessions() as session:
        org = reads.organisation(session, organisation_id.strip().lower())
        if org is None:
            raise NotFound(f"there is no organisation {organisation_id!r}",
                           hint="list organisations at /oruk/organizations")
        out = oruk_records.organisation(org)
        ids = reads.organisation_service_ids(session, org.id)
        names = reads.taxonomy_names(session)
        found = reads.services(session, ids, full=full_service)
        out["services"] = [oruk_records.service_full(s, names) if full_service else
                           oruk_records.service_item(s) for s in found]
        return out


def taxonomies_page(directory: Directory, search: str | None, paging: Paging
                    ) -> dict[str, Any]:
    with directory.sessions() as session:
        total, rows = reads.taxonomies_page(session, search=search, offset=paging.offset,
                                            limit=paging.per_page)
        return _pages(total, [oruk_records.taxonomy(t) for t in rows], paging)


def taxonomy_document(directory: Directory, taxonomy_id: str) -> dict[str, Any]:
    with directory.sessions() as session:
        found = reads.taxonomy(session, taxonomy_id.strip().lower())
        if found is None:
            raise NotFound(f"there is no taxonomy {taxonomy_id!r}",
                           hint="list taxonomies at /oruk/taxonomies")
        return oruk_records.taxonomy(found, reads.taxonomy_terms(session, found.id))


def taxonomy_terms_page(directory: Directory, params: Mapping[str, str | None],
                        paging: Paging) -> dict[str, Any]:
    with directory.sessions() as session:
        total, rows = reads.taxonomy_terms_page(
            session, search=(params.get("search") or "").strip() or None,
            taxonomy_id=(params.get("taxonomy_id") or "").strip().lower() or None,
            parent_id=(params.get("parent_id") or "").strip().lower() or None,
            top_only=flag("top_only", params.get("top_only")), offset=paging.offset,
            limit=paging.per_page)
        names = reads.taxonomy_names(session)
        return _pages(total, [oruk_records.term(t, names) for t in rows], paging)


def taxonomy_term_document(directory: Directory, term_id: str) -> dict[str, Any]:
    with directory.sessions() as session:
        found = reads.taxonomy_term(session, term_id.strip().lower())
        if found is None:
            raise NotFound(f"there is no taxonomy term {term_id!r}",
                           hint="list terms at /oruk/taxonomy_terms")
        return oruk_records.term(found, reads.taxonomy_names(session))


def service_at_locations_page(directory: Directory, query: SearchQuery, paging: Paging
                              ) -> dict[str, Any]:
    """Every place of every matching service (nearest first with a postcode)."""
    index = directory.index()
    pairs: list[tuple[str, int]] = []
    for hit in index.search(query).hits():
        places = [int(p) for p in (index.place_service == hit.position).nonzero()[0]]
        if hit.place is not None and hit.place in places:
            places.remove(hit.place)
            places.insert(0, hit.place)
        pairs.extend((hit.service_id, p) for p in places)
    chosen = pairs[paging.offset:paging.offset + paging.per_page]
    contents = []
    with directory.sessions() as session:
        found = {s.id: s for s in reads.services(session, sorted({s for s, _ in chosen}))}
        for service_id, place in chosen:
            service = found.get(service_id)
            sal = next((x for x in service.at_locations
                        if x.id == index.place_ids[place]), None) if service else None
            if service is None or sal is None:
                continue
            item = oruk_records.service_at_location(sal)
            item["service"] = oruk_records.service_item(service)
            contents.append(item)
    return _pages(len(pairs), contents, paging)


def service_at_location_document(directory: Directory, sal_id: str) -> dict[str, Any]:
    with directory.sessions() as session:
        sal = reads.service_at_location(session, sal_id.strip().lower())
        if sal is None:
            raise NotFound(f"there is no service at location {sal_id!r}",
                           hint="list them at /oruk/service_at_locations")
        service = reads.service(session, sal.service_id)
        out = oruk_records.service_at_location(sal)
        if service is not None:
            out["service"] = oruk_records.service_full(service, reads.taxonomy_names(session))
        return out


def api_details(base_url: str) -> dict[str, Any]:
    """``GET /``: the HSDS version, the profile and where the API description is."""
    return {"version": oruk.VERSION, "profile": oruk.PROFILE_URL,
            "openapi_url": base_url.rstrip("/") + "/openapi.json"}
