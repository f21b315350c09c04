"""Streamed reading of data.police.uk CSV files, shared by the street and stop-search loaders.

A file is read in blocks with pyarrow's streaming CSV reader (never whole into memory),
every column as UTF-8 text; a file that is not UTF-8 is read again as raw bytes so that
the problem can be reported with its row and column. Whole-file problems raise
:class:`~vrhub.errors.InputError` and stop the load (the surrounding transaction rolls
back):

* an empty file, or a header with no data rows;
* missing, unexpected or repeated column headings;
* bytes that are not UTF-8;
* a row with the wrong number of fields (the quoting is broken: nothing after it can be
  trusted);
* a file name whose month disagrees with a row's Month (see the loaders).

Row problems (a formula in a cell, coordinates outside Great Britain, ...) are found by
the loaders and quarantined.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from vrhub.errors import InputError, Location
from vrhub.geography.bng import bng_in_great_britain, lonlat_in_great_britain
from vrhub.ingest.grid_points import GridPoints
from vrhub.ingest.inputs import InputFile
from vrhub.standards.schema import Problem
from vrhub.storage.warehouse import Warehouse

#: Bytes parsed per block: bounds memory whatever the file size.
BLOCK_SIZE = 8 << 20
#: A file (decompressed) up to this size is read whole: pyarrow parses it while its bytes
#: are checksummed in another thread. Larger files are streamed.
WHOLE_FILE_BYTES = 64 << 20
#: Bytes per parsed block of a file read whole: a few blocks per file keep the parser's
#: threads busy (when it has threads), and fewer, longer chunks make every later column
#: operation cheaper.
WHOLE_FILE_BLOCK = 4 << 20

_FILE_NAME = re.compile(r"^(?P<month>\d{4}-(?:0[1-9]|1[0-2]))[-_](?P<series>.+?)\.csv$", re.I)

@dataclass(frozen=True)
class FileName:
    """What a police.uk file name says: ``2024-01-city-of-london-street.csv``."""

    month: str | None
    series: str


#: What browsers and people add to a file saved again: ``x (1).csv``, ``x-download2.csv``,
#: ``x - Copy.csv``, ``x_copy2.csv``. A saved copy is the same series.
_COPY_MARK = re.compile(r"(?:\s*\(\d+\)|\s*[-_ ]\s*(?:download|copy)\s*\d*)+$", re.I)


def parse_file_name(source: InputFile) -> FileName:
    """The month and series a file's name gives, marks of a saved copy removed
    (``2024-01-city-of-london-street (1).csv`` is ``city-of-london-street``)."""
    name = source.logical_name
    match = _FILE_NAME.match(name)
    if match is None:
        stem = name[:-4] if name.lower().endswith(".csv") else name
        return FileName(None, series_name(stem))
    return FileName(match["month"], series_name(match["series"]))


def series_name(text: str) -> str:
    """A series name from the part of a file name after the month."""
    return _COPY_MARK.sub("", text).strip().lower() or text.strip().lower()


@dataclass
class Batch:
    """A block of rows: ``first_row`` is the 1-based data row of its first row."""

    first_row: int
    #: every column UTF-8 text as published (blank cells null), except columns read as
    #: numbers by :func:`read_whole`
    table: pa.Table

    @property
    def row_numbers(self) -> npt.NDArray[np.int64]:
        return np.arange(self.first_row, self.first_row + self.table.num_rows, dtype=np.int64)


def read_header(source: InputFile, data: bytes | None = None) -> list[str]:
    """The column headings (UTF-8, byte-order mark removed). Raises on an empty file.
    ``data``: the file's bytes when already read whole (the file is not opened again)."""
    if data is None:
        with source.open() as stream:
            head = stream.read(64 * 1024)
    else:
        head = data[:64 * 1024]
    if not head.strip():
        raise InputError(
            "the file is empty (no header row, no data)",
            Location(source.display, row=0),
            hint="download the file again; a police.uk file starts with a header row",
        )
    line = head.splitlines()[0]
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "the header row is not UTF-8 text",
            Location(source.display, row=0, value=line[max(0, exc.start - 10): exc.end + 10]),
            hint="save the file as UTF-8 CSV",
        ) from None
    return next(csv.reader([text]))


