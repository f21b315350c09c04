"""Events as the hotspot and near-repeat analyses read them: police.uk street crimes (each
crime once, in the study area) and ED assaults, filtered by category, period and borough.

The choices made at run time are few, so each has its own named query, generated here:

* the source: ``police`` (rows that count, read with the ledger ``police_uncounted`` a
  police load writes), ``police_rule`` (rows written without a police load: the rule
  applied in the query, see :mod:`vrhub.storage.police_counted`) or ``police_plain`` (a
  table of another shape, written by hand: each row a crime);
  ``istv`` (assaults of current submissions) or ``istv_all`` (no submissions table);
* an optional filter is a parameter: ``($name IS NULL OR ...)`` (written once in
  :mod:`vrhub.storage.queries.filters`), or a list with a flag saying "every value"
  (``($every_category OR list_contains($categories, ...))``).

The study area is the parameter ``$districts`` (its district codes).
"""

from __future__ import annotations

from vrhub.standards.study_area import study_area
from vrhub.storage.queries.core import NamedQuery, define
from vrhub.storage.queries.counted import counted
from vrhub.storage.queries.filters import (
    BOROUGH,
    MONTH_RANGE,
    in_borough,
    month_range,
    optional,
    street_bounds,
)
from vrhub.storage.queries.istv import OF_CURRENT_SUBMISSION
from vrhub.storage.warehouse import Warehouse

#: the example study area of every query reading police rows (London's boroughs)
DISTRICTS_EXAMPLE = list(study_area(None).districts)

def counted_police(how: str) -> str:
    """The rows of ``police_street`` that count, in the study area ``$districts``: a
    parenthesised query to follow ``FROM`` (the same rows as
    :func:`vrhub.storage.police_counted.counted_rows`). ``how`` is ``ledger``, ``rule``
    or ``plain`` (see :func:`police_variant`)."""
    if how == "plain":
        return ('(SELECT * FROM "police_street" WHERE list_contains($districts, '
                "borough_code) OR borough_code IS NULL)")
    return counted(listed=how == "ledger")


#: police variants: name -> how the rows that count are read
POLICE_VARIANTS = {"police": "ledger", "police_rule": "rule", "police_plain": "plain"}
#: the columns the counting rule reads
_RULE_COLUMNS = frozenset({"crime_id", "series", "month", "file_id", "row_number",
                           "reported_by", "crime_type", "longitude", "latitude", "location",
                           "borough_code", "place_flag"})


def police_variant(wh: Warehouse) -> str:
    """``police`` when the warehouse holds the ledger of uncounted rows, else
    ``police_rule``; ``police_plain`` for a table without the columns the rule reads."""
    if not wh.columns("police_street") >= _RULE_COLUMNS:
        return "police_plain"
    return "police" if wh.has_table("police_uncounted") else "police_rule"


def istv_variant(wh: Warehouse) -> str:
    """``istv`` (current submissions only) when submissions are recorded, else
    ``istv_all``."""
    return "istv" if wh.has_table("istv_submission") else "istv_all"


# -- event filters (load_points, count_events, event_months) -------------------------------
_POLICE_FILTER = (
    "($every_category OR list_contains($categories, lower(crime_type))) "
    f"AND {month_range()} AND {in_borough()}")
_POLICE_PARAMS = {"every_category": "bool", "categories": "list[str]", **MONTH_RANGE, **BOROUGH}
_POLICE_EXAMPLE = {"every_category": False, "categories": ["burglary", "robbery"],
                   "first": "2023-02", "last": "2023-08", "borough": None}

_ISTV_FILTER = (
    "($every_category OR list_contains($categories, lower(assault_method))) "
    f"AND {optional('start', 'assault_at >= CAST($start AS DATE)')} "
    f"AND {optional('end', 'CAST(assault_at AS DATE) <= CAST($end AS DATE)')} "
    f"AND {in_borough()}")
_ISTV_PARAMS = {"every_category": "bool", "categories": "list[str]", "start": "str | None",
                "end": "str | None", **BOROUGH}
_ISTV_EXAMPLE = {"every_category": True, "categories": [], "start": "2024-01-01",
                 "end": "2024-06-30", "borough": None}

