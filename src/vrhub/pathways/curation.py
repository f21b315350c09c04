"""Keeping listings right: providers edit their own, VRU curators review them all.

A listing edited through vrhub is a :class:`ListingForm` (what the page and the API take),
turned into an ORUK service record with identifiers that stay the same from one save to
the next (:func:`to_record`), then saved through the directory (plain text, placed by
postcode). A postcode is required for a listing with a place and must be in the postcode
directory; other bad values are refused with the field named.

A listing not reviewed by a curator for ``months`` months is *stale*
(:func:`stale_listings`); reviewing it (:func:`review`) records who and when, published
as the ORUK ``assured_date``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vrhub.errors import CodeError, NotFound, UserError
from vrhub.geography.postcodes import Postcode
from vrhub.pathways import listing_text
from vrhub.pathways.directory import Directory
from vrhub.standards import oruk
from vrhub.standards.opportunity_taxonomy import VRU_PRIORITIES, YOUTH_OPPORTUNITIES, stable_id
from vrhub.storage import directory as store
from vrhub.storage import directory_reads as reads
from vrhub.storage.appdb.base import utc_now


class ListingError(UserError):
    """A listing field that is missing or wrong; the message names the field."""

    http_status = 422
    code = "invalid_listing"


@dataclass
class WeeklySession:
    days: list[str]
    opens_at: str
    closes_at: str
    term_time_only: bool = False


@dataclass
class ListingForm:
    """One service as a provider or curator edits it."""

    name: str
    description: str
    organisation_name: str
    organisation_description: str = ""
    status: str = "active"
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    eligibility: str | None = None
    cost_per_session: float | None = None
    venue: str | None = None
    address_1: str | None = None
    city: str = "London"
    postcode: str | None = None
    online_only: bool = False
    sessions: list[WeeklySession] = field(default_factory=list)
    opportunity_terms: list[str] = field(default_factory=list)
    priority_terms: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    accessibility: str | None = None
    places_available: int | None = None
    places_maximum: int | None = None
    boroughs: list[str] = field(default_factory=list)


def _check(form: ListingForm) -> None:
    if not (form.name or "").strip():
        raise ListingError("name is required", hint="give the service a name")
    if len(form.name) > 300:
        raise ListingError(f"name is {len(form.name)} characters long; at most 300")
    if form.status not in oruk.SERVICE_STATUSES:
        raise ListingError(f"status {form.status!r} is not one of "
                           f"{', '.join(oruk.SERVICE_STATUSES)}")
    for label, age in (("minimum age", form.minimum_age), ("maximum age", form.maximum_age)):
        if age is not None and not 0 <= age <= 130:
            raise ListingError(f"{label} {age:g} is not an age in years")
    if form.minimum_age is not None and form.maximum_age is not None and \
            form.minimum_age > form.maximum_age:
        raise ListingError(f"minimum age {form.minimum_age:g} is above maximum age "
                           f"{form.maximum_age:g}")
    if form.cost_per_session is not None and form.cost_per_session < 0:
        raise ListingError("cost per session cannot be negative")
    if not form.online_only:
        if not form.postcode:
            raise ListingError("postcode is required for a service with a place",
                               hint="give the venue's postcode, or mark it online only")
        try:
            Postcode(form.postcode)
        except CodeError as exc:
            raise ListingError(f"postcode {form.postcode!r} is not a UK postcode",
                               hint=exc.hint) from None
    for code in form.opportunity_terms:
        _term(YOUTH_OPPORTUNITIES, code)
    for code in form.priority_terms:
        _term(VRU_PRIORITIES, code)
    for s in form.sessions:
        for day in s.days:
            if day not in oruk.WEEKDAYS:
                raise ListingError(f"session day {day!r} is not one of "
                                   f"{', '.join(oruk.WEEKDAYS)}")
    try:
        listing_text.web_address(form.url, field="web address")
        listing_text.email_address(form.email, field="e-mail address")
        listing_text.phone_number(form.phone, field="phone number")
    except listing_text.ListingTextError as exc:
        raise ListingError(str(exc)) from None


def _term(vocab: Any, code: str) -> None:
    try:
        vocab.term(code)
    except KeyError:
        raise ListingError(f"category {code!r} is not in the {vocab.name} list") from None


def to_record(form: ListingForm, *, service_id: str, organisation_id: str) -> oruk.Service:
    """The ORUK record of ``form``; child ids are fixed by the service id and position."""
    _check(form)

    def sid(*parts: object) -> str:
        return stable_id("listing", service_id, *map(str, parts))

    location: dict[str, Any] = {
        "id": sid("location"), "location_type": "virtual" if form.online_only else "physical",
        "name": form.venue or form.name}
    if not form.online_only:
        location["addresses"] = [{
            "id": sid("address"), "address_1": form.address_1 or "", "city": form.city or "",
            "state_province": "", "postal_code": str(Postcode(form.postcode or "")),
            "country": "GB", "address_type": "physical"}]
        if form.accessibility:
            location["accessibility"] = [{"id": sid("accessibility"),
                                          "description": form.accessibility}]
    record: dict[str, Any] = {
        "id": service_id, "organization_id": organisation_id, "name": form.name,
        "description": form.description, "status": form.status, "url": form.url,
        "email": form.email, "minimum_age": form.minimum_age,
        "maximum_age": form.maximum_age, "eligibility_description": form.eligibility,
        "fees": "Free" if not form.cost_per_session else
        f"£{form.cost_per_session:.2f} a session",
        "organization": {"id": organisation_id, "name": form.organisation_name,
                         "description": form.organisation_description},
        "service_at_locations": [{"id": sid("at", "location"), "location": location}],
        "schedules": [{
            "id": sid("schedule", i), "freq": "WEEKLY", "interval": 1,
            "byday": ",".join(s.days), "opens_at": s.opens_at, "closes_at": s.closes_at,
            "notes": "Term time only" if s.term_time_only else None,
            "x_term_time_only": s.term_time_only} for i, s in enumerate(form.sessions)],
        "cost_options": [{"id": sid("cost"), "option": "Per session", "currency": "GBP",
                          "amount": form.cost_per_session, "amount_description": "per session"}
                         ] if form.cost_per_session else [],
        "contacts": [{"id": sid("contact"), "name": "Enquiries", "email": form.email,
                      "phones": [{"id": sid("phone"), "number": form.phone}]
                      if form.phone else []}] if (form.email or form.phone) else [],
        "languages": [{"id": sid("language", i), "name": lang}
                      for i, lang in enumerate(form.languages) if lang.strip()],
        "service_areas": [{"id": sid("area", b), "name": b, "extent": b,
                           "extent_type": "gss"} for b in form.boroughs],
        "attributes": [*(_attribute(YOUTH_OPPORTUNITIES, c, service_id)
                         for c in form.opportunity_terms),
                       *(_attribute(VRU_PRIORITIES, c, service_id)
                         for c in form.priority_terms)],
        "service_capacity": [{"id": sid("capacity"), "unit": {"id": sid("unit"),
                                                              "name": "places"},
                              "available": form.places_available,
                              "maximum": form.places_maximum}]
        if form.places_maximum is not None or form.places_available is not None else [],
    }
    return oruk.validate_service(_drop_none(record))


def _attribute(vocab: Any, code: str, service_id: str) -> dict[str, Any]:
    term = vocab.term(code)
    return {"id": stable_id("attribute", service_id, vocab.term_id(code)),
            "taxonomy_term": {"id": vocab.term_id(code), "name": term.name,
                              "description": term.description, "taxonomy_id": vocab.id,
                              "taxonomy": vocab.name,
                              "parent_id": vocab.term_id(term.parent) if term.parent
                              else None}}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def save_listing(directory: Directory, form: ListingForm, *, owner_code: str | None,
                 service_id: str | None = None, organisation_id: str | None = None
                 ) -> tuple[str, list[str]]:
    """Create (no ``service_id``) or replace a listing kept in vrhub; returns its id and
    notes. Unknown postcodes are refused (a listing must be findable by place)."""
    service_id = service_id or str(uuid.uuid4())
    organisation_id = organisation_id or stable_id("organisation", owner_code or service_id)
    record = to_record(form, service_id=service_id, organisation_id=organisation_id)
    if not form.online_only and directory.postcodes is not None and \
            directory.postcodes.place(str(form.postcode)) is None:
        raise ListingError(f"postcode {Postcode(form.postcode or '')} is not in the postcode "
                           "directory", hint="check the postcode")
    with directory.sessions() as session, session.begin():
        notes = directory.save(session, record, store.Stewardship(origin="local",
                                                                  owner_code=owner_code))
    return service_id, notes


@dataclass(frozen=True)
class StaleListing:
    id: str
    name: str
    organisation: str
    reviewed_at: dt.datetime | None
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in asdict(self).items()}


def months_ago(months: int, now: dt.datetime | None = None) -> dt.datetime:
    now = now or utc_now()
    return now - dt.timedelta(days=round(months * 30.44))


def stale_listings(directory: Directory, months: int, now: dt.datetime | None = None
                   ) -> list[StaleListing]:
    with directory.sessions() as session:
        return [StaleListing(s.id, s.name, s.organisation.name, s.reviewed_at, s.created_at)
                for s in reads.stale_services(session, months_ago(months, now))]


def is_stale(reviewed_at: dt.datetime | None, created_at: dt.datetime, months: int,
             now: dt.datetime | None = None) -> bool:
    return (reviewed_at or created_at) < months_ago(months, now)


def review(directory: Directory, service_id: str, reviewer: str) -> None:
    with directory.sessions() as session, session.begin():
        if not store.mark_reviewed(session, service_id, reviewer):
            raise NotFound(f"there is no listing {service_id!r}")
        directory.changed(session)


def listing_ids(directory: Directory, owner_code: str | None) -> Sequence[str]:
    """Ids of the listings an organisation keeps (None: every listing)."""
    index = directory.index()
    if owner_code is None:
        return list(index.ids)
    return [sid for sid, owner in zip(index.ids, index.owner, strict=True)
            if owner == owner_code]


# -- listings pages ---------------------------------------------------------------------------
def owner_of(directory: Directory, service_id: str) -> str | None:
    """The organisation code that keeps a listing (NotFound when there is none)."""
    with directory.sessions() as session:
        found = reads.service(session, service_id.strip().lower())
        if found is None:
            raise NotFound(f"there is no listing {service_id!r}",
                           hint="see the listings at /listings")
        return found.organisation.owner_code


def organisation_of(directory: Directory, service_id: str) -> str | None:
    with directory.sessions() as session:
        found = reads.service(session, service_id.strip().lower())
        return found.organisation_id if found else None


def listing_rows(directory: Directory, owner_code: str | None, months: int,
                 now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Listings kept by ``owner_code`` (None: all), with whether each is stale."""
    index = directory.index()
    rows = []
    positions = range(len(index.ids)) if owner_code is None else [
        i for i, owner in enumerate(index.owner) if owner == owner_code]
    with directory.sessions() as session:
        found = {s.id: s for s in reads.services(session, [index.ids[i] for i in positions],
                                                 full=False)}
    for i in positions:
        service = found.get(index.ids[i])
        if service is None:
            continue
        rows.append({"id": service.id, "name": service.name,
                     "organisation": service.organisation.name, "status": service.status,
                     "reviewed": service.reviewed_at.strftime("%-d %b %Y")
                     if service.reviewed_at else None,
                     "stale": is_stale(service.reviewed_at, service.created_at, months, now)})
    return rows


