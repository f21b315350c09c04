"""The questions behind the data-quality reports (``vrhub quality``): load ledgers,
quarantine by reason, months and coverage of each source."""

from __future__ import annotations

import pandas as pd

from vrhub.storage.queries.core import define, run, value
from vrhub.storage.queries.counted import IN_STUDY_AREA
from vrhub.storage.queries.istv import OF_CURRENT_SUBMISSION
from vrhub.storage.warehouse import Warehouse

# -- the load ledger and quarantine ---------------------------------------------------------
LEDGER = define(
    "quality.ledger",
    "SELECT file_name, status, partition, rows_read, rows_loaded, rows_quarantined "
    'FROM "provenance" WHERE source = $source ORDER BY partition, file_name',
    {"source": "str"}, doc="The files of a source and the rows read, loaded and quarantined.",
    example={"source": "police"})

QUARANTINE_IN_FORCE = define(
    "quality.quarantine_in_force",
    "SELECT q.rule, count(DISTINCT (q.file_id, q.row_number)) AS n "
    'FROM "quarantine" q JOIN "provenance" p '
    "ON p.file_id = q.file_id AND p.source = q.source "
    "WHERE q.source = $source AND p.status = 'loaded' GROUP BY q.rule ORDER BY q.rule",
    {"source": "str"}, doc="Quarantined rows by rule, of the files in force.",
    example={"source": "police"})

QUARANTINE_BY_SOURCE = define(
    "quality.quarantine_by_source",
    "SELECT source, rule, count(DISTINCT (file_id, row_number)) AS rows FROM quarantine "
    "WHERE list_contains($sources, source) GROUP BY source, rule ORDER BY source, rows DESC",
    {"sources": "list[str]"}, doc="Quarantined rows by source and rule.",
    example={"sources": ["police", "mps", "boundaries"]})

QUARANTINE_RECORDS = define(
    "quality.quarantine_records",
    "SELECT rule, count(DISTINCT file_id || ':' || row_number) AS records FROM quarantine "
    "WHERE source = $source GROUP BY rule ORDER BY records DESC, rule",
    {"source": "str"}, doc="Quarantined records of a source by rule, most first.",
    example={"source": "istv"})

FILES_BY_STATUS = define(
    "quality.files_by_status",
    "SELECT source, status, count(*) AS files, sum(rows_read) AS rows_read, "
    "sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined "
    "FROM provenance WHERE list_contains($sources, source) GROUP BY ALL ORDER BY ALL",
    {"sources": "list[str]"}, doc="Files and rows per source and status.",
    example={"sources": ["boundaries", "police"]})


def ledger(wh: Warehouse, source: str) -> pd.DataFrame:
    return run(wh, LEDGER, source=source)


def quarantine_in_force(wh: Warehouse, source: str) -> dict[str, int]:
    frame = run(wh, QUARANTINE_IN_FORCE, source=source)
    return {str(r): int(n) for r, n in zip(frame["rule"], frame["n"], strict=True)}


def quarantine_by_source(wh: Warehouse, sources: tuple[str, ...]) -> pd.DataFrame:
    if not wh.has_table("quarantine"):
        return pd.DataFrame(columns=["source", "rule", "rows"])
    return run(wh, QUARANTINE_BY_SOURCE, sources=list(sources))


def files_by_status(wh: Warehouse, sources: tuple[str, ...]) -> pd.DataFrame:
    return run(wh, FILES_BY_STATUS, sources=list(sources))


# -- police.uk street crime and stop and search --------------------------------------------
STREET_MONTHS = define(
    "quality.street_months",
    'SELECT "force", month, count(*) AS rows FROM "police_street" GROUP BY "force", month '
    'ORDER BY "force", month', doc="Rows per force and month of police.uk street crime.")

STOP_SEARCH_MONTHS = define(
    "quality.stop_search_months",
    'SELECT "force", month, count(*) AS rows FROM "police_stop_search" GROUP BY "force", '
    'month ORDER BY "force", month', doc="Rows per force and month of stop and search.")