def check_header(
    source: InputFile,
    header: Sequence[str],
    expected: Sequence[str],
    optional: Sequence[str] = (),
    *,
    kind: str,
    hint: str | None = None,
) -> None:
    """Refuse a file whose headings are missing, unexpected or repeated."""
    seen: set[str] = set()
    for heading in header:
        if heading in seen:
            raise InputError(f"column heading {heading!r} appears twice",
                             Location(source.display, row=0, column=heading, value=heading),
                             hint=f"a {kind} file names each column once")
        seen.add(heading)
    missing = [c for c in expected if c not in seen and c not in optional]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"(found {len(header)} columns: {', '.join(header)})",
            Location(source.display, row=0, column=missing[0]),
            hint=hint or f"this is not a {kind} file; expected the columns "
            + ", ".join(expected),
        )
    unexpected = [c for c in header if c not in expected]
    if unexpected:
        raise InputError(
            f"unexpected column {unexpected[0]!r}",
            Location(source.display, row=0, column=unexpected[0], value=unexpected[0]),
            hint=f"this is not a {kind} file, or it was edited; expected the columns "
            + ", ".join(expected),
        )


def read_batches(source: InputFile, header: Sequence[str]) -> Iterator[Batch]:
    """Stream the data rows as blocks of UTF-8 text columns.

    The parser checks the text is UTF-8 as it reads; only when it is not is the file read
    again as raw bytes to name the row and column of the first bad cell.
    """
    ragged: list[str] = []
    first_row = 1
    try:
        for table in _blocks(source, header, pa.string(), ragged):
            yield Batch(first_row, _as_text(source, table, first_row))
            first_row += table.num_rows
    except pa.ArrowInvalid as exc:
        if not ragged:
            _locate_bad_text(source, header)  # raises where the text is not UTF-8
        raise _ragged_row_error(source, len(header)) from exc
    if first_row == 1:
        raise InputError(
            "the file has a header row but no data rows",
            Location(source.display, row=1),
            hint="download the month again; police.uk does not publish empty months, and "
            "an empty file would replace the month's rows with nothing",
        )


@dataclass
class WholeFile:
    """A file read in one go: its sha256 and all its rows."""

    sha256: str
    batch: Batch


def read_whole(source: InputFile, header: Sequence[str], numbers: Sequence[str] = (), *,
               threads: bool = True, data: bytes | None = None) -> WholeFile | None:
    """The file's checksum and rows, read whole, with the ``numbers`` columns parsed as
    floats; None when the file is larger than :data:`WHOLE_FILE_BYTES`, has no data rows
    or does not parse cleanly (bytes that are not UTF-8, a ragged row, a number column
    holding text). The caller then streams it with :func:`read_batches`, which names the
    row and column of any fault or quarantines the rows. With ``threads`` the file's
    blocks are parsed in parallel (worth it only when cores are idle), and the checksum
    taken beside the parse. ``data``: the file's bytes, when :meth:`InputFile.read_all`
    already read them."""
    if data is None:
        data = source.read_all(WHOLE_FILE_BYTES)
    if data is None or len(data) > WHOLE_FILE_BYTES:
        return None
    whole = data
    digest: list[str] = []
    # hashlib releases the GIL on large buffers: beside the parse, the checksum costs no
    # wall-clock time when a core is idle; when every core is busy (several files read at
    # once), starting a thread per file costs more than it saves
    hashing = None
    if threads:
        hashing = threading.Thread(
            target=lambda: digest.append(hashlib.sha256(whole).hexdigest()),
            name="vrhub-sha256")
        hashing.start()
    else:
        digest.append(hashlib.sha256(whole).hexdigest())
    types = {name: pa.float64() if name in numbers else pa.string() for name in header}
    convert = pv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True,
                                quoted_strings_can_be_null=True)
    try:
        table = pv.read_csv(pa.BufferReader(data), read_options=pv.ReadOptions(
            use_threads=threads, block_size=WHOLE_FILE_BLOCK), convert_options=convert)
    except pa.ArrowInvalid:
        table = None
    finally:
        if hashing is not None:
            hashing.join()
    if table is None or table.num_rows == 0:
        return None
    return WholeFile(digest[0], Batch(1, table))


