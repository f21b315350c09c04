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

import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.istv.headings import (
    HEADER_FIELDS,
    IDENTIFIER,
    ecds_style,
    field_for,
    looks_like_heading_row,
)
from vrhub.standards.codelists import normalise

MAX_FILE_BYTES = 256 * 1024 * 1024
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


def read_submission(source: InputFile) -> RawSubmission:
    """Read ``source`` by its extension (``.csv``/``.txt``, ``.xlsx``/``.xlsm``, ``.xml``)."""
    name = source.logical_name.lower()
    data = _read_bytes(source)
    if name.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return read_xlsx(data, source.display)
    if name.endswith(".xml") or data.lstrip()[:5] in (b"<?xml", b"<ISTV", b"<istv"):
        return read_xml(data, source.display)
    return read_csv(data, source.display)


def _read_bytes(source: InputFile) -> bytes:
    with source.open() as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB",
                         Location(source.display),
                         hint="split the submission by month and site")
    return data


# -- CSV ----------------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(data: bytes, file: str) -> RawSubmission:
    text = _decode(data)
    sample = text[:8192]
    first_line = sample.splitlines()[0] if sample.strip() else ""
    delimiter = max((",", ";", "\t", "|"), key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefused(f"not a readable CSV file ({exc})", Location(file),
                         hint="save the sheet as CSV (comma separated, UTF-8)") from None
    out = RawSubmission("csv")
    heading_index = _heading_row(rows)
    if heading_index is None:
        raise FileRefused("no heading row found: the first lines must include headings such "
                         "as 'Assault Date', 'Assault Method', 'Assault Location Type'",
                         Location(file, row=1),
                         hint="use the data-dictionary headings (see `vrhub istv codelist "
                         "list` for codes)", rule="file:no_headings")
    for number, row in enumerate(rows[:heading_index], start=1):
        _header_pair(row, out, f"line {number}")
    headings = rows[heading_index]
    if ecds_style(list(headings)):
        out.file_format = "ecds"
    mapping = _map_headings(headings, out)
    for offset, row in enumerate(rows[heading_index + 1:], start=heading_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {fld: row[i] if i < len(row) else "" for i, fld in mapping.items()}
        out.records.append(RawRecord(len(out.records) + 1, f"line {offset}", values))
    return out


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

def read_xlsx(data: bytes, file: str) -> RawSubmission:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(f"not a readable Excel workbook ({type(exc).__name__})",
                         Location(file), hint="save it again as .xlsx from Excel") from None
    out = RawSubmission("xlsx")
    data_sheets = 0
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            heading_index = _heading_row(rows)
            if heading_index is None:
                before = dict(out.header)
                for number, row in enumerate(rows[:HEADING_SEARCH_ROWS], start=1):
                    _header_pair(row, out, f"sheet {sheet.title!r} row {number}")
                if out.header != before:
                    out.notes.append(f"sheet {sheet.title!r} read as the submission header")
                else:
                    out.notes.append(f"sheet {sheet.title!r} ignored: no ISTV headings")
                continue
            data_sheets += 1
            for number, row in enumerate(rows[:heading_index], start=1):
                _header_pair(row, out, f"sheet {sheet.title!r} row {number}")
            headings = rows[heading_index]
            mapping = _map_headings(headings, out)
            count = 0
            for offset, row in enumerate(rows[heading_index + 1:], start=heading_index + 2):
                if not any(c is not None and str(c).strip() != "" for c in row):
                    continue
                values = {fld: row[i] if i < len(row) else None for i, fld in mapping.items()}
                out.records.append(RawRecord(len(out.records) + 1,
                                             f"sheet {sheet.title!r} row {offset}", values))
                count += 1
            out.notes.append(f"sheet {sheet.title!r}: {count} record(s)")
    finally:
        book.close()
    if data_sheets == 0:
        raise FileRefused("no sheet has ISTV headings (e.g. 'Assault Date', 'Assault Method', "
                         "'Assault Location Type')", Location(file),
                         hint="put the records on a sheet whose first row holds the headings")
    out.ignored_columns = list(dict.fromkeys(out.ignored_columns))
    out.dropped_identifier_columns = list(dict.fromkeys(out.dropped_identifier_columns))
    return out


# -- XML ----------------------------------------------------------------------------------------

def read_xml(data: bytes, file: str) -> RawSubmission:
    from xml.etree.ElementTree import Element, ParseError

    import defusedxml
    import defusedxml.ElementTree as safe_tree

    try:
        root: Element = safe_tree.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                             forbid_external=True)
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
    out = RawSubmission("xml")

    def local(tag: object) -> str:
        return normalise(re.sub(r"^\{.*\}", "", str(tag)))

    for key, value in root.attrib.items():
        _header_pair([key, value], out, "root attribute")
    for element in root.iter():
        tag = local(element.tag)
        if tag in _HEADER_TAGS:
            for key, value in element.attrib.items():
                _header_pair([key, value], out, "header attribute")
            for child in element:
                _header_pair([local(child.tag), (child.text or "").strip()], out,
                             f"<{re.sub(r'^{.*}', '', str(child.tag))}>")
        elif tag in _RECORD_TAGS:
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
                    values[fld] = "".join(child.itertext())
                    if fld not in out.fields:
                        out.fields.append(fld)
            number = len(out.records) + 1
            out.records.append(RawRecord(number, f"<{element.tag}> {number}", values))
    if not out.records and not out.header:
        raise FileRefused("no ISTV header or assault elements found", Location(file),
                         hint="the file should hold <Header> and <Assault> elements")
    return out
