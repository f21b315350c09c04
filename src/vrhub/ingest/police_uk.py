"""Loader for data.police.uk street-level crime files (source ``police``).

``vrhub load police PATH...`` takes files, folders, ``.zip`` and ``.gz``; from folders and
archives it picks ``*-street*.csv`` (and month-first extracts such as
``2024-01_burglary_cleaned.csv``). Each file is one *series* (the name without the month
and the marks of a saved copy: ``city-of-london-street``) for one month; a newer file of
the same series and month replaces the older one, the same bytes loaded again change
nothing. A file whose rows are those of a series loaded for its month is a revision of
that series whatever its name (:mod:`vrhub.storage.police_series`).

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

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vrhub.geography import bng
from vrhub.geography.police_places import PoliceCache
from vrhub.ingest import police_revisions as revisions
from vrhub.ingest.grid_points import GridPoints
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.police_csv import (
    WHOLE_FILE_BYTES,
    check_header,
    parse_file_name,
    read_batches,
    read_header,
    read_whole,
)
from vrhub.ingest.police_rows import Checked, FileState, check_block, place_rows
from vrhub.ingest.read_ahead import ReadAhead
from vrhub.ingest.repeats import repeat_flags
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.places.placement import boundaries
from vrhub.progress import SILENT, Progress
from vrhub.standards.police_uk import (
    POLICE_STREET,
    STREET_OPTIONAL_COLUMNS,
    STREET_SOURCE_COLUMNS,
)
from vrhub.standards.schema import Problem
from vrhub.storage import police_counted, police_rollup, police_series
from vrhub.storage.file_load import FileLedger
from vrhub.storage.parts import Part, PartStore, conform
from vrhub.storage.queries import police as police_queries
from vrhub.storage.queries import run_arrow
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE_NAME = "police"

#: Rows of a streamed file (too large to read whole) per Parquet part: memory is bounded.
INSERT_ROWS = 250_000
#: Worker threads, each taking a file from start to a written part (:func:`_open`).
READ_AHEAD_FILES = 2
#: Files handed to the workers ahead of the one being recorded, so they never wait for it.
QUEUED_FILES = 8
#: Whether a worker parses its file's blocks in parallel: only when there are more cores
#: than workers (on two cores, one thread per file costs a tenth less CPU and wall time).
PARSE_THREADS = (os.cpu_count() or 1) > READ_AHEAD_FILES
PATTERNS = ("*-street*.csv", "????-??_*.csv")

REDUCED_EXTRACT_HINT = (
    "this looks like a reduced extract (only Month, Longitude, Latitude and Crime type); "
    "the police source needs the full 12-column street files from data.police.uk "
    "(Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location, LSOA code, "
    "LSOA name, Crime type, Last outcome category, Context)"
)


def load_street(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress = SILENT
) -> LoadReport:
    """Load street files in one transaction (see the module docstring for the policy).

    Worker threads take the next :data:`READ_AHEAD_FILES` files each from start to a
    Parquet part of ``police_street`` (:func:`_open`: read whole, checksummed, checked,
    placed, written); the caller's thread then records each file in order: its part
    listed, its quarantined rows, its provenance. A file too large to read whole is
    streamed in order instead (:class:`_Reader`), its blocks written by the caller.
    """
    report = LoadReport(SOURCE_NAME)
    with warehouse.atomic():
        warehouse.ensure_tables([POLICE_STREET])
        ledger = FileLedger.read(warehouse, SOURCE_NAME)
        work = _Work(Future(), GridPoints(), warehouse.parts, ledger.loaded_files())
        reader = _Reader(files, work)
        months = police_series.MonthRows(warehouse, ledger)
        with progress.task("Loading police.uk street files", total=len(files)) as task, \
                ReadAhead(reader.events) as events:
            # the boundaries are prepared while the workers read the first files
            try:
                bng.prepare()
                bounds = boundaries(warehouse)
                work.cache.set_result(PoliceCache(bounds))
            except BaseException as error:
                work.cache.set_exception(error)
                raise
            if not bounds.loaded:
                progress.note("no LSOA 2021 boundaries loaded: published 2021 LSOA codes "
                              "are kept and places flagged no_boundaries; `vrhub load "
                              "boundaries ...` assigns LSOA 2021, ward and borough to these "
                              "rows")
            for index, source in enumerate(files):
                file_report = _load_file(warehouse, reader, events, index, source, months,
                                         ledger)
                for note in file_report.notes:
                    if file_report.status != "unchanged":
                        progress.note(f"{source.display}: {note}")
                report.files.append(file_report)
                task.advance()
        ledger.flush(warehouse)  # the files' provenance, written together
        warehouse.refresh_parts_view(POLICE_STREET)  # once for all parts
        notes = revisions.study_area_notes(
            warehouse, [f.sha256 for f in report.files if f.status != "unchanged"])
        notes += revisions.counting_notes(warehouse, police_counted.refresh(warehouse))
        police_rollup.refresh(warehouse)  # the counts figures read, in step
        for note in notes:
            report.notes.append(note)
            progress.note(note)
    return report


# -- reading (in worker threads: no warehouse connection) ---------------------------------
@dataclass
class _Opened:
    """A file's header is good; its checksum."""

    sha: str
    state: FileState