STREET_CHECKS = define(
    "quality.street_checks",
    """SELECT count(*) AS rows,
       count(*) FILTER (WHERE lsoa_code_published IS NULL) AS blank_lsoa,
       count(*) FILTER (WHERE coordinate_flag = 'missing') AS missing_coordinates,
       count(*) FILTER (WHERE coordinate_flag = 'zero') AS zero_coordinates,
       count(*) FILTER (WHERE coordinate_flag = 'incomplete') AS incomplete_coordinates,
       count(*) FILTER (WHERE crime_id_duplicate) AS duplicate_crime_id_rows,
       count(*) FILTER (WHERE crime_id IS NULL) AS blank_crime_id,
       count(*) FILTER (WHERE lsoa21_code IS NULL) AS no_lsoa21
       FROM "police_street" """, doc="Coordinate, LSOA and Crime ID checks of street crime.")

STREET_IDS_IN_SEVERAL_SERIES = define(
    "quality.street_ids_in_several_series",
    'SELECT count(*) AS n FROM (SELECT crime_id FROM "police_street" WHERE crime_id IS NOT '
    "NULL GROUP BY crime_id, month HAVING count(DISTINCT series) > 1) AS t",
    doc="Crime IDs of one month published in more than one series.")

STREET_FORCES = define(
    "quality.street_forces",
    """SELECT "force", count(*) AS rows,
       count(*) FILTER (WHERE lsoa_code_published IS NULL) AS blank_lsoa,
       count(*) FILTER (WHERE coordinate_flag IS NOT NULL) AS no_point,
       count(*) FILTER (WHERE crime_id_duplicate) AS duplicate_ids
       FROM "police_street" GROUP BY "force" ORDER BY "force"
    """,
    doc="Blank LSOAs, rows without a point and repeated IDs per force.")

STREET_VINTAGE_BY_MONTH = define(
    "quality.street_vintage_by_month",
    "SELECT month, coalesce(lsoa_vintage_published, 'blank') AS v, count(*) AS n "
    'FROM "police_street" GROUP BY 1, 2 ORDER BY 1, 2',
    doc="Rows per month and published LSOA vintage.")

STOP_SEARCH_CHECKS = define(
    "quality.stop_search_checks",
    """SELECT count(*) AS rows,
       count(*) FILTER (WHERE coordinate_flag = 'missing') AS missing,
       count(*) FILTER (WHERE coordinate_flag = 'zero') AS zero,
       count(*) FILTER (WHERE coordinate_flag = 'incomplete') AS incomplete,
       count(*) FILTER (WHERE easting IS NOT NULL AND lsoa21_code IS NULL)
           AS outside_boundaries,
       count(*) FILTER (WHERE strftime(datetime, '%Y-%m') <> month) AS outside_file_month
       FROM "police_stop_search" """, doc="Coordinate checks of stop and search.")


def _tally(table: str, column: str) -> str:
    return (f"SELECT coalesce(CAST(\"{column}\" AS VARCHAR), '(blank)') AS k, count(*) AS n "
            f'FROM "{table}" GROUP BY 1 ORDER BY 1')


#: rows per value of a column ((table, column) -> query)
TALLIES = {
    (table, column): define(f"quality.tally.{table}.{column}", _tally(table, column),
                            doc=f"Rows of {table} per {column}.")
    for table, column in (("police_street", "lsoa_vintage_published"),
                          ("police_street", "place_flag"), ("police_street", "place_method"),
                          ("police_stop_search", "object_of_search"))
}


def tally(wh: Warehouse, table: str, column: str) -> dict[str, int]:
    """Rows of ``table`` per value of ``column`` (blank as ``(blank)``)."""
    frame = run(wh, TALLIES[(table, column)])
    return {str(k): int(n) for k, n in zip(frame["k"], frame["n"], strict=True)}


STREET_STUDY_AREA = define(
    "quality.street_study_area",
    f"SELECT \"force\", count(*) AS rows, count(*) FILTER (WHERE NOT coalesce({IN_STUDY_AREA}, "
    "false)) AS outside, count(*) FILTER (WHERE borough_code IS NULL AND place_flag = "
    "'outside_boundaries') AS no_district FROM \"police_street\" GROUP BY \"force\" "
    "ORDER BY \"force\"", {"districts": "list[str]"}, example={"districts": ["E09000001"]},
    doc="Per force: rows, rows outside the study area, and of them rows outside every "
        "boundary loaded.")


def street_study_area(wh: Warehouse) -> pd.DataFrame:
    """Per force: rows, rows outside the study area, and of them rows outside every
    boundary loaded."""
    return run(wh, STREET_STUDY_AREA, districts=list(wh.study_area.districts))


