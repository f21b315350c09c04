"""Open Referral UK (HSDS 3.0, UK profile): the records of a service directory, as code.

One declaration of every ORUK record vrhub reads or writes, with the rules the UK
profile's JSON Schemas set: identifiers are UUIDs, a service has an ``id``, ``name`` and
``status`` (one of :data:`SERVICE_STATUSES`), an organisation an ``id``, ``name`` and
``description``, a location an ``id`` and ``location_type``, an address its street, town,
postcode, country and type, and so on. The importer validates every record it reads
against these models (:func:`validate_service`); the publisher writes records with the
same field names, and the tests check both against the profile's own schemas.

Fields other feeds add are kept (``extra="allow"``): the profile allows local extensions.
vrhub publishes three fields of HSDS beyond the UK profile: ``eligibility_description``
(HSDS 3.0), ``service_capacity`` (HSDS 3.1) and ``phones`` on contacts (HSDS 3.0).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

VERSION = "HSDS 3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
SCHEDULE_FREQUENCIES = ("WEEKLY", "MONTHLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UUID_PATTERN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PAGE_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page",
               "last_page", "empty", "contents")


UUID_TEXT = UUID_PATTERN.pattern


Id = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                      pattern=f"^{UUID_TEXT}$")]
OptionalId = Id | None
Text = str | None
RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
PresentText = str
Number = float | None


class Record(BaseModel):
    """Base of every ORUK record: unknown fields are kept, strings trimmed."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True,
                              coerce_numbers_to_str=True)


class TaxonomyTerm(Record):
    id: Id
    name: RequiredText
    description: PresentText
    code: Text = None
    parent_id: OptionalId = None
    taxonomy: Text = None
    taxonomy_id: OptionalId = None
    term_uri: Text = None
    term: Text = None


class Taxonomy(Record):
    id: Id
    name: RequiredText
    description: PresentText
    uri: Text = None
    version: Text = None


class Attribute(Record):
    """A link from a record to a taxonomy term (how a service is categorised)."""

    id: Id
    link_id: OptionalId = None
    taxonomy_term_id: OptionalId = None
    link_type: Text = None
    link_entity: Text = None
    value: Text = None
    taxonomy_term: TaxonomyTerm | None = None


class Phone(Record):
    id: Id
    number: RequiredText
    extension: Text = None
    type: Text = None
    description: Text = None


class Contact(Record):
    id: Id
    service_id: OptionalId = None
    name: Text = None
    title: Text = None
    department: Text = None
    email: Text = None
    phones: list[Phone] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)


class Schedule(Record):
    id: Id
    service_id: OptionalId = None
    service_at_location_id: OptionalId = None
    valid_from: Text = None
    valid_to: Text = None
    dtstart: Text = None
    freq: Literal["WEEKLY", "MONTHLY"] | None = None
    interval: Number = None
    byday: Text = None
    bymonthday: Text = None
    opens_at: Text = None
    closes_at: Text = None
    description: Text = None
    notes: Text = None
    attending_type: Text = None
    schedule_link: Text = None

    def days(self) -> list[str]:
        """The weekdays of a weekly schedule (``byday`` 'MO,WE' -> ['MO', 'WE']); an
        ordinal such as '1MO' counts as its day."""
        out = []
        for part in (self.byday or "").upper().replace(" ", "").split(","):
            day = part[-2:]
            if day in WEEKDAYS and day not in out:
                out.append(day)
        return out


class CostOption(Record):
    id: Id
    service_id: OptionalId = None
    valid_from: Text = None
    valid_to: Text = None
    option: Text = None
    currency: Text = None
    amount: Number = None
    amount_description: Text = None


class Language(Record):
    id: Id
    service_id: OptionalId = None
    phone_id: OptionalId = None
    name: Text = None
    code: Text = None
    note: Text = None


class ServiceArea(Record):
    id: Id
    service_id: OptionalId = None
    name: Text = None
    description: Text = None
    extent: Text = None
    extent_type: Text = None
    uri: Text = None
    service_area: Text = None


class Funding(Record):
    id: Id
    service_id: OptionalId = None
    source: Text = None


class Accessibility(Record):
    id: Id
    location_id: OptionalId = None
    description: Text = None
    details: Text = None
    url: Text = None
    accessibility: Text = None
    attributes: list[Attribute] = Field(default_factory=list)


class Address(Record):
    id: Id
    location_id: OptionalId = None
    attention: Text = None
    address_1: PresentText
    address_2: Text = None
    city: PresentText
    region: Text = None
    state_province: PresentText
    postal_code: PresentText
    country: PresentText
    address_type: Literal["physical", "postal", "virtual"]
    attributes: list[Attribute] = Field(default_factory=list)


