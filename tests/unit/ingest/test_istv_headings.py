"""Column headings as EDs write them: matched ignoring case, spaces and punctuation, each
to one field; identifier columns recognised so they can be dropped unread."""

from __future__ import annotations

import pytest

from vrhub.ingest.istv import headings
from vrhub.ingest.istv.headings import (
    HEADINGS,
    IDENTIFIER,
    RECORD_FIELDS,
    ecds_style,
    field_for,
    looks_like_heading_row,
)
from vrhub.standards.codelists import normalise


def test_no_spelling_stands_for_two_fields() -> None:
    claimed: dict[str, set[str]] = {}
    for field, aliases in headings._ALIASES.items():
        for alias in aliases:
            claimed.setdefault(normalise(alias), set()).add(field)
    assert {alias: fields for alias, fields in claimed.items() if len(fields) > 1} == {}
    assert set(HEADINGS.values()) <= {*RECORD_FIELDS, IDENTIFIER}


@pytest.mark.parametrize(("heading", "field"), [
    ("Assault  Location-Type", "location_type"),
    ("ASSAULT LOCATION TYPE", "location_type"),
    ("Emergency Care Arrival Date/Time", "arrival_at"),
    ("Site Code of Treatment", "site_code"),
    ("Date of Injury", "assault_date"),
    ("NHS No", IDENTIFIER),
    ("D.O.B.", IDENTIFIER),
    ("Home Postcode", IDENTIFIER),
    ("Triage colour", None),
    (None, None),
])
def test_headings_are_matched_as_eds_write_them(heading: object, field: str | None) -> None:
    assert field_for(heading) == field


def test_a_heading_row_names_three_record_fields_besides_site_and_period() -> None:
    assert looks_like_heading_row(["Arrival date", "Assault method", "Location type", "x"])
    # site, period and identifiers do not make a heading row of a title block
    assert not looks_like_heading_row(["Site code", "Period start", "Period end", "NHS number",
                                       "Arrival date", "Assault method"])
    assert looks_like_heading_row(["Arrival date", "Assault method"], minimum=2)
    assert not looks_like_heading_row(["RQXM1", "2024-01-01", 3, None])


def test_ecds_names_are_told_from_the_data_dictionarys() -> None:
    assert ecds_style(["Injury Date", "Injury Time", "Place of injury"])
    assert not ecds_style(["Assault date", "Assault time", "Assault location type", None])
