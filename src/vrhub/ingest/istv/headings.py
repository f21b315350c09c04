"""Column headings: data-dictionary names, ECDS v4 names and the spellings EDs actually use.

Headings are matched ignoring case, spaces and punctuation (``Assault  Location-Type`` is
``ASSAULT LOCATION TYPE``). Each heading maps to one vrhub field. Columns that carry patient
identifiers (an NHS number, a date of birth, a name, a home postcode) are recognised so
that they can be dropped unread; any other unknown column is ignored and listed on the
receipt by its heading only.
"""

from __future__ import annotations

from vrhub.standards.codelists import normalise

RECORD_FIELDS = (
    "arrival_at", "arrival_date", "arrival_time",
    "assault_at", "assault_date", "assault_time",
    "assault_method", "method_other_description", "location_type", "location_description",
    "age_band", "age", "site_code", "period_start", "period_end", "period",
)
HEADER_FIELDS = ("site_code", "period_start", "period_end", "period")
IDENTIFIER = "identifier"

_ALIASES: dict[str, tuple[str, ...]] = {
    "site_code": (
        "site code", "site code of treatment", "site", "ods code", "ods site code",
        "organisation site identifier (of treatment)", "organisation site identifier",
        "site identifier", "treatment site", "treatment site code", "site of treatment",
        "sitecodeoftreatment", "organisation code (code of provider)",
    ),
    "period_start": (
        "reporting period start", "reporting period start date", "period start",
        "period start date", "start date", "reportingperiodstartdate",
    ),
    "period_end": (
        "reporting period end", "reporting period end date", "period end", "period end date",
        "end date", "reportingperiodenddate",
    ),
    "period": ("reporting period", "period", "month", "reporting month"),
    "arrival_at": (
        "arrival date time", "arrival datetime", "arrival date/time", "arrival",
        "emergency care arrival date time", "emergency care arrival datetime",
        "attendance date time", "arrival timestamp",
    ),
    "arrival_date": (
        "arrival date", "emergency care arrival date", "attendance date", "date of arrival",
        "arrival dt",
    ),
    "arrival_time": ("arrival time", "emergency care arrival time", "time of arrival",
                     "attendance time"),
    "assault_at": (
        "assault date time", "assault datetime", "assault date/time", "injury date time",
        "injury datetime", "date time of assault", "incident date time",
    ),
    "assault_date": ("assault date", "injury date", "date of assault", "incident date",
                     "date of injury"),
    "assault_time": ("assault time", "injury time", "time of assault", "incident time",
                     "time of injury"),
    "assault_method": (
        "assault method", "method", "method of assault", "weapon", "weapon used",
        "injury mechanism", "emergency care injury mechanism", "mechanism",
        "mechanism of injury", "istv assault method",
    ),
    "method_other_description": (
        "assault method other description", "method other description", "other method",
        "method other", "other method description", "weapon other description",
        "istv assault method other description",
    ),
    "location_type": (
        "assault location type", "location type", "place of injury", "place type",
        "emergency care place of injury", "injury place", "type of location",
        "istv assault location type",
    ),
    "location_description": (
        "assault location description", "location description", "location",
        "assault location", "emergency care assault location description",
        "location of assault", "where", "place description", "incident location",
        "istv assault location description",
    ),
    "age_band": ("age band", "age group", "ageband"),
    "age": ("age", "age at cds activity date", "age at activity date", "age at attendance",
            "age years"),
    IDENTIFIER: (
        "nhs number", "nhs no", "nhs", "nhsnumber", "patient nhs number", "date of birth",
        "dob", "person birth date", "birth date", "patient name", "name", "forename",
        "surname", "family name", "given name", "postcode", "postcode of usual address",
        "patient postcode", "home postcode", "address", "home address", "local patient id",
        "local patient identifier", "hospital number", "mrn", "phone", "telephone",
        "email", "e-mail",
    ),
}

HEADINGS: dict[str, str] = {
    normalise(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}


def field_for(heading: object) -> str | None:
    """The vrhub field a heading stands for (``identifier`` for identifier columns), or
    None for a heading vrhub does not use."""
    if heading is None:
        return None
    return HEADINGS.get(normalise(heading))


def looks_like_heading_row(cells: list[object], *, minimum: int = 3) -> bool:
    """True when a row names at least ``minimum`` record fields (a heading row)."""
    found = {field_for(c) for c in cells} - {None, IDENTIFIER, "site_code", "period_start",
                                             "period_end", "period"}
    return len(found) >= minimum


def ecds_style(headings: list[object]) -> bool:
    """True when headings use ECDS names (injury date/time, place of injury, mechanism)."""
    norm = {normalise(h) for h in headings if h is not None}
    ecds = {normalise(x) for x in ("injury date", "injury time", "place of injury",
                                   "injury mechanism", "emergency care arrival date",
                                   "emergency care place of injury",
                                   "emergency care injury mechanism",
                                   "emergency care assault location description")}
    return bool(norm & ecds)
