"""police.uk street crime as its loader asks about it: rows of a force, the series a new
file revises, the rows of some files outside the study area, the rows left uncounted, and
the state of the counts rolled up at load time."""

from __future__ import annotations

from vrhub.storage.queries.core import Narrow, define
from vrhub.storage.queries.counted import IN_STUDY_AREA, UNCOUNTED_SQL

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
             "first": "2023-01", "last": "2023-12"},
    narrows=(Narrow("police_street", "month", "first", "last"),
             Narrow("police_street", "force", "force", "force")))

FORCE_COUNTS_ROLLED = define(
    "police.force_counts.rolled",
    "SELECT crime_type, CAST(sum(rows) AS BIGINT) AS n FROM police_force_month "
    "WHERE \"force\" = $force AND month BETWEEN $first AND $last GROUP BY crime_type "
    "ORDER BY n DESC, crime_type",
    {"force": "str", "first": "str", "last": "str"},
    doc="As police.force_counts, from the counts rolled up at load time.",
    example={"force": "city-of-london", "first": "2023-01", "last": "2023-12"})

FORCE_TREND_ROLLED = define(
    "police.force_trend.rolled",
    "SELECT month, CAST(sum(rows) AS BIGINT) AS n FROM police_force_month "
    "WHERE \"force\" = $force AND crime_type = $crime_type GROUP BY month ORDER BY month",
    {"force": "str", "crime_type": "str"},
    doc="As police.force_trend, from the counts rolled up at load time.",
    example={"force": "city-of-london", "crime_type": "Violence and sexual offences"})

# -- which series a new file revises (vrhub.storage.police_series) --------------------------
SERIES_LOADED = define(
    "police.series_loaded",
    "SELECT count(*) AS n FROM \"provenance\" WHERE source = $source "
    "AND partition = $partition AND status = 'loaded'",
    {"source": "str", "partition": "str"},
    doc="Files loaded for one series and month (partition ``series/month``).",
    example={"source": "police", "partition": "city-of-london-street/2023-01"})

MONTH_FILE_FORCES = define(
    "police.month_file_forces",
    'SELECT DISTINCT month, file_id, reported_by FROM "police_street" '
    "ORDER BY month, file_id, reported_by",
    doc="The files (file ids) holding street rows of each month, with their rows' forces "
        "(Reported by).")

#: The series of a month with no Crime ID in ``{rows}`` (the street rows, or the parts of
#: the month's files).
SERIES_WITHOUT_IDS_SQL = (
    "SELECT series, list_sort(list(DISTINCT reported_by)) AS forces, "
    "list_sort(list(DISTINCT crime_type)) AS types FROM {rows} "
    "WHERE month = $month GROUP BY series HAVING count(crime_id) = 0 ORDER BY series")

SERIES_WITHOUT_IDS = define(
    "police.series_without_ids",
    SERIES_WITHOUT_IDS_SQL.format(rows='"police_street"'),
    {"month": "str"},
    doc="The series of a month with no Crime ID, with their forces and crime types.",
    example={"month": "2023-01"})

# -- the study area and the rows left uncounted (vrhub.storage.police_counted) ---------------
OUTSIDE_STUDY_AREA = define(
    "police.outside_study_area",
    f"SELECT count(*) AS rows, count(*) FILTER (WHERE NOT coalesce({IN_STUDY_AREA}, "
    "false)) AS outside, count(*) FILTER (WHERE borough_code IS NULL AND place_flag = "
    "'outside_boundaries') AS no_district "
    # a semi-join on the files' ids: a list test on every row costs the rows times the
    # files (5,160 files of a national load: 8 s instead of 1 s on 6 million rows)
    'FROM "police_street" WHERE file_id IN (SELECT unnest($file_ids))',
    {"file_ids": "list[str]", "districts": "list[str]"},
    doc="Rows of some files, of them outside the study area, of those with no district.",
    example={"file_ids": ["none"], "districts": ["E09000001"]})

#: form -> rows left uncounted per series and month, with the series that counts them:
#: ``listed`` (read from ``police_uncounted``), ``rule`` (the rule applied in the query)
UNCOUNTED_BY_SERIES = {
    form: define(
        f"police.uncounted_by_series.{form}",
        f"SELECT series, month, counted_series, rule, count(*) AS rows FROM {source} AS u "
        "GROUP BY ALL ORDER BY series, month, counted_series, rule",
        doc=f"Rows left uncounted per series and month, and the series counting them "
            f"({form}).")
    for form, source in (("listed", '"police_uncounted"'),
                         ("rule", f"({' '.join(UNCOUNTED_SQL.split())})"))}

# -- the counts rolled up at load time (vrhub.storage.police_rollup) ------------------------
ROLLUP_FINGERPRINT = define(
    "police.rollup_fingerprint", 'SELECT fingerprint FROM "police_rollup_state"',
    doc="What the rolled-up counts were made from, digested.")

ROLLUP_MONTHS = define(
    "police.rollup_months",
    "SELECT DISTINCT month FROM \"police_month_count\" WHERE level = 'borough' "
    "AND month IS NOT NULL ORDER BY 1", doc="The months with any counted row.")

STORED_MONTHS = define(
    "police.stored_months",
    'SELECT min(month) AS first, max(month) AS last FROM "police_force_month"',
    doc="The first and last month of any stored street row, counted or not.")
