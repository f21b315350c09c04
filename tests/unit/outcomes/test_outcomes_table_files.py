"""Reading an uploaded workbook: the quick reader (calamine) and openpyxl give the same rows,
numbers, dates and blanks for a workbook without formulas, and a workbook with a formula is
read by openpyxl so that the formula cell is found."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from vrhub.errors import InputError
from vrhub.outcomes import table_files


def book_bytes(fill: Any) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "About"
    book["About"].append(["Programme", "LCPF-CAM-01"])
    sheet = book.create_sheet("Measures")
    fill(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain(sheet: Any) -> None:
    sheet["B2"] = "Participant ID"  # a blank first row and first column
    sheet["C2"] = "collected_on"
    sheet["D2"] = "score"
    sheet["E2"] = "note"
    sheet.append([None, "P-1", dt.date(2024, 5, 1), 3, "=not a formula, typed as text"])
    sheet.append([None, "P-2", dt.datetime(2024, 5, 2, 14, 30), 2.5, ""])
    sheet.append([])  # a blank row in the middle is skipped, numbers keep their place
    sheet.append([None, "P-3", "2024-05-03", None, "  spaced  "])
    sheet.append([None, "P-4", None, True, None])
    sheet.cell(row=2, column=4).data_type = "s"
    # the text cell that starts with "=" is stored as text, not as a formula
    sheet["E3"].data_type = "s"


def normal(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()  # openpyxl gives a datetime for a date
    return value


def test_the_quick_reader_gives_what_openpyxl_gives() -> None:
    data = book_bytes(plain)
    assert not table_files._has_formulas(data)
    quick = table_files._read_xlsx_values(data, "m.xlsx", "measures")
    slow = table_files._read_xlsx_cells(data, "m.xlsx", "measures")
    assert quick is not None
    assert quick.headings == slow.headings == ["", "participant_id", "collected_on", "score",
                                               "note"]
    assert quick.sheet == slow.sheet == "Measures"
    assert [n for n, _ in quick.rows] == [n for n, _ in slow.rows] == [3, 4, 6, 7]
    for (_, q), (_, s) in zip(quick.rows, slow.rows, strict=True):
        assert {k: normal(v) for k, v in q.items()} == {k: normal(v) for k, v in s.items()}
    first = dict(quick.rows[0][1])
    assert first["score"] == 3 and isinstance(first["score"], int)
    assert quick.rows[1][1]["score"] == 2.5
    assert quick.rows[1][1]["collected_on"] == dt.datetime(2024, 5, 2, 14, 30)
    assert quick.formulas == slow.formulas == {(3, "note")}  # text starting "=" is flagged
    table = table_files.read_table(data, "m.xlsx", sheet="Measures", max_bytes=10**7,
                                   max_rows=100)
    assert [n for n, _ in table.rows] == [3, 4, 6, 7]


def test_a_workbook_with_a_formula_is_read_by_openpyxl() -> None:
    def with_formula(sheet: Any) -> None:
        sheet.append(["participant_id", "score"])
        sheet.append(["P-1", 3])
        sheet.append(["P-2", "=B2+1"])

    data = book_bytes(with_formula)
    assert table_files._has_formulas(data)
    table = table_files.read_table(data, "m.xlsx", sheet="Measures", max_bytes=10**7,
                                   max_rows=100)
    assert table.formulas == {(3, "score")}
    assert table.rows[1] == (3, {"participant_id": "P-2", "score": ""})


def test_an_unreadable_workbook_is_named() -> None:
    with pytest.raises(InputError, match=r"file bad\.xlsx: not a readable XLSX workbook "
                                         r"\(BadZipFile\)"):
        table_files.read_table(b"PK\x03\x04 not really", "bad.xlsx", max_bytes=10**7,
                               max_rows=100)
