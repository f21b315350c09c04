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

from vrhub.standards.police_uk import POLICE_UNCOUNTED
from vrhub.storage.queries import reconcile as q
from vrhub.storage.queries.core import run
from vrhub.storage.warehouse import Warehouse

POLICE_TABLE = "police_street"
MPS_TABLE = "mps_crime_count"


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
    from vrhub.storage.police_counted import _has_key_columns

    form = ("plain" if not _has_key_columns(wh)
            else "listed" if wh.has_table(POLICE_UNCOUNTED.name) else "rule")
    return run(wh, q.POLICE_COUNTS[form], reported_by=reported_by,
               crime_types=list(crime_types))


def police_months(wh: Warehouse, *, reported_by: str, crime_types: Sequence[str]
                  ) -> pd.DataFrame:
    """The months each crime type of one force has rows in (``crime_type``, ``month``)."""
    if not crime_types or not wh.has_table(POLICE_TABLE):
        return pd.DataFrame(columns=["crime_type", "month"])
    return run(wh, q.POLICE_MONTHS, reported_by=reported_by, crime_types=list(crime_types))


def other_force_rows(wh: Warehouse, *, reported_by: str, crime_types: Sequence[str]
                     ) -> pd.DataFrame:
    """Rows of the same crime types reported by other forces (``reported_by``, ``rows``):
    the City of London Police's, which the MPS tables never count."""
    if not crime_types or not wh.has_table(POLICE_TABLE):
        return pd.DataFrame(columns=["reported_by", "rows"])
    return run(wh, q.OTHER_FORCE_ROWS, reported_by=reported_by,
               crime_types=list(crime_types))


def mps_borough_counts(wh: Warehouse, majors: Sequence[str]) -> pd.DataFrame:
    """MPS borough-table counts: ``borough_code`` (blank for 'Unknown' and the airports),
    ``area_name``, ``month``, ``major_category``, ``minor_category``, ``count``."""
    if not majors or not wh.has_table(MPS_TABLE):
        return pd.DataFrame(columns=["borough_code", "area_name", "month", "major_category",
                                     "minor_category", "count"])
    return run(wh, q.MPS_BOROUGH_COUNTS, majors=list(majors))