def form_values(directory: Directory, service_id: str) -> dict[str, Any]:
    """A stored listing as the edit form's fields."""
    with directory.sessions() as session:
        s = reads.service(session, service_id.strip().lower())
        if s is None:
            raise NotFound(f"there is no listing {service_id!r}")
        location = next((x.location for x in s.at_locations), None)
        values: dict[str, Any] = {
            "name": s.name, "description": s.description,
            "organisation_name": s.organisation.name, "status": s.status, "url": s.url or "",
            "email": s.email or "", "phone": next((c.phone for c in s.contacts if c.phone),
                                                  ""),
            "minimum_age": "" if s.minimum_age is None else f"{s.minimum_age:g}",
            "maximum_age": "" if s.maximum_age is None else f"{s.maximum_age:g}",
            "eligibility": s.eligibility_description or "",
            "cost_per_session": next((f"{c.amount:g}" for c in s.cost_options
                                      if (c.amount or 0) > 0), ""),
            "venue": location.name if location else "",
            "address_1": location.address_1 if location else "",
            "city": location.city if location else "London",
            "postcode": location.postcode if location else "",
            "online_only": bool(location and location.location_type == "virtual"),
            "accessibility": "; ".join(a.description or "" for a in location.accessibility)
            if location else "",
            "languages": ", ".join(x.name for x in s.languages if x.name),
            "boroughs": ", ".join(a.borough_code for a in s.service_areas if a.borough_code),
            "places_available": "" if not s.capacities or s.capacities[0].available is None
            else str(s.capacities[0].available),
            "places_maximum": "" if not s.capacities or s.capacities[0].maximum is None
            else str(s.capacities[0].maximum),
            "opportunity_terms": [link.term.code for link in s.term_links
                                  if link.term.taxonomy_id == YOUTH_OPPORTUNITIES.id],
            "priority_terms": [link.term.code for link in s.term_links
                               if link.term.taxonomy_id == VRU_PRIORITIES.id],
        }
        for i, sch in enumerate(s.schedules[:3]):
            values[f"days_{i}"] = (sch.byday or "").split(",")
            values[f"opens_{i}"] = sch.opens_at or ""
            values[f"closes_{i}"] = sch.closes_at or ""
            values[f"term_{i}"] = sch.term_time_only
        return values


