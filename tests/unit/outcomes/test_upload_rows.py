"""Checking one uploaded row of measures or survey answers against the template: every
problem named with its row, column, value and fix; a row with any problem quarantined whole
(its free text redacted) and counted on the receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from vrhub.errors import InputError
from vrhub.outcomes.table_files import TableFile
from vrhub.outcomes.upload_rows import (
    RowCheck,
    check_base,
    comment,
    formula_cells,
    receipt,
    require_columns,
    whole_number,
)
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.standards.schema import Column

Q1 = ReportingPeriod.parse("2024-25-Q1")  # April to June 2024
COLUMNS = (
    Column("participant_id", "string", "the programme's own id", required=True),
    Column("collected_on", "date", "when", required=True),
    Column("timepoint", "string", "pre or post", required=True, allowed=("pre", "post")),
    Column("sex", "string", "sex", allowed=("female", "male", "not_known")),
    Column("borough", "string", "an E09 code", pattern=r"E09\d{6}"),
    Column("note", "string", "anything"),
)


def checked(raw: dict[str, Any], row: int = 2) -> RowCheck:
    check = RowCheck(row)
    check_base(check, raw, COLUMNS, Q1, "participant_id")
    return check


def test_a_good_row_is_cleaned() -> None:
    check = checked({"participant_id": 42.0, "collected_on": "15/05/2024",
                     "timepoint": " PRE ", "sex": "Not known", "borough": "e09000007 ",
                     "note": "  fine "})
    assert check.ok
    assert check.values == {"participant_id": "42", "collected_on": dt.date(2024, 5, 15),
                            "timepoint": "pre", "sex": "not_known", "borough": "E09000007",
                            "note": "fine"}


def test_each_problem_names_its_column_value_and_fix() -> None:
    check = checked({"participant_id": "JohnSmith", "collected_on": dt.datetime(2024, 7, 1),
                     "timepoint": "during", "sex": "", "borough": "Camden"}, row=7)
    found = {p.column: p.to_dict() for p in check.problems}
    assert not check.ok
    assert set(found) == {"participant_id", "collected_on", "timepoint", "borough"}
    assert found["participant_id"]["value"] == "[withheld]"  # a name is never echoed back
    assert found["participant_id"]["problem"].startswith("the id ")
    assert found["collected_on"] == {
        "row": 7, "column": "collected_on", "value": "2024-07-01",
        "problem": "is outside the period 2024-25-Q1 (2024-04-01 to 2024-06-30)",
        "hint": "upload it with the period it falls in, or correct the date"}
    assert found["timepoint"]["hint"] == "use pre, post"
    assert found["borough"]["problem"] == "is not in the expected form"
    assert check.values["participant_id"] == "[withheld]"
    assert check.values["sex"] is None  # blank and optional: no problem
    missing = checked({"participant_id": " ", "collected_on": "31-05-2024",
                       "timepoint": "post"})
    assert [(p.column, p.problem) for p in missing.problems] == [
        ("participant_id", "is missing"), ("collected_on", "is not a date")]


@pytest.mark.parametrize(("value", "number"), [
    (7, 7), (7.0, 7), ("7", 7), (" 12.0 ", 12), (7.5, None), ("seven", None),
    (True, None), ("", None)])
def test_whole_numbers_written_as_numbers_or_text(value: object, number: int | None) -> None:
    assert whole_number(value) == number


def test_a_comment_with_identifiers_is_redacted_and_its_row_set_aside() -> None:
    redactions: list[dict[str, int]] = []
    check = RowCheck(3)
    comment(check, {"comment": "call her on 07700 900123 or jo@example.org"}, redactions)
    assert "07700" not in check.values["comment"] and "jo@example" not in check.values[
        "comment"]
    [problem] = check.problems
    assert problem.problem == "held personal identifiers (phone, email), removed"
    assert redactions == [{"phone": 1, "email": 1}]
    clean = RowCheck(4)
    comment(clean, {"comment": "  "}, redactions)
    assert clean.ok and clean.values["comment"] == ""


def test_the_receipt_counts_rows_and_keeps_quarantined_values() -> None:
    table = TableFile("measures.xlsx", "xlsx", "Measures",
                      ["participant_id", "collected_on", "timepoint"],
                      formulas={(3, "score")})
    good = checked({"participant_id": "P-1", "collected_on": "2024-04-02", "timepoint": "pre"})
    bad = checked({"participant_id": "P-2", "collected_on": "2024-04-03", "timepoint": "pre"},
                  row=3)
    formula_cells(bad, table)
    formula_cells(good, table)  # row 2 holds no formula
    made = receipt(table, kind="measures", programme="P1", period=Q1, checks=[good, bad],
                   ignored=["extra"], redactions=[{"phone": 1}, {"phone": 2}],
                   extra={"timepoints": 1})
    assert (made["status"], made["rows_read"], made["rows_accepted"],
            made["rows_quarantined"], made["errors_total"]) == ("partial", 2, 1, 1, 1)
    assert made["errors"] == [{"row": 3, "column": "score", "value": "[formula]",
                               "problem": "holds a spreadsheet formula, which is never "
                               "stored", "hint": "type the value itself (paste as values)"}]
    assert made["quarantined"] == [{"row": 3, "values": {
        "participant_id": "P-2", "collected_on": "2024-04-03", "timepoint": "pre",
        "sex": None, "borough": None, "note": None}}]
    assert made["redactions"] == {"phone": 3}
    assert (made["period"], made["timepoints"], made["ignored_columns"]) == (
        "2024-25-Q1", 1, ["extra"])
    assert receipt(table, kind="measures", programme="P1", period=Q1, checks=[bad],
                   ignored=[], redactions=[])["status"] == "rejected"
    assert receipt(table, kind="measures", programme="P1", period=Q1, checks=[good],
                   ignored=[], redactions=[])["status"] == "accepted"


def test_a_file_without_a_required_heading_is_refused() -> None:
    table = TableFile("m.csv", "csv", None, ["participant", "collected_on", "", "extra"])
    with pytest.raises(InputError) as refused:
        require_columns(table, COLUMNS)
    assert refused.value.message == ("file m.csv, row 1, column 'participant_id': the "
                                     "heading row has no column 'participant_id' "
                                     "(nor 'timepoint')")
    assert refused.value.hint == ("use the template's column names in its first row; "
                                  "found: participant, collected_on, extra")
    assert refused.value.http_status == 422
    require_columns(TableFile("m.csv", "csv", None, ["participant_id", "collected_on",
                                                     "timepoint"]), COLUMNS)
