"""Postcodes, from the gazetteer's ONS Postcode Directory table (``gazetteer_postcode``;
:mod:`vrhub.storage.postcodes`): one postcode, many, a whole directory, a postcode district,
and the boroughs the area lookup names."""

from __future__ import annotations

from vrhub.standards.gazetteer import GAZETTEER_POSTCODE
from vrhub.storage.queries.core import define

_TABLE = f'"{GAZETTEER_POSTCODE.name}"'
_COLUMNS = "postcode, easting, northing, lsoa21_code, ward_code, borough_code"

POSTCODE = define(
    "postcodes.postcode", f"SELECT {_COLUMNS} FROM {_TABLE} WHERE postcode = $postcode",
    {"postcode": "str"}, example={"postcode": "EC2V7HH"},
    doc="The centroid and areas of one full postcode.")

POSTCODES = define(
    "postcodes.postcodes",
    f"SELECT {_COLUMNS} FROM {_TABLE} WHERE list_contains($postcodes, postcode)",
    {"postcodes": "list[str]"}, example={"postcodes": ["EC2V7HH", "SW1A1AA"]},
    doc="The centroid and areas of some full postcodes (those found).")

COUNT = define("postcodes.count", f"SELECT count(*) AS n FROM {_TABLE}",
               doc="How many postcodes the directory holds.")

ALL = define("postcodes.all", f"SELECT {_COLUMNS} FROM {_TABLE} ORDER BY postcode",
             doc="Every postcode of the directory, in order.")

DISTRICT = define(
    "postcodes.district",
    f"SELECT avg(easting) AS easting, avg(northing) AS northing, "
    f"mode(borough_code) AS borough_code, count(*) AS n FROM {_TABLE} "
    "WHERE postcode LIKE $prefix AND length(postcode) = $length",
    {"prefix": "str", "length": "int"}, example={"prefix": "EC2V%", "length": 7},
    doc="The mean centroid of a postcode district's postcodes, and the borough most lie in.")

BOROUGHS = define(
    "postcodes.boroughs",
    "SELECT DISTINCT borough_code, borough_name FROM area_lookup "
    "WHERE borough_code IS NOT NULL AND borough_name IS NOT NULL ORDER BY borough_name",
    doc="(code, name) of the boroughs the area lookup names, by name.")