def _number(values: dict[str, Any], name: str, label: str) -> float | None:
    text = str(values.get(name) or "").strip().lstrip("£")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ListingError(f"{label} {text!r} is not a number") from None


def form_from_values(values: dict[str, Any]) -> ListingForm:
    """A :class:`ListingForm` from the edit form's fields (checked by :func:`to_record`)."""
    sessions = []
    for i in range(3):
        days = [str(d) for d in (values.get(f"days_{i}") or []) if d]
        if days:
            opens, closes = str(values.get(f"opens_{i}") or ""), str(
                values.get(f"closes_{i}") or "")
            sessions.append(WeeklySession(days, opens, closes,
                                          bool(values.get(f"term_{i}"))))

    def whole(name: str, label: str) -> int | None:
        value = _number(values, name, label)
        return None if value is None else int(value)

    return ListingForm(
        name=str(values.get("name") or ""), description=str(values.get("description") or ""),
        organisation_name=str(values.get("organisation_name") or "") or
        str(values.get("name") or ""),
        status=str(values.get("status") or "active"), url=str(values.get("url") or "") or None,
        email=str(values.get("email") or "") or None,
        phone=str(values.get("phone") or "") or None,
        minimum_age=_number(values, "minimum_age", "youngest age"),
        maximum_age=_number(values, "maximum_age", "oldest age"),
        eligibility=str(values.get("eligibility") or "") or None,
        cost_per_session=_number(values, "cost_per_session", "cost"),
        venue=str(values.get("venue") or "") or None,
        address_1=str(values.get("address_1") or "") or None,
        city=str(values.get("city") or "London"),
        postcode=str(values.get("postcode") or "") or None,
        online_only=bool(values.get("online_only")), sessions=sessions,
        opportunity_terms=[str(t) for t in values.get("opportunity_terms") or []],
        priority_terms=[str(t) for t in values.get("priority_terms") or []],
        languages=[x.strip() for x in str(values.get("languages") or "").split(",")
                   if x.strip()],
        accessibility=str(values.get("accessibility") or "") or None,
        places_available=whole("places_available", "places free"),
        places_maximum=whole("places_maximum", "places in all"),
        boroughs=[b.strip().upper() for b in str(values.get("boroughs") or "").split(",")
                  if b.strip()])
