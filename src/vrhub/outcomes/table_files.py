"""Read an uploaded table (CSV or XLSX) into numbered rows, keeping values as found.

Used by the measures and survey uploads. A CSV is UTF-8 (with or without BOM) or
Windows-1252, comma, semicolon or tab separated. An XLSX is read without running anything:
the sheet named by the caller (``Measures``, ``Survey``) or else the first, its first
non-empty row as headings. A cell holding a formula (an XLSX formula, or a CSV cell a
spreadsheet would run as one: ``=``, ``@``, ``+``/``-`` before a non-number) is reported
by position so its row can be quarantined; its text is never stored.

Nothing here is stored or logged; callers pass free text through the identifier guard.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import InputError, Location
from vrhub.standards.formula_cells import FORMULA

_FORMULA = FORMULA


@dataclass
class TableFile:
    name: str
    file_format: str
    sheet: str | None
    headings: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """(row number as a spreadsheet shows it, {heading: value})."""
    formulas: set[tuple[int, str]] = field(default_factory=set)
    """(row number, heading) of cells holding a formula (their value is blanked)."""


def _heading(value: Any) -> str:
    return re.sub(r"\s+", "_", str(value or "").strip().lower())


def read_table(data: bytes, name: str, *, sheet: str | None = None,
               max_bytes: int, max_rows: int) -> TableFile:
    """The rows of ``data`` (a file called ``name``), or :class:`InputError`."""
    if len(data) > max_bytes:
        raise InputError(f"the file is {len(data) / 1048576:.1f} MB, over the upload limit of "
                         f"{max_bytes / 1048576:.0f} MB", Location(name),
                         hint="split the file by period, or ask an administrator to raise "
                         "VRHUB_OUTCOMES_MAX_UPLOAD_BYTES")
    if not data.strip():
        raise InputError("the file is empty", Location(name), hint="upload the filled-in file")
    if data[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, name, sheet)
    else:
        table = _read_csv(data, name)
    if len(table.rows) > max_rows:
        raise InputError(f"the file has {len(table.rows):,} rows, over the limit of "
                         f"{max_rows:,}", Location(name),
                         hint="split the file, or ask an administrator to raise "
                         "VRHUB_OUTCOMES_MAX_ROWS")
    return table


def _read_csv(data: bytes, name: str) -> TableFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headings: list[str] = []
    table = TableFile(name, "csv", None, headings)
    for line_number, cells in enumerate(reader, start=1):
        if not headings:
            if any(c.strip() for c in cells):
                headings.extend(_heading(c) for c in cells)
            continue
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, Any] = {}
        for heading, cell in zip(headings, cells, strict=False):
            if heading and _FORMULA.match(cell):
                table.formulas.add((line_number, heading))
                values[heading] = ""
            elif heading:
                values[heading] = cell
        table.rows.append((line_number, values))
    if not headings:
        raise InputError("the file has no heading row", Location(name),
                         hint="keep the template's first row of column names")
    return table


#: a formula element in a worksheet's XML (``<f>``, ``<f t="shared" .../>``, ``<x:f>``)
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_SCAN_CHUNK = 1 << 20


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of the workbook holds a formula (read in chunks, never whole)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/")
                    and info.filename.endswith(".xml")):
                continue
            tail = b""
            with archive.open(info) as part:
                while chunk := part.read(_SCAN_CHUNK):
                    if _FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-32:]
    return False


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> TableFile:
    """A workbook with no formula is read by calamine (a compiled reader, some fifty times
    quicker); one with formulas by openpyxl, which tells a formula cell from a value."""
    try:
        fast = None if _has_formulas(data) else _read_xlsx_values(data, name, sheet)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        fast = None  # openpyxl says what is wrong with the file
    return fast if fast is not None else _read_xlsx_cells(data, name, sheet)


def _value(cell: Any) -> Any:
    """A calamine cell as openpyxl gives it: blank as None, a whole number as int."""
    if cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2 ** 53:
        return int(cell)
    return cell


def _read_xlsx_values(data: bytes, name: str, sheet: str | None) -> TableFile | None:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a dependency; openpyxl reads the file then
        return None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        chosen = next((n for n in names if sheet and n.strip().lower() == sheet.lower()),
                      names[0])
        grid = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception:  # any refusal: openpyxl reads the file and names what is wrong
        return None
    headings: list[str] = []
    table = TableFile(name, "xlsx", chosen, headings)
    for number, raw in enumerate(grid, start=1):
        cells = [_value(c) for c in raw]
        if not headings:
            if any(c is not None for c in cells):
                headings.extend(_heading(c) for c in cells)
            continue
        values: dict[str, Any] = {}
        keep = False
        for heading, value in zip(headings, cells, strict=False):
            if not heading:
                continue
            if isinstance(value, str) and value.startswith("="):
                table.formulas.add((number, heading))
                values[heading] = ""
                keep = True
            else:
                values[heading] = value
                keep = keep or value is not None
        if keep:
            table.rows.append((number, values))
    if not headings:
        raise InputError(f"sheet {chosen!r} has no heading row", Location(name),
                         hint="keep the template's first row of column names")
    return table


def _read_xlsx_cells(data: bytes, name: str, sheet: str | None) -> TableFile:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                         Location(name), hint="save it again as an Excel workbook (.xlsx) "
                         "or as CSV") from None
    try:
        names = book.sheetnames
        chosen = next((n for n in names if sheet and n.strip().lower() == sheet.lower()),
                      names[0])
        ws = book[chosen]
        headings: list[str] = []
        table = TableFile(name, "xlsx", chosen, headings)
        for row in ws.iter_rows():
            cells = list(row)  # blank cells inside a row keep their place
            placed = [c for c in cells if getattr(c, "row", None) is not None]
            if not placed:
                continue
            number = placed[0].row
            if not headings:
                if any(c.value not in (None, "") for c in cells):
                    headings.extend(_heading(c.value) for c in cells)
                continue
            values: dict[str, Any] = {}
            for heading, cell in zip(headings, cells, strict=False):
                if not heading:
                    continue
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith("=")):
                    table.formulas.add((number, heading))
                    values[heading] = ""
                else:
                    values[heading] = cell.value
            if any(v not in (None, "") for v in values.values()) or any(
                    r == number for r, _ in table.formulas):
                table.rows.append((number, values))
    finally:
        book.close()
    if not headings:
        raise InputError(f"sheet {chosen!r} has no heading row", Location(name),
                         hint="keep the template's first row of column names")
    return table
