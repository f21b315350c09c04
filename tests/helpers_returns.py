"""Filled-in return templates for the returns tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl

from tests.helpers_outcomes import ADMIN, lead, programme
from vrhub.access.services import AccessServices
from vrhub.outcomes import programmes, returns
from vrhub.outcomes.context import Outcomes

CODE = "LCPF-CAM-01"
Q1 = "2024-25-Q1"
# the Camden programme (ages 10-18, girls, Camden and Islington): young people reached as a
# total, by 3 age bands (10-13, 14-17, 18-21), 3 sexes (female, other, not known), 6 ethnic
# groups and 2 boroughs, then 10 other data elements as totals
TEMPLATE_ROWS = 1 + 3 + 3 + 6 + 2 + 10


def at(day: dt.date) -> Any:
    return lambda: dt.datetime(day.year, day.month, day.day, 9, 0)


def outcomes_at(services: AccessServices, day: dt.date) -> Outcomes:
    return Outcomes(services.sessions, services.policy, clock=at(day))


def setup(services: AccessServices, day: dt.date = dt.date(2024, 7, 20),
          **overrides: Any) -> Outcomes:
    outcomes = outcomes_at(services, day)
    programmes.save_programmes(outcomes, ADMIN, [programme(**overrides)])
    return outcomes


def workbook(outcomes: Outcomes, period: str = Q1) -> openpyxl.Workbook:
    _, data = returns.return_template(outcomes, lead(), CODE, period)
    return openpyxl.load_workbook(io.BytesIO(data))


def filled(outcomes: Outcomes, period: str = Q1,
           values: dict[tuple[str, str, str], Any] | None = None) -> openpyxl.Workbook:
    """The template with every figure filled in (young people reached 40, each breakdown
    row 1; every other element 5), then ``values`` by (element, breakdown, category)."""
    book = workbook(outcomes, period)
    sheet = book["Reach and delivery"]
    for row in sheet.iter_rows(min_row=2):
        code, breakdown, category = (c.value for c in row[:3])
        key = (code, breakdown, category or "")
        value = 40 if key == ("young_people_reached", "total", "") else (
            1 if breakdown != "total" else 5)
        row[3].value = (values or {}).get(key, value)
    return book


def to_bytes(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(book: openpyxl.Workbook, code: str, breakdown: str = "total",
           category: str = "") -> int:
    for row in book["Reach and delivery"].iter_rows(min_row=2):
        if (row[0].value, row[1].value, row[2].value or "") == (code, breakdown, category):
            return int(row[0].row)
    raise KeyError(code)
