"""Read an ISTV submission file into raw records, whatever its shape.

* **CSV** (and ECDS-style CSV extracts): UTF-8 (with or without BOM) or Windows-1252; comma,
  semicolon or tab separated. Lines before the heading row may carry the header as
  ``key,value`` pairs (``Site code,RJ122``). Fields of any length are read (a 5 MB cell is a
  problem for validation, not a crash).
* **XLSX**: every sheet is looked at (read-only, cached values): sheets with a heading row
  are data, a sheet of ``key | value`` pairs is the header, other sheets are ignored and
  named on the receipt.
* **XML**: one header element, many assault elements (``<ISTVSubmission><Header>
  <SiteCode>…</SiteCode>…</Header><Assaults><Assault><ArrivalDate>…``). Element names are
  matched like headings. Parsed with ``defusedxml``, refusing any DTD: entity-expansion
  ("billion laughs") and external-entity files are rejected unread.

Readers keep values exactly as found; nothing here is stored or logged. The caller passes
every value through the identifier guard first.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from vrhub.errors import InputError, Location
from vrhub.ingest.bounded import CHUNK, BoundedReader, UploadLimits, read_limited
from vrhub.ingest.istv.headings import (
    HEADER_FIELDS,
    IDENTIFIER,
    ecds_style,
    field_for,
    looks_like_heading_row,
)
from vrhub.standards.codelists import normalise

HEADING_SEARCH_ROWS = 30
_RECORD_TAGS = {"assault", "assaultrecord", "record", "istvrecord", "istvassault", "attendance"}
_HEADER_TAGS = {"header", "submissionheader", "istvheader"}


class FileRefused(InputError):
    """A whole file cannot be taken; ``rule`` names why, for the receipt."""

    def __init__(self, problem: str, where: Location, *, hint: str | None = None,
                 rule: str = "file:unreadable") -> None:
        super().__init__(problem, where, hint=hint)
        self.rule = rule


@dataclass
class RawRecord:
    row: int  # 1-based record number in the file
    where: str  # human position: "line 7", "sheet 'Week 2' row 4", "Assault 3"
    values: dict[str, Any]


@dataclass
class RawSubmission:
    """What a file holds, before any checking."""

    file_format: str  # csv | xlsx | xml | ecds
    header: dict[str, Any] = field(default_factory=dict)
    header_where: dict[str, str] = field(default_factory=dict)
    records: list[RawRecord] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)
    """Each field's column heading as the file writes it (for messages naming columns)."""
    ignored_columns: list[str] = field(default_factory=list)
    dropped_identifier_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_submission(reader: BoundedReader, name: str) -> RawSubmission:
    """Read the file behind ``reader`` by its name (``.csv``/``.txt``, ``.xlsx``/``.xlsm``,
    ``.xml``) or, failing that, its first bytes; every limit of ``reader.limits`` holds
    while it is read."""
    stream = io.BufferedReader(reader, CHUNK)
    head = stream.peek(64)[:64]
    name = name.lower()
    if name.endswith((".xlsx", ".xlsm")) or head[:4] == b"PK\x03\x04":
        return read_xlsx(stream, reader.display, reader.limits)
    if name.endswith(".xml") or head.lstrip()[:5] in (b"<?xml", b"<ISTV", b"<istv"):
        return read_xml(stream, reader.display, reader.limits)
    return read_csv(stream, reader.display, reader.limits)


def read_bytes(data: bytes, name: str, limits: UploadLimits | None = None) -> RawSubmission:
    """:func:`read_submission` over bytes already in memory (tests, tools)."""
    return read_submission(BoundedReader(io.BytesIO(data), limits or UploadLimits(), name),
                           name)


# -- CSV ----------------------------------------------------------------------------------------

