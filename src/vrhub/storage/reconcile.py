"""Warehouse queries behind the reconciliation of police.uk points with the MPS tables.

Both sides are counted by borough, month and category, and nothing else is decided here:
:mod:`vrhub.quality.reconcile` pairs the cells and computes the ratios.

police.uk rows are counted in the borough of the LSOA the publisher gave them (the local
authority part of ``LSOA name``, e.g. 'Camden 027B' -> Camden), which is where the MPS
counts them too; the borough the point falls in (``borough_code``, set when boundaries are
loaded) is returned beside it so the effect of location snapping can be shown. Counted as
points (the published rows) or as crimes (each crime once, the project's one rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from vrhub.storage.warehouse import Warehouse

POLICE_TABLE = "police_street"
MPS_TABLE = "mps_crime_count"

_LSOA_BOROUGH = r"regexp_replace(lsoa_name_published, '\s+[0-9]{3}[A-Z]$', '')"


def police_counts(wh: Warehouse, *, reported_by: str, crime_types: Sequence[str]
                  ) -> pd.DataFrame:
    """police.uk counts of one force: ``lsoa_borough`` (name, blank without an LSOA),
    ``placed_borough_code`` (borough of the point; blank without boundaries or a point),
    ``month``, ``crime_type``, ``points`` and ``crimes``.

    ``points`` are the published rows, a row carried by two loaded files (a force's street
    file and a category extract) once: the n-th row of a Crime ID in one file is the n-th
    in the other. ``crimes`` are the rows that count under the project's rule, each crime
    once (:func:`vrhub.storage.police_counted.counted_rows`, whatever the study area).
    """
    if not crime_types or not wh.has_table(POLICE_TABLE):
        return pd.DataFrame(columns=["lsoa_borough", "placed_borough_code", "month",
                                     "crime_type", "points", "crimes"])
    from vrhub.storage.police_counted import counted_rows

    marks = ",".join("?" for _ in crime_types)
    where = f"reported_by = ? AND crime_type IN ({marks})"
    return wh.query(
        f"WITH counted AS (SELECT file_id, row_number FROM "
        f"{counted_rows(wh, study_area=False)} AS c WHERE {where}), "
        f"r AS (SELECT {_LSOA_BOROUGH} AS lsoa_borough, borough_code, month, crime_type, "
        f"coalesce(crime_id, file_id || ':' || CAST(row_number AS VARCHAR)) AS crime_key, "
        f"row_number() OVER (PARTITION BY file_id, crime_id ORDER BY row_number) AS nth, "
        f"file_id, row_number FROM {POLICE_TABLE} WHERE {where}) "
        f"SELECT lsoa_borough, borough_code AS placed_borough_code, month, crime_type, "
        f"count(DISTINCT crime_key || '#' || CAST(nth AS VARCHAR)) AS points, "
        f"count(k.file_id) AS crimes "
        f"FROM r LEFT JOIN counted k ON k.file_id = r.file_id AND k.row_number = r.row_number "
        f"GROUP BY ALL ORDER BY ALL",
        [reported_by, *crime_types, reported_by, *crime_types])


def police_months(wh: Warehouse, *, reported_by: str, crime_types: Sequence[str]
                  ) -> pd.DataFrame:
    """The months each crime type of one force has rows in (``crime_type``, ``month``)."""
    if not crime_types or not wh.has_table(POLICE_TABLE):
        return pd.DataFrame(columns=["crime_type", "month"])
    marks = ",".join("?" for _ in crime_types)
    return wh.query(f"SELECT DISTINCT crime_type, month FROM {POLICE_TABLE} WHERE "
                    f"reported_by = ? AND crime_type IN ({marks}) ORDER BY ALL",
                    [reported_by, *crime_types])


def other_force_rows(wh: Warehouse, *, reported_by: str, crime_types: Sequence[str]
                     ) -> pd.DataFrame:
    """Rows of the same crime types reported by other forces (``reported_by``, ``rows``):
    the City of London Police's, which the MPS tables never count."""
    if not crime_types or not wh.has_table(POLICE_TABLE):
        return pd.DataFrame(columns=["reported_by", "rows"])
    marks = ",".join("?" for _ in crime_types)
    return wh.query(f"SELECT reported_by, count(*) AS rows FROM {POLICE_TABLE} WHERE "
                    f"reported_by <> ? AND crime_type IN ({marks}) GROUP BY ALL ORDER BY ALL",
                    [reported_by, *crime_types])


def mps_borough_counts(wh: Warehouse, majors: Sequence[str]) -> pd.DataFrame:
    """MPS borough-table counts: ``borough_code`` (blank for 'Unknown' and the airports),
    ``area_name``, ``month``, ``major_category``, ``minor_category``, ``count``."""
    if not majors or not wh.has_table(MPS_TABLE):
        return pd.DataFrame(columns=["borough_code", "area_name", "month", "major_category",
                                     "minor_category", "count"])
    marks = ",".join("?" for _ in majors)
    return wh.query(
        f"SELECT borough_code, area_name, month, major_category, minor_category, "
        f"sum(count) AS count FROM {MPS_TABLE} WHERE level = 'borough' AND major_category "
        f"IN ({marks}) GROUP BY ALL ORDER BY ALL", list(majors))
