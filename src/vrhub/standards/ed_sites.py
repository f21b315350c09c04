"""London urgent and emergency care sites (EDs, UTCs, walk-in centres) with their location.

From the NHS London site list (ODS site, provider and ICB codes with the site's easting and
northing in British National Grid). ``lsoa21_code`` and ``borough_code`` are filled by
point-in-polygon when boundaries are loaded; sites outside London (Epsom) stay blank.
"""

from __future__ import annotations

from vrhub.standards.codes import BoroughCode, LSOACode, ODSCode
from vrhub.standards.schema import Column, Table

ED_SITE = Table(
    name="ed_site",
    group="health",
    description="Urgent and emergency care sites in and around London, one row per ODS site.",
    columns=(
        Column("site_code", "string", "ODS code of the site.", required=True,
               pattern=ODSCode.expression, source="site_code"),
        Column("site_name", "string", "Site name.", required=True, source="site"),
        Column("provider_code", "string", "ODS code of the provider (trust or company).",
               required=True, pattern=ODSCode.expression, source="provider_code"),
        Column("provider_name", "string", "Provider name.", source="provider"),
        Column("icb_code", "string", "ODS code of the Integrated Care Board.", required=True,
               pattern=r"[A-Z0-9]{3}", source="icb_code"),
        Column("icb_name", "string", "ICB name.", source="icb"),
        Column("easting", "float", "Easting, EPSG:27700.", required=True, minimum=0,
               maximum=700000),
        Column("northing", "float", "Northing, EPSG:27700.", required=True, minimum=0,
               maximum=1300000),
        Column("lsoa21_code", "string", "LSOA 2021 the site lies in (when boundaries are "
               "loaded).", pattern=LSOACode.expression),
        Column("borough_code", "string", "Borough the site lies in (when boundaries are "
               "loaded).", pattern=BoroughCode.expression),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("site_code",),
)

TABLES = (ED_SITE,)
