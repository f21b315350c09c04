"""How complete an ORUK feed is: the share of its services that carry what a young
person, a parent or a referrer needs to use a listing.

=================  ============================================================
measure            a service counts when it has
=================  ============================================================
address            a physical location with a street address or postcode
contact            a phone number or e-mail address (its own or a contact's)
age_range          a minimum or maximum age
schedule           at least one schedule (when it runs)
taxonomy           at least one category (a taxonomy term)
=================  ============================================================

The score is the mean of the five percentages. Only services that passed validation are
scored; the share that failed is reported beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from vrhub.standards import oruk

MEASURES = ("address", "contact", "age_range", "schedule", "taxonomy")


@dataclass(frozen=True)
class FeedQuality:
    services: int
    invalid: int
    address: float
    contact: float
    age_range: float
    schedule: float
    taxonomy: float

    @property
    def score(self) -> float:
        return round(sum(getattr(self, m) for m in MEASURES) / len(MEASURES), 1)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": self.score}


def has_address(service: oruk.Service) -> bool:
    return any(sal.location is not None and sal.location.location_type == "physical" and any(
        (a.address_1 or a.postal_code) for a in sal.location.addresses)
        for sal in service.service_at_locations)


def has_contact(service: oruk.Service) -> bool:
    return bool(service.email) or any(c.email or c.phones for c in service.contacts)


def has_age_range(service: oruk.Service) -> bool:
    return service.minimum_age is not None or service.maximum_age is not None


def has_schedule(service: oruk.Service) -> bool:
    return bool(service.schedules)


def has_taxonomy(service: oruk.Service) -> bool:
    return any(a.taxonomy_term is not None or a.taxonomy_term_id for a in service.attributes)


def score(services: Sequence[oruk.Service], invalid: int = 0) -> FeedQuality:
    n = len(services)

    def pct(test: Any) -> float:
        return round(100.0 * sum(bool(test(s)) for s in services) / n, 1) if n else 0.0

    return FeedQuality(n, invalid, pct(has_address), pct(has_contact), pct(has_age_range),
                       pct(has_schedule), pct(has_taxonomy))
