"""The names people type and the places maps name (:mod:`vrhub.storage.names`,
:mod:`vrhub.storage.streets`, :mod:`vrhub.storage.study_area`): areas of each level,
categories of each source, ED sites, street points inside a box, and the study area's
districts. One query per area level, defined here; each is asked only when its table is
loaded."""

from __future__ import annotations

from vrhub.storage.queries.core import NamedQuery, define

#: ``area_lookup`` columns (code, name) of each area level
LOOKUP_COLUMNS = {"borough": ("borough_code", "borough_name"),
                  "ward": ("ward_code", "ward_name"),
                  "lsoa": ("lsoa21_code", "lsoa21_name")}

#: area level -> its named areas in the LSOA -> ward -> borough lookup
AREAS_LOOKUP: dict[str, NamedQuery] = {
    level: define(
        f"names.areas_lookup.{level}",
        f"SELECT {code} AS code, any_value({name}) AS name, "
        "any_value(borough_code) AS borough_code, any_value(borough_name) AS borough_name "
        f"FROM area_lookup WHERE {code} IS NOT NULL AND {name} IS NOT NULL GROUP BY 1",
        doc=f"Every {level} the area lookup names, with its borough.")
    for level, (code, name) in LOOKUP_COLUMNS.items()}

AREAS_BOUNDARY = define(
    "names.areas_boundary",
    "SELECT b.code, any_value(b.name) AS name, any_value(b.borough_code) AS "
    "borough_code, any_value(o.name) AS borough_name FROM area_boundary b "
    "LEFT JOIN area_boundary o ON o.level = 'borough' AND o.code = b.borough_code "
    "WHERE b.level = $level AND b.name IS NOT NULL GROUP BY 1",
    {"level": "str"}, example={"level": "ward22"},
    doc="Every named boundary of a level, with the name of its borough.")

MPS_CATEGORIES = define(
    "names.mps_categories",
    "SELECT DISTINCT minor_category AS c FROM mps_crime_count "
    "UNION SELECT DISTINCT major_category FROM mps_crime_count",
    doc="The MPS minor and major categories held.")

ED_SITES = define(
    "names.ed_sites",
    "SELECT site_code, site_name, borough_code FROM ed_site ORDER BY site_code",
    doc="The ED sites.")

_BOX = {"xmin": "float", "xmax": "float", "ymin": "float", "ymax": "float"}
_BOX_EXAMPLE = {"xmin": 523000.0, "xmax": 534500.0, "ymin": 173000.0, "ymax": 182500.0}

STREETS_GAZETTEER = define(
    "streets.gazetteer",
    "SELECT coalesce(n.display_name, n.name) AS name, p.easting, p.northing, "
    "p.weight FROM gazetteer_point p JOIN gazetteer_name n USING (name_id) "
    "WHERE n.kind = 'street' AND p.easting BETWEEN $xmin AND $xmax "
    "AND p.northing BETWEEN $ymin AND $ymax", _BOX, example=_BOX_EXAMPLE,
    doc="The gazetteer's street points inside a box.")

STREETS_POLICE = define(
    "streets.police",
    "SELECT location AS name, easting, northing, CAST(count(*) AS DOUBLE) AS weight "
    "FROM police_street WHERE location IS NOT NULL AND easting BETWEEN $xmin AND $xmax "
    "AND northing BETWEEN $ymin AND $ymax GROUP BY location, easting, northing",
    _BOX, example=_BOX_EXAMPLE,
    doc="police.uk snap points (\"On or near ...\") inside a box, weighted by their rows.")

DISTRICT_BOUNDARIES = define(
    "study_area.district_boundaries",
    "SELECT code, name, level, geometry, file_id FROM ("
    "SELECT code, name, level, geometry, file_id, row_number() OVER ("
    "PARTITION BY code ORDER BY level = 'district') AS nth FROM area_boundary "
    "WHERE level IN ('borough', 'district') AND list_contains($codes, code)) AS b "
    "WHERE nth = 1 ORDER BY code",
    {"codes": "list[str]"}, example={"codes": ["E09000001", "E09990001", "E09990002"]},
    doc="Each district's boundary from the finest level that holds it.")

DISTRICT_LOOKUP_NAMES = define(
    "study_area.district_lookup_names",
    "SELECT borough_code, any_value(borough_name) AS borough_name FROM area_lookup "
    "WHERE list_contains($codes, borough_code) AND borough_name IS NOT NULL GROUP BY 1",
    {"codes": "list[str]"}, example={"codes": ["E09000001", "E09990001", "E09990002"]},
    doc="The ONS lookup's name of each district.")