def _event_source(variant: str) -> tuple[str, str, str, str, str, dict[str, str],
                                         dict[str, object]]:
    """(relation, date SQL, category column, file column, condition, parameters,
    example) of an event variant."""
    if variant in POLICE_VARIANTS:
        return (f"{counted_police(POLICE_VARIANTS[variant])} AS police_street",
                "CAST(CAST(month AS VARCHAR) || '-01' AS DATE)", "crime_type", "file_id",
                _POLICE_FILTER, {"districts": "list[str]", **_POLICE_PARAMS},
                {"districts": DISTRICTS_EXAMPLE, **_POLICE_EXAMPLE})
    base = variant.removesuffix("_sites")
    condition = (f"{OF_CURRENT_SUBMISSION} AND {_ISTV_FILTER}" if base == "istv"
                 else _ISTV_FILTER)
    params, example = dict(_ISTV_PARAMS), dict(_ISTV_EXAMPLE)
    if variant.endswith("_sites"):  # only a table with the column is asked about sites
        condition += " AND list_contains($sites, site_code)"
        params["sites"], example["sites"] = "list[str]", ["RJ122"]
    return ('"istv_assault"', "assault_at", "assault_method", "submission_id", condition,
            params, example)


#: variant -> the events a filter selects (with or without a point; ``istv_sites`` and
#: ``istv_all_sites``: from some ED sites only)
EVENTS: dict[str, NamedQuery] = {}
#: variant -> how many events a filter selects
EVENT_COUNT: dict[str, NamedQuery] = {}
#: variant -> the first and last month (YYYY-MM) of the events
EVENT_MONTHS: dict[str, NamedQuery] = {}
for _variant in (*POLICE_VARIANTS, "istv", "istv_all", "istv_sites", "istv_all_sites"):
    _rel, _date, _category, _file, _cond, _params, _example = _event_source(_variant)
    _confidence = "1.0" if _variant in POLICE_VARIANTS else "geocode_confidence"
    _narrows = (street_bounds(POLICE_VARIANTS[_variant], borough=True)
                if _variant in POLICE_VARIANTS else ())
    EVENTS[_variant] = define(
        f"points.events.{_variant}",
        f"SELECT easting, northing, {_date} AS date, {_category} AS category, lsoa21_code, "
        f"borough_code, {_file} AS file_id, {_confidence} AS confidence FROM {_rel} "
        f"WHERE {_cond}", _params, example=_example, narrows=_narrows,
        doc=f"Events ({_variant}) a filter selects, with their point, date and file.")
    if _variant.endswith("_sites"):  # counts and months are never asked of some sites
        continue
    EVENT_COUNT[_variant] = define(
        f"points.count.{_variant}", f"SELECT count(*) AS n FROM {_rel} WHERE {_cond}", _params,
        example=_example, narrows=_narrows,
        doc=f"How many events ({_variant}) a filter selects.")
    _whole = {k: v for k, v in _params.items() if k == "districts"}
    EVENT_MONTHS[_variant] = define(
        f"points.months.{_variant}",
        f"SELECT strftime(min({_date}), '%Y-%m') AS first, "
        f"strftime(max({_date}), '%Y-%m') AS last FROM {_rel}"
        + (f" WHERE {OF_CURRENT_SUBMISSION}" if _variant == "istv" else ""), _whole,
        example={k: v for k, v in _example.items() if k in _whole},
        doc=f"The first and last month of the events ({_variant}).")

BOROUGH_CODE = define(
    "points.borough_code",
    "SELECT code FROM area_boundary WHERE level = 'borough' AND "
    "(upper(code) = upper($borough) OR lower(name) = lower($borough)) ORDER BY code LIMIT 1",
    {"borough": "str"}, example={"borough": "city of london"},
    doc="The GSS code of a borough given by code or name (case-insensitive).")

# -- near-repeat events --------------------------------------------------------------------
_NEAR_POLICE = (f"{optional('category', 'lower(crime_type) = lower($category)')} "
                f"AND {month_range()} AND {in_borough()}")
_NEAR_ISTV = ("assault_at IS NOT NULL "
              f"AND {optional('start', 'assault_at >= CAST($start AS TIMESTAMP)')} "
              f"AND {optional('before', 'assault_at < CAST($before AS TIMESTAMP)')} "
              f"AND {in_borough()}")


def _near_source(variant: str) -> tuple[str, str, str, dict[str, str], dict[str, object]]:
    if variant in POLICE_VARIANTS:
        return (f"{counted_police(POLICE_VARIANTS[variant])} AS police_street",
                "CAST(month || '-01' AS DATE)", _NEAR_POLICE,
                {"districts": "list[str]", "category": "str | None", **MONTH_RANGE, **BOROUGH},
                {"districts": DISTRICTS_EXAMPLE, "category": "Burglary", "first": "2023-01",
                 "last": "2023-06", "borough": None})
    return ('"istv_assault"', "assault_at", _NEAR_ISTV,
            {"start": "str | None", "before": "str | None", **BOROUGH},
            {"start": "2024-01-01", "before": "2024-07-01", "borough": "E09000001"})