class Location(Record):
    id: Id
    location_type: Literal["physical", "postal", "virtual"]
    name: Text = None
    description: Text = None
    latitude: Number = None
    longitude: Number = None
    external_identifier: Text = None
    external_identifier_type: Text = None
    url: Text = None
    addresses: list[Address] = Field(default_factory=list)
    accessibility: list[Accessibility] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)


class ServiceAtLocation(Record):
    id: Id
    service_id: OptionalId = None
    location_id: OptionalId = None
    location: Location | None = None


class OrganizationIdentifier(Record):
    id: Id
    organization_id: OptionalId = None
    identifier_scheme: Text = None
    identifier_type: RequiredText
    identifier: RequiredText
    attributes: list[Attribute] = Field(default_factory=list)


class Organization(Record):
    id: Id
    name: RequiredText
    description: PresentText
    email: Text = None
    website: Text = None
    logo: Text = None
    uri: Text = None
    parent_organization_id: OptionalId = None
    organization_identifiers: list[OrganizationIdentifier] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)


class CapacityUnit(Record):
    id: Id
    name: RequiredText
    scheme: Text = None
    identifier: Text = None
    uri: Text = None


class ServiceCapacity(Record):
    """HSDS 3.1: how many places a service has and how many are free."""

    id: Id
    service_id: OptionalId = None
    unit: CapacityUnit | None = None
    available: Number = None
    maximum: Number = None
    description: Text = None
    updated: Text = None


class Service(Record):
    id: Id
    organization_id: OptionalId = None
    name: RequiredText
    description: Text = None
    url: Text = None
    email: Text = None
    status: Literal["active", "inactive", "defunct", "temporarily closed"]
    fees: Text = None
    fees_description: Text = None
    accreditations: Text = None
    eligibility_description: Text = None
    minimum_age: Number = None
    maximum_age: Number = None
    assured_date: Text = None
    assurer_email: Text = None
    alert: Text = None
    last_modified: Text = None
    schedules: list[Schedule] = Field(default_factory=list)
    service_areas: list[ServiceArea] = Field(default_factory=list)
    service_at_locations: list[ServiceAtLocation] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=list)
    organization: Organization | None = None
    funding: list[Funding] = Field(default_factory=list)
    cost_options: list[CostOption] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    attributes: list[Attribute] = Field(default_factory=list)
    service_capacity: list[ServiceCapacity] = Field(default_factory=list)

    @property
    def fee_text(self) -> str | None:
        return self.fees_description or self.fees


NESTED_SERVICE_FIELDS = ("schedules", "service_areas", "service_at_locations", "languages",
                         "funding", "cost_options", "contacts", "attributes")
"""Arrays a fully nested service carries and a list item leaves out."""


def is_nested(record: dict[str, Any]) -> bool:
    """Whether a service record is fully nested (not a list endpoint's shallow item)."""
    return any(key in record for key in NESTED_SERVICE_FIELDS)


def problems(error: ValidationError) -> list[str]:
    """Readable problems of a validation error: 'field path: what is wrong (value)'."""
    out = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "record"
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        kind = item.get("type")
        if kind == "missing":
            message = "is required and missing"
        elif kind == "string_pattern_mismatch":
            message = (f"{item.get('input')!r} is not a UUID (HSDS identifiers are UUIDs "
                       "such as 'ac148810-d857-441c-9679-408f346de14b')")
        elif kind == "string_too_short":
            message = "must not be blank"
        elif kind in ("string_type", "float_parsing", "float_type", "model_type",
                      "list_type", "dict_type"):
            message = f"{_short(item.get('input'))} is not {_EXPECTED.get(kind, 'valid')}"
        elif kind == "literal_error":
            message = f"{item.get('input')!r} is not one of {item['ctx']['expected']}"
        out.append(f"{where}: {message}")
    return out


_EXPECTED = {"string_type": "text", "float_parsing": "a number", "float_type": "a number",
             "model_type": "an object", "dict_type": "an object", "list_type": "a list"}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def validate_service(record: object) -> Service:
    """A :class:`Service` from one record of a feed; ValueError listing every problem."""
    if not isinstance(record, dict):
        raise ValueError(f"a service record must be a JSON object, not {type(record).__name__}")
    try:
        return Service.model_validate(record)
    except ValidationError as exc:
        raise ValueError("; ".join(problems(exc))) from None


def validate_taxonomy_term(record: object) -> TaxonomyTerm:
    if not isinstance(record, dict):
        raise ValueError(f"a taxonomy term must be a JSON object, not {type(record).__name__}")
    try:
        return TaxonomyTerm.model_validate(record)
    except ValidationError as exc:
        raise ValueError("; ".join(problems(exc))) from None


def page(contents: list[Any], *, total_items: int, page_number: int, per_page: int
         ) -> dict[str, Any]:
    """The UK profile's paginated list: counts, flags and this page's ``contents``."""
    total_pages = max(1, -(-total_items // per_page)) if per_page else 1
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