@dataclass
class _Block:
    """A block of rows read and checked: the rows to store (None if none), or the part
    they were written to, and the problems."""

    month: str
    rows_read: int
    table: pa.Table | None
    problems: list[Problem]
    part: Part | None = None
    #: with ``part``: the Crime ID, force and crime type of its rows (what a revision is
    #: decided by), kept from the rows written so the part need not be read back
    keys: pa.Table | None = None


@dataclass
class _Closed:
    """The end of a file; whether a Crime ID appears twice (None: not counted here)."""

    repeats: bool | None


@dataclass
class _Failed:
    """The file cannot be loaded (raised by the loader unless it skips the file)."""

    error: Exception


_Event = _Opened | _Block | _Closed | _Failed


@dataclass(frozen=True)
class _Work:
    """What the threads of a load share: the place cache (once the boundaries are
    prepared) and grid points (both safe to share), the warehouse's parts and the
    checksums of files loaded before (their parts are not written again: the loader
    skips them)."""

    cache: Future[PoliceCache]
    points: GridPoints
    parts: PartStore
    loaded: frozenset[str]


class _Reader:
    """The files' rows in order, as events for the loader: worker threads take files
    a way ahead (:func:`_open`); a file too large to read whole is streamed here."""

    def __init__(self, files: Sequence[InputFile], work: _Work) -> None:
        self.files = files
        self.work = work
        #: indexes of files the loader skips (unchanged): stop reading them
        self.skipped: set[int] = set()

    def events(self, stopped: Callable[[], bool]) -> Iterator[_Event]:
        # parsing, checksums, place lookups and Parquet writing run mostly outside the
        # interpreter lock, so workers on other files overlap with each other and with this
        pool = ThreadPoolExecutor(READ_AHEAD_FILES, thread_name_prefix="vrhub-read-file")
        opening: deque[Future[_Opening]] = deque()
        try:
            for index in range(len(self.files)):
                while len(opening) <= QUEUED_FILES and index + len(opening) < len(
                        self.files):
                    opening.append(pool.submit(_open, self.files[index + len(opening)],
                                               self.work))
                if stopped():
                    return
                try:
                    yield from self._file_events(index, opening.popleft().result(), stopped)
                except Exception as error:  # the loader raises it in order, or skips it
                    yield _Failed(error)
        finally:  # workers finish (a part they write is the transaction's to delete)
            pool.shutdown(wait=True, cancel_futures=True)

    def _file_events(self, index: int, opened: _Opening,
                     stopped: Callable[[], bool]) -> Iterator[_Event]:
        if opened.checked is not None:  # read whole and checked already
            checked = opened.checked
            if opened.part is not None:  # ... placed and written too
                yield _Opened(opened.sha256 or "", opened.state)
                yield _Block(checked.month, checked.rows_read, None, checked.problems,
                             opened.part, opened.keys)
                yield _Closed(False)
                return
            table = place_rows(self.work.cache.result(), opened.state, checked)
            yield _Opened(opened.sha256 or "", opened.state)
            yield _Block(checked.month, checked.rows_read, table, checked.problems)
            yield _Closed(None)
            return
        source, state = opened.source, opened.state
        yield _Opened(source.sha256(), state)
        ids: list[pa.ChunkedArray] | None = []
        kept = 0
        for batch in read_batches(source, opened.header):
            if stopped():
                return
            if index in self.skipped:
                yield _Closed(None)  # the loader discards events up to here
                return
            checked = check_block(self.work.points, state, batch)
            table = place_rows(self.work.cache.result(), state, checked)
            if table is not None:
                kept += table.num_rows
                if ids is not None:
                    ids.append(table["crime_id"])
                if kept > INSERT_ROWS:
                    ids = None  # a large file: counted in the warehouse once stored
            yield _Block(checked.month, checked.rows_read, table, checked.problems)
        yield _Closed(None if ids is None else bool(repeat_flags(
            pa.chunked_array([c for column in ids for c in column.chunks], pa.string())).any()))


