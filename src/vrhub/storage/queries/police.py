"""police.uk street crime as its loader asks about it."""

from __future__ import annotations

from vrhub.storage.queries.core import define

REPEATED_IDS_IN_FILE = define(
    "police.repeated_ids_in_file",
    """SELECT row_number, crime_id, first_row FROM (
           SELECT row_number, crime_id,
                  min(row_number) OVER (PARTITION BY crime_id) AS first_row
           FROM "police_street" WHERE file_id = $file_id AND crime_id IS NOT NULL) AS t
       WHERE row_number > first_row ORDER BY row_number""",
    {"file_id": "str"},
    doc="Rows of one file whose Crime ID an earlier row of the file holds.",
    example={"file_id": "none"})

FORCE_COUNTS = define(
    "police.force_counts",
    "SELECT crime_type, count(*) AS n FROM police_street WHERE \"force\" = $force "
    "AND month BETWEEN $first AND $last GROUP BY crime_type ORDER BY n DESC, crime_type",
    {"force": "str", "first": "str", "last": "str"},
    doc="Street crimes of one force's files per crime type over a period (rows as loaded).",
    example={"force": "city-of-london", "first": "2023-01", "last": "2023-12"})

FORCE_TREND = define(
    "police.force_trend",
    "SELECT month, count(*) AS n FROM police_street WHERE \"force\" = $force "
    "AND crime_type = $crime_type GROUP BY month ORDER BY month",
    {"force": "str", "crime_type": "str"},
    doc="Monthly street crimes of one type in one force's files (rows as loaded).",
    example={"force": "city-of-london", "crime_type": "Violence and sexual offences"})

FORCE_POINTS = define(
    "police.force_points",
    "SELECT easting, northing FROM police_street WHERE \"force\" = $force "
    "AND crime_type = $crime_type AND month BETWEEN $first AND $last "
    "AND easting IS NOT NULL AND northing IS NOT NULL ORDER BY easting, northing",
    {"force": "str", "crime_type": "str", "first": "str", "last": "str"},
    doc="Grid references of one force's street crimes of one type over a period.",
    example={"force": "city-of-london", "crime_type": "Violence and sexual offences",
             "first": "2023-01", "last": "2023-12"})
