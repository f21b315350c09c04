"""What a partner gives when logging or working an incident, checked before anything is
stored: times not in the future, codes from the lists, no identifiers or markup in text,
Critical Incidents Fund amounts within the limit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from vrhub.errors import UserError
from vrhub.privacy.identifiers import redact
from vrhub.standards.incidents import AGE_BANDS, FUND_LIMIT_POUNDS, INCIDENT_TYPES

#: slack for clocks that differ a little between a partner's device and the server
CLOCK_SLACK = dt.timedelta(minutes=10)
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]|javascript:", re.IGNORECASE)
"""Text that is markup or a script link (refused wherever partners write free text)."""
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class IncidentError(UserError):
    """A field of an incident form cannot be used; ``field`` names it for the form."""

    code = "invalid_incident"
    http_status = 422

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


@dataclass(frozen=True)
class Where:
    """Where the incident happened: one of a point (BNG or latitude/longitude), a
    postcode, or a description of the place for the geocoder."""

    easting: float | None = None
    northing: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    postcode: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class NewIncident:
    occurred_at: dt.datetime  # naive UTC
    incident_type: str
    victim_age_band: str
    where: Where


def check_new(incident: NewIncident, now: dt.datetime) -> NewIncident:
    """The incident with its codes made canonical; :class:`IncidentError` otherwise."""
    if incident.occurred_at > now + CLOCK_SLACK:
        raise IncidentError(
            "occurred_at", f"the incident's time {incident.occurred_at:%d %B %Y %H:%M} is in "
            "the future", hint="give the date and time it happened (UK time)")
    kind = _code(INCIDENT_TYPES, incident.incident_type, "incident_type")
    band = _code(AGE_BANDS, incident.victim_age_band, "victim_age_band")
    if incident.where.description is not None:
        clean_text(incident.where.description, "description", limit=200)
    return NewIncident(incident.occurred_at, kind, band, incident.where)


def _code(codes: object, value: str, field: str) -> str:
    from vrhub.standards.pathway_codes import CodeList

    assert isinstance(codes, CodeList)
    try:
        return codes.check(value, field=field.replace("_", " "))
    except UserError as exc:
        raise IncidentError(field, exc.message, hint=exc.hint) from None


def clean_text(value: str | None, field: str, *, limit: int = 1000) -> str | None:
    """Free text as stored: trimmed; refused when it holds markup, starts like a spreadsheet
    formula, is too long, or holds a personal identifier (incidents never name anyone)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    label = field.replace("_", " ")
    if len(text) > limit:
        raise IncidentError(field, f"the {label} is {len(text):,} characters; at most "
                            f"{limit:,} are kept", hint="shorten it")
    if MARKUP.search(text):
        raise IncidentError(field, f"the {label} holds markup or script ('<...>')",
                            hint="write plain text: no HTML tags or links to scripts")
    if text.startswith(_FORMULA):
        raise IncidentError(field, f"the {label} starts with {text[0]!r}, which a spreadsheet "
                            "would run as a formula", hint="start the text with a word")
    found = redact(text)
    if found.changed:
        kinds = ", ".join(k.replace("_", " ") for k in found.counts)
        raise IncidentError(field, f"the {label} seems to hold personal details ({kinds})",
                            hint="incidents never hold names, contact details or NHS numbers; "
                            "describe roles instead (e.g. 'the victim's school')")
    return text


def check_amount(value: int, field: str, *, limit: int = FUND_LIMIT_POUNDS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise IncidentError(field, f"the amount must be whole pounds, 0 or more; got {value!r}",
                            hint="e.g. 2500")
    if value > limit:
        raise IncidentError(field, f"£{value:,} is over the Critical Incidents Fund's limit of "
                            f"£{limit:,} per incident", hint=f"ask for £{limit:,} or less")
    return value


UK = ZoneInfo("Europe/London")


def parse_uk_time(value: str, field: str = "occurred_at") -> dt.datetime:
    """``YYYY-MM-DD HH:MM`` (or ISO ``T``) in UK time -> naive UTC, as stored."""
    text = (value or "").strip().replace("T", " ")
    try:
        local = dt.datetime.strptime(text[:16], "%Y-%m-%d %H:%M")
    except ValueError:
        raise IncidentError(field, f"{value!r} is not a date and time",
                            hint="give it as YYYY-MM-DD HH:MM (UK time), e.g. 2025-11-03 "
                            "21:40") from None
    return local.replace(tzinfo=UK).astimezone(dt.UTC).replace(tzinfo=None)


def uk_time(value: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in UK time, for people to read."""
    return value.replace(tzinfo=dt.UTC).astimezone(UK).replace(tzinfo=None)
