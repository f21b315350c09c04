"""Population denominators per LSOA: ONS mid-year estimates, Census 2021, IoD denominators.

One long table, :data:`POPULATION`: one row per LSOA x year x source x sex x age band, with
the LSOA vintage explicit: the mid-year estimates 2019/2020 and the IoD 2019 mid-2015
denominators are on LSOA 2011 codes, Census 2021 on LSOA 2021 codes. ``age_band`` is
``all`` for the total; other bands are written ``0-15``, ``16-29``, ``85+`` etc. Always
filter ``sex = 'persons'`` for totals: the mid-year estimates also carry ``males`` and
``females`` rows. Census 2021 population density (TS006) is :data:`POPULATION_DENSITY`.
"""

from __future__ import annotations

from vrhub.standards.codes import LSOACode
from vrhub.standards.schema import Column, Table

POPULATION_SOURCES = ("mye", "census2021", "iod2019")

POPULATION = Table(
    name="population",
    group="population",
    description="Resident population per LSOA, year, source, sex and age band. The total "
    "is sex = 'persons' AND age_band = 'all' (mid-year estimates also carry males and "
    "females: filter on sex, or totals count people three times).",
    columns=(
        Column("lsoa_code", "string", "LSOA code.", required=True, pattern=LSOACode.expression),
        Column("lsoa_vintage", "string", "LSOA vintage of lsoa_code.", required=True,
               allowed=("2011", "2021")),
        Column("year", "integer", "Reference year (mid-year for estimates, census year).",
               required=True, minimum=2001, maximum=2100),
        Column("source", "string", "mye = ONS mid-year estimate; census2021 = Census 2021 "
               "TS007A; iod2019 = IoD 2019 mid-2015 denominators (File 6, prisoners "
               "excluded).", required=True, allowed=POPULATION_SOURCES),
        Column("sex", "string", "persons, males or females.", required=True,
               allowed=("persons", "males", "females")),
        Column("age_band", "string", "'all' for the total, else the published band "
               "(e.g. 0-15, 85+, working-age).", required=True),
        Column("count", "integer", "Residents.", required=True, minimum=0),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("lsoa_code", "year", "source", "sex", "age_band"),
    indexes=(("source", "year"),),
)

POPULATION_DENSITY = Table(
    name="population_density",
    group="population",
    description="Census 2021 population density (TS006), persons per square kilometre, per "
    "LSOA 2021.",
    columns=(
        Column("lsoa_code", "string", "LSOA 2021 code.", required=True,
               pattern=LSOACode.expression),
        Column("lsoa_vintage", "string", "Always 2021.", required=True, allowed=("2021",)),
        Column("year", "integer", "Census year.", required=True),
        Column("persons_per_km2", "float", "Usual residents per square kilometre.",
               required=True, minimum=0),
        Column("file_id", "string", "Provenance file_id.", required=True),
    ),
    primary_key=("lsoa_code", "year"),
)

TABLES = (POPULATION, POPULATION_DENSITY)
