"""A directory of three listings written out by hand, on an embedded app database, with a
postcode lookup of four postcodes: small enough that every answer can be worked out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.directory_support import save_records
from vrhub.geography.postcodes import PostcodeLookup
from vrhub.pathways.directory import Directory
from vrhub.standards.opportunity_taxonomy import YOUTH_OPPORTUNITIES
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.engine import make_engine, session_factory

CAMDEN, HACKNEY = "E09000007", "E09000012"
#: compact postcode -> (easting, northing, LSOA, ward, borough)
POSTCODES = {"NW11AA": (530000.0, 180000.0, None, None, CAMDEN),
             "NW12BB": (530300.0, 180400.0, None, None, CAMDEN),   # 500 m from NW1 1AA
             "E81AA": (533000.0, 184000.0, None, None, HACKNEY),   # 5 km from NW1 1AA
             "N11AA": (531000.0, 180000.0, None, None, CAMDEN)}    # no listing there

ORG = "0b6f4a0e-1d7e-4b5e-9a71-000000000001"
BOXING = "0b6f4a0e-1d7e-4b5e-9a71-0000000000a1"
ART = "0b6f4a0e-1d7e-4b5e-9a71-0000000000a2"
CLOSED = "0b6f4a0e-1d7e-4b5e-9a71-0000000000a3"


class Postcodes:
    """The postcode directory, from :data:`POSTCODES`."""

    def postcode(self, compact: str) -> tuple[float, float, str | None, str | None,
                                               str | None] | None:
        return POSTCODES.get(compact)

    def postcodes(self, compacts: list[str]) -> dict[str, tuple[float, float, str | None,
                                                                 str | None, str | None]]:
        return {c: POSTCODES[c] for c in compacts if c in POSTCODES}

    def district(self, outward: str) -> tuple[float, float, str | None] | None:
        return None

    def in_memory(self) -> bool:
        return True


def _id(n: int) -> str:
    return f"0b6f4a0e-1d7e-4b5e-9a71-{n:012d}"


def _attribute(n: int, service: str, code: str) -> dict[str, Any]:
    term = YOUTH_OPPORTUNITIES.term(code)
    return {"id": _id(n), "link_id": service, "link_type": "service",
            "taxonomy_term_id": YOUTH_OPPORTUNITIES.term_id(code),
            "taxonomy_term": {"id": YOUTH_OPPORTUNITIES.term_id(code), "name": term.name,
                              "description": term.description,
                              "taxonomy_id": YOUTH_OPPORTUNITIES.id}}


def _place(n: int, postcode: str, kind: str = "physical") -> dict[str, Any]:
    location: dict[str, Any] = {"id": _id(n + 1), "location_type": kind, "name": f"Place {n}"}
    if kind == "physical":
        location["addresses"] = [{"id": _id(n + 2), "address_1": f"{n} High Street",
                                  "city": "London", "state_province": "London",
                                  "postal_code": postcode, "country": "GB",
                                  "address_type": "physical"}]
    return {"id": _id(n), "location": location}


def records() -> list[dict[str, Any]]:
    org = {"id": ORG, "name": "Camden Youth Trust", "description": "Youth work."}
    return [
        {"id": BOXING, "organization_id": ORG, "organization": org,
         "name": "Camden Boxing Club", "description": "Boxing for teenagers. " + "Word " * 60,
         "status": "active", "minimum_age": 11, "maximum_age": 18,
         "schedules": [{"id": _id(10), "freq": "WEEKLY", "byday": "MO,WE",
                        "opens_at": "17:00", "closes_at": "19:30",
                        "notes": "Term time only"}],
         "service_at_locations": [_place(20, "NW1 2BB"), _place(30, "E8 1AA")],
         "attributes": [_attribute(40, BOXING, "sport")],
         "service_capacity": [{"id": _id(41), "unit": {"id": _id(42), "name": "places"},
                               "maximum": 20, "available": 4}]},
        {"id": ART, "organization_id": ORG, "organization": org, "name": "Art online",
         "description": "Drawing.\n\nEvery week.", "status": "active", "minimum_age": 14,
         "schedules": [{"id": _id(50), "freq": "WEEKLY", "byday": "SA", "opens_at": "10:30",
                        "closes_at": "12:00"}],
         "service_at_locations": [_place(60, "", "virtual")],
         "cost_options": [{"id": _id(70), "option": "Per term", "amount": 12.5,
                           "currency": "GBP"}],
         "attributes": [_attribute(71, ART, "arts")]},
        {"id": CLOSED, "organization_id": ORG, "organization": org, "name": "Old boxing gym",
         "description": "Closed.", "status": "inactive",
         "service_at_locations": [_place(80, "NW1 1AA")]},
    ]


def build_directory(folder: Path) -> Directory:
    url = f"sqlite:///{folder / 'app.db'}"
    migrate.upgrade(url)
    directory = Directory(session_factory(make_engine(url)), PostcodeLookup(Postcodes()))
    directory.ensure_vocabularies()
    save_records(directory, records())
    return directory
