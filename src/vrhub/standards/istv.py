"""The ISTV minimum data set (ISB/DCB 1594) and vrhub's tables for ED assault submissions.

Information Sharing to Tackle Violence: each emergency department shares, at least monthly,
one *submission* (a header naming the site of treatment and the reporting period) carrying
many *assault records*. The standard's elements, their obligation (M = mandatory, R =
required: send it when known) and the ECDS v4 fields that carry the same facts are declared
in :data:`ELEMENTS`; the tables below store what was received.

Records carry no patient identifiers. The two free-text elements pass the identifier guard
(:mod:`vrhub.privacy.identifiers`) before anything is stored, and are cut to 255 characters,
the ECDS length of the assault location description.
"""

from __future__ import annotations

from dataclasses import dataclass

from vrhub.standards.codes import BoroughCode, LSOACode, ODSCode, WardCode
from vrhub.standards.schema import Column, Table

FREE_TEXT_LIMIT = 255
"""Longest free-text value stored (ECDS: EMERGENCY CARE ASSAULT LOCATION DESCRIPTION, an255)."""


@dataclass(frozen=True)
class Element:
    """One data element of ISB 1594 as vrhub reads it."""

    name: str  # vrhub field name
    heading: str  # data-dictionary heading
    obligation: str  # M mandatory, R required, O optional (ECDS extra)
    part: str  # header | record
    description: str
    ecds: str | None = None  # the ECDS v4 field carrying the same fact


ELEMENTS: tuple[Element, ...] = (
    Element("period_start", "REPORTING PERIOD START DATE", "M", "header",
            "First day of the reporting period (normally the first of a month)."),
    Element("period_end", "REPORTING PERIOD END DATE", "M", "header",
            "Last day of the reporting period."),
    Element("site_code", "ORGANISATION SITE IDENTIFIER (OF TREATMENT)", "M", "header",
            "ODS code of the emergency-department site that treated the patients.",
            ecds="ORGANISATION SITE IDENTIFIER (OF TREATMENT)"),
    Element("arrival_at", "EMERGENCY CARE ARRIVAL DATE / TIME", "R", "record",
            "When the patient arrived at the emergency department.",
            ecds="EMERGENCY CARE ARRIVAL DATE and EMERGENCY CARE ARRIVAL TIME"),
    Element("assault_at", "ASSAULT DATE / TIME", "M", "record",
            "When the assault happened, as reported by the patient.",
            ecds="INJURY DATE and INJURY TIME"),
    Element("assault_method", "ASSAULT METHOD", "M", "record",
            "Weapon or body part used (code list `assault_method`).",
            ecds="INJURY MECHANISM"),
    Element("method_other_description", "ASSAULT METHOD OTHER DESCRIPTION", "R", "record",
            "Free text describing the method when it is 'other'."),
    Element("location_type", "ASSAULT LOCATION TYPE", "M", "record",
            "Kind of place (code list `location_type`).", ecds="PLACE OF INJURY"),
    Element("location_description", "ASSAULT LOCATION DESCRIPTION", "R", "record",
            "Free text saying where the assault happened (street, venue, landmark), up to "
            "255 characters.", ecds="EMERGENCY CARE ASSAULT LOCATION DESCRIPTION"),
    Element("age_band", "AGE BAND", "O", "record",
            "Age band of the patient, where an ECDS extract carries age (an exact age is "
            "turned into its band and not kept).", ecds="AGE AT CDS ACTIVITY DATE"),
)

MANDATORY = tuple(e.name for e in ELEMENTS if e.part == "record" and e.obligation == "M")
REQUIRED = tuple(e.name for e in ELEMENTS if e.part == "record" and e.obligation == "R")
FREE_TEXT = ("method_other_description", "location_description")

AGE_BANDS = ("0-10", "11-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")

SUBMISSION_STATUSES = ("current", "superseded", "rejected")

