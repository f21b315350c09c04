"""What the measures and survey uploads share: checking one row's columns against the
template's declaration, collecting each problem with its row, column, value and how to fix
it, and the receipt every upload gets.

A row with any problem is quarantined whole (kept on the receipt with its values, free text
redacted); the other rows are stored. Nothing read is dropped without a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from vrhub.errors import InputError, Location
from vrhub.outcomes.table_files import TableFile
from vrhub.privacy.identifiers import merge_counts, pseudonym_problem, redact
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.standards.schema import Column

MAX_ERRORS_SHOWN = 500


@dataclass
class Problem:
    row: int
    column: str
    value: Any
    problem: str
    hint: str

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, int | float | str):
            value = str(value)
        return {"row": self.row, "column": self.column, "value": value,
                "problem": self.problem, "hint": self.hint}


@dataclass
class RowCheck:
    """The problems found in one row and its cleaned values."""

    row: int
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def fail(self, column: str, value: Any, problem: str, hint: str) -> None:
        self.problems.append(Problem(self.row, column, value, problem, hint))

    @property
    def ok(self) -> bool:
        return not self.problems


def require_columns(table: TableFile, columns: tuple[Column, ...]) -> None:
    """Refuse a file whose heading row lacks a required column (moved or renamed)."""
    missing = [c.name for c in columns if c.required and c.name not in table.headings]
    if missing:
        raise InputError(
            f"the heading row has no column {missing[0]!r}"
            + (f" (nor {', '.join(repr(m) for m in missing[1:])})" if missing[1:] else ""),
            Location(table.name, row=1, column=missing[0]),
            hint="use the template's column names in its first row; found: "
            + ", ".join(h for h in table.headings if h))


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_base(check: RowCheck, raw: dict[str, Any], columns: tuple[Column, ...],
               period: ReportingPeriod, id_column: str) -> None:
    """The template's fixed columns: the pseudonymous id, a date inside the period and the
    demographic codes."""
    for column in columns:
        value = raw.get(column.name)
        if blank(value):
            if column.required:
                check.fail(column.name, value, "is missing", f"give {column.name} "
                           "on every row")
            check.values[column.name] = None
            continue
        if column.name == id_column:
            text = str(value).strip()
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            why = pseudonym_problem(text)
            if why:
                check.fail(column.name, "[withheld]", f"the id {why}",
                           "use the programme's own pseudonymous id (such as P-0042), never "
                           "a name, phone, e-mail or NHS number")
            check.values[column.name] = "[withheld]" if why else text
        elif column.type == "date":
            day = _date(value)
            if day is None:
                check.fail(column.name, value, "is not a date", "write dates as YYYY-MM-DD")
            elif not period.contains(day):
                check.fail(column.name, day, f"is outside the period {period.code} "
                           f"({period.first_day} to {period.last_day})",
                           "upload it with the period it falls in, or correct the date")
            check.values[column.name] = day
        elif column.allowed:
            text = str(value).strip().lower()
            if column.name == "timepoint" or column.name in ("sex", "ethnicity"):
                text = text.replace(" ", "_")
            if text not in column.allowed:
                check.fail(column.name, value, "is not one of the allowed values",
                           "use " + ", ".join(column.allowed))
            check.values[column.name] = text
        elif column.pattern:
            text = str(value).strip().upper()
            if not re.fullmatch(column.pattern, text):
                check.fail(column.name, value, "is not in the expected form",
                           column.description)
            check.values[column.name] = text
        else:
            check.values[column.name] = str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()[:10]
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def whole_number(value: Any) -> int | None:
    """A whole number written as a number or text ("7", 7.0), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def comment(check: RowCheck, raw: dict[str, Any], redactions: list[dict[str, int]]) -> None:
    """The free-text comment, with identifiers removed (counted for the receipt)."""
    value = raw.get("comment")
    if blank(value):
        check.values["comment"] = ""
        return
    cleaned = redact(str(value))
    if cleaned.changed:
        redactions.append(cleaned.counts)
        kinds = ", ".join(k.replace("_", " ") for k in cleaned.counts)
        check.fail("comment", cleaned.text, f"held personal identifiers ({kinds}), removed",
                   "write comments without names, phone numbers, e-mails or NHS numbers; "
                   "the row is set aside for you to check and upload again")
    check.values["comment"] = cleaned.text[:1000]


def formula_cells(check: RowCheck, table: TableFile) -> None:
    for number, heading in sorted(table.formulas):
        if number == check.row:
            check.fail(heading, "[formula]", "holds a spreadsheet formula, which is never "
                       "stored", "type the value itself (paste as values)")


def receipt(table: TableFile, *, kind: str, programme: str, period: ReportingPeriod,
            checks: list[RowCheck], ignored: list[str], redactions: list[dict[str, int]],
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
    accepted = [c for c in checks if c.ok]
    quarantined = [c for c in checks if not c.ok]
    problems = [p.to_dict() for c in quarantined for p in c.problems]
    status = ("rejected" if not accepted else "partial" if quarantined else "accepted")
    return {
        "kind": kind, "file": table.name, "format": table.file_format, "sheet": table.sheet,
        "programme": programme, "period": period.code, "period_label": period.label,
        "status": status, "rows_read": len(checks), "rows_accepted": len(accepted),
        "rows_quarantined": len(quarantined),
        "errors": problems[:MAX_ERRORS_SHOWN], "errors_total": len(problems),
        "quarantined": [{"row": c.row, "values": _shown(c.values)} for c in quarantined],
        "ignored_columns": ignored, "redactions": merge_counts(redactions),
        **(extra or {}),
    }


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out
