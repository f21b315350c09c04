"""A seeded synthetic opportunities directory and the postcodes it is placed by.

- :func:`synthetic_postcodes`: postcodes ('ZZ3 4AB': the area ZZ is not a real one) at
  random points inside given areas (the demo's synthetic LSOAs), with the LSOA, ward and
  borough each lies in; :func:`write_onspd` writes them in the ONS Postcode Directory's
  CSV layout, so they load through the same importer as the real directory.
- :func:`synthetic_services`: ORUK (HSDS 3.0 UK) service records, as a feed would return
  them: organisations, services in the youth-opportunity and VRU-priority vocabularies,
  a place at one of the postcodes, weekly sessions (some term time only), age ranges up
  to 25, costs (most free), contacts, languages, areas served and places available.

The same seed gives the same records (identifiers are UUIDs drawn from the seeded
generator).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vrhub.geography.bng import to_wgs84
from vrhub.standards.opportunity_taxonomy import VRU_PRIORITIES, YOUTH_OPPORTUNITIES

LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters the Royal Mail uses in inward codes


@dataclass(frozen=True)
class Area:
    """A rectangle (British National Grid) and the codes of the areas it is in."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    lsoa21_code: str | None
    ward_code: str | None
    borough_code: str
    borough_name: str = ""


@dataclass(frozen=True)
class SyntheticPostcode:
    postcode: str
    easting: float
    northing: float
    lsoa21_code: str | None
    ward_code: str | None
    borough_code: str
    borough_name: str


def synthetic_postcodes(areas: Sequence[Area], *, per_area: int = 4, seed: int = 2024
                        ) -> list[SyntheticPostcode]:
    """``per_area`` postcodes in each area; districts ZZ1, ZZ2, ... follow boroughs."""
    rng = np.random.default_rng(seed)
    districts: dict[str, int] = {}
    used: set[str] = set()
    out = []
    for area in areas:
        district = districts.setdefault(area.borough_code, len(districts) + 1)
        for _ in range(per_area):
            while True:
                inward = (f"{rng.integers(0, 10)}{LETTERS[rng.integers(0, len(LETTERS))]}"
                          f"{LETTERS[rng.integers(0, len(LETTERS))]}")
                code = f"ZZ{district} {inward}"
                if code not in used:
                    used.add(code)
                    break
            x = round(float(rng.uniform(area.xmin + 20, area.xmax - 20)))
            y = round(float(rng.uniform(area.ymin + 20, area.ymax - 20)))
            out.append(SyntheticPostcode(code, x, y, area.lsoa21_code, area.ward_code,
                                         area.borough_code, area.borough_name))
    return out