ISTV_SUBMISSION = Table(
    name="istv_submission",
    group="istv",
    description="One row per ISTV submission received (a site's file for a reporting "
    "period), with its receipt. A resubmitted period supersedes the earlier submission, "
    "which is kept with status superseded; a refused file is kept as rejected (no rows).",
    columns=(
        Column("submission_id", "string", "Identifier of the submission (`istv-` + 16 hex).",
               required=True),
        Column("site_code", "string", "ODS code of the ED site of treatment.",
               pattern=ODSCode.expression),
        Column("period_start", "date", "First day of the reporting period."),
        Column("period_end", "date", "Last day of the reporting period."),
        Column("received_at", "timestamp", "When vrhub received it (UTC).", required=True),
        Column("file_name", "string", "Name of the file it came from (the file itself is never "
               "stored).", required=True),
        Column("sha256", "string", "sha256 of the file's bytes as received (provenance).",
               required=True, pattern=r"[0-9a-f]{64}"),
        Column("file_format", "string", "csv, xlsx, xml or ecds (an ECDS-style extract).",
               allowed=("csv", "xlsx", "xml", "ecds")),
        Column("header_source", "string", "Where the header came from: options, file, "
               "file name (e.g. `site=options; period=file`)."),
        Column("codelist_version", "string", "Version of the code lists that validated it.",
               required=True),
        Column("status", "string", "current, superseded or rejected.", required=True,
               allowed=SUBMISSION_STATUSES),
        Column("superseded_by", "string", "submission_id of the submission that replaced it."),
        Column("rows_read", "integer", "Assault records read.", required=True, minimum=0),
        Column("rows_accepted", "integer", "Records stored in istv_assault.", required=True,
               minimum=0),
        Column("rows_quarantined", "integer", "Records refused (see quarantine).",
               required=True, minimum=0),
        Column("redactions", "json", "Identifiers redacted, counted by kind (JSON object)."),
        Column("quality_score", "float", "Data-quality score 0-100 (see "
               "vrhub.ingest.istv.quality_score).", minimum=0, maximum=100),
        Column("receipt", "json", "The full receipt (JSON): counts, errors by rule with row "
               "numbers, flags, overlaps, redactions, quality score. Values shown are "
               "redacted."),
    ),
    primary_key=("submission_id",),
    indexes=(("site_code", "period_start"),),
)

ISTV_ASSAULT = Table(
    name="istv_assault",
    group="istv",
    description="One row per accepted ISTV assault record. Free text is redacted. Rows of "
    "superseded submissions are kept; analyses read the view istv_assault_current.",
    columns=(
        Column("assault_id", "string", "Identifier of the record (submission_id:row).",
               required=True),
        Column("submission_id", "string", "Submission it came in.", required=True),
        Column("site_code", "string", "ODS code of the ED site.", required=True,
               pattern=ODSCode.expression),
        Column("source_row", "integer", "Row (record) number in the submitted file.",
               minimum=1),
        Column("arrival_at", "timestamp", "Arrival at the ED (local time)."),
        Column("assault_at", "timestamp", "When the assault happened (local time); midnight "
               "when only the date is known (see assault_time_known).", required=True),
        Column("assault_time_known", "boolean", "False when the assault time was blank and "
               "assault_at carries the date only.", required=True),
        Column("assault_method", "string", "Code from list assault_method.", required=True,
               code_list="assault_method"),
        Column("method_other_description", "string", "Method when 'other' (redacted, ≤255).",
               free_text=True),
        Column("location_type", "string", "Code from list location_type.", required=True,
               code_list="location_type"),
        Column("location_description", "string", "Where it happened (redacted, ≤255).",
               free_text=True),
        Column("age_band", "string", "Age band where the extract carries one.",
               allowed=AGE_BANDS),
        Column("flags", "string", "Warnings kept with an accepted record, `;`-separated "
               "(e.g. late_arrival, time_24_00, truncated, formula_neutralised, redacted)."),
        Column("easting", "float", "Geocoded easting (EPSG:27700)."),
        Column("northing", "float", "Geocoded northing (EPSG:27700)."),
        Column("lsoa21_code", "string", "LSOA 2021 of the geocoded point.",
               pattern=LSOACode.expression),
        Column("ward_code", "string", "Ward of the geocoded point.", pattern=WardCode.expression),
        Column("borough_code", "string", "Borough of the geocoded point.",
               pattern=BoroughCode.expression),
        Column("geocode_method", "string", "How the description was geocoded."),
        Column("geocode_confidence", "float", "Geocoder's confidence: estimated probability "
               "(0-1) that the point is in the right LSOA.", minimum=0, maximum=1),
        Column("geocode_unresolved_reason", "string", "Why no location was found."),
    ),
    primary_key=("assault_id",),
    indexes=(("submission_id",), ("site_code", "arrival_at")),
)

ISTV_CODELIST = Table(
    name="istv_codelist",
    group="istv",
    description="Code-list versions loaded by an administrator (one row per code). The "
    "latest loaded version validates new submissions; without one, the shipped default.",
    columns=(
        Column("version", "string", "Code-list version.", required=True),
        Column("list_name", "string", "assault_method or location_type (or another list).",
               required=True),
        Column("code", "string", "Code value.", required=True),
        Column("label", "string", "Label."),
        Column("synonyms", "json", "Other accepted spellings (JSON array)."),
        Column("title", "string", "Title of the version."),
        Column("source", "string", "Where the version came from."),
        Column("loaded_at", "timestamp", "When it was loaded (UTC).", required=True),
    ),
    primary_key=("version", "list_name", "code"),
)

CURRENT_VIEW = "istv_assault_current"

TABLES = (ISTV_SUBMISSION, ISTV_ASSAULT, ISTV_CODELIST)
