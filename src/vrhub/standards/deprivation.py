"""English Indices of Deprivation (IoD) 2019 and 2025, per LSOA.

IoD 2019 is published on LSOA **2011** codes (32,844 in England); IoD 2025 on LSOA **2021**
codes (33,755). Every table states the vintage in ``lsoa_vintage``; use
:mod:`vrhub.geography.vintage` to carry a figure across vintages.

Several files publish overlapping parts of the same edition: File 1 (IMD rank and decile),
File 2 (every domain's rank and decile), the GLA 'ID 2019 for London' workbook (scores,
ranks and deciles of every domain and sub-domain, London only). Each file's figures are
kept as published in :data:`IMD_VALUE` (one row per file × LSOA × domain); :data:`IMD` and
:data:`IMD_DOMAIN` hold one row per edition × LSOA (× domain), combined from every file
loaded: a score where any file publishes one, the rank and decile as published (files of
the same edition agree; disagreements show in ``vrhub quality --source imd``).

Rank 1 is the most deprived LSOA in England; decile 1 the most deprived 10%.
"""

from __future__ import annotations

from vrhub.standards.codes import LSOACode
from vrhub.standards.schema import Column, Table

#: The VRU strategy's "high violence" area: MORE than this many violence-with-injury
#: offences in 12 months (the default of the setting ``VRHUB_HIGH_VIOLENCE_OFFENCES``, which
#: the overview's map, its published output and ``vrhub deprivation map`` all take).
HIGH_VIOLENCE_OFFENCES = 350

IMD_EDITIONS = ("2019", "2025")
LSOA_VINTAGES = ("2011", "2021")

#: Domain identifiers, with the headings the published files use for them.
IMD_DOMAINS: dict[str, str] = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
    "idaci": "Income Deprivation Affecting Children Index (IDACI)",
    "idaopi": "Income Deprivation Affecting Older People (IDAOPI)",
    "children_young_people": "Children and Young People Sub-domain",
    "adult_skills": "Adult Skills Sub-domain",
    "geographical_barriers": "Geographical Barriers Sub-domain",
    "wider_barriers": "Wider Barriers Sub-domain",
    "indoors": "Indoors Sub-domain",
    "outdoors": "Outdoors Sub-domain",
}

_EDITION = Column("edition", "string", "IoD edition.", required=True, allowed=IMD_EDITIONS)
_LSOA = Column("lsoa_code", "string", "LSOA code (vintage in lsoa_vintage).", required=True,
               pattern=LSOACode.expression)
_VINTAGE = Column("lsoa_vintage", "string", "LSOA vintage of lsoa_code: 2011 for IoD 2019, "
                  "2021 for IoD 2025.", required=True, allowed=LSOA_VINTAGES)
_RANK_MAX = 40000

IMD_VALUE = Table(
    name="imd_value",
    group="deprivation",
    description="IoD figures exactly as each file publishes them: one row per file × LSOA × "
    "domain. The combined tables imd and imd_domain are built from it.",
    columns=(
        _EDITION, _LSOA, _VINTAGE,
        Column("domain", "string", "Domain or sub-domain identifier.", required=True,
               allowed=tuple(IMD_DOMAINS)),
        Column("score", "float", "Score as published (blank where the file has none)."),
        Column("rank", "integer", "Rank in England, 1 = most deprived.", minimum=1,
               maximum=_RANK_MAX),
        Column("decile", "integer", "Decile in England, 1 = most deprived 10%.", minimum=1,
               maximum=10),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("edition", "lsoa_code", "domain", "file_id"),
)

IMD = Table(
    name="imd",
    group="deprivation",
    description="Index of Multiple Deprivation, one row per edition × LSOA (combined from "
    "every file of the edition loaded).",
    columns=(
        _EDITION, _LSOA, _VINTAGE,
        Column("imd_score", "float", "IMD score; blank where no loaded file publishes it "
               "(File 1 and the IMD 2025 extract carry ranks and deciles only)."),
        Column("imd_rank", "integer", "IMD rank in England, 1 = most deprived.", minimum=1,
               maximum=_RANK_MAX),
        Column("imd_decile", "integer", "IMD decile in England, 1 = most deprived 10%.",
               minimum=1, maximum=10),
        Column("file_id", "string", "file_id of the file the rank came from.", required=True),
    ),
    primary_key=("edition", "lsoa_code"),
)

IMD_DOMAIN = Table(
    name="imd_domain",
    group="deprivation",
    description="IoD domains and sub-domains (income, employment, crime, IDACI, ...), one "
    "row per edition × LSOA × domain (the overall index is in the imd table).",
    columns=(
        _EDITION, _LSOA, _VINTAGE,
        Column("domain", "string", "Domain or sub-domain identifier.", required=True,
               allowed=tuple(IMD_DOMAINS)),
        Column("score", "float", "Score, where published."),
        Column("rank", "integer", "Rank in England, 1 = most deprived.", minimum=1,
               maximum=_RANK_MAX),
        Column("decile", "integer", "Decile in England, 1 = most deprived 10%.", minimum=1,
               maximum=10),
    ),
    primary_key=("edition", "lsoa_code", "domain"),
)

TABLES = (IMD_VALUE, IMD, IMD_DOMAIN)
