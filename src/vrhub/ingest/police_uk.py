"""Loader for data.police.uk street-level crime files (source ``police``).

``vrhub load police PATH...`` takes files, folders, ``.zip`` and ``.gz``; from folders and
archives it picks ``*-street.csv`` (and month-first extracts such as
``2024-01_burglary_cleaned.csv``). Each file is one *series* (the name without the month:
``city-of-london-street``) for one month; a newer file of the same series and month
replaces the older one, the same bytes loaded again change nothing.

Policy for bad input (documented in ``docs``; tested in
``tests/integration/test_police_bad_input.py``):

=====================================  ==================================================
Problem                                What happens
=====================================  ==================================================
empty file / header with no rows       InputError, the whole load rolls back
missing, unexpected, repeated columns  InputError naming the column
bytes that are not UTF-8               InputError naming row, column and value
truncated or corrupt .gz / .zip        InputError naming the file
row with the wrong number of fields    InputError naming the row
Month differs from the file name       InputError naming the row (the month decides what
                                       the file replaces, so a wrong one would overwrite
                                       another month)
coordinates outside Great Britain      row quarantined (``coordinate_outside_gb``)
coordinates that are not numbers       row quarantined (``coordinate_not_a_number``)
a spreadsheet formula in any cell      row quarantined (``formula_cell``), value stored
                                       inert with a leading apostrophe
malformed LSOA code                    row quarantined (``lsoa_code_malformed``)
blank Crime type                       row quarantined (``crime_type_blank``)
blank or (0, 0) coordinates            loaded with no point, ``coordinate_flag`` set
Crime ID repeated within the month     loaded, ``crime_id_duplicate`` set on the later rows
                                       and a note naming the first; police.uk publishes
                                       one crime on several rows
blank Crime ID (ASB, BTP)              loaded (police.uk publishes none)
=====================================  ==================================================

Every row read is either loaded or quarantined; provenance records rows read, loaded and
quarantined for each file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.errors import InputError, Location
from vrhub.geography.places import boundaries
from vrhub.geography.police_places import PoliceCache
from vrhub.ingest.grid_points import GridPoints
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.police_csv import (
    Batch,
    FileName,
    blank_to_null,
    check_header,
    formula_problems,
    keep_mask,
    parse_coordinates,
    parse_file_name,
    read_batches,
    read_header,
    unordered_appends,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import SILENT, Progress
from vrhub.standards.police_uk import (
    LSOA_PATTERN,
    POLICE_STREET,
    STREET_OPTIONAL_COLUMNS,
    STREET_SOURCE_COLUMNS,
)
from vrhub.standards.schema import MONTH_PATTERN, Problem
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE_NAME = "police"

#: Rows gathered before one insert: a few large appends cost DuckDB less than one per
#: parsed block (about a fifth less CPU), while memory stays bounded for any file size.
INSERT_ROWS = 250_000
PATTERNS = ("*-street.csv", "????-??_*.csv")

#: Force names police.uk uses in 'Falls within' -> slug used in its file names.
FORCE_SLUGS = {
    "Metropolitan Police Service": "metropolitan",
    "City of London Police": "city-of-london",
    "British Transport Police": "btp",
}

_TEXT_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Location", "LSOA code",
                 "LSOA name", "Crime type", "Last outcome category", "Context")

REDUCED_EXTRACT_HINT = (
    "this looks like a reduced extract (only Month, Longitude, Latitude and Crime type); "
    "the police source needs the full 12-column street files from data.police.uk "
    "(Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location, LSOA code, "
    "LSOA name, Crime type, Last outcome category, Context)"
)


def force_slug(name: str) -> str:
    """'Metropolitan Police Service' -> 'metropolitan', 'Kent Police' -> 'kent'."""
    if name in FORCE_SLUGS:
        return FORCE_SLUGS[name]
    text = re.sub(r"\b(police service|police|constabulary)\b", "", name.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "unknown"


@dataclass
class _FileState:
    """What a file's blocks share while it is read."""

    source: InputFile
    name: FileName
    month: str | None
    force: str | None
    duplicate_rows: int = 0
    duplicate_example: str | None = None
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)


def load_street(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress = SILENT
) -> LoadReport:
    """Load street files in one transaction (see the module docstring for the policy)."""
    report = LoadReport(SOURCE_NAME)
    with warehouse.atomic():
        warehouse.ensure_tables([POLICE_STREET])
        bounds = boundaries(warehouse)
        cache = PoliceCache(bounds)
        points = GridPoints()
        if not bounds.loaded:
            progress.note("no LSOA 2021 boundaries loaded: published 2021 LSOA codes are "
                          "kept and places flagged no_boundaries; `vrhub load boundaries "
                          "...` assigns LSOA 2021, ward and borough to these rows")
        with progress.task("Loading police.uk street files", total=len(files)) as task, \
                unordered_appends(warehouse):
            for source in files:
                file_report = _load_file(warehouse, cache, points, source)
                for note in file_report.notes:
                    if file_report.status != "unchanged":
                        progress.note(f"{source.display}: {note}")
                report.files.append(file_report)
                task.advance()
    return report


