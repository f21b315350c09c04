"""The questions behind the monthly series (:mod:`vrhub.storage.series`): counts per area,
category and month, the months each source covers, resident population, IMD, the area
lookup, boundaries, ED assault times and the files behind a table.

Where the columns depend on the source and the area level, the question is defined once per
choice when this module is imported (``series.monthly.police.ward``: police.uk counts by
ward). Their filters are typed parameters, each with a value that means "no filter":

* ``$every_area`` (bool), else ``$areas``: codes of the level or borough codes (every area
  of the level in those boroughs);
* ``$every_category`` (bool), else ``$categories``: the categories as stored;
* ``$first`` and ``$last``: first and last month (``YYYY-MM``), None for no bound
  (:func:`vrhub.storage.queries.filters.month_range`).

police.uk questions read the rows that count (:func:`vrhub.storage.queries.counted.counted`:
each crime once, in the study area ``$districts``); each also has a ``.rule`` form for a
warehouse whose repeats are not listed in ``police_uncounted``. ED assault questions read
the rows of current submissions (a superseded submission's rows are kept, never counted);
each also has a ``.stored`` form for a warehouse that records no submissions. Counts that
name their areas from ``area_lookup`` have an ``.unnamed`` form for a warehouse without a
lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vrhub.standards.series_choices import LEVELS
from vrhub.storage.queries.core import NamedQuery, define, run
from vrhub.storage.queries.counted import IN_STUDY_AREA, counted
from vrhub.storage.queries.filters import MONTH_RANGE, month_range, street_bounds
from vrhub.storage.queries.istv import OF_CURRENT_SUBMISSION
from vrhub.storage.warehouse import Warehouse

#: the area code column of each level (police.uk and ED rows, and the area lookup)
AREA_COLUMN = {"lsoa": "lsoa21_code", "ward": "ward_code", "borough": "borough_code"}
#: the area name column of each level in ``area_lookup``
NAME_COLUMN = {"lsoa": "lsoa21_name", "ward": "ward_name", "borough": "borough_name"}
#: the category of ED assaults counted without a choice of method
ALL_ASSAULTS = "all assaults"
#: ED assaults: the month of the assault
ISTV_MONTH = "strftime(assault_at, '%Y-%m')"


@dataclass
class MonthlyCounts:
    """Monthly counts for one source and level, ready for :mod:`vrhub.analytics.trends`.

    ``data`` has ``area_code``, ``area_name``, ``category``, ``month``, ``count``;
    ``coverage`` the months the source covers at this level (whatever the filters);
    ``notes`` the choices made while querying; ``provenance`` the files behind the table.
    """

    source: str
    level: str
    data: pd.DataFrame
    coverage: list[str]
    provenance: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    #: police.uk: the months each area is covered, judged by the forces publishing in it
    #: (a month is covered when one of them has a file for it); None: ``coverage`` for all
    area_coverage: dict[str, list[str]] | None = None


_AREAS = {"every_area": "bool", "areas": "list[str]"}
_CATEGORIES = {"every_category": "bool", "categories": "list[str]"}
_PERIOD = MONTH_RANGE
_STUDY_AREA = {"districts": "list[str]"}
_EXAMPLE_PERIOD = {"first": "2023-02", "last": "2023-08"}
_CITY = "E09000001"
_STUDY_AREA_EXAMPLE = {"districts": [_CITY, "E09000033"]}


def _areas(code: str, borough: str) -> str:
    return f"($every_area OR list_contains($areas, {code}) OR list_contains($areas, {borough}))"


def _area_example(level: str) -> dict[str, object]:
    return {"every_area": False, "areas": [_CITY] if level != "lsoa" else ["E01032739", _CITY]}


# -- MPS recorded crime (level is a value of the table) ------------------------------------
MPS_MONTHS = define(
    "series.months.mps",
    "SELECT DISTINCT month FROM mps_crime_count WHERE level = $level ORDER BY month",
    {"level": "str"}, doc="The months of MPS counts at a level.", example={"level": "ward"})


def _mps_monthly(label: str, chosen: str) -> str:
    return ("SELECT area_code, any_value(area_name) AS area_name, "
            f'{label} AS category, month, sum("count") AS "count" FROM mps_crime_count '
            "WHERE level = $level AND area_code IS NOT NULL AND area_code <> '' "
            f"AND ({chosen}) AND {_areas('area_code', 'borough_code')} AND {month_range()} "
            "GROUP BY 1, 3, 4 ORDER BY area_code, category, month")


MPS_MONTHLY = define(
    "series.monthly.mps",
    _mps_monthly("minor_category",
                 "$every_category OR list_contains($minors, minor_category)"),
    {"level": "str", "every_category": "bool", "minors": "list[str]", **_AREAS, **_PERIOD},
    doc="MPS counts per area, minor category and month at a level.",
    example={"level": "ward", "every_category": False,
             "minors": ["Robbery of personal property"], **_area_example("ward"),
             **_EXAMPLE_PERIOD})

MPS_MONTHLY_MAJOR = define(
    "series.monthly.mps.major",
    _mps_monthly("CASE WHEN list_contains($majors, major_category) THEN major_category "
                 "ELSE minor_category END",
                 "list_contains($minors, minor_category) "
                 "OR list_contains($majors, major_category)"),
    {"level": "str", "minors": "list[str]", "majors": "list[str]", **_AREAS, **_PERIOD},
    doc="MPS counts per area, category and month at a level, of some minor categories and "
        "some major ones (each summed over its minor categories).",
    example={"level": "ward", "minors": ["Robbery of personal property"],
             "majors": ["VIOLENCE AGAINST THE PERSON"], **_area_example("ward"),
             **_EXAMPLE_PERIOD})

MPS_PSEUDO = define(
    "series.pseudo_areas.mps",
    'SELECT coalesce(sum("count"), 0) AS n FROM mps_crime_count WHERE level = $level '
    "AND (area_code IS NULL OR area_code = '')",
    {"level": "str"}, doc="MPS offences at a level recorded against pseudo-areas (no GSS code).",
    example={"level": "borough"})


# -- police.uk street crime and ED assaults, per level -------------------------------------
def _police_variants() -> list[tuple[str, bool]]:
    return [("", True), (".rule", False)]


#: the ED assaults the series count, per form of the questions: the rows of current
#: submissions, or (``.stored``) every row, for a warehouse that records no submissions
ISTV_ROWS = {
    "": f"(SELECT * FROM istv_assault WHERE {OF_CURRENT_SUBMISSION})",
    ".stored": '"istv_assault"',
}


def _counts_sql(source: str, level: str, rows: str, named: bool) -> str:
    """Counts per area of ``level``, category and month of ``rows``: police.uk or ED rows
    (``police``, ``istv``: each row one), or the police.uk counts rolled up at load time
    (``rolled``: summed)."""
    code = "area_code" if source == "rolled" else AREA_COLUMN[level]
    counted = 'CAST(sum(t."count") AS BIGINT)' if source == "rolled" else "count(*)"
    if source in ("police", "rolled"):
        month, category, label = "t.month", "t.crime_type", "t.crime_type"
    else:
        month, category = ISTV_MONTH.replace("assault_at", "t.assault_at"), "t.assault_method"
        label = f"CASE WHEN $every_category THEN '{ALL_ASSAULTS}' ELSE {category} END"
    names = ""
    if named:
        names = (f"LEFT JOIN (SELECT {AREA_COLUMN[level]} AS code, "
                 f"any_value({NAME_COLUMN[level]}) AS area_name FROM area_lookup "
                 f"GROUP BY {AREA_COLUMN[level]}) n ON n.code = t.{code} ")
    return (f"SELECT t.{code} AS area_code, {'any_value(n.area_name)' if named else 'NULL'} "
            f'AS area_name, {label} AS category, {month} AS month, {counted} AS "count" '
            f"FROM {rows} t {names}WHERE t.{code} IS NOT NULL "
            f"AND ($every_category OR list_contains($categories, {category})) "
            f"AND {_areas('t.' + code, 't.borough_code')} AND {month_range(month)} "
            "GROUP BY 1, 3, 4 ORDER BY 1, 3, 4")


def _force_months_sql(code: str, rows: str, force_months: str) -> str:
    """Per area (column ``code`` of ``rows``): the months of ``force_months`` in which a
    force publishing crimes in it has any row."""
    return (f'SELECT DISTINCT a.area_code, f.month FROM (SELECT DISTINCT {code} AS '
            f'area_code, "force" FROM {rows} t WHERE {code} IS NOT NULL) a JOIN '
            f'(SELECT DISTINCT "force", month FROM {force_months}) f USING ("force") '
            "ORDER BY 1, 2")


def _define_point_questions() -> dict[str, NamedQuery]:
    out: dict[str, NamedQuery] = {}
    police_example = {**_STUDY_AREA_EXAMPLE, "every_category": False,
                      "categories": ["Violence and sexual offences", "Burglary"]}
    istv_example = {"every_category": True, "categories": []}
    for level in LEVELS:
        code = AREA_COLUMN[level]
        for suffix, listed in _police_variants():
            rows = counted(listed=listed)
            for named in (True, False):
                name = f"series.monthly.police.{level}{suffix}{'' if named else '.unnamed'}"
                out[name] = define(
                    name, _counts_sql("police", level, rows, named),
                    {**_STUDY_AREA, **_CATEGORIES, **_AREAS, **_PERIOD},
                    narrows=street_bounds("ledger" if listed else "rule"),
                    doc=f"police.uk crimes (each once, in the study area) per {level}, crime "
                        "type and month" + ("" if named else ", without area names"),
                    example={**police_example, **_area_example(level), **_EXAMPLE_PERIOD})
            name = f"series.unplaced.police.{level}{suffix}"
            out[name] = define(
                name, f"SELECT count(*) AS n FROM {rows} t WHERE {code} IS NULL", _STUDY_AREA,
                doc=f"police.uk crimes of the study area in no {level}.",
                example=_STUDY_AREA_EXAMPLE)
            name = f"series.force_months.police.{level}{suffix}"
            out[name] = define(
                name,
                _force_months_sql(code, rows, "police_street"), _STUDY_AREA,
                doc=f"Per {level}: the months in which a force publishing crimes in it has "
                    "any row.", example=_STUDY_AREA_EXAMPLE)
        for form, rows in ISTV_ROWS.items():
            which = " (every row stored)" if form else ""
            for named in (True, False):
                name = f"series.monthly.istv.{level}{form}{'' if named else '.unnamed'}"
                out[name] = define(
                    name, _counts_sql("istv", level, rows, named),
                    {**_CATEGORIES, **_AREAS, **_PERIOD},
                    doc=f"ED assaults{which} per {level}, method (or all assaults) and month"
                        + ("" if named else ", without area names"),
                    example={**istv_example, **_area_example(level), **_EXAMPLE_PERIOD})
            name = f"series.unplaced.istv.{level}{form}"
            out[name] = define(name, f"SELECT count(*) AS n FROM {rows} t WHERE {code} IS NULL",
                               doc=f"ED assaults{which} in no {level}.")
            name = f"series.assault_times.{level}{form}"
            out[name] = define(
                name,
                "SELECT assault_at AS start, CASE WHEN assault_time_known THEN NULL "
                f'ELSE assault_at + INTERVAL 1 DAY END AS "end" FROM {rows} t '
                f"WHERE assault_at IS NOT NULL AND {_areas(code, 'borough_code')} "
                f"AND {month_range(ISTV_MONTH)}", {**_AREAS, **_PERIOD},
                doc=f"ED assault times{which} (a whole day when the time is not known), of "
                    f"some areas ({level} or borough codes) and months.",
                example={**_area_example(level), **_EXAMPLE_PERIOD})
        name = f"series.lookup.{level}"
        out[name] = define(
            name,
            f"SELECT lsoa21_code AS lsoa_code, {code} AS area_code, {NAME_COLUMN[level]} AS "
            f"area_name, borough_code FROM area_lookup WHERE {code} IS NOT NULL",
            doc=f"The {level} (code, name) and borough of each LSOA 2021.")
    for suffix, listed in _police_variants():
        name = f"series.months.police{suffix}"
        out[name] = define(
            name, f"SELECT DISTINCT month FROM {counted(listed=listed)} t "
                  "WHERE month IS NOT NULL ORDER BY 1", _STUDY_AREA,
            doc="The months with police.uk crimes in the study area.",
            example=_STUDY_AREA_EXAMPLE)
        name = f"series.outside.police{suffix}"
        out[name] = define(
            name, f"SELECT count(*) AS n FROM {counted(listed=listed, study_area=False)} t "
                  f"WHERE NOT coalesce({IN_STUDY_AREA}, false)", _STUDY_AREA,
            doc="police.uk crimes outside the study area (each once).",
            example=_STUDY_AREA_EXAMPLE)
    return out


POINT_QUESTIONS = _define_point_questions()


# -- police.uk counts rolled up at load time (vrhub.storage.police_rollup) ---------------
def _rolled(level: str) -> str:
    return ('(SELECT area_code, borough_code, "force", crime_type, month, "count" '
            f"FROM police_month_count WHERE level = '{level}')")


def _define_rolled_questions() -> dict[str, NamedQuery]:
    """The police.uk questions of the levels counted at load time, read from the counts
    (while they are in step with the rows: :func:`vrhub.storage.police_rollup.fresh`)."""
    out: dict[str, NamedQuery] = {}
    police_example = {"every_category": False,
                      "categories": ["Violence and sexual offences", "Burglary"]}
    for level in ("ward", "borough"):
        rows = _rolled(level)
        for named in (True, False):
            name = f"series.monthly.police.{level}.rolled{'' if named else '.unnamed'}"
            out[name] = define(
                name, _counts_sql("rolled", level, rows, named),
                {**_CATEGORIES, **_AREAS, **_PERIOD},
                doc=f"police.uk crimes per {level}, crime type and month from the counts "
                    "rolled up at load time" + ("" if named else ", without area names"),
                example={**police_example, **_area_example(level), **_EXAMPLE_PERIOD})
        name = f"series.unplaced.police.{level}.rolled"
        out[name] = define(
            name, f'SELECT coalesce(sum("count"), 0) AS n FROM {rows} t '
                  "WHERE area_code IS NULL",
            doc=f"police.uk crimes of the study area in no {level} (rolled-up counts).")
        name = f"series.force_months.police.{level}.rolled"
        out[name] = define(
            name,
            _force_months_sql("area_code", rows, "police_force_month"),
            doc=f"Per {level}: the months in which a force publishing crimes in it has any "
                "row (rolled-up counts).")
    out["series.outside.police.rolled"] = define(
        "series.outside.police.rolled", "SELECT outside AS n FROM police_rollup_state",
        doc="police.uk crimes outside the study area, counted at load time.")
    return out


ROLLED_QUESTIONS = _define_rolled_questions()

#: per form of the ED questions (:data:`ISTV_ROWS`): the months with ED assaults
ISTV_MONTHS: dict[str, NamedQuery] = {}
#: per form: ED assaults in a borough whose patient's age band is known
ISTV_AGED: dict[str, NamedQuery] = {}
#: per form: ED assaults per ward of a borough whose patient is in some age bands
ISTV_BY_AGE: dict[str, NamedQuery] = {}
for _form, _rows in ISTV_ROWS.items():
    _which = " (every row stored)" if _form else ""
    ISTV_MONTHS[_form] = define(
        f"series.months.istv{_form}",
        f"SELECT DISTINCT {ISTV_MONTH} AS month FROM {_rows} t WHERE assault_at IS NOT NULL "
        "ORDER BY 1", doc=f"The months with ED assaults{_which}.")
    ISTV_AGED[_form] = define(
        f"series.istv_aged{_form}",
        f"SELECT count(*) AS n FROM {_rows} t WHERE borough_code = $borough "
        "AND age_band IS NOT NULL", {"borough": "str"},
        doc=f"ED assaults{_which} in a borough whose patient's age band is known.",
        example={"borough": _CITY})
    ISTV_BY_AGE[_form] = define(
        f"series.istv_by_age{_form}",
        f'SELECT ward_code AS area_code, count(*) AS "count" FROM {_rows} t '
        "WHERE borough_code = $borough AND ward_code IS NOT NULL "
        f"AND list_contains($bands, age_band) AND {month_range(ISTV_MONTH)} GROUP BY 1",
        {"borough": "str", "bands": "list[str]", **_PERIOD},
        doc=f"ED assaults{_which} per ward of a borough whose patient is in some age bands, "
            "over months.",
        example={"borough": _CITY, "bands": ["16-17", "18-24"], **_EXAMPLE_PERIOD})

# -- population, deprivation, boundaries --------------------------------------------------
_POPULATION = ("FROM population WHERE lsoa_vintage = '2021' AND age_band = 'all' "
               "AND sex = 'persons'")

POPULATION_CHOICES = define(
    "series.population_choices",
    f"SELECT source, year, count(*) AS n {_POPULATION} GROUP BY source, year "
    "ORDER BY year DESC, (source = 'census2021') DESC",
    doc="Sources and years of LSOA 2021 resident totals, newest first (the Census first).")

LSOA_POPULATION = define(
    "series.lsoa_population",
    f"SELECT lsoa_code, sum(\"count\") AS population {_POPULATION} AND source = $source "
    "AND year = $year GROUP BY lsoa_code",
    {"source": "str", "year": "int"},
    doc="Residents per LSOA 2021 (all ages, persons) of one source and year.",
    example={"source": "census2021", "year": 2021})

LSOA_IMD = define(
    "series.lsoa_imd",
    "SELECT lsoa_code, imd_rank, imd_decile, imd_score FROM imd WHERE edition = $edition "
    "AND lsoa_vintage = '2021'", {"edition": "str"},
    doc="IMD rank, decile and score of each LSOA 2021 in one edition.",
    example={"edition": "2025"})

BOUNDARIES = define(
    "series.boundaries",
    "SELECT code AS area_code, geometry FROM area_boundary WHERE level = $level",
    {"level": "str"}, doc="Boundaries (WKB) of one level.", example={"level": "borough"})


# -- provenance --------------------------------------------------------------------------
_LEVEL_EXAMPLE = {"area_boundary": "ward22"}


def _define_provenance() -> dict[tuple[str, bool], NamedQuery]:
    from vrhub.standards.registry import all_tables

    out: dict[tuple[str, bool], NamedQuery] = {}
    select = ("SELECT p.source, p.file_name, p.sha256, p.rows_loaded, p.loaded_at "
              "FROM provenance p WHERE p.file_id IN (SELECT DISTINCT file_id FROM ")
    for table in sorted(all_tables(), key=lambda t: t.name):
        columns = {c.name for c in table.columns}
        if "file_id" not in columns:
            continue
        out[table.name, False] = define(
            f"series.provenance.{table.name}",
            f'{select}"{table.name}") ORDER BY p.file_name',
            doc=f"The loaded files behind {table.name}.")
        if "level" in columns:
            out[table.name, True] = define(
                f"series.provenance.{table.name}.level",
                f'{select}"{table.name}" WHERE level = $level) ORDER BY p.file_name',
                {"level": "str"}, doc=f"The loaded files behind the {table.name} rows of "
                "one level.", example={"level": _LEVEL_EXAMPLE.get(table.name, "ward")})
    return out


#: (table, of one level) -> the question of the files behind it
PROVENANCE = _define_provenance()


def provenance_for(warehouse: Warehouse, tables: Sequence[str],
                   levels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The loaded files behind ``tables`` (via their ``file_id`` column); ``levels`` maps a
    table with a ``level`` column to the level whose rows were used."""
    out: list[dict[str, Any]] = []
    if not warehouse.has_table("provenance"):
        return out
    for table in tables:
        level = (levels or {}).get(table)
        question = PROVENANCE.get((table, level is not None))
        if question is None or not warehouse.has_table(table):
            continue
        found = (run(warehouse, question) if level is None
                 else run(warehouse, question, level=level))
        for rec in found.to_dict("records"):
            item = {str(k): v for k, v in rec.items()}
            item["table"] = table
            item["loaded_at"] = str(item["loaded_at"])
            out.append(item)
    return out