def street_ids_in_several_series(wh: Warehouse) -> int:
    return int(value(wh, STREET_IDS_IN_SEVERAL_SERIES) or 0)


# -- MPS recorded crime --------------------------------------------------------------------
MPS_LEVELS = define(
    "quality.mps_levels",
    "SELECT level, count(*) AS rows, sum(count) AS offences, min(month) AS first, "
    "max(month) AS last, count(DISTINCT month) AS months, count(DISTINCT area_code) AS "
    "areas, count(DISTINCT file_id) AS files FROM mps_crime_count GROUP BY level "
    "ORDER BY level", doc="Rows, offences, months and areas per MPS level.")

MPS_MONTHS_AT_LEVEL = define(
    "quality.mps_months_at_level",
    "SELECT DISTINCT month FROM mps_crime_count WHERE level = $level ORDER BY month",
    {"level": "str"}, doc="The months of MPS counts at a level.",
    example={"level": "borough"})

MPS_EXCLUDED_MONTHS = define(
    "quality.mps_excluded_months",
    "SELECT level, month, total, reason, file_name FROM mps_month_excluded "
    "ORDER BY level, month", doc="MPS months not loaded, with the reason.")

MPS_LSOA_COVERAGE = define(
    "quality.mps_lsoa_coverage",
    "WITH b AS (SELECT code, borough_code FROM area_boundary WHERE level = 'lsoa21'), "
    "m AS (SELECT DISTINCT area_code FROM mps_crime_count WHERE level = 'lsoa') "
    "SELECT (SELECT count(*) FROM b) AS boundaries, "
    "(SELECT count(*) FROM m) AS in_table, "
    "(SELECT count(*) FROM b WHERE code NOT IN (SELECT area_code FROM m)) AS missing, "
    "(SELECT count(*) FROM b WHERE code NOT IN (SELECT area_code FROM m) AND "
    "borough_code = 'E09000001') AS missing_city, "
    "(SELECT count(*) FROM m WHERE area_code NOT IN (SELECT code FROM b)) AS unknown",
    doc="LSOA 2021 coverage of the MPS LSOA table against the loaded boundaries.")

BOUNDARY_LEVELS = define(
    "quality.boundary_levels",
    "SELECT level, count(*) AS n FROM area_boundary GROUP BY level ORDER BY level",
    doc="Boundaries loaded per level.")


def mps_months_at_level(wh: Warehouse, level: str) -> set[str]:
    return set(run(wh, MPS_MONTHS_AT_LEVEL, level=level)["month"])


def boundary_levels(wh: Warehouse) -> dict[str, int]:
    frame = run(wh, BOUNDARY_LEVELS)
    return {str(k): int(n) for k, n in zip(frame["level"], frame["n"], strict=True)}


# -- reference data ------------------------------------------------------------------------
_COVERAGE_CODES = {
    "imd2019": "SELECT lsoa_code FROM imd WHERE edition = '2019'",
    "imd2025": "SELECT lsoa_code FROM imd WHERE edition = '2025'",
    "census2021": "SELECT lsoa_code FROM population WHERE source = 'census2021' "
                  "AND age_band = 'all'",
    "mye_latest": "SELECT lsoa_code FROM population WHERE source = 'mye' "
                  "AND age_band = 'all' AND sex = 'persons' AND year = (SELECT max(year) "
                  "FROM population WHERE source = 'mye')",
    "lsoa_change21": "SELECT lsoa21_code FROM lsoa_change",
    "lsoa_change11": "SELECT lsoa11_code FROM lsoa_change",
    "ward_lookup": "SELECT lsoa21_code FROM area_lookup",
}

#: the boundaries of ``$level`` covered by a table's LSOA codes (key -> query)
COVERAGE = {
    key: define(f"quality.coverage.{key}",
                f"WITH t AS ({codes}), b AS (SELECT code FROM area_boundary WHERE level = "
                "$level) SELECT (SELECT count(*) FROM b) AS boundaries, "
                "(SELECT count(*) FROM b WHERE code IN (SELECT * FROM t)) AS covered",
                {"level": "str"}, doc="Boundaries of a level covered by the table's codes.",
                example={"level": "lsoa21"})
    for key, codes in _COVERAGE_CODES.items()
}

ED_SITES_PLACED = define(
    "quality.ed_sites_placed", "SELECT count(lsoa21_code) AS n FROM ed_site",
    doc="ED sites placed in an LSOA 2021.")

