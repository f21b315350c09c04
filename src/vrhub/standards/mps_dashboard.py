"""MPS Monthly Crime Dashboard: monthly counts of knife crime (and the dashboard's other
crime types) by borough and Safer Neighbourhood Team area.

The dashboard is published in long format, one row per month x area x crime type x subtype
x measure (``Offences`` or ``Positive Outcomes``). The loader keeps every row as it comes
(the ``area_type`` says what kind of area it is); borough figures are the rows of
``area_type`` 'Borough' with a GSS borough code (``E09...``). Quirks kept visible:

* Pseudo-areas ('N/K (Legacy Only)', 'Non MET police force', 'Aviation Security (SO18)
  (Legacy Only)') have a blank ``area_code`` (or one that is not a GSS code); they are
  loaded, never dropped, and are in no borough's figures.
* An SNT area can appear under two ``borough_snt`` labels in one month (a ward shared by
  two boroughs' teams); ``borough_snt`` is part of the row's identity, so both are kept.
* Knife crime is a flag across other offences (mostly robbery and violence with injury):
  its counts overlap the recorded-crime categories and are never added to them.
"""

from __future__ import annotations

from vrhub.standards.schema import MONTH_PATTERN, Column, Table

#: the ``area_type`` of borough rows
BOROUGH_AREA = "Borough"

#: what identifies one row: a second row with the same values is a duplicate
ROW_KEY = ("month", "area_type", "borough_snt", "area_code", "area_name", "crime_type",
           "crime_subtype", "measure")

MPS_DASHBOARD_COUNT = Table(
    name="mps_dashboard_count",
    group="crime",
    description="MPS Monthly Crime Dashboard (London Datastore): monthly count per area, "
    "crime type, subtype and measure (e.g. Knife Crime / Knife Crime with Injury / "
    "Offences), long format as published. Borough rows have area_type 'Borough' and a GSS "
    "borough code.",
    columns=(
        Column("month", "month", "Month of the count, YYYY-MM (the dashboard's month_year).",
               required=True, pattern=MONTH_PATTERN, source="month_year"),
        Column("area_type", "string", "Kind of area as published: 'Borough', 'Safer "
               "Neighbourhood Teams', ...", required=True, repeated=True),
        Column("borough_snt", "string", "The dashboard's borough or SNT label.",
               repeated=True),
        Column("area_name", "string", "Area name as published; blank for some pseudo-areas."),
        Column("area_code", "string", "Area code as published: a GSS code (E09... for a "
               "borough, E05... for a ward-based SNT); blank or non-GSS for MPS "
               "pseudo-areas."),
        Column("crime_type", "string", "Dashboard crime type (e.g. 'Knife Crime').",
               required=True, repeated=True),
        Column("crime_subtype", "string", "Dashboard crime subtype (e.g. 'Knife Crime with "
               "Injury').", required=True, repeated=True),
        Column("measure", "string", "What is counted: 'Offences' or 'Positive Outcomes' "
               "(or a victim count named by the subtype).", required=True, repeated=True),
        Column("financial_year", "string", "Financial year label as published (fy24-25).",
               repeated=True),
        Column("count", "integer", "The count.", required=True, minimum=0),
        Column("refresh_date", "string", "Date the dashboard was refreshed, as published.",
               repeated=True),
        Column("file_id", "string", "Provenance file_id of the file it came from.",
               required=True),
    ),
)

TABLES = (MPS_DASHBOARD_COUNT,)
