"""Run the identifier guard over everything a file holds, before anything else sees it.

Every text value of every record and of the header passes :func:`vrhub.privacy.identifiers.
redact` (free text with the home-address rule when the record's location type is home).
Date and time columns whose value reads as a date or time are left as written; anything
else in them is redacted like text. Values are first cut to :data:`SCAN_LIMIT` characters:
a longer value is cut to 255 for storage anyway, so nothing beyond the scan limit is ever
kept (a 5 MB description costs milliseconds, not minutes).
"""

from __future__ import annotations

from collections import Counter

from vrhub.ingest.istv.dates import DateProblem, parse_date, parse_time
from vrhub.ingest.istv.readers import RawSubmission
from vrhub.privacy.identifiers import KINDS, redact
from vrhub.standards.codelists import CodeListSet
from vrhub.standards.istv import FREE_TEXT

SCAN_LIMIT = 10_000
_DATE_FIELDS = {"arrival_at", "arrival_date", "assault_at", "assault_date", "period_start",
                "period_end"}
_TIME_FIELDS = {"arrival_time", "assault_time"}


def _is_clean_date(key: str, value: str) -> bool:
    """A date or time column whose value reads as a date or time carries nothing else and
    is left as written (a phone pattern must not eat ``05-01-2024 23:43``)."""
    if len(value) > 40 or not (key in _DATE_FIELDS or key in _TIME_FIELDS):
        return False
    try:
        if key in _DATE_FIELDS:
            parse_date(value)
        else:
            parse_time(value)
    except DateProblem:
        return False
    return True


def redact_submission(raw: RawSubmission, codes: CodeListSet) -> dict[str, int]:
    """Redact ``raw`` in place; return the number of identifiers removed, by kind. Records
    with a redaction get ``_redacted`` set (turned into the ``redacted`` flag)."""
    total: Counter[str] = Counter()
    places = codes["location_type"]
    for names in (raw.ignored_columns, raw.dropped_identifier_columns, raw.notes):
        for i, text in enumerate(names):
            result = redact(text[:SCAN_LIMIT])
            names[i] = result.text
            total.update(result.counts)
    for key, value in list(raw.header.items()):
        if isinstance(value, str):
            result = redact(value[:SCAN_LIMIT])
            raw.header[key] = result.text
            total.update(result.counts)
    for record in raw.records:
        values = record.values
        changed = False
        for key, value in list(values.items()):
            if not isinstance(value, str) or key in FREE_TEXT or _is_clean_date(key, value):
                continue
            result = redact(value[:SCAN_LIMIT])
            values[key] = result.text
            total.update(result.counts)
            changed |= result.changed
        home = places.match(values.get("location_type")) == "home"
        for key in FREE_TEXT:
            value = values.get(key)
            if value is None:
                continue
            result = redact(str(value)[:SCAN_LIMIT], home=home)
            values[key] = result.text
            total.update(result.counts)
            changed |= result.changed
        if changed:
            values["_redacted"] = True
    return {k: total[k] for k in KINDS if total[k]}