@dataclass
class _Opening:
    """A file opened: its header checked; when small enough to read whole, its checksum
    and rows checked, and (unless loaded before) placed and written as a part, then held
    with only its problems and ``keys`` (its rows' Crime ID, force, crime type)."""

    source: InputFile
    header: list[str]
    state: FileState
    sha256: str | None = None
    checked: Checked | None = None
    part: Part | None = None
    keys: pa.Table | None = None


def _open(source: InputFile, work: _Work) -> _Opening:
    """Open a file (in a worker thread: no warehouse connection)."""
    name = parse_file_name(source)
    data = source.read_all(WHOLE_FILE_BYTES)  # None: too large, streamed
    header = read_header(source, data)
    hint = REDUCED_EXTRACT_HINT if set(header) <= {"Month", "Longitude", "Latitude",
                                                   "Crime type"} else None
    check_header(source, header, STREET_SOURCE_COLUMNS, STREET_OPTIONAL_COLUMNS,
                 kind="police.uk street", hint=hint)
    force = None
    if name.series.endswith("-street"):
        force = name.series.removesuffix("-street")
    state = FileState(source, name, name.month, force)
    opening = _Opening(source, header, state)
    whole = None if data is None else read_whole(
        source, header, numbers=("Longitude", "Latitude"), threads=PARSE_THREADS, data=data)
    del data  # the rows are parsed: the bytes are not kept while they are checked
    if whole is not None:
        opening.sha256 = sha = whole.sha256
        opening.checked = checked = check_block(work.points, state, whole.batch)
        if sha not in work.loaded:
            table = place_rows(work.cache.result(), state, checked)
            if table is not None:
                opening.part = work.parts.prepare(
                    POLICE_STREET, _stored(state, sha, [table], flag_repeats=True), sha)
                opening.keys = table.select(["crime_id", "reported_by", "crime_type"])
                opening.checked = replace(checked, columns=None, coords=None, lsoa=None)
    return opening


# -- loading (in the caller's thread) ----------------------------------------------------
def _load_file(
    warehouse: Warehouse, reader: _Reader, events: Iterator[_Event], index: int,
    source: InputFile, months: police_series.MonthRows, ledger: FileLedger,
) -> FileReport:
    opened = next(events)
    if isinstance(opened, _Failed):
        raise opened.error
    if not isinstance(opened, _Opened):
        raise RuntimeError(f"{source.display}: the reader's events are out of order")
    sha, state = opened.sha, opened.state
    name = state.name
    load = warehouse.load_file(source=SOURCE_NAME, file_name=source.display, sha256=sha,
                               partition=None, tables=[POLICE_STREET], ledger=ledger)
    with load:
        if load.unchanged:
            reader.skipped.add(index)
            for event in events:
                if isinstance(event, _Closed | _Failed):
                    break
            return FileReport(source.display, sha, "unchanged",
                              notes=["the same file was loaded before; nothing changed"])
        replaced = False
        notes: list[str] = []
        pending: list[pa.Table] = []
        inserts = 0
        repeats: bool | None = None
        for event in events:
            if isinstance(event, _Failed):
                raise event.error
            if isinstance(event, _Closed):
                repeats = event.repeats
                break
            if not isinstance(event, _Block):
                raise RuntimeError(f"{source.display}: the reader's events are out of order")
            if not replaced:
                named = name.series
                name = revisions.series_of(warehouse, state, event.month, event.part,
                                           event.table, notes, months, event.keys)
                # the forces of a file read whole (a streamed file's later blocks are
                # not read yet: its forces are not known)
                months.add(event.month, load.file_id,
                           police_series.forces_of(event.keys)
                           if event.part is not None and event.keys is not None else None)
                if event.part is not None and name.series != named:
                    event.part = revisions.retagged(load, event.part, name.series)
                load.partition = f"{name.series}/{event.month}"
                load.replace([POLICE_STREET], series=name.series, month=event.month)
                replaced = True
            if event.problems:
                load.quarantine(event.problems)
                for p in {p.row: p for p in event.problems}.values():
                    state.quarantined_by_rule[p.rule] = (
                        state.quarantined_by_rule.get(p.rule, 0) + 1)
            load.rows_read += event.rows_read
            if event.part is not None:
                _add(load, event.part)
                inserts += 1
            if event.table is not None:
                pending.append(event.table)
            if sum(t.num_rows for t in pending) >= INSERT_ROWS:
                inserts += _insert(load, state, pending)
                pending = []
        if not inserts and repeats:  # the whole file is in hand
            inserts += _insert(load, state, pending, flag_repeats=True)
        else:
            inserts += _insert(load, state, pending)
            if inserts and repeats is not False:
                _flag_duplicates(load, state)
    status = "replaced-older" if load.replaced_files else "loaded"
    if load.replaced_files:
        notes.append(f"a revision of {load.partition}: replaces "
                     + ", ".join(revisions.file_names(warehouse, load.replaced_files))
                     + " (kept in the provenance as replaced)")
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


