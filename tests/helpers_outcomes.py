"""Programmes, accounts and services for the outcomes tests."""

from __future__ import annotations

from typing import Any

from vrhub.access.principal import Principal, console_administrator
from vrhub.access.roles import Role

CAMDEN, HACKNEY, ISLINGTON = "E09000007", "E09000012", "E09000019"
ADMIN = console_administrator("tests")
VRU = Principal(email="analyst@vru.example", role=Role.PAN_LONDON_ANALYST, user_id=1,
                channel="cli")


def programme(code: str = "LCPF-CAM-01", **overrides: Any) -> dict[str, Any]:
    """A mentoring programme in Camden and Islington, reporting quarterly in 2024/25."""
    base: dict[str, Any] = {
        "code": code, "name": "Camden mentoring for girls and young women",
        "organisation": "Example Youth Trust", "funding_stream": "LCPF", "budget": "120000",
        "start_date": "2024-04-01", "end_date": "2025-03-31", "period_type": "quarter",
        "cohort_min_age": 10, "cohort_max_age": 18, "cohort_size": 60,
        "cohort_sexes": ["female"], "priority_areas": ["CYP-PO"],
        "boroughs": [CAMDEN, ISLINGTON], "wards": [], "yef_strand": "mentoring",
        "measures": ["ons4", "swemwbs"],
        "scales": [{"code": "confidence", "label": "Confidence", "low": 1, "high": 10}],
        "description": "Weekly one-to-one mentoring."}
    base.update(overrides)
    return base


def lead(code: str = "LCPF-CAM-01", email: str | None = None) -> Principal:
    return Principal(email=email or f"lead.{code.lower()}@example.org",
                     role=Role.PROGRAMME_LEAD, user_id=2, programmes=frozenset({code}),
                     channel="web")


def borough_analyst(*boroughs: str) -> Principal:
    return Principal(email="borough@example.org", role=Role.BOROUGH_ANALYST, user_id=3,
                     boroughs=frozenset(boroughs), channel="web")
