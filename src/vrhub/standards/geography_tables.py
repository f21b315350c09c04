"""Canonical geography tables: boundaries (in British National Grid) and area lookups."""

from __future__ import annotations

from vrhub.standards.codes import GSSCode, LocalAuthorityCode, LSOACode, WardCode
from vrhub.standards.schema import Column, Table

AREA_LEVELS = ("lsoa11", "lsoa21", "ward22", "borough", "district")

AREA_BOUNDARY = Table(
    name="area_boundary",
    group="geography",
    description="Boundaries of statistical and administrative areas, one row per area, "
    "geometry as WKB in British National Grid (EPSG:27700).",
    columns=(
        Column("level", "string", "Area level: lsoa11, lsoa21, ward22, borough (local "
               "authority districts drawn finely enough to place points) or district (an "
               "ultra-generalised district layer, for maps and study-area outlines only).",
               required=True, allowed=AREA_LEVELS),
        Column("code", "string", "GSS code of the area (a district layer of the UK also "
               "holds Scottish S12 and Northern Irish N09 codes).", required=True,
               pattern=GSSCode.expression),
        Column("name", "string", "Published name of the area."),
        Column("borough_code", "string", "GSS code of the local authority district (borough) "
               "it lies in, where published; a district's own code.",
               pattern=GSSCode.expression),
        Column("area_m2", "float", "Area in square metres.", minimum=0),
        Column("geometry", "geometry", "Polygon or multipolygon, WKB, EPSG:27700.",
               required=True),
        Column("file_id", "string", "Provenance file_id of the file it came from.",
               required=True),
    ),
    primary_key=("level", "code"),
    replace_key=("level",),
)

AREA_LOOKUP = Table(
    name="area_lookup",
    group="geography",
    description="Best-fit LSOA 2021 → ward → borough lookup (one row per LSOA 2021).",
    columns=(
        Column("lsoa21_code", "string", "LSOA 2021 code.", required=True,
               pattern=LSOACode.expression),
        Column("lsoa21_name", "string", "LSOA 2021 name."),
        Column("ward_code", "string", "Electoral ward code.", pattern=WardCode.expression),
        Column("ward_name", "string", "Electoral ward name."),
        Column("borough_code", "string", "Local authority code.",
               pattern=LocalAuthorityCode.expression),
        Column("borough_name", "string", "Local authority name."),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("lsoa21_code",),
)

TABLES = (AREA_BOUNDARY, AREA_LOOKUP)
