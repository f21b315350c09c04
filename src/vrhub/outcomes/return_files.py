"""Reading a return file (XLSX or CSV) into its sheets' rows, within the upload limits.

A return file is the template vrhub generated for a programme and period
(:mod:`vrhub.outcomes.return_templates`), filled in: an XLSX workbook with an "About" sheet
(``Programme`` and ``Period`` as label | value pairs) and a sheet per part ("Reach and
delivery", "Measures"), or a CSV of the "Reach and delivery" sheet whose first lines are the
same pairs (``Programme,LCPF-CAM-01``). Sheets are recognised by name, or by their heading
row. Cells are read as written: a formula is kept as a formula (never its cached result) so
that the checks can say so. Nothing here is stored or logged; every limit of
:class:`~vrhub.ingest.bounded.UploadLimits` holds while the file is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import InputError, Location
from vrhub.ingest.bounded import BoundedReader, UploadLimits, read_limited
from vrhub.ingest.text_cells import FORMULA_PATTERN
from vrhub.standards.outcomes import TEMPLATE_SHEETS, TemplateSheet

HEADER_LABELS = {"programme": "programme", "programme code": "programme",
                 "period": "period", "reporting period": "period"}
_FORMULA = re.compile(FORMULA_PATTERN)
_HEADING_SEARCH = 20
_NOT_DATA = ("about", "lists")
#: a column that identifies each sheet's heading row
_KEY_COLUMNS = {"values": "data_element", "measures": "participant_id",
                "survey": "respondent_id"}


class Formula(str):
    """A cell holding a formula (its text, e.g. ``=SUM(D2:D9)``)."""

    __slots__ = ()


@dataclass
class SheetRows:
    """One part of a return as found in the file."""

    part: str
    where: str  # "sheet 'Reach and delivery'" or "the CSV file"
    headings: list[str]  # as written
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number, cells)


@dataclass
class ReturnFile:
    """What a return file holds. A "Measures" or "Survey" sheet found by its name is only
    skimmed (its headings and first row): its own upload reads it
    (:mod:`vrhub.outcomes.return_parts`)."""

    name: str
    file_format: str
    header: dict[str, str] = field(default_factory=dict)
    sheets: list[SheetRows] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(len(s.rows) for s in self.sheets)


class ReturnRefused(InputError):
    """The whole file cannot be read; ``rule`` names why, for the receipt."""

    def __init__(self, problem: str, where: Location, *, hint: str | None = None,
                 rule: str = "file:unreadable") -> None:
        super().__init__(problem, where, hint=hint)
        self.rule = rule


def heading(value: Any) -> str:
    """A heading as the template writes it: lower case, spaces as underscores."""
    return "_".join(str(value or "").strip().lower().replace("-", "_").split())


def _blank(row: list[Any]) -> bool:
    return not any(c is not None and str(c).strip() != "" for c in row)


def _part_of(sheet_name: str, cells: list[Any]) -> str | None:
    wanted = sheet_name.strip().lower()
    if wanted in _NOT_DATA:
        return None
    for sheet in TEMPLATE_SHEETS:
        if sheet.name.lower() == wanted:
            return sheet.part
    names = {heading(c) for c in cells}
    for part, key in _KEY_COLUMNS.items():
        if key in names:
            return part
    return None


def _heading_index(rows: list[list[Any]], part: str) -> int | None:
    key = _KEY_COLUMNS[part]
    for i, row in enumerate(rows[:_HEADING_SEARCH]):
        names = [heading(c) for c in row]
        if key in names:
            return i
    # a heading row whose key column was renamed: the first row of several texts
    for i, row in enumerate(rows[:_HEADING_SEARCH]):
        texts = [c for c in row if isinstance(c, str) and c.strip()]
        if len(texts) >= 3 and len(texts) == len([c for c in row if c not in (None, "")]):
            return i
    return None


def _header_pair(cells: list[Any], out: ReturnFile) -> None:
    values = [c for c in cells if c is not None and str(c).strip() != ""]
    if len(values) >= 2:
        label = HEADER_LABELS.get(str(values[0]).strip().rstrip(":").lower())
        if label and label not in out.header:
            out.header[label] = str(values[1]).strip()


def read_return(reader: BoundedReader, name: str) -> ReturnFile:
    """The rows of the file behind ``reader`` (XLSX by name or content, else CSV)."""
    stream = io.BufferedReader(reader, 1 << 16)
    head = stream.peek(8)[:4]
    if name.lower().endswith((".xlsx", ".xlsm")) or head == b"PK\x03\x04":
        return _read_xlsx(stream, name, reader.limits)
    return _read_csv(stream, name, reader.limits)


def read_return_bytes(data: bytes, name: str,
                      limits: UploadLimits | None = None) -> ReturnFile:
    return read_return(BoundedReader(io.BytesIO(data), limits or UploadLimits(), name), name)


# -- CSV --------------------------------------------------------------------------------
def _cp1252(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


def _read_csv(stream: Any, name: str, limits: UploadLimits) -> ReturnFile:
    codecs.register_error("vrhub-return-cp1252", _cp1252)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="vrhub-return-cp1252",
                            newline="")
    csv.field_size_limit(limits.cell_chars)
    reader = csv.reader(text)
    rows: list[list[Any]] = []
    try:
        for row in reader:
            if len(rows) >= limits.rows:
                raise limits.refuse("rows", f"line {reader.line_num}",
                                    Location(name, row=reader.line_num))
            if len(row) > limits.columns:
                raise limits.refuse("columns", f"line {reader.line_num} has {len(row):,}",
                                    Location(name, row=reader.line_num))
            rows.append([_csv_cell(c) for c in row])
    except csv.Error as exc:
        raise ReturnRefused(f"not a readable CSV file ({exc})",
                            Location(name, row=reader.line_num),
                            hint="save the sheet as CSV (comma separated, UTF-8)") from None
    out = ReturnFile(name, "csv")
    part = next((p for p in ("values", "measures", "survey")
                 if _heading_index(rows, p) is not None
                 and _KEY_COLUMNS[p] in [heading(c) for c in
                                         rows[_heading_index(rows, p) or 0]]), "values")
    _take(out, part, "the CSV file", rows, name, row_offset=0)
    return out


def _csv_cell(value: str) -> Any:
    """A CSV cell a spreadsheet would run as a formula is kept as one."""
    return Formula(value) if _FORMULA.match(value) else value


def _take(out: ReturnFile, part: str, where: str, rows: list[list[Any]], name: str,
          *, row_offset: int) -> None:
    index = _heading_index(rows, part)
    if index is None:
        raise ReturnRefused(f"{where} has no heading row: the template's first row of "
                            f"columns starts with {_KEY_COLUMNS[part]!r}",
                            Location(name, row=1), rule="file:no_headings",
                            hint="download the template again (`vrhub outcomes template`) "
                            "and copy your figures into it")
    for cells in rows[:index]:
        _header_pair(cells, out)
    sheet = SheetRows(part, where, ["" if c is None else str(c).strip()
                                    for c in rows[index]])
    for number, cells in enumerate(rows[index + 1:], start=index + 2 + row_offset):
        if not _blank(cells):
            sheet.rows.append((number, cells))
    out.sheets.append(sheet)


# -- XLSX -------------------------------------------------------------------------------
def _read_xlsx(stream: Any, name: str, limits: UploadLimits) -> ReturnFile:
    import openpyxl

    data = read_limited(stream, limits.data_bytes)
    if data is None:
        raise limits.refuse("data_bytes", "more bytes followed", Location(name))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.data_bytes:
            raise limits.refuse("data_bytes", f"its parts unpack to {unpacked:,} bytes",
                                Location(name))
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReturnRefused(f"not a readable Excel workbook ({type(exc).__name__})",
                            Location(name), hint="save it again as .xlsx from Excel") from None
    del data
    out = ReturnFile(name, "xlsx")
    seen = 0
    try:
        for sheet in book.worksheets:
            where = f"sheet {sheet.title!r}"
            if (sheet.max_row or 0) > limits.rows or (sheet.max_column or 0) > limits.columns:
                raise limits.refuse("rows" if (sheet.max_row or 0) > limits.rows else
                                    "columns", f"{where} declares {sheet.max_row:,} rows and "
                                    f"{sheet.max_column:,} columns", Location(name))
            sheet.reset_dimensions()
            rows: list[list[Any]] = []
            # Measures and Survey sheets are read whole by their own uploads: here it is
            # enough to know whether they have a row under their headings
            skim = _part_of(sheet.title, []) in ("measures", "survey")
            for row in sheet.iter_rows():
                if skim and len(rows) >= 2 and not _blank(rows[-1]):
                    break
                seen += 1
                if seen > limits.rows:
                    raise limits.refuse("rows", f"{seen:,} across its sheets", Location(name))
                cells = list(row)
                if len(cells) > limits.columns:
                    cells = cells[:limits.columns]
                    if any(getattr(c, "value", None) not in (None, "") for c in row[
                            limits.columns:]):
                        raise limits.refuse("columns", f"{where} has cells past column "
                                            f"{limits.columns:,}", Location(name))
                rows.append([_xlsx_cell(c) for c in cells])
            while rows and _blank(rows[-1]):
                rows.pop()
            part = _part_of(sheet.title, rows[0] if rows else [])
            if part is None and rows and sheet.title.lower() not in _NOT_DATA:
                part = next((p for p in _KEY_COLUMNS if _heading_index(rows, p) is not None
                             and _KEY_COLUMNS[p] in [heading(c) for c in rows[
                                 _heading_index(rows, p) or 0]]), None)
            if part is None:
                before = dict(out.header)
                for cells in rows[:_HEADING_SEARCH]:
                    _header_pair(cells, out)
                if out.header == before and sheet.title.lower() not in _NOT_DATA:
                    out.notes.append(f"{where} ignored: it is not a sheet of the template")
                continue
            if any(s.part == part for s in out.sheets):
                raise ReturnRefused(f"{where} is a second {_sheet(part).name!r} sheet",
                                    Location(name), rule="file:two_sheets",
                                    hint="keep one sheet of each kind in the workbook")
            _take(out, part, where, rows, name, row_offset=0)
    finally:
        book.close()
    if not out.sheets:
        raise ReturnRefused("no sheet of the return template was found (e.g. 'Reach and "
                            "delivery' with a 'data_element' column)", Location(name),
                            rule="file:no_headings",
                            hint="download the template again and copy your figures into it")
    return out


def _xlsx_cell(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str)
                                                   and value.startswith("=")
                                                   and len(value) > 1):
        return Formula(str(value))
    return value


def _sheet(part: str) -> TemplateSheet:
    return next(s for s in TEMPLATE_SHEETS if s.part == part)