def _insert(load: FileLoad, state: FileState, pending: list[pa.Table], *,
            flag_repeats: bool = False) -> int:
    """Insert gathered blocks as a part; 1 if anything was sent. With ``flag_repeats``
    (the blocks are the whole file), rows repeating an earlier row's Crime ID are
    flagged here."""
    if not pending:
        return 0
    table = _stored(state, load.file_id, pending, flag_repeats=flag_repeats)
    _add(load, load.warehouse.parts.prepare(POLICE_STREET, table, load.file_id))
    return 1


def _add(load: FileLoad, part: Part) -> None:
    """List a part of the file; the view is refreshed once, at the end of the load (and
    by :func:`_flag_duplicates`, which reads the file's rows back)."""
    load.add_part(POLICE_STREET, part, refresh=False)


def _stored(state: FileState, file_id: str, blocks: list[pa.Table], *,
            flag_repeats: bool) -> pa.Table:
    """Placed blocks of a file as POLICE_STREET rows, conformed, with the file's
    one-value columns. With ``flag_repeats`` (the blocks are the whole file) rows
    repeating an earlier row's Crime ID are flagged (noted in ``state``); otherwise none
    is flagged yet (:func:`_flag_duplicates` does it once the file is stored)."""
    table = pa.concat_tables(blocks)
    constants: dict[str, object] = {
        "month": state.month or "", "series": state.name.series, "file_id": file_id,
    }
    if flag_repeats:
        flags = repeat_flags(table["crime_id"])
        if flags.any():
            rows = table["row_number"].to_numpy()
            ids = table["crime_id"]
            first = int(np.flatnonzero(flags)[0])
            same = pc.equal(ids, ids[first]).to_numpy(zero_copy_only=False)
            _note_duplicates(state, int(flags.sum()), int(rows[first]), ids[first].as_py(),
                             int(rows[int(np.flatnonzero(same)[0])]))
        table = table.append_column("crime_id_duplicate", pa.array(flags))
    else:
        constants["crime_id_duplicate"] = False
    if state.force is not None:
        constants["force"] = state.force
    return conform(POLICE_STREET, table, constants)


def _note_duplicates(state: FileState, rows: int, row: int, crime_id: str,
                     first_row: int) -> None:
    state.duplicate_rows = rows
    state.duplicate_example = (
        f"first at row {row}, column 'Crime ID', value {crime_id!r}, "
        f"already at row {first_row}"
    )


def _flag_duplicates(load: FileLoad, state: FileState) -> None:
    """Flag rows whose Crime ID appeared on an earlier row of the same file (blank IDs
    never do), for a file stored in several parts: found in the warehouse (one hash
    aggregate), then the file's parts that hold such rows are rewritten."""
    load.warehouse.refresh_parts_view(POLICE_STREET)  # parts added since are seen
    found = run_arrow(load.warehouse, police_queries.REPEATED_IDS_IN_FILE, file_id=load.file_id)
    if not found.num_rows:
        return
    first: dict[str, Any] = found.slice(0, 1).to_pylist()[0]
    _note_duplicates(state, found.num_rows, first["row_number"], first["crime_id"],
                     first["first_row"])
    repeated = pc.cast(found["row_number"], pa.int64())

    def flag(part: pa.Table) -> pa.Table | None:
        hits = pc.is_in(part["row_number"], value_set=repeated)
        if not pc.any(hits).as_py():
            return None
        index = part.column_names.index("crime_id_duplicate")
        return part.set_column(index, "crime_id_duplicate", hits)

    load.warehouse.rewrite_parts(POLICE_STREET, flag, file_id=load.file_id)


SOURCES = (
    Source(
        name=SOURCE_NAME,
        description="data.police.uk street-level crime files (*-street.csv), any force",
        patterns=PATTERNS,
        load=load_street,
    ),
)