def _load_file(
    warehouse: Warehouse, cache: PoliceCache, points: GridPoints, source: InputFile
) -> FileReport:
    name = parse_file_name(source)
    header = read_header(source)
    hint = REDUCED_EXTRACT_HINT if set(header) <= {"Month", "Longitude", "Latitude",
                                                   "Crime type"} else None
    check_header(source, header, STREET_SOURCE_COLUMNS, STREET_OPTIONAL_COLUMNS,
                 kind="police.uk street", hint=hint)
    sha = source.sha256()
    force = None
    if name.series.endswith("-street"):
        force = name.series.removesuffix("-street")
    state = _FileState(source, name, name.month, force)
    load = warehouse.load_file(source=SOURCE_NAME, file_name=source.display, sha256=sha,
                               partition=None, tables=[POLICE_STREET])
    with load:
        if load.unchanged:
            return FileReport(source.display, sha, "unchanged",
                              notes=["the same file was loaded before; nothing changed"])
        replaced = False
        pending: list[pa.Table] = []
        inserts = 0
        for batch in read_batches(source, header):
            month = _check_month(state, batch)
            if not replaced:
                load.partition = f"{name.series}/{month}"
                load.replace([POLICE_STREET], series=name.series, month=month)
                replaced = True
            out = _load_batch(load, cache, points, state, batch)
            load.rows_read += batch.table.num_rows
            if out is not None:
                pending.append(out)
            if sum(t.num_rows for t in pending) >= INSERT_ROWS:
                inserts += _insert(load, state, pending)
                pending = []
        one_insert = inserts == 0
        inserts += _insert(load, state, pending)
        if not one_insert or _repeats_an_id(pending):
            _flag_duplicates(load, state)
    status = "replaced-older" if load.replaced_files else "loaded"
    notes = []
    if state.duplicate_rows:
        notes.append(
            f"{state.duplicate_rows} row(s) repeat a Crime ID already in the file "
            f"({state.duplicate_example}); loaded and flagged crime_id_duplicate"
        )
    return FileReport(
        source.display, sha, status, rows_read=load.rows_read, rows_loaded=load.rows_loaded,
        rows_quarantined=load.rows_quarantined, partition=load.partition,
        quarantined_by_rule=state.quarantined_by_rule, replaced_files=load.replaced_files,
        notes=notes,
    )


def _check_month(state: _FileState, batch: Batch) -> str:
    """Every row's Month must be the file's month (from its name, else its first row)."""
    months = pc.fill_null(batch.table["Month"], "")
    if state.month is None:
        first = months[0].as_py()
        if not re.fullmatch(MONTH_PATTERN, first or ""):
            raise InputError(
                "Month is not a month (YYYY-MM)",
                Location(state.source.display, row=batch.first_row, column="Month",
                         value=first),
                hint="police.uk Month values look like 2024-01",
            )
        state.month = first
    wrong = pc.not_equal(months, state.month).to_numpy(zero_copy_only=False)
    if not wrong.any():
        return state.month
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            f"Month disagrees with the file's month {state.month}",
            Location(state.source.display, row=batch.first_row + i, column="Month",
                     value=months[i].as_py()),
            hint="a police.uk street file holds one month, named at the start of the file "
            "name (2024-01-...-street.csv); rename the file or split it by month",
        )
    return state.month


