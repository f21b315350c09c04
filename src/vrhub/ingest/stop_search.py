"""Loader for data.police.uk stop and search files (source ``stop-search``).

``vrhub load stop-search PATH...`` picks ``YYYY-MM-<force>-stop-and-search.csv`` from
files, folders, ``.zip`` and ``.gz``. The file name gives the force and month (the Date
of a file's first searches can fall on the last day of the previous month, so the month
is never taken from the dates); a newer file for the same force and month replaces the
older one.

Whole-file problems (empty file, wrong columns, non-UTF-8 bytes, truncated archive, a
file name without a month) raise an InputError and the load rolls back. Rows with a Date
that is not a date, coordinates that are not numbers or lie outside Great Britain, or a
spreadsheet formula in a cell are quarantined. Searches published without a location
(about one in ten) are loaded with no point and ``coordinate_flag`` = missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.errors import InputError, Location
from vrhub.geography.boundaries import Boundaries
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.police_csv import (
    Batch,
    check_header,
    keep_mask,
    parse_coordinates,
    parse_file_name,
    read_batches,
    read_header,
    unordered_appends,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.ingest.text_cells import (
    blank_to_null,
    formula_problems,
)
from vrhub.places.placement import boundaries
from vrhub.progress import SILENT, Progress
from vrhub.standards.police_uk import (
    POLICE_STOP_SEARCH,
    STOP_SEARCH_OPTIONAL_COLUMNS,
    STOP_SEARCH_SOURCE_COLUMNS,
)
from vrhub.standards.schema import Problem
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE_NAME = "stop-search"
PATTERNS = ("*-stop-and-search.csv",)
_SUFFIX = "-stop-and-search"

_TEXT = {
    "search_type": "Type",
    "policing_operation": "Policing operation",
    "gender": "Gender",
    "age_range": "Age range",
    "self_defined_ethnicity": "Self-defined ethnicity",
    "officer_defined_ethnicity": "Officer-defined ethnicity",
    "legislation": "Legislation",
    "object_of_search": "Object of search",
    "outcome": "Outcome",
}
_BOOLEAN = {
    "part_of_operation": "Part of a policing operation",
    "outcome_linked_to_object": "Outcome linked to object of search",
    "removal_of_outer_clothing": "Removal of more than just outer clothing",
}


def load_stop_search(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress = SILENT
) -> LoadReport:
    """Load stop-and-search files in one transaction."""
    report = LoadReport(SOURCE_NAME)
    with warehouse.atomic():
        warehouse.ensure_tables([POLICE_STOP_SEARCH])
        bounds = boundaries(warehouse)
        with progress.task("Loading police.uk stop and search files", total=len(files)) as t, \
                unordered_appends(warehouse):
            for source in files:
                report.files.append(_load_file(warehouse, bounds, source))
                t.advance()
    return report


def _load_file(warehouse: Warehouse, bounds: Boundaries, source: InputFile) -> FileReport:
    name = parse_file_name(source)
    if name.month is None or not name.series.endswith(_SUFFIX):
        raise InputError(
            "the file name does not say the month and force",
            Location(source.display, value=source.logical_name),
            hint="name stop and search files as police.uk does: "
            "2024-01-metropolitan-stop-and-search.csv",
        )
    force = name.series.removesuffix(_SUFFIX)
    header = read_header(source)
    check_header(source, header, STOP_SEARCH_SOURCE_COLUMNS, STOP_SEARCH_OPTIONAL_COLUMNS,
                 kind="police.uk stop and search")
    sha = source.sha256()
    partition = f"{force}/{name.month}"
    with warehouse.load_file(source=SOURCE_NAME, file_name=source.display, sha256=sha,
                             partition=partition, tables=[POLICE_STOP_SEARCH]) as load:
        if load.unchanged:
            return FileReport(source.display, sha, "unchanged", partition=partition,
                              notes=["the same file was loaded before; nothing changed"])
        load.replace([POLICE_STOP_SEARCH], force=force, month=name.month)
        by_rule: dict[str, int] = {}
        for batch in read_batches(source, header):
            _load_batch(load, bounds, batch, force, name.month, by_rule)
            load.rows_read += batch.table.num_rows
    return FileReport(
        source.display, sha, "replaced-older" if load.replaced_files else "loaded",
        rows_read=load.rows_read, rows_loaded=load.rows_loaded,
        rows_quarantined=load.rows_quarantined, partition=partition,
        quarantined_by_rule=by_rule, replaced_files=load.replaced_files,
    )


def _load_batch(load: FileLoad, bounds: Boundaries, batch: Batch, force: str, month: str,
                by_rule: dict[str, int]) -> None:
    table = batch.table
    rows = batch.row_numbers
    text_columns = [c for c in table.column_names if c not in ("Latitude", "Longitude")]
    problems: list[Problem] = formula_problems(table, text_columns, rows)
    coords = parse_coordinates(table, rows)
    problems.extend(coords.problems)
    date_text = pc.utf8_trim_whitespace(table["Date"])
    when = pc.strptime(date_text, format="%Y-%m-%dT%H:%M:%S%z", unit="us", error_is_null=True)
    for i in np.flatnonzero(pc.is_null(when).to_numpy(zero_copy_only=False)):
        problems.append(Problem(int(rows[i]), "Date", date_text[int(i)].as_py(),
                                "Date is not a date and time like 2024-01-31T18:05:00+00:00",
                                "date_invalid"))
    if problems:
        load.quarantine(problems)
        for p in {p.row: p for p in problems}.values():
            by_rule[p.rule] = by_rule.get(p.rule, 0) + 1
    keep = keep_mask(rows, problems)
    if not keep.any():
        return
    mask = pa.array(keep)
    kept = table.filter(mask)
    n = kept.num_rows
    easting = coords.easting[keep]
    northing = coords.northing[keep]
    places = bounds.locate(easting, northing)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "datetime": pc.cast(when.filter(mask), pa.timestamp("us", tz="UTC")).cast(
            pa.timestamp("us")),
        "month": pa.array(np.full(n, month, dtype=object), pa.string()),
        "force": pa.array(np.full(n, force, dtype=object), pa.string()),
        "longitude": pa.array(coords.longitude[keep], from_pandas=True),
        "latitude": pa.array(coords.latitude[keep], from_pandas=True),
        "easting": pa.array(easting, from_pandas=True),
        "northing": pa.array(northing, from_pandas=True),
        "coordinate_flag": coords.take(keep).flags(),
    }
    for target, heading in _TEXT.items():
        columns[target] = (blank_to_null(kept[heading]) if heading in kept.column_names
                           else pa.nulls(n, pa.string()))
    for target, heading in _BOOLEAN.items():
        if heading in kept.column_names:
            value = pc.utf8_lower(pc.utf8_trim_whitespace(kept[heading]))
            columns[target] = pc.if_else(
                pc.equal(value, "true"), True,
                pc.if_else(pc.equal(value, "false"), False, pa.scalar(None, pa.bool_())))
        else:
            columns[target] = pa.nulls(n, pa.bool_())
    for col in ("lsoa21_code", "ward_code", "borough_code"):
        columns[col] = pa.array(places[col].to_numpy(dtype=object), pa.string(),
                                from_pandas=True)
    columns["file_id"] = pa.array(np.full(n, load.file_id, dtype=object), pa.string())
    columns["row_number"] = pa.array(rows[keep])
    load.insert(POLICE_STOP_SEARCH, pa.table(columns))


SOURCES = (
    Source(
        name=SOURCE_NAME,
        description="data.police.uk stop and search files (*-stop-and-search.csv)",
        patterns=PATTERNS,
        load=load_stop_search,
    ),
)