IMD_RANK_CONFLICTS = define(
    "quality.imd_rank_conflicts",
    "SELECT count(*) AS n FROM (SELECT edition, lsoa_code, domain FROM imd_value WHERE "
    "rank IS NOT NULL GROUP BY ALL HAVING count(DISTINCT rank) > 1) AS t",
    doc="IoD (LSOA, domain) ranks that differ between files.")

LSOA_WEIGHT_BASIS = define(
    "quality.lsoa_weight_basis",
    "SELECT change, weight_basis, count(*) AS pairs FROM lsoa_change GROUP BY ALL "
    "ORDER BY ALL", doc="LSOA 2011<->2021 pairs per change and apportioning basis.")


def coverage(wh: Warehouse, key: str, level: str) -> tuple[int, int]:
    """(boundaries of ``level``, of them covered by the codes of table ``key``)."""
    row = run(wh, COVERAGE[key], level=level).iloc[0]
    return int(row["boundaries"]), int(row["covered"])


def ed_sites_placed(wh: Warehouse) -> int:
    return int(value(wh, ED_SITES_PLACED) or 0)


def imd_rank_conflicts(wh: Warehouse) -> int:
    return int(value(wh, IMD_RANK_CONFLICTS) or 0)


# -- ED assault submissions ----------------------------------------------------------------
ISTV_NOT_AVAILABLE = "geocoder not available"

ISTV_SITE_MONTHS = define(
    "quality.istv_site_months",
    f"""SELECT s.site_code, strftime(s.period_start, '%Y-%m') AS month,
       count(a.assault_id) AS records,
       count(a.arrival_at) AS arrival_at,
       count(*) FILTER (WHERE a.assault_time_known) AS assault_time,
       count(*) FILTER (WHERE a.assault_method <> 'unknown') AS assault_method,
       count(*) FILTER (WHERE a.location_type <> 'unknown') AS location_type,
       count(a.location_description) AS location_description,
       count(*) FILTER (WHERE a.assault_method = 'other') AS method_other,
       count(*) FILTER (WHERE a.assault_method = 'other'
                        AND a.method_other_description IS NOT NULL)
           AS method_other_description,
       count(*) FILTER (WHERE a.easting IS NOT NULL
                        AND a.geocode_confidence >= 0.8) AS geo_high,
       count(*) FILTER (WHERE a.easting IS NOT NULL AND a.geocode_confidence >= 0.5
                        AND a.geocode_confidence < 0.8) AS geo_medium,
       count(*) FILTER (WHERE a.easting IS NOT NULL
                        AND coalesce(a.geocode_confidence, 0) < 0.5) AS geo_low,
       count(*) FILTER (WHERE a.easting IS NULL
                        AND a.geocode_unresolved_reason = '{ISTV_NOT_AVAILABLE}')
           AS geo_not_attempted,
       count(*) FILTER (WHERE a.assault_id IS NOT NULL AND a.easting IS NULL
                        AND coalesce(a.geocode_unresolved_reason, '')
                            <> '{ISTV_NOT_AVAILABLE}') AS geo_unresolved,
       any_value(s.rows_quarantined) AS quarantined,
       any_value(s.quality_score) AS quality_score
       FROM "istv_submission" s
       LEFT JOIN (SELECT * FROM "istv_assault" WHERE {OF_CURRENT_SUBMISSION}) a
         ON a.submission_id = s.submission_id
       WHERE s.status = 'current'
       GROUP BY s.site_code, s.period_start
       ORDER BY s.site_code, month""",
    doc="Completeness and geocoding of current ED submissions per site and month.")

ISTV_TIMELINESS = define(
    "quality.istv_timeliness",
    """SELECT site_code, strftime(period_start, '%Y-%m') AS month,
       date_diff('day', max(period_end), CAST(min(received_at) AS DATE)) AS days_to_submit,
       count(*) AS submissions
       FROM "istv_submission" WHERE status <> 'rejected'
       GROUP BY site_code, period_start ORDER BY site_code, month""",
    doc="Days from the end of each site's period to its first submission.")

ISTV_STATUSES = define(
    "quality.istv_statuses",
    'SELECT status, count(*) AS n FROM "istv_submission" GROUP BY status ORDER BY status',
    doc="ED submissions per status.")


def istv_quarantine(wh: Warehouse) -> pd.DataFrame:
    return run(wh, QUARANTINE_RECORDS, source="istv")
