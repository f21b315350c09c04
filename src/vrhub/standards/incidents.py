"""The vocabulary of critical-incident response: incident types, victim age bands, the
phases of the partner response, action and fund statuses, and the near-repeat default.

A critical incident is a serious violent event (a stabbing or shooting, often of a young
person) after which the council and its partners act together under the partnership's
protocol. No names are ever held: the victim is an age band, the place is a point.
"""

from __future__ import annotations

from vrhub.standards.pathway_codes import CodeList

INCIDENT_TYPES = CodeList("incident type", {
    "stabbing": "Stabbing",
    "shooting": "Shooting",
    "homicide": "Homicide",
    "other": "Other serious violence",
})

AGE_BANDS = CodeList("victim age band", {
    "under_13": "Under 13",
    "13_15": "13 to 15",
    "16_17": "16 to 17",
    "18_24": "18 to 24",
    "25_plus": "25 and over",
    "unknown": "Not known",
})

PHASES = CodeList("phase", {
    "first_24_hours": "First 24 hours",
    "first_week": "First week",
    "longer_term": "Longer term",
})

ACTION_STATUSES = CodeList("action status", {
    "to_do": "To do",
    "in_progress": "In progress",
    "done": "Done",
    "not_needed": "Not needed",
})
#: statuses after which an action is no longer due
CLOSED_ACTION_STATUSES = frozenset({"done", "not_needed"})

LOCATION_SOURCES = CodeList("location source", {
    "point": "A point on the map",
    "postcode": "A postcode",
    "description": "A description of the place",
})

FUND_DECISIONS = CodeList("fund decision", {
    "approved": "Approved",
    "declined": "Declined",
})

INCIDENT_STATUSES = CodeList("incident status", {
    "open": "Open",
    "closed": "Closed",
})

#: the Critical Incidents Fund's limit per incident, in pounds
FUND_LIMIT_POUNDS = 5000

#: the near-repeat window and zone used when an area's data are too few, or show no
#: significant near-repeat pattern (a common operational default in England and Wales)
DEFAULT_WINDOW_DAYS = 14
DEFAULT_RADIUS_METRES = 400
