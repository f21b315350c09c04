"""Tables every loader shares: provenance of each file, and the quarantine."""

from __future__ import annotations

from vrhub.standards.schema import Column, Table

PROVENANCE = Table(
    name="provenance",
    group="bookkeeping",
    description="One row per input file loaded (or refused): what it was, what came of it.",
    columns=(
        Column("file_id", "string", "sha256 of the file's bytes as read (after decompression "
               "for .gz, of the member for .zip).", required=True),
        Column("source", "string", "Loader that read it, e.g. police_street.", required=True),
        Column("file_name", "string", "File name (with archive member where there is one).",
               required=True),
        Column("sha256", "string", "sha256 of the bytes read.", required=True,
               pattern=r"[0-9a-f]{64}"),
        Column("partition", "string", "Replace key of the rows the file carries, e.g. "
               "`city-of-london/2024-01`; a later file for the same partition replaces it."),
        Column("rows_read", "integer", "Data rows read (header excluded).", required=True,
               minimum=0),
        Column("rows_loaded", "integer", "Rows stored in the canonical table.", required=True,
               minimum=0),
        Column("rows_quarantined", "integer", "Rows stored in quarantine with a reason.",
               required=True, minimum=0),
        Column("status", "string", "loaded, replaced (a newer file took its place) or "
               "unchanged (same bytes already loaded).", required=True,
               allowed=("loaded", "replaced", "unchanged")),
        Column("loaded_at", "timestamp", "When the load committed (UTC).", required=True),
        Column("vrhub_version", "string", "vrhub version that loaded it.", required=True),
    ),
    primary_key=("file_id", "source"),
)

QUARANTINE = Table(
    name="quarantine",
    group="bookkeeping",
    description="Rows that could not be loaded, each with file, row, column, value and reason. "
    "Values from free-text fields pass the identifier guard first.",
    columns=(
        Column("file_id", "string", "Provenance file_id of the file.", required=True),
        Column("source", "string", "Loader that read it.", required=True),
        Column("file_name", "string", "File name.", required=True),
        Column("row_number", "integer", "1-based data row in the file (header is row 0).",
               required=True, minimum=1),
        Column("column_name", "string", "Column at fault, or blank for a whole-row problem."),
        Column("value", "string", "Value found (truncated to 200 characters)."),
        Column("reason", "string", "Why the row was not loaded, and how to fix it.",
               required=True),
        Column("rule", "string", "Stable identifier of the rule, for counting by reason.",
               required=True),
    ),
)

PART = Table(
    name="warehouse_part",
    group="bookkeeping",
    description="One row per Parquet part file holding rows of a table stored as parts "
    "(police_street): the view of that name reads exactly the parts listed here, so a part "
    "is visible once the load that wrote it commits, and a replaced part disappears with it.",
    columns=(
        Column("table_name", "string", "Table whose rows the part holds.", required=True),
        Column("part", "string", "File name of the part in the warehouse's parts folder "
               "(<warehouse>.parts/<table_name>/).", required=True),
        Column("file_id", "string", "Provenance file_id of the file the rows came from "
               "(blank for rows not loaded from a file)."),
        Column("row_count", "integer", "Rows in the part.", required=True, minimum=0),
        Column("written_at", "timestamp", "When the part was written (UTC).", required=True),
    ),
    primary_key=("table_name", "part"),
)

PART_RANGE = Table(
    name="warehouse_part_range",
    group="bookkeeping",
    description="The least and greatest value of a column in one part, for the columns a table "
    "stored as parts declares (police_street: month, force, borough and file id): a question "
    "bounded on them reads only the parts that may hold its rows. A part without a row here "
    "(written before ranges were kept) is read by every question.",
    columns=(
        Column("table_name", "string", "Table whose rows the part holds.", required=True),
        Column("part", "string", "File name of the part (as in warehouse_part).",
               required=True),
        Column("column_name", "string", "The column.", required=True),
        Column("least", "string", "Least value of the column in the part (blank when every "
               "value is blank)."),
        Column("greatest", "string", "Greatest value of the column in the part."),
    ),
    primary_key=("table_name", "part", "column_name"),
)

TABLES = (PROVENANCE, QUARANTINE, PART, PART_RANGE)
