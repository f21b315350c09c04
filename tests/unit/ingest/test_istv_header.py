"""Where a submission's site and reporting period come from: options, the file's header,
columns on every row, the file's name; two sources that disagree are refused naming both,
and a trust's extract is split into one submission per site."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from vrhub.ingest.istv.header import (
    MAX_PERIOD_DAYS,
    period_from_name,
    resolve,
    site_from_name,
)
from vrhub.ingest.istv.readers import FileRefused, RawRecord, RawSubmission

SITES = {"RJ122": "King's College Hospital", "RJ224": "Princess Royal University Hospital",
         "RQXM1": "Homerton University Hospital"}
TODAY = dt.date(2024, 6, 15)


def raw(*rows: dict[str, Any], **header: Any) -> RawSubmission:
    return RawSubmission("csv", header=dict(header), records=[
        RawRecord(i, f"line {i + 1}", dict(values)) for i, values in enumerate(rows, 1)])


def parts(submission: RawSubmission, name: str = "upload.csv", **options: Any) -> list[Any]:
    return resolve(submission, file=name, file_name=name, sites=SITES, today=TODAY,
                   **options)


def refusal(submission: RawSubmission, name: str = "upload.csv", **options: Any) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        parts(submission, name, **options)
    return refused.value


def test_names_give_a_site_and_a_month_only_when_unambiguous() -> None:
    assert site_from_name("rj122_2024-01.csv", SITES) == "RJ122"
    assert site_from_name("RJ122-and-RJ224.csv", SITES) is None  # two sites: no guess
    assert site_from_name("RJ1220_2024-01.csv", SITES) is None
    assert period_from_name("istv-RJ122-202401.xlsx") == "2024-01"
    assert period_from_name("RJ122_2024_12.csv") == "2024-12"
    assert period_from_name("RJ122_2024-13.csv") is None
    assert period_from_name("RJ122_12024-01.csv") is None


def test_the_file_name_alone_can_say_site_and_month() -> None:
    [part] = parts(raw({"assault_method": "knife"}), "RJ122_2024-02.csv")
    assert (part.site_code, part.period_start, part.period_end) == (
        "RJ122", dt.date(2024, 2, 1), dt.date(2024, 2, 29))  # a leap year
    assert part.period_label == "2024-02"
    assert part.header_source == "site=file name; period=file name"


def test_a_trusts_extract_is_split_by_the_site_on_each_row() -> None:
    submission = raw({"site_code": "rj122"}, {"site_code": "RJ224"}, {"site_code": "RJ122"},
                     period="2024-03")
    found = {p.site_code: [r.row for r in p.records] for p in parts(submission)}
    assert found == {"RJ122": [1, 3], "RJ224": [2]}


def test_options_and_header_that_agree_pass_and_that_disagree_are_refused() -> None:
    submission = raw({"x": 1}, site_code="RJ122", period_start="2024-01-01",
                     period_end="2024-01-31")
    [part] = parts(submission, site="rj122", period="2024-01")
    assert part.header_source == "site=options; period=options"
    site = refusal(submission, site="RJ224")
    assert site.rule == "file:header_conflict"
    assert "conflicting site codes: 'RJ224' (options) and 'RJ122'" in str(site)
    period = refusal(submission, period="2024-02")
    assert "conflicting reporting periods: 2024-02-01..2024-02-29 (options) and " \
        "2024-01-01..2024-01-31 (file)" in str(period)


@pytest.mark.parametrize(("submission", "options", "rule", "message"), [
    (raw({"x": 1}, period="2024-01"), {}, "file:no_site", "no site code of treatment"),
    (raw({"x": 1}, site_code="RJ122"), {}, "file:no_period", "no reporting period"),
    (raw({"x": 1}, site_code="RJ12"), {"period": "2024-01"}, "file:unknown_site",
     "site code 'RJ12' is not a known ED site"),
    (raw({"site_code": "RJ224"}), {"site": "RJ122", "period": "2024-01"},
     "file:header_conflict", "rows carry site code.s. RJ224 but the submission is for RJ122"),
    (raw({"site_code": "RJ122"}, {"site_code": "RJ224"}, {"site_code": ""}, period="2024-01"),
     {}, "file:no_site", "1 row.s. have no site code in a file for several sites"),
    (raw({"x": 1}, site_code="RJ122", period_start="2024-01-01", period_end="2024-04-30"),
     {}, "file:period", f"longer than {MAX_PERIOD_DAYS} days"),
    (raw({"x": 1}, site_code="RJ122", period_start="2024-02-01", period_end="2024-01-31"),
     {}, "file:period", r"ends \(2024-01-31\) before it starts \(2024-02-01\)"),
    (raw({"x": 1}, site_code="RJ122", period="2024-07"), {}, "file:future_period",
     "has not started yet"),
    (raw({"period_start": "2024-01-01"}, {"period_start": "2024-02-01"}, site_code="RJ122"),
     {}, "file:period", "rows carry several reporting periods"),
])
def test_a_header_that_cannot_be_settled_is_refused_saying_why(
        submission: RawSubmission, options: dict[str, str], rule: str, message: str) -> None:
    refused = refusal(submission, **options)
    assert refused.rule == rule
    assert re.search(message, str(refused)), str(refused)


def test_an_unknown_site_is_answered_with_the_nearest_known_ones() -> None:
    refused = refusal(raw({"x": 1}, site_code="RJ123", period="2024-01"))
    assert "did you mean RJ122 (King's College Hospital)" in (refused.hint or "")


def test_columns_on_every_row_give_the_period_when_nothing_else_does() -> None:
    submission = raw({"period_start": "01/05/2024", "period_end": "15/05/2024"},
                     {"period_start": "01/05/2024", "period_end": "15/05/2024"},
                     site_code="RJ122")
    [part] = parts(submission)
    assert (part.period_start, part.period_end) == (dt.date(2024, 5, 1), dt.date(2024, 5, 15))
    assert part.period_label == "2024-05-01..2024-05-15"
    assert part.header_source == "site=file; period=columns"