def _locate_bad_text(source: InputFile, header: Sequence[str]) -> None:
    """Read the file again as bytes and raise naming the first cell that is not UTF-8
    (returns if there is none, or the file breaks off first: its quoting is broken)."""
    first_row = 1
    try:
        for table in _blocks(source, header, pa.binary(), []):
            _as_text(source, table, first_row)
            first_row += table.num_rows
    except pa.ArrowInvalid:
        return


def _blocks(source: InputFile, header: Sequence[str], kind: pa.DataType,
            ragged: list[str]) -> Iterator[pa.Table]:
    """The data rows in blocks of :data:`BLOCK_SIZE` bytes, every column of type ``kind``
    (blank cells null); rows with the wrong number of fields are added to ``ragged``."""
    convert = pv.ConvertOptions(
        column_types=dict.fromkeys(header, kind),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    read = pv.ReadOptions(block_size=BLOCK_SIZE, use_threads=True)

    def on_invalid(row: pv.InvalidRow) -> str:
        ragged.append(row.text)
        return "error"

    parse = pv.ParseOptions(invalid_row_handler=on_invalid)
    with source.open() as stream:
        reader = pv.open_csv(stream, read_options=read, parse_options=parse,
                             convert_options=convert)
        for record_batch in reader:
            yield pa.Table.from_batches([record_batch])


def _as_text(source: InputFile, table: pa.Table, first_row: int) -> pa.Table:
    """The block with every column as UTF-8 text; raises naming the first cell that is
    not UTF-8."""
    if all(pa.types.is_string(t) for t in table.schema.types):
        return table
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            columns.append(pc.cast(column, pa.string()))
        except pa.ArrowInvalid:
            for offset, raw in enumerate(column.to_pylist()):
                if raw is None:
                    continue
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"bytes that are not UTF-8 text ({raw[exc.start:exc.end]!r})",
                        Location(source.display, row=first_row + offset, column=name,
                                 value=raw.decode("utf-8", errors="replace")),
                        hint="save the file as UTF-8 CSV (police.uk files are UTF-8); "
                        "a file re-saved from Excel may be in Windows-1252",
                    ) from None
            raise
    return pa.table(columns, names=table.column_names)


def _ragged_row_error(source: InputFile, expected: int) -> InputError:
    """Find the first row with the wrong number of fields (slow path, on error only)."""
    with source.open() as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        for number, row in enumerate(csv.reader(text)):
            if number and len(row) != expected:
                return InputError(
                    f"the row has {len(row)} fields; the header has {expected}",
                    Location(source.display, row=number, value=",".join(row)),
                    hint="the file's quoting is broken (a comma or quote inside a value); "
                    "download it again",
                )
    return InputError("the file is not well-formed CSV", Location(source.display),
                      hint="download the file again")


# -- row checks shared by both loaders (text cells: vrhub.ingest.text_cells) -----------
#: Why a row has no point: ``coordinate_flag``.
COORDINATE_FLAGS = ("missing", "incomplete", "zero")
_FLAG_DICTIONARY = pa.array(COORDINATE_FLAGS, pa.string())


@dataclass
class Coordinates:
    """Parsed coordinates of a block: usable points in BNG, and why others have none."""

    longitude: npt.NDArray[np.float64]
    latitude: npt.NDArray[np.float64]
    easting: npt.NDArray[np.float64]
    northing: npt.NDArray[np.float64]
    flag: npt.NDArray[np.int8]  # a position in COORDINATE_FLAGS, -1 for none
    problems: list[Problem]
    #: each usable point's number from :class:`GridPoints` (equal points, equal numbers;
    #: -1 where there is no usable point)
    point: npt.NDArray[np.int64]

    def flags(self) -> pa.DictionaryArray:
        """``flag`` as dictionary-encoded text (null where the point is usable)."""
        return pa.DictionaryArray.from_arrays(pa.array(self.flag, mask=self.flag < 0),
                                              _FLAG_DICTIONARY)

    def take(self, keep: npt.NDArray[np.bool_]) -> Coordinates:
        """The coordinates of the rows ``keep`` selects (problems stay as they are)."""
        return Coordinates(self.longitude[keep], self.latitude[keep], self.easting[keep],
                           self.northing[keep], self.flag[keep], self.problems,
                           self.point[keep])