def write_onspd(postcodes: Sequence[SyntheticPostcode], path: Path) -> Path:
    """The postcodes as an ONS Postcode Directory CSV (the columns vrhub reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pcd", "pcds", "oseast1m", "osnrth1m", "oslaua", "osward",
                         "lsoa21"])
        for p in postcodes:
            writer.writerow([p.postcode.replace(" ", ""), p.postcode, int(p.easting),
                             int(p.northing), p.borough_code, p.ward_code or "",
                             p.lsoa21_code or ""])
    return path


# -- services ---------------------------------------------------------------------------------
ACTIVITY_NAMES: dict[str, tuple[str, ...]] = {
    "sport": ("Boxing Academy", "Football Nights", "Basketball Club", "Dance Crew",
              "Street Fitness", "Table Tennis Club"),
    "music": ("Music Studio", "DJ School", "Youth Choir", "Beat Makers"),
    "arts": ("Drama Workshop", "Photography Club", "Film Makers", "Spoken Word"),
    "youth-club": ("Youth Club", "Youth Centre", "Detached Youth Work"),
    "outdoor": ("Adventure Days", "Canoe Club", "Duke of Edinburgh Award"),
    "volunteering": ("Young Leaders", "Youth Council", "Community Action"),
    "training": ("Skills Academy", "Digital Skills", "English and Maths"),
    "apprenticeships": ("Apprenticeship Hub", "Construction Traineeships"),
    "employment": ("Job Club", "Careers Coaching", "Work Placements"),
    "education-support": ("Homework Club", "Back to Learning", "Tutoring Project"),
    "enterprise": ("Young Entrepreneurs", "Business Starter"),
    "mentoring": ("Mentoring Programme", "Peer Mentors", "Trusted Adult Project"),
    "mental-health": ("Wellbeing Service", "Counselling for Young People", "Talk Space"),
    "parent-carer": ("Parents' Network", "Family Support", "Carers' Circle"),
    "substance-use": ("Young People's Drug Service",),
    "exploitation": ("Safer Futures", "Exploitation Support"),
    "housing": ("Housing Advice", "Money Matters"),
    "sexual-health": ("Healthy Relationships",),
    "victim-support": ("After Violence Support", "Victim Care for Young People"),
}
PRIORITY_OF = {
    "sport": "cyp-opportunities", "music": "cyp-opportunities", "arts": "cyp-opportunities",
    "youth-club": "communities", "outdoor": "cyp-opportunities",
    "volunteering": "communities", "training": "education", "apprenticeships": "education",
    "employment": "cyp-opportunities", "education-support": "education",
    "enterprise": "cyp-opportunities", "mentoring": "cyp-harm", "mental-health": "cyp-harm",
    "parent-carer": "families", "substance-use": "cyp-harm", "exploitation": "cyp-harm",
    "housing": "families", "sexual-health": "cyp-harm", "victim-support": "cyp-harm",
}
ORG_WORDS = ("Foundation", "Trust", "Project", "Collective", "Community Interest Company",
             "Partnership", "Youth Charity")
ORG_FIRST = ("Riverside", "Northgate", "Open Door", "Bright Futures", "Second Chance",
             "Hope Street", "Ladder", "Keystone", "Lighthouse", "Southbank", "Crossroads",
             "New Horizons", "Common Ground", "Pathfinder", "Bridges")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
STREETS = ("High Street", "Church Road", "Station Road", "Park Lane", "Market Street",
           "Victoria Road", "Mill Lane", "Queen's Road", "King Street", "Albert Road")
AGE_RANGES = ((8, 13), (10, 16), (11, 18), (11, 19), (13, 19), (14, 25), (16, 25), (18, 25),
              (10, 25), (0, 25))
LANGUAGES = (("English", "en"), ("Somali", "so"), ("Polish", "pl"), ("Bengali", "bn"),
             ("Turkish", "tr"), ("Portuguese", "pt"))


def synthetic_services(postcodes: Sequence[SyntheticPostcode], n: int, *, seed: int = 2024,
                       organisations: int | None = None) -> list[dict[str, Any]]:
    """``n`` fully nested ORUK service records placed at ``postcodes``."""
    rng = np.random.default_rng(seed)

    def new_id() -> str:
        return str(uuid.UUID(bytes=rng.bytes(16), version=4))

    n_orgs = organisations or max(1, n // 3)
    orgs = []
    for k in range(n_orgs):
        name = (f"{ORG_FIRST[k % len(ORG_FIRST)]} {ORG_WORDS[(k // len(ORG_FIRST)) % 7]}"
                + (f" {k // (len(ORG_FIRST) * 7) + 1}" if k >= len(ORG_FIRST) * 7 else ""))
        slug = name.lower().replace(" ", "-").replace("'", "")
        orgs.append({"id": new_id(), "name": name,
                     "description": f"{name} works with young people and families.",
                     "email": f"hello@{slug}.example.org",
                     "website": f"https://{slug}.example.org"})
    terms = [t.code for t in YOUTH_OPPORTUNITIES.terms if t.parent is not None]
    out = []
    for i in range(n):
        org = orgs[int(rng.integers(0, n_orgs))] if i >= n_orgs else orgs[i]
        code = terms[int(rng.integers(0, len(terms)))]
        place = postcodes[int(rng.integers(0, len(postcodes)))]
        area = place.borough_name or "London"
        title = ACTIVITY_NAMES[code][int(rng.integers(0, len(ACTIVITY_NAMES[code])))]
        name = f"{area} {title}" if rng.random() < 0.7 else f"{org['name'].split()[0]} {title}"
        lo, hi = AGE_RANGES[int(rng.integers(0, len(AGE_RANGES)))]
        service_id = new_id()
        location_id = new_id()
        lon, lat = to_wgs84([place.easting], [place.northing])
        sal_id = new_id()
        term = YOUTH_OPPORTUNITIES.term(code)
        sessions = []
        for _ in range(int(rng.integers(1, 4))):
            start = int(rng.choice([9, 10, 15, 16, 17, 18, 19]))
            days = sorted({DAYS[int(d)] for d in rng.choice(7, int(rng.integers(1, 3)),
                                                            replace=False)},
                          key=DAYS.index)
            term_time = bool(rng.random() < 0.3)
            sessions.append({
                "id": new_id(), "freq": "WEEKLY", "interval": 1, "byday": ",".join(days),
                "opens_at": f"{start:02d}:00", "closes_at": f"{start + 2:02d}:00",
                "description": f"{', '.join(days)} {start:02d}:00 to {start + 2:02d}:00"
                + (" in term time" if term_time else ""),
                "notes": "Term time only" if term_time else None,
            })
        paid = rng.random() < 0.25
        costs = [{"id": new_id(), "option": "Per session", "amount": float(
            rng.choice([2, 3, 5])), "currency": "GBP", "amount_description": "per session"}
        ] if paid else []
        languages = [{"id": new_id(), "name": "English", "code": "en"}]
        if rng.random() < 0.3:
            other = LANGUAGES[int(rng.integers(1, len(LANGUAGES)))]
            languages.append({"id": new_id(), "name": other[0], "code": other[1]})
        maximum = int(rng.choice([10, 12, 15, 20, 30]))
        street = STREETS[int(rng.integers(0, len(STREETS)))]
        record: dict[str, Any] = {
            "id": service_id, "organization_id": org["id"], "name": name,
            "description": f"{term.description} {title} for young people aged {lo} to {hi} "
                           f"in {area}. Drop in or get referred by a youth worker.",
            "url": f"{org['website']}/{i}", "email": org["email"],
            "status": "active" if rng.random() < 0.95 else "temporarily closed",
            "fees": "Free" if not paid else f"£{costs[0]['amount']:.0f} a session",
            "eligibility_description": f"Young people aged {lo} to {hi}.",
            "minimum_age": lo, "maximum_age": hi,
            "schedules": sessions,
            "service_areas": [{"id": new_id(), "name": area, "extent": place.borough_code,
                               "extent_type": "gss"}],
            "service_at_locations": [{"id": sal_id, "location": {
                "id": location_id, "location_type": "physical",
                "name": f"{area} {('Centre', 'Hub', 'Hall', 'Studio')[i % 4]}",
                "latitude": round(float(lat[0]), 6), "longitude": round(float(lon[0]), 6),
                "addresses": [{"id": new_id(), "address_1": f"{1 + i % 180} {street}",
                               "city": "London", "state_province": area,
                               "postal_code": place.postcode, "country": "GB",
                               "address_type": "physical"}],
                "accessibility": [{"id": new_id(),
                                   "description": "Step-free access and an accessible toilet"}]
                if rng.random() < 0.6 else [],
            }}],
            "languages": languages,
            "organization": org,
            "cost_options": costs,
            "contacts": [{"id": new_id(), "name": "Enquiries", "email": org["email"],
                          "phones": [{"id": new_id(),
                                      "number": f"020 7946 {int(rng.integers(0, 10000)):04d}"}]
                          }],
            "attributes": [
                _attribute(new_id(), service_id, YOUTH_OPPORTUNITIES, code),
                _attribute(new_id(), service_id, VRU_PRIORITIES, PRIORITY_OF[code]),
            ],
            "service_capacity": [{"id": new_id(), "unit": {"id": new_id(), "name": "places"},
                                  "maximum": maximum,
                                  "available": int(rng.integers(0, maximum + 1))}],
        }
        out.append(_drop_none(record))
    return out


def _attribute(attribute_id: str, service_id: str, vocab: Any, code: str) -> dict[str, Any]:
    term = vocab.term(code)
    return {"id": attribute_id, "link_id": service_id, "link_type": "service",
            "taxonomy_term_id": vocab.term_id(code),
            "taxonomy_term": {"id": vocab.term_id(code), "name": term.name,
                              "description": term.description, "taxonomy": vocab.name,
                              "taxonomy_id": vocab.id,
                              "parent_id": vocab.term_id(term.parent) if term.parent else None}}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def grid_areas(boroughs: Sequence[tuple[str, str]], *, origin: tuple[float, float] = (
        503_000.0, 156_000.0), size: float = 3_000.0, columns: int = 6) -> list[Area]:
    """One square per borough laid out on a grid (for benchmarks and tests that need a
    London-sized spread without boundary files)."""
    out = []
    for k, (code, name) in enumerate(boroughs):
        x = origin[0] + (k % columns) * size
        y = origin[1] + (k // columns) * size
        out.append(Area(x, y, x + size, y + size, None, None, code, name))
    return out