def _load_batch(
    load: FileLoad, cache: PoliceCache, points: GridPoints, state: _FileState, batch: Batch
) -> pa.Table | None:
    """Quarantine the block's bad rows; the rest as POLICE_STREET rows (None if none),
    without the columns that hold one value for the whole file (see :func:`_insert`)."""
    table = batch.table
    rows = batch.row_numbers
    problems: list[Problem] = formula_problems(table, _TEXT_COLUMNS, rows)
    coords = parse_coordinates(table, rows, points=points)
    problems.extend(coords.problems)

    lsoa = blank_to_null(table["LSOA code"])
    bad_lsoa = pc.invert(pc.fill_null(pc.match_substring_regex(lsoa, f"^{LSOA_PATTERN}$"),
                                      True)).to_numpy(zero_copy_only=False)
    # (nulls are blank codes, which are allowed)
    for i in np.flatnonzero(bad_lsoa):
        problems.append(Problem(int(rows[i]), "LSOA code", lsoa[int(i)].as_py(),
                                "LSOA code is not an LSOA code (E01/W01 and six digits)",
                                "lsoa_code_malformed"))
    crime_type = blank_to_null(table["Crime type"])
    for i in np.flatnonzero(pc.is_null(crime_type).to_numpy(zero_copy_only=False)):
        problems.append(Problem(int(rows[i]), "Crime type", "", "Crime type is blank",
                                "crime_type_blank"))

    if problems:
        load.quarantine(problems)
        for p in {p.row: p for p in problems}.values():
            state.quarantined_by_rule[p.rule] = state.quarantined_by_rule.get(p.rule, 0) + 1
        keep = keep_mask(rows, problems)
        if not keep.any():
            return None
        mask = pa.array(keep)
        table = table.filter(mask)
        lsoa = lsoa.filter(mask)
        crime_type = crime_type.filter(mask)
        rows = rows[keep]
        coords = coords.take(keep)
    month = state.month or ""
    falls_within = blank_to_null(table["Falls within"])
    n = table.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    if state.force is None:
        names = pc.fill_null(falls_within, "")
        dictionary = pc.dictionary_encode(names).combine_chunks()
        slugs = pa.array([force_slug(v) for v in dictionary.dictionary.to_pylist()])
        columns["force"] = slugs.take(dictionary.indices)
    positions, places = cache.positions(coords.easting, coords.northing, lsoa, month)
    take = pa.array(positions)
    columns.update({
        "crime_id": blank_to_null(table["Crime ID"]),
        "reported_by": blank_to_null(table["Reported by"]),
        "falls_within": falls_within,
        "longitude": pa.array(coords.longitude, from_pandas=True),
        "latitude": pa.array(coords.latitude, from_pandas=True),
        "easting": pa.array(coords.easting, from_pandas=True),
        "northing": pa.array(coords.northing, from_pandas=True),
        "coordinate_flag": pa.array(coords.flag, pa.string()),
        "location": blank_to_null(table["Location"]),
        "lsoa_code_published": lsoa,
        "lsoa_name_published": blank_to_null(table["LSOA name"]),
        "crime_type": crime_type,
        "last_outcome": blank_to_null(table["Last outcome category"]),
        "context": (blank_to_null(table["Context"]) if "Context" in table.column_names
                    else pa.nulls(n, pa.string())),
        **{name: column.take(take) for name, column in places.items()},
        "row_number": pa.array(rows),
    })
    return pa.table(columns)


def _insert(load: FileLoad, state: _FileState, pending: list[pa.Table]) -> int:
    """Insert gathered blocks with the file's one-value columns; 1 if anything was sent."""
    if not pending:
        return 0
    constants: dict[str, object] = {
        "month": state.month or "", "series": state.name.series, "file_id": load.file_id,
        "crime_id_duplicate": False,
    }
    if state.force is not None:
        constants["force"] = state.force
    load.insert(POLICE_STREET, pa.concat_tables(pending), constants)
    return 1


def _repeats_an_id(blocks: list[pa.Table]) -> bool:
    """Does any Crime ID appear twice among these blocks? (a hash count, no sorting)"""
    ids = pa.chunked_array([c for t in blocks for c in t["crime_id"].chunks], pa.string())
    return len(pc.unique(ids)) < len(ids) - ids.null_count + (1 if ids.null_count else 0)


def _flag_duplicates(load: FileLoad, state: _FileState) -> None:
    """Flag rows whose Crime ID appeared on an earlier row of the same file (blank IDs
    never do). Done in the warehouse once the file is in: one hash aggregate."""
    con = load.warehouse.con
    repeats = f"""
        SELECT row_number, crime_id, first_row FROM (
            SELECT row_number, crime_id,
                   min(row_number) OVER (PARTITION BY crime_id) AS first_row
            FROM "{POLICE_STREET.name}" WHERE file_id = ? AND crime_id IS NOT NULL)
        WHERE row_number > first_row"""
    first = con.execute(f"{repeats} ORDER BY row_number LIMIT 1", [load.file_id]).fetchall()
    if not first:
        return
    updated = con.execute(
        f'UPDATE "{POLICE_STREET.name}" SET crime_id_duplicate = true '
        f"WHERE file_id = ? AND row_number IN (SELECT row_number FROM ({repeats}))",
        [load.file_id, load.file_id],
    ).fetchall()
    state.duplicate_rows = int(updated[0][0]) if updated else 0
    row, crime_id, first_row = first[0]
    state.duplicate_example = (
        f"first at row {row}, column 'Crime ID', value {crime_id!r}, "
        f"already at row {first_row}"
    )


SOURCES = (
    Source(
        name=SOURCE_NAME,
        description="data.police.uk street-level crime files (*-street.csv), any force",
        patterns=PATTERNS,
        load=load_street,
    ),
)