def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (Excel's "CSV" on Windows)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


def read_csv(stream: IO[bytes], file: str, limits: UploadLimits) -> RawSubmission:
    codecs.register_error("vrhub-cp1252", _cp1252_fallback)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="vrhub-cp1252", newline="")
    first_line = text.readline()
    delimiter = max((",", ";", "\t", "|"), key=first_line.count) if first_line.strip() else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    csv.field_size_limit(limits.cell_chars)
    reader = csv.reader(itertools.chain([first_line], text), delimiter=delimiter)
    rows = _bounded_rows(reader, file, limits)
    leading = list(itertools.islice(rows, HEADING_SEARCH_ROWS))
    out = RawSubmission("csv")
    heading_index = _heading_row(leading)
    if heading_index is None:
        raise FileRefused("no heading row found: the first lines must include headings such "
                         "as 'Assault Date', 'Assault Method', 'Assault Location Type'",
                         Location(file, row=1),
                         hint="use the data-dictionary headings (see `vrhub istv codelist "
                         "list` for codes)", rule="file:no_headings")
    for number, row in enumerate(leading[:heading_index], start=1):
        _header_pair(row, out, f"line {number}")
    headings = leading[heading_index]
    if ecds_style(list(headings)):
        out.file_format = "ecds"
    mapping = _map_headings(headings, out)
    rest = itertools.chain(leading[heading_index + 1:], rows)
    for offset, row in enumerate(rest, start=heading_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {fld: row[i] if i < len(row) else "" for i, fld in mapping.items()}
        out.records.append(RawRecord(len(out.records) + 1, f"line {offset}", values))
    return out


def _bounded_rows(reader: Any, file: str, limits: UploadLimits) -> Iterator[list[str]]:
    """The rows of a CSV reader, refusing the file at the row, column and cell limits."""
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            if "field larger than field limit" in str(exc):
                raise limits.refuse("cell_chars", f"line {line}",
                                    Location(file, row=line)) from None
            raise FileRefused(f"not a readable CSV file ({exc})", Location(file, row=line),
                             hint="save the sheet as CSV (comma separated, UTF-8)") from None
        count += 1
        if count > limits.rows:
            raise limits.refuse("rows", f"line {reader.line_num}",
                                Location(file, row=reader.line_num))
        if len(row) > limits.columns:
            raise limits.refuse("columns", f"line {reader.line_num} has {len(row):,}",
                                Location(file, row=reader.line_num))
        yield row


def _heading_row(rows: list[list[Any]]) -> int | None:
    for index, row in enumerate(rows[:HEADING_SEARCH_ROWS]):
        if looks_like_heading_row(list(row)):
            return index
    return None


def _header_pair(cells: list[Any], out: RawSubmission, where: str) -> None:
    values = [c for c in cells if c is not None and str(c).strip() != ""]
    if not values:
        return
    key, value = values[0], values[1] if len(values) > 1 else None
    if value is None and isinstance(key, str) and ":" in key:
        key, value = key.split(":", 1)
    fld = field_for(key)
    if fld in HEADER_FIELDS and value is not None and str(value).strip() != "":
        out.header[fld] = value.strip() if isinstance(value, str) else value
        out.header_where[fld] = where


def _map_headings(headings: list[Any], out: RawSubmission) -> dict[int, str]:
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for i, heading in enumerate(headings):
        fld = field_for(heading)
        label = str(heading).strip() if heading is not None else f"column {i + 1}"
        if fld == IDENTIFIER:
            out.dropped_identifier_columns.append(label)
        elif fld is None or fld in taken:
            if label:
                out.ignored_columns.append(label)
        else:
            mapping[i] = fld
            taken.add(fld)
            out.headings.setdefault(fld, label)
    for fld in mapping.values():
        if fld not in out.fields:
            out.fields.append(fld)
    return mapping


# -- XLSX ---------------------------------------------------------------------------------------

def read_xlsx(stream: IO[bytes], file: str, limits: UploadLimits) -> RawSubmission:
    """Read a workbook: its unpacked size and each sheet's declared dimension are checked
    before any cell is read, and each sheet's rows and cells are counted as they are read
    (a dimension can lie)."""
    import openpyxl

    data = read_limited(stream, limits.data_bytes)
    if data is None:  # the bounded reader refuses first; kept for other streams
        raise limits.refuse("data_bytes", "more bytes followed", Location(file))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.data_bytes:
            raise limits.refuse("data_bytes", f"its parts unpack to {unpacked:,} bytes",
                                Location(file))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(f"not a readable Excel workbook ({type(exc).__name__})",
                         Location(file), hint="save it again as .xlsx from Excel") from None
    del data
    out = RawSubmission("xlsx")
    data_sheets = 0
    rows_seen = 0
    try:
        for sheet in book.worksheets:
            where = f"sheet {sheet.title!r}"
            _check_dimension(sheet, file, limits)
            last_row, last_column = _scan_sheet(sheet, file, limits)
            rows_seen += last_row
            if rows_seen > limits.rows:
                raise limits.refuse("rows", f"{rows_seen:,} across its sheets",
                                    Location(file))
            sheet.reset_dimensions()
            rows: Iterator[list[Any]] = (
                _checked_cells(list(r), file, where, limits)
                for r in sheet.iter_rows(min_row=1, max_row=max(last_row, 1),
                                         max_col=max(last_column, 1), values_only=True))
            leading = list(itertools.islice(rows, HEADING_SEARCH_ROWS))
            heading_index = _heading_row(leading)
            if heading_index is None:
                before = dict(out.header)
                for number, row in enumerate(leading, start=1):
                    _header_pair(row, out, f"{where} row {number}")
                if out.header != before:
                    out.notes.append(f"{where} read as the submission header")
                else:
                    out.notes.append(f"{where} ignored: no ISTV headings")
                continue
            data_sheets += 1
            for number, row in enumerate(leading[:heading_index], start=1):
                _header_pair(row, out, f"{where} row {number}")
            mapping = _map_headings(leading[heading_index], out)
            count = 0
            rest = itertools.chain(leading[heading_index + 1:], rows)
            for offset, row in enumerate(rest, start=heading_index + 2):
                if not any(c is not None and str(c).strip() != "" for c in row):
                    continue
                values = {fld: row[i] if i < len(row) else None for i, fld in mapping.items()}
                out.records.append(RawRecord(len(out.records) + 1, f"{where} row {offset}",
                                             values))
                count += 1
            out.notes.append(f"{where}: {count} record(s)")
    finally:
        book.close()
    if data_sheets == 0:
        raise FileRefused("no sheet has ISTV headings (e.g. 'Assault Date', 'Assault Method', "
                         "'Assault Location Type')", Location(file),
                         hint="put the records on a sheet whose first row holds the headings")
    out.ignored_columns = list(dict.fromkeys(out.ignored_columns))
    out.dropped_identifier_columns = list(dict.fromkeys(out.dropped_identifier_columns))
    return out


def _check_dimension(sheet: Any, file: str, limits: UploadLimits) -> None:
    """Refuse a sheet whose declared dimension (``<dimension ref="A1:XFD20000">``) is past
    the row or column limit, before any of its cells is read."""
    declared = f"sheet {sheet.title!r} declares the range " + (
        f"A1:{_column_letters(sheet.max_column or 1)}{sheet.max_row or 1}")
    if sheet.max_column and sheet.max_column > limits.columns:
        raise limits.refuse("columns", declared, Location(file))
    if sheet.max_row and sheet.max_row > limits.rows:
        raise limits.refuse("rows", declared, Location(file))


def _column_letters(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(min(max(n, 1), 18278)))


def _scan_sheet(sheet: Any, file: str, limits: UploadLimits) -> tuple[int, int]:
    """The last row and column a sheet really uses, found by one streaming pass over its
    XML that holds nothing and refuses the file at the row or column limit."""
    from xml.parsers import expat

    from openpyxl.utils import column_index_from_string

    state = {"row": 0, "column": 0, "cells": 0, "last_row": 0, "last_column": 0}
    where = f"sheet {sheet.title!r}"

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit("}", 1)[-1]
        if local == "row":
            ref = attrs.get("r", "")
            state["row"] = int(ref) if ref.isdigit() else state["row"] + 1
            state["column"] = state["cells"] = 0
            if state["row"] > limits.rows:
                raise limits.refuse("rows", f"{where} has row {state['row']:,}",
                                    Location(file, row=state["row"]))
        elif local == "c":
            ref = attrs.get("r", "")
            letters = ref.rstrip("0123456789")
            try:
                column = column_index_from_string(letters) if letters else state["column"] + 1
            except ValueError:
                column = state["column"] + 1
            state["column"] = column
            state["cells"] += 1
            if column > limits.columns or state["cells"] > limits.columns:
                raise limits.refuse("columns", f"{where} row {state['row']:,} has cells past "
                                    f"column {limits.columns:,}",
                                    Location(file, row=state["row"]))
            state["last_row"] = max(state["last_row"], state["row"])
            state["last_column"] = max(state["last_column"], column)

    def refuse_dtd(*_: Any) -> None:
        raise FileRefused("a worksheet declares a DTD; vrhub refuses such files",
                         Location(file), hint="save the workbook again from Excel",
                         rule="file:unsafe_xml")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_dtd
    try:
        with sheet._get_source() as source:
            parser.ParseFile(source)
    except expat.ExpatError as exc:
        raise FileRefused(f"{where} is not well-formed ({exc})", Location(file),
                         hint="save the workbook again from Excel") from None
    return state["last_row"], state["last_column"]


def _checked_cells(row: list[Any], file: str, where: str, limits: UploadLimits) -> list[Any]:
    for cell in row:
        if isinstance(cell, str) and len(cell) > limits.cell_chars:
            raise limits.refuse("cell_chars", f"{where} holds one of {len(cell):,}",
                                Location(file))
    return row


# -- XML ----------------------------------------------------------------------------------------

def read_xml(stream: IO[bytes], file: str, limits: UploadLimits) -> RawSubmission:
    """Read ISTV XML as a stream: each record is taken and then dropped from the tree, so
    memory holds one record at a time; a DTD or entity declaration refuses the file."""
    from xml.etree.ElementTree import Element, ParseError

    import defusedxml
    import defusedxml.ElementTree as safe_tree

    out = RawSubmission("xml")

    def local(tag: object) -> str:
        return normalise(re.sub(r"^\{.*\}", "", str(tag)))

    stack: list[Element] = []
    inside = 0  # elements read inside the current record or header
    holder: Element | None = None  # the record or header element being read
    try:
        for event, node in safe_tree.iterparse(stream, events=("start", "end"),
                                               forbid_dtd=True, forbid_entities=True,
                                               forbid_external=True):
            element: Element = node
            if event == "start":
                if not stack:
                    for key, value in element.attrib.items():
                        _header_pair([key, value], out, "root attribute")
                if holder is not None:
                    inside += 1
                    if inside > limits.columns:
                        raise limits.refuse("columns", f"<{holder.tag}> has more elements",
                                            Location(file))
                elif local(element.tag) in _RECORD_TAGS | _HEADER_TAGS:
                    holder, inside = element, 0
                stack.append(element)
                continue
            stack.pop()
            if element is not holder:
                if holder is None and stack:
                    stack[-1].remove(element)  # nothing else is kept
                continue
            holder = None
            _xml_element(element, local(element.tag), out, file, limits)
            if len(out.records) > limits.rows:
                raise limits.refuse("rows", f"<{node.tag}> {len(out.records):,}",
                                    Location(file))
            element.clear()
            if stack:
                stack[-1].remove(element)
    except defusedxml.DefusedXmlException as exc:
        raise FileRefused(
            f"the XML declares a DTD or entities ({type(exc).__name__}); vrhub refuses such "
            "files because they can carry entity-expansion or external-entity attacks",
            Location(file),
            hint="export the submission as plain XML without a <!DOCTYPE> declaration",
            rule="file:unsafe_xml",
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise FileRefused(f"not well-formed XML (line {line}, column {column})",
                         Location(file, row=line),
                         hint="check the file is complete and was saved as XML") from None
    if not out.records and not out.header:
        raise FileRefused("no ISTV header or assault elements found", Location(file),
                         hint="the file should hold <Header> and <Assault> elements")
    return out


def _xml_element(element: Any, tag: str, out: RawSubmission, file: str,
                 limits: UploadLimits) -> None:
    def text(node: Any) -> str:
        value = "".join(node.itertext())
        if len(value) > limits.cell_chars:
            raise limits.refuse("cell_chars", f"<{node.tag}> holds {len(value):,}",
                                Location(file))
        return value

    if tag in _HEADER_TAGS:
        for key, value in element.attrib.items():
            _header_pair([key, value], out, "header attribute")
        for child in element:
            _header_pair([normalise(re.sub(r"^\{.*\}", "", str(child.tag))),
                          text(child).strip()], out,
                         f"<{re.sub(r'^{.*}', '', str(child.tag))}>")
        return
    values: dict[str, Any] = {}
    for key, value in element.attrib.items():
        fld = field_for(key)
        if fld and fld != IDENTIFIER:
            values[fld] = value
    for child in element:
        name = re.sub(r"^\{.*\}", "", str(child.tag))
        fld = field_for(name)
        if fld == IDENTIFIER:
            if name not in out.dropped_identifier_columns:
                out.dropped_identifier_columns.append(name)
        elif fld is None:
            if name not in out.ignored_columns:
                out.ignored_columns.append(name)
        else:
            values[fld] = text(child)
            if fld not in out.fields:
                out.fields.append(fld)
    number = len(out.records) + 1
    out.records.append(RawRecord(number, f"<{element.tag}> {number}", values))