#: source variant -> how many events the Knox test selects
NEAR_REPEAT_COUNT: dict[str, NamedQuery] = {}
#: source variant -> the selected events with a point
NEAR_REPEAT_POINTS: dict[str, NamedQuery] = {}
#: police variant -> the provenance of the files of the selected events
NEAR_REPEAT_PROVENANCE: dict[str, NamedQuery] = {}
for _variant in (*POLICE_VARIANTS, "istv"):
    _rel, _time, _cond, _params, _example = _near_source(_variant)
    _narrows = (street_bounds(POLICE_VARIANTS[_variant], borough=True)
                if _variant in POLICE_VARIANTS else ())
    NEAR_REPEAT_COUNT[_variant] = define(
        f"points.near_repeat_count.{_variant}", f"SELECT count(*) AS n FROM {_rel} WHERE {_cond}",
        _params, example=_example, narrows=_narrows,
        doc=f"Events ({_variant}) a Knox test selects.")
    NEAR_REPEAT_POINTS[_variant] = define(
        f"points.near_repeat_points.{_variant}",
        f"SELECT easting, northing, {_time} AS date FROM {_rel} WHERE {_cond} "
        "AND easting IS NOT NULL AND northing IS NOT NULL", _params, example=_example,
        narrows=_narrows,
        doc=f"Points and dates of the events ({_variant}) a Knox test selects.")
    if _variant in POLICE_VARIANTS:
        NEAR_REPEAT_PROVENANCE[_variant] = define(
            f"points.near_repeat_provenance.{_variant}",
            "SELECT file_name, sha256, source, loaded_at FROM provenance WHERE file_id IN "
            f"(SELECT DISTINCT file_id FROM {_rel} WHERE {_cond}) ORDER BY file_name",
            _params, example=_example, narrows=_narrows,
            doc=f"The files of the events ({_variant}) a Knox test selects.")

# -- population at LSOA centroids ----------------------------------------------------------
POPULATION_YEARS = define(
    "points.population_years",
    "SELECT DISTINCT year FROM population WHERE lsoa_vintage = $vintage "
    "AND age_band = 'all' AND sex = 'persons' ORDER BY year",
    {"vintage": "str"}, example={"vintage": "2021"},
    doc="The years of all-ages population estimates on LSOAs of a vintage.")

BOUNDARIES_AT_LEVEL = define(
    "points.boundaries_at_level",
    "SELECT count(*) AS n FROM area_boundary WHERE level = $level",
    {"level": "str"}, example={"level": "lsoa21"}, doc="Boundaries loaded at a level.")

POPULATION_SOURCES = define(
    "points.population_sources",
    "SELECT DISTINCT source FROM population WHERE lsoa_vintage = $vintage AND year = $year "
    "AND age_band = 'all' AND sex = 'persons' ORDER BY source DESC",
    {"vintage": "str", "year": "int"}, example={"vintage": "2021", "year": 2022},
    doc="The sources of a year's all-ages population estimates on LSOAs.")

POPULATION_AT_LSOAS = define(
    "points.population_at_lsoas",
    "SELECT any_value(b.geometry) AS geometry, sum(p.count) AS population "
    "FROM population p JOIN area_boundary b ON b.level = $level AND b.code = p.lsoa_code "
    "WHERE p.lsoa_vintage = $vintage AND p.age_band = 'all' AND p.sex = 'persons' "
    "AND p.year = $year AND p.source = $source GROUP BY b.code",
    {"level": "str", "vintage": "str", "year": "int", "source": "str"},
    example={"level": "lsoa21", "vintage": "2021", "year": 2022, "source": "mye"},
    doc="Residents (all ages) of each LSOA with its shape (WKB).")

PROVENANCE_OF_FILES = define(
    "points.provenance_of_files",
    "SELECT source, file_name, sha256, partition, rows_loaded, loaded_at FROM provenance "
    "WHERE list_contains($file_ids, file_id) ORDER BY source, file_name",
    {"file_ids": "list[str]"}, example={"file_ids": ["none"]},
    doc="The provenance rows of some files.")