def parse_coordinates(
    table: pa.Table, rows: npt.NDArray[np.int64], lon_col: str = "Longitude",
    lat_col: str = "Latitude", points: GridPoints | None = None,
) -> Coordinates:
    """Longitude/latitude text -> floats and BNG; flag blank and (0, 0); quarantine
    values that are not numbers or lie outside Great Britain. ``points`` remembers grid
    references across calls (each distinct point is projected once)."""
    lon_text = table[lon_col]
    lat_text = table[lat_col]
    lon, lon_bad = _to_float(lon_text)
    lat, lat_bad = _to_float(lat_text)
    problems: list[Problem] = []
    for bad, name, text in ((lon_bad, lon_col, lon_text), (lat_bad, lat_col, lat_text)):
        for i in np.flatnonzero(bad):
            problems.append(Problem(int(rows[i]), name, text[int(i)].as_py(),
                                    f"{name} is not a number", "coordinate_not_a_number"))
    n = len(lon)
    flag = np.full(n, -1, dtype=np.int8)
    lon_blank = np.isnan(lon) & ~lon_bad
    lat_blank = np.isnan(lat) & ~lat_bad
    flag[lon_blank & lat_blank] = COORDINATE_FLAGS.index("missing")
    flag[lon_blank ^ lat_blank] = COORDINATE_FLAGS.index("incomplete")
    zero = (lon == 0) & (lat == 0)
    flag[zero] = COORDINATE_FLAGS.index("zero")
    usable = ~np.isnan(lon) & ~np.isnan(lat) & ~zero
    easting = np.full(n, np.nan)
    northing = np.full(n, np.nan)
    point = np.full(n, -1, dtype=np.int64)
    if usable.any():
        grid = points if points is not None else GridPoints()
        point[usable], easting[usable], northing[usable] = grid.project(lon[usable],
                                                                        lat[usable])
    inside = lonlat_in_great_britain(lon, lat) & bng_in_great_britain(easting, northing)
    outside = usable & ~inside
    for i in np.flatnonzero(outside):
        swapped = bool(lonlat_in_great_britain([lat[i]], [lon[i]])[0])
        problems.append(Problem(
            int(rows[i]), lon_col, f"{lon[i]:g}, {lat[i]:g}",
            "the point (longitude, latitude) lies outside Great Britain"
            + ("; Longitude and Latitude look swapped" if swapped else ""),
            "coordinate_outside_gb",
        ))
    easting[outside] = np.nan
    northing[outside] = np.nan
    point[outside] = -1
    lon_out = np.where(usable, lon, np.nan)
    lat_out = np.where(usable, lat, np.nan)
    return Coordinates(lon_out, lat_out, easting, northing, flag, problems, point)


def _to_float(text: pa.ChunkedArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Floats (NaN for blank) and a mask of values that are not numbers."""
    blank = pc.is_null(text).to_numpy(zero_copy_only=False)
    try:
        values = pc.cast(text, pa.float64())
        out = values.to_numpy(zero_copy_only=False).astype(float)
        bad = ~np.isfinite(out) & ~blank
        out[bad] = np.nan
        return out, bad
    except pa.ArrowInvalid:
        pass
    out = np.full(len(text), np.nan)
    bad = np.zeros(len(text), dtype=bool)
    for i, value in enumerate(text.to_pylist()):
        if value is None or not value.strip():
            continue
        try:
            number = float(value)
        except ValueError:
            bad[i] = True
            continue
        if np.isfinite(number):
            out[i] = number
        else:
            bad[i] = True
    return out, bad


@contextmanager
def unordered_appends(warehouse: Warehouse) -> Iterator[None]:
    """Let DuckDB append blocks in parallel, in any physical order, while loading (rows
    carry their file and row number, so storage order carries no meaning)."""
    with warehouse.unordered_appends():
        yield


def keep_mask(rows: npt.NDArray[np.int64], problems: Sequence[Problem]) -> npt.NDArray[np.bool_]:
    """Mask of rows that have no problem."""
    if not problems:
        return np.ones(len(rows), dtype=bool)
    return ~np.isin(rows, np.array([p.row for p in problems], dtype=np.int64))
