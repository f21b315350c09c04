"""London Datastore MPS recorded crime: monthly counts by LSOA, ward and borough.

The Metropolitan Police Service publishes 'Recorded Crime: Geographic Breakdown' as wide
tables, one column per month (``YYYYMM``), one row per area × major × minor category. The
loader turns them into long rows of :data:`MPS_CRIME_COUNT`, keeping both category levels.

Quirks kept visible rather than smoothed over:

* The current LSOA and ward tables open with a near-empty *stub* month (``202402``: 39
  offences in the LSOA table against ~70,000 in a normal month). Stub months are not loaded
  as counts; each is recorded in :data:`MPS_MONTH_EXCLUDED` with its total so that quality
  reports can show it.
* MPS pseudo-areas: the ward table's 'Aviation Security (SO18)' borough (Heathrow), and the
  borough tables' 'Unknown' and 'London Heathrow and London City Airports'. They have no
  GSS borough code; their rows are loaded with a blank ``borough_code`` (and, at borough
  level, a blank ``area_code``), never dropped.
* The LSOA table uses LSOA **2021** codes and has no rows for the six City of London LSOAs
  (the City has its own police force).
"""

from __future__ import annotations

from vrhub.standards.codes import BoroughCode
from vrhub.standards.schema import MONTH_PATTERN, Column, Table

MPS_LEVELS = ("lsoa", "ward", "borough")

#: GSS codes of the 33 London local authorities, by the names the MPS tables use.
LONDON_BOROUGHS: dict[str, str] = {
    "City of London": "E09000001",
    "Barking and Dagenham": "E09000002",
    "Barnet": "E09000003",
    "Bexley": "E09000004",
    "Brent": "E09000005",
    "Bromley": "E09000006",
    "Camden": "E09000007",
    "Croydon": "E09000008",
    "Ealing": "E09000009",
    "Enfield": "E09000010",
    "Greenwich": "E09000011",
    "Hackney": "E09000012",
    "Hammersmith and Fulham": "E09000013",
    "Haringey": "E09000014",
    "Harrow": "E09000015",
    "Havering": "E09000016",
    "Hillingdon": "E09000017",
    "Hounslow": "E09000018",
    "Islington": "E09000019",
    "Kensington and Chelsea": "E09000020",
    "Kingston upon Thames": "E09000021",
    "Lambeth": "E09000022",
    "Lewisham": "E09000023",
    "Merton": "E09000024",
    "Newham": "E09000025",
    "Redbridge": "E09000026",
    "Richmond upon Thames": "E09000027",
    "Southwark": "E09000028",
    "Sutton": "E09000029",
    "Tower Hamlets": "E09000030",
    "Waltham Forest": "E09000031",
    "Wandsworth": "E09000032",
    "Westminster": "E09000033",
}

#: Area names the MPS uses for counts that belong to no borough.
MPS_PSEUDO_AREAS = (
    "Aviation Security (SO18)",
    "London Heathrow and London City Airports",
    "Unknown",
)

MPS_CRIME_COUNT = Table(
    name="mps_crime_count",
    group="crime",
    description="MPS recorded crime, monthly count per area and category (London Datastore "
    "'Recorded Crime: Geographic Breakdown'), long format. LSOA level uses LSOA 2021 codes, "
    "ward level 2022 ward codes.",
    columns=(
        Column("level", "string", "Area level of the table the row came from.", required=True,
               allowed=MPS_LEVELS),
        Column("area_code", "string", "GSS code of the area (LSOA 2021, ward 2022 or borough); "
               "blank for MPS pseudo-areas ('Unknown', 'London Heathrow and London City "
               "Airports').", pattern=r"E0[159]\d{6}"),
        Column("area_vintage", "string", "Boundary vintage of area_code: lsoa21, ward22 or "
               "borough.", required=True, allowed=("lsoa21", "ward22", "borough")),
        Column("area_name", "string", "Area name as published.", required=True),
        Column("borough_code", "string", "GSS code of the borough; blank for MPS "
               "pseudo-boroughs such as 'Aviation Security (SO18)'.",
               pattern=BoroughCode.expression),
        Column("borough_name", "string", "Borough name as published (or derived from the "
               "borough code at LSOA level).", required=True),
        Column("major_category", "string", "MPS major crime category (majortext).",
               required=True),
        Column("minor_category", "string", "MPS minor crime category (minortext).",
               required=True),
        Column("month", "month", "Month the offences were recorded, YYYY-MM.", required=True,
               pattern=MONTH_PATTERN),
        Column("count", "integer", "Offences recorded.", required=True, minimum=0),
        Column("file_id", "string", "Provenance file_id of the file it came from.",
               required=True),
    ),
)

MPS_MONTH_EXCLUDED = Table(
    name="mps_month_excluded",
    group="crime",
    description="Month columns of an MPS table that were not loaded as counts, with why: a "
    "near-empty stub month, or a month a later publication of the same level supersedes.",
    columns=(
        Column("file_id", "string", "Provenance file_id of the file.", required=True),
        Column("file_name", "string", "File name.", required=True),
        Column("level", "string", "Area level.", required=True, allowed=MPS_LEVELS),
        Column("month", "month", "The month column, YYYY-MM.", required=True,
               pattern=MONTH_PATTERN),
        Column("total", "integer", "Sum of the column in that file.", required=True),
        Column("reason", "string", "stub (under 10% of the file's median month) or "
               "superseded (a later file of the same level covers it).", required=True,
               allowed=("stub", "superseded")),
    ),
    primary_key=("file_id", "month"),
)

TABLES = (MPS_CRIME_COUNT, MPS_MONTH_EXCLUDED)
