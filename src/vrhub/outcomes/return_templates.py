"""The return template of a programme and period, as XLSX (with dropdown lists and data
validation) or CSV.

The workbook's "About" sheet names the programme and period (read back on upload, so a
file sent for the wrong programme or period is caught), when the return is due and what
each data element means. "Reach and delivery" lists every figure expected, one row each
(totals, and the breakdowns by the age bands of the programme's cohort, sex, ethnic group
and the boroughs it serves), with dropdowns for the codes and a check that values are
numbers of 0 or more. Programmes that collect standard measures get a "Measures" sheet with
their items' ranges, and programmes that run an i-Statement survey a "Survey" sheet with a
column per statement (answers 1 to 5); both are read back by their own uploads. The CSV
holds the "Reach and delivery" sheet after two lines naming the programme and the period.
Columns come from :data:`vrhub.standards.outcomes.TEMPLATE_SHEETS`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from vrhub.outcomes.programmes import ProgrammeView
from vrhub.outcomes.return_checks import categories, expected_columns
from vrhub.standards.outcomes import (
    BREAKDOWNS,
    DATA_ELEMENTS,
    SHEETS_BY_PART,
    SURVEY_BASE_COLUMNS,
    bands_within,
)
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.standards.schema import Column

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def file_name(programme: ProgrammeView, period: ReportingPeriod, fmt: str) -> str:
    return f"return-{programme.code}-{period.code}.{fmt}"


def expected_rows(programme: ProgrammeView) -> list[tuple[str, str, str]]:
    """(data element, breakdown, category) of every figure the template asks for."""
    bands = bands_within(programme.cohort_min_age, programme.cohort_max_age)
    rows: list[tuple[str, str, str]] = []
    for element in DATA_ELEMENTS:
        for breakdown in element.breakdowns:
            if breakdown == "total":
                rows.append((element.code, "total", ""))
                continue
            cats = bands if breakdown == "age_band" else categories(breakdown, programme)
            if breakdown == "sex" and programme.cohort_sexes:
                cats = tuple(c for c in cats if c in programme.cohort_sexes or
                             c in ("other", "not_known"))
            rows.extend((element.code, breakdown, c) for c in cats)
    return rows


def header_lines(programme: ProgrammeView, period: ReportingPeriod,
                 due_days: int) -> list[tuple[str, str]]:
    return [("Programme", programme.code), ("Period", period.code),
            ("Programme name", programme.name), ("Period covers",
                                                 f"{period.first_day} to {period.last_day}"),
            ("Due by", period.due_date(due_days).isoformat())]


def template_csv(programme: ProgrammeView, period: ReportingPeriod, due_days: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for label, value in header_lines(programme, period, due_days)[:2]:
        writer.writerow([label, value])
    writer.writerow([c.name for c in SHEETS_BY_PART["values"].columns])
    for code, breakdown, category in expected_rows(programme):
        writer.writerow([code, breakdown, category, "", ""])
    return buffer.getvalue().encode("utf-8-sig")


def survey_columns(statements: tuple[str, ...]) -> list[Column]:
    """The Survey sheet's columns: the respondent's, one per statement, a comment."""
    return [*SURVEY_BASE_COLUMNS,
            *(Column(code, "integer", f"Answer to {code}: 1 strongly disagree to 5 strongly "
                     "agree; blank when not answered", minimum=1, maximum=5)
              for code in statements),
            Column("comment", "string", "Anything to add (no names).")]


def template_xlsx(programme: ProgrammeView, period: ReportingPeriod, due_days: int,
                  survey_statements: tuple[str, ...] = ()) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    about = book.active
    about.title = "About"
    about.append(["Monitoring return"])
    about["A1"].font = Font(bold=True, size=14)
    for label, value in header_lines(programme, period, due_days):
        about.append([label, value])
    about.append([])
    about.append(["Fill in the 'Reach and delivery' sheet: one row per figure, the value for "
                  "the period. Leave a value blank when it was not collected. Type figures, "
                  "not formulas. Never write names, phone numbers or NHS numbers."])
    if survey_statements:
        about.append(["The 'Survey' sheet takes the i-Statement survey's responses: one row "
                      "per young person who answered, with a made-up respondent id (never a "
                      "name), each statement answered 1 (strongly disagree) to 5 (strongly "
                      "agree) or left blank."])
    about.append([])
    about.append(["Data element", "What is counted"])
    for element in DATA_ELEMENTS:
        about.append([element.code, f"{element.label}: {element.description}"])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100

    lists = book.create_sheet("Lists")
    columns: dict[str, list[str]] = {
        "data_element": [e.code for e in DATA_ELEMENTS],
        "breakdown": list(BREAKDOWNS),
        "category": sorted({c for _, _, c in expected_rows(programme) if c}),
    }
    ranges: dict[str, str] = {}
    for i, (name, items) in enumerate(columns.items()):
        letter = chr(ord("A") + i)
        lists.cell(1, i + 1, name)
        for j, item in enumerate(items, start=2):
            lists.cell(j, i + 1, item)
        ranges[name] = f"Lists!${letter}$2:${letter}${max(len(items) + 1, 2)}"
    lists.sheet_state = "hidden"

    values = book.create_sheet(SHEETS_BY_PART["values"].name, 1)
    heads = [c.name for c in SHEETS_BY_PART["values"].columns]
    values.append(heads)
    for cell in values[1]:
        cell.font = Font(bold=True)
    rows = expected_rows(programme)
    for code, breakdown, category in rows:
        values.append([code, breakdown, category or None, None, None])
    last = max(len(rows) + 1, 2) + 200  # room for rows a programme adds
    for name, column in (("data_element", "A"), ("breakdown", "B"), ("category", "C")):
        rule = DataValidation(type="list", formula1=f"={ranges[name]}", allow_blank=True,
                              showErrorMessage=True, errorTitle=f"Not a {name}",
                              error=f"Choose a {name} from the list")
        rule.add(f"{column}2:{column}{last}")
        values.add_data_validation(rule)
    number = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True,
                            errorTitle="Not a figure", error="Type a number of 0 or more")
    number.add(f"D2:D{last}")
    values.add_data_validation(number)
    for column, width in (("A", 28), ("B", 12), ("C", 14), ("D", 10), ("E", 60)):
        values.column_dimensions[column].width = width
    values.freeze_panes = "A2"

    if programme.measures or programme.scales:
        _rows_sheet(book, "measures", expected_columns("measures", programme), period)
    if survey_statements:
        _rows_sheet(book, "survey", survey_columns(survey_statements), period)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows_sheet(book: Any, part: str, columns: list[Column], period: ReportingPeriod) -> None:
    """A sheet of one row per participant or respondent, after the ones before it."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    at = book.sheetnames.index(SHEETS_BY_PART["values"].name) + 1
    if part == "survey" and SHEETS_BY_PART["measures"].name in book.sheetnames:
        at += 1
    sheet = book.create_sheet(SHEETS_BY_PART[part].name, at)
    sheet.append([c.name for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    last = 5001
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        rule: DataValidation | None = None
        if col.allowed:
            rule = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"',
                                  allow_blank=not col.required)
        elif col.type == "date":
            rule = DataValidation(type="date", operator="between",
                                  formula1=f"DATE({period.first_day.year},"
                                  f"{period.first_day.month},{period.first_day.day})",
                                  formula2=f"DATE({period.last_day.year},"
                                  f"{period.last_day.month},{period.last_day.day})",
                                  allow_blank=not col.required)
        elif col.type == "integer" and col.minimum is not None:
            rule = DataValidation(type="whole", operator="between",
                                  formula1=f"{col.minimum:g}", formula2=f"{col.maximum:g}",
                                  allow_blank=True)
        if rule is not None:
            rule.showErrorMessage = True
            rule.error = col.description[:250]
            rule.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(rule)
        sheet.column_dimensions[letter].width = max(12, len(col.name) + 2)
    sheet.freeze_panes = "A2"


def template(programme: ProgrammeView, period: ReportingPeriod, fmt: str,
             due_days: int, survey_statements: tuple[str, ...] = ()) -> bytes:
    if fmt == "csv":
        return template_csv(programme, period, due_days)
    if fmt == "xlsx":
        return template_xlsx(programme, period, due_days, survey_statements)
    from vrhub.errors import UserError

    raise UserError(f"{fmt!r} is not a template format", hint="use xlsx or csv")
