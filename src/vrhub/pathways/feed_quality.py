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


def _locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [sal.get("location") or {} for sal in record.get("service_at_locations") or []
            if isinstance(sal, dict)]


def has_address(record: dict[str, Any]) -> bool:
    return any(loc.get("location_type") == "physical" and any(
        (a.get("address_1") or a.get("postal_code")) for a in loc.get("addresses") or []
        if isinstance(a, dict)) for loc in _locations(record))


def has_contact(record: dict[str, Any]) -> bool:
    return bool(record.get("email")) or any(
        c.get("email") or c.get("phones") for c in record.get("contacts") or []
        if isinstance(c, dict))


def has_age_range(record: dict[str, Any]) -> bool:
    return record.get("minimum_age") not in (None, "") or \
        record.get("maximum_age") not in (None, "")


def has_schedule(record: dict[str, Any]) -> bool:
    return bool(record.get("schedules"))


def has_taxonomy(record: dict[str, Any]) -> bool:
    return any(a.get("taxonomy_term") or a.get("taxonomy_term_id")
               for a in record.get("attributes") or [] if isinstance(a, dict))


def score(records: Sequence[dict[str, Any]], invalid: int = 0) -> FeedQuality:
    """The quality of a feed's valid records (as the feed gave them)."""
    n = len(records)

    def pct(test: Any) -> float:
        return round(100.0 * sum(bool(test(r)) for r in records) / n, 1) if n else 0.0

    return FeedQuality(n, invalid, pct(has_address), pct(has_contact), pct(has_age_range),
                       pct(has_schedule), pct(has_taxonomy))
