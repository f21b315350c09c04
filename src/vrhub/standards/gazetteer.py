"""Warehouse tables of the location gazetteer used to geocode ED assault locations.

The gazetteer is derived data: ``vrhub istv gazetteer build`` rebuilds the names and points
that come from tables vrhub already holds (police.uk snap points, borough and ward names,
ED sites); the optional imports (OS Open Names, ONS Postcode Directory) are kept across
rebuilds. Names are stored normalised (see :mod:`vrhub.geography.text`).
"""

from __future__ import annotations

from vrhub.standards.codes import LSOACode, WardCode
from vrhub.standards.schema import Column, Table

GAZETTEER_SOURCES = ("police_uk", "area", "ed_site", "os_open_names")
NAME_KINDS = ("street", "place", "station", "area", "ed_site", "landmark")

GAZETTEER_NAME = Table(
    name="gazetteer_name",
    group="geocoding",
    description="One row per distinct normalised place name and source: the keys the "
    "geocoder looks descriptions up by.",
    columns=(
        Column("name_id", "integer", "Identifier of the name within the gazetteer.",
               required=True, minimum=0),
        Column("name", "string", "Normalised name (lower case, abbreviations expanded, "
               "punctuation removed), e.g. 'alexandra road'.", required=True),
        Column("display_name", "string", "The name as published, e.g. 'Alexandra Road'."),
        Column("core", "string", "The name without its street type ('alexandra'), for "
               "descriptions that leave the type out; blank when the name has no type."),
        Column("kind", "string", "What the name is.", required=True, allowed=NAME_KINDS),
        Column("source", "string", "Where the name came from.", required=True,
               allowed=GAZETTEER_SOURCES),
        Column("area_code", "string", "For borough and ward names: the GSS code of the area.",
               pattern=r"[EW]0\d{7}"),
        Column("n_points", "integer", "Number of points carrying this name.", minimum=0),
        Column("n_lsoas", "integer", "Number of distinct LSOAs (2021) among those points.",
               minimum=0),
    ),
    primary_key=("name_id",),
)

GAZETTEER_POINT = Table(
    name="gazetteer_point",
    group="geocoding",
    description="The points (British National Grid) a gazetteer name can refer to, with "
    "the areas they fall in and a prior weight (for police.uk snap points, the number of "
    "crimes recorded at the point).",
    columns=(
        Column("name_id", "integer", "gazetteer_name.name_id.", required=True, minimum=0),
        Column("easting", "float", "Easting, metres (EPSG:27700).", required=True),
        Column("northing", "float", "Northing, metres (EPSG:27700).", required=True),
        Column("lsoa21_code", "string", "LSOA 2021 the point falls in.",
               pattern=LSOACode.expression),
        Column("ward_code", "string", "Electoral ward (2022) the point falls in.",
               pattern=WardCode.expression),
        Column("borough_code", "string", "Local authority the point falls in.",
               pattern=r"[EW]0[6-9]\d{6}"),
        Column("weight", "float", "Prior weight of the point (crimes recorded there; 1 for "
               "other sources).", required=True, minimum=0),
    ),
    indexes=(("name_id",),),
)

GAZETTEER_POSTCODE = Table(
    name="gazetteer_postcode",
    group="geocoding",
    description="Postcode centroids imported from the ONS Postcode Directory (ONSPD).",
    columns=(
        Column("postcode", "string", "Postcode without spaces, upper case ('SW1A1AA').",
               required=True, pattern=r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}"),
        Column("easting", "float", "Easting of the postcode centroid (oseast1m).",
               required=True),
        Column("northing", "float", "Northing of the postcode centroid (osnrth1m).",
               required=True),
        Column("lsoa21_code", "string", "LSOA 2021 of the postcode.", pattern=LSOACode.expression),
        Column("ward_code", "string", "Electoral ward of the postcode.",
               pattern=WardCode.expression),
        Column("borough_code", "string", "Local authority of the postcode.",
               pattern=r"[EW]0[6-9]\d{6}"),
    ),
    primary_key=("postcode",),
)

GAZETTEER_BUILD = Table(
    name="gazetteer_build",
    group="geocoding",
    description="When the gazetteer was last built and from how many source rows; the "
    "geocoder rebuilds automatically when the police.uk rows it was built from change.",
    columns=(
        Column("built_at", "timestamp", "When the build finished (UTC).", required=True),
        Column("police_rows", "integer", "Rows of police_street read.", minimum=0),
        Column("names", "integer", "Names in the gazetteer after the build.", minimum=0),
        Column("points", "integer", "Points in the gazetteer after the build.", minimum=0),
    ),
)

GEOCODER_CALIBRATION = Table(
    name="geocoder_calibration",
    group="geocoding",
    description="Confidence calibrations fitted by `vrhub istv calibrate-geocoder`; the most "
    "recent one overrides the calibration shipped with vrhub.",
    columns=(
        Column("fitted_at", "timestamp", "When the calibration was fitted (UTC).",
               required=True),
        Column("labelled_file", "string", "Name of the labelled file it was fitted on."),
        Column("n", "integer", "Labelled descriptions used.", minimum=0),
        Column("coefficients", "json", "Feature names and logistic coefficients.",
               required=True),
    ),
)

TABLES = (GAZETTEER_NAME, GAZETTEER_POINT, GAZETTEER_POSTCODE, GAZETTEER_BUILD,
          GEOCODER_CALIBRATION)
