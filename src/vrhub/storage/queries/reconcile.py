"""The counts behind the reconciliation of police.uk points with the MPS tables
(:mod:`vrhub.storage.reconcile`): police.uk rows of one force by borough, month and crime
type (as published points and as crimes counted once), and the MPS borough table.

The crimes are the rows that count whatever the study area, read in one of three forms
(:data:`POLICE_COUNTS`): ``listed`` (the repeats read from ``police_uncounted``), ``rule``
(rows written without a police load: the rule applied in the query) and ``plain`` (rows of
another shape: each row a crime)."""

from __future__ import annotations

from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.queries.core import NamedQuery, define
from vrhub.storage.queries.counted import counted

_LSOA_BOROUGH = r"regexp_replace(lsoa_name_published, '\s+[0-9]{3}[A-Z]$', '')"
_WHERE = "reported_by = $reported_by AND list_contains($crime_types, crime_type)"
_PARAMS = {"reported_by": "str", "crime_types": "list[str]"}
_EXAMPLE = {"reported_by": "Metropolitan Police Service",
            "crime_types": ["Burglary", "Violence and sexual offences", "Robbery"]}

#: form -> police.uk counts of one force by LSOA borough, placed borough, month and type
POLICE_COUNTS: dict[str, NamedQuery] = {
    form: define(
        f"reconcile.police_counts.{form}",
        f"WITH counted AS (SELECT file_id, row_number FROM {relation} AS c WHERE {_WHERE}), "
        f"r AS (SELECT {_LSOA_BOROUGH} AS lsoa_borough, borough_code, month, crime_type, "
        "coalesce(crime_id, file_id || ':' || CAST(row_number AS VARCHAR)) AS crime_key, "
        "row_number() OVER (PARTITION BY file_id, crime_id ORDER BY row_number) AS nth, "
        f'file_id, row_number FROM "{POLICE_STREET.name}" WHERE {_WHERE}) '
        "SELECT lsoa_borough, borough_code AS placed_borough_code, month, crime_type, "
        "count(DISTINCT crime_key || '#' || CAST(nth AS VARCHAR)) AS points, "
        "count(k.file_id) AS crimes "
        "FROM r LEFT JOIN counted k ON k.file_id = r.file_id AND k.row_number = r.row_number "
        "GROUP BY ALL ORDER BY ALL",
        _PARAMS, example=_EXAMPLE,
        doc=f"police.uk points and crimes of one force by borough, month and type ({form}).")
    for form, relation in (
        ("listed", counted(listed=True, study_area=False)),
        ("rule", counted(listed=False, study_area=False)),
        ("plain", f'(SELECT * FROM "{POLICE_STREET.name}")'))}

POLICE_MONTHS = define(
    "reconcile.police_months",
    f'SELECT DISTINCT crime_type, month FROM "{POLICE_STREET.name}" WHERE {_WHERE} '
    "ORDER BY ALL", _PARAMS, example=_EXAMPLE,
    doc="The months each crime type of one force has rows in.")

OTHER_FORCE_ROWS = define(
    "reconcile.other_force_rows",
    f'SELECT reported_by, count(*) AS rows FROM "{POLICE_STREET.name}" WHERE '
    "reported_by <> $reported_by AND list_contains($crime_types, crime_type) "
    "GROUP BY ALL ORDER BY ALL",
    _PARAMS, example={**_EXAMPLE, "reported_by": "City of London Police"},
    doc="Rows of some crime types reported by other forces than one.")

MPS_BOROUGH_COUNTS = define(
    "reconcile.mps_borough_counts",
    "SELECT borough_code, area_name, month, major_category, minor_category, "
    "sum(count) AS count FROM mps_crime_count WHERE level = 'borough' AND "
    "list_contains($majors, major_category) GROUP BY ALL ORDER BY ALL",
    {"majors": "list[str]"}, example={"majors": ["BURGLARY", "VIOLENCE AGAINST THE PERSON"]},
    doc="MPS borough-table counts of some major categories by borough, month and minor.")
