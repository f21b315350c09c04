"""Programme returns on the app database (SQLite and real PostgreSQL): a template filled
in and submitted, its receipt, every bad input kept or quarantined with a clear message,
versions, the approval workflow, timeliness, scope and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers_outcomes import ADMIN, CAMDEN, HACKNEY, VRU, borough_analyst, lead
from tests.helpers_returns import (
    CODE,
    Q1,
    TEMPLATE_ROWS,
    filled,
    outcomes_at,
    row_of,
    setup,
    to_bytes,
)
from vrhub.access import audit
from vrhub.access.services import AccessServices
from vrhub.errors import Conflict, NotFound, PermissionDenied, UserError
from vrhub.outcomes import return_parts, returns
from vrhub.outcomes.return_workflow import move


def events(services: AccessServices, action: str) -> list[audit.AuditEvent]:
    with services.sessions() as session:
        return audit.query(session, action=action, limit=1000)


def submit(outcomes, book, *, who=None, period=None, name="return.xlsx"):  # type: ignore[no-untyped-def]
    data = book if isinstance(book, bytes) else to_bytes(book)
    return returns.submit_return(outcomes, who or lead(), CODE, data, name, period=period)


def test_a_filled_template_is_stored_with_its_receipt(services: AccessServices) -> None:
    outcomes = setup(services)
    receipt = submit(outcomes, filled(outcomes))
    assert (receipt["status"], receipt["version"], receipt["period"]) == ("submitted", 1, Q1)
    assert receipt["rows_read"] == receipt["rows_accepted"] == TEMPLATE_ROWS
    assert receipt["rows_quarantined"] == 0 and receipt["errors"] == []
    assert receipt["due_date"] == "2024-07-30" and receipt["on_time"] is True
    detail = returns.return_detail(outcomes, VRU, receipt["return_id"])
    figures = {(f["data_element"], f["breakdown"], f["category"]): f["value"]
               for f in detail["figures"]}
    assert figures[("young_people_reached", "total", None)] == 40
    assert figures[("young_people_reached", "borough", CAMDEN)] == 1
    assert figures[("contact_hours", "total", None)] == 5
    assert len(figures) == TEMPLATE_ROWS
    assert [e["action"] for e in detail["events"]] == ["submitted"]
    submitted = events(services, "submit_return")
    assert [e.outcome for e in submitted] == ["success", "allowed"]  # newest first
    assert f"{TEMPLATE_ROWS} read, {TEMPLATE_ROWS} accepted, 0 quarantined" in \
        submitted[0].detail


def test_csv_template_round_trips(services: AccessServices) -> None:
    outcomes = setup(services)
    _, data = returns.return_template(outcomes, lead(), CODE, Q1, "csv")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[:3] == [f"Programme,{CODE}", f"Period,{Q1}",
                         "data_element,breakdown,category,value,comment"]
    lines[3] = "young_people_reached,total,,12,"
    receipt = submit(outcomes, "\n".join(lines).encode(), name="return.csv")
    assert receipt["rows_read"] == TEMPLATE_ROWS and receipt["rows_quarantined"] == 0
    figures = returns.return_detail(outcomes, VRU, receipt["return_id"])["figures"]
    assert [f["value"] for f in figures if f["data_element"] == "young_people_reached"
            and f["breakdown"] == "total"] == [12]


# -- bad input ---------------------------------------------------------------------------
def test_a_return_for_an_unknown_programme_is_refused(services: AccessServices) -> None:
    outcomes = setup(services)
    with pytest.raises(NotFound, match="there is no programme 'LCPF-XXX-09'"):
        returns.submit_return(outcomes, lead("LCPF-XXX-09"), "LCPF-XXX-09",
                              to_bytes(filled(outcomes)), "r.xlsx")
    # and a file naming another programme than the one it is sent for is rejected
    book = filled(outcomes)
    book["About"]["B2"] = "LCPF-HAC-02"
    receipt = submit(outcomes, book)
    assert receipt["status"] == "rejected"
    assert receipt["errors"][0]["problem"] == ("the file is the return of programme "
                                               "'LCPF-HAC-02', not LCPF-CAM-01")
    assert returns.list_returns(outcomes, VRU)[0]["status"] == "rejected"


@pytest.mark.parametrize(("period", "message"), [
    ("2025-26-Q1", r"the period 2025-26-Q1 is closed for programme LCPF-CAM-01: it runs "
                   r"from 2024-04-01 to 2025-03-31"),
    ("2024-25-Q2", r"the period Q2 2024/25 \(July to September 2024\) is not over yet"),
    ("2024-07", r"programme LCPF-CAM-01 reports by quarter, so 2024-07 is not one of"),
])
def test_a_return_for_a_closed_period_is_refused(services: AccessServices, period: str,
                                                 message: str) -> None:
    outcomes = setup(services)
    with pytest.raises(Conflict, match=message):
        submit(outcomes, filled(outcomes), period=period)
    assert returns.list_returns(outcomes, VRU) == []


def test_moved_columns_are_read_by_heading(services: AccessServices) -> None:
    outcomes = setup(services)
    book = filled(outcomes)
    sheet = book["Reach and delivery"]
    sheet.move_range(f"D1:D{sheet.max_row}", cols=2)  # value after comment
    receipt = submit(outcomes, book)
    assert receipt["rows_accepted"] == TEMPLATE_ROWS and receipt["rows_quarantined"] == 0
    assert "columns are in a different order from the template; they were read by their " \
        "headings" in receipt["notes"][0]


def test_a_renamed_column_quarantines_its_rows_naming_the_heading(
        services: AccessServices) -> None:
    outcomes = setup(services)
    book = filled(outcomes)
    book["Reach and delivery"]["D1"] = "Amount"
    receipt = submit(outcomes, book)
    assert receipt["status"] == "submitted"
    assert receipt["rows_read"] == receipt["rows_quarantined"] == TEMPLATE_ROWS
    error = receipt["errors"][0]
    assert (error["row"], error["column"], error["value"]) == (2, "value", "Amount")
    assert error["problem"] == ("the column 'value' is missing: the heading 'Amount' is "
                                "there instead (renamed?)")
    assert error["how_to_fix"] == "put the heading back to 'value', as in the template"


@pytest.mark.parametrize(("key", "value", "rule", "problem"), [
    (("sessions_delivered", "total", ""), -3, "value:negative",
     "is negative: counts and hours cannot be below 0"),
    (("young_people_reached", "total", ""), 61, "value:over_cohort",
     "is more young people than the programme's cohort of 60"),
    (("referrals_in", "total", ""), "=B2*2", "value:formula", "is a formula, not a figure"),
    (("schools_supported", "total", ""), "three", "value:not_number", "is not a number"),
    (("young_people_new", "total", ""), 2.5, "value:not_whole",
     "young_people_new is counted in whole numbers"),
])
def test_bad_figures_are_quarantined_and_the_rest_kept(
        services: AccessServices, key: tuple[str, str, str], value: object, rule: str,
        problem: str) -> None:
    outcomes = setup(services)
    book = filled(outcomes, values={key: value})
    receipt = submit(outcomes, book)
    assert receipt["rows_read"] == TEMPLATE_ROWS
    assert (receipt["rows_accepted"], receipt["rows_quarantined"]) == (TEMPLATE_ROWS - 1, 1)
    error = receipt["errors"][0]
    assert (error["rule"], error["row"], error["column"], error["value"], error["problem"]) \
        == (rule, row_of(book, *key), "value", str(value), problem)
    figures = returns.return_detail(outcomes, VRU, receipt["return_id"])["figures"]
    assert len(figures) == TEMPLATE_ROWS - 1
    assert key[0] not in {f["data_element"] for f in figures if f["breakdown"] == "total"}


def test_a_measure_dated_outside_the_period_is_quarantined(services: AccessServices) -> None:
    outcomes = setup(services)
    book = filled(outcomes)
    sheet = book["Measures"]
    heads = [c.value for c in sheet[1]]
    good = {"participant_id": "P001", "timepoint": "pre", "collected_on": "2024-05-02",
            "ons4_life_satisfaction": 6}
    bad = {**good, "participant_id": "P002", "collected_on": "2024-07-02"}
    for row in (good, bad):
        sheet.append([row.get(h) for h in heads])
    receipt = submit(outcomes, book)
    # the Measures sheet is taken by the measures upload, its rows counted on the receipt
    assert receipt["rows_read"] == TEMPLATE_ROWS + 2
    assert receipt["rows_accepted"] == TEMPLATE_ROWS + 1
    assert receipt["measures"]["rows_accepted"] == 1
    error = receipt["errors"][0]
    assert (error["sheet"], error["row"], error["column"], error["value"]) == (
        "sheet 'Measures'", 3, "collected_on", "2024-07-02")
    assert error["problem"].startswith("is outside the period 2024-25-Q1")
    stored = returns.return_detail(outcomes, VRU, receipt["return_id"])
    assert stored["rows_quarantined"] == 1 and stored["measures"]["rows_quarantined"] == 1


def test_a_30_mb_workbook_is_rejected_with_a_receipt(services: AccessServices) -> None:
    outcomes = setup(services)
    big = b"PK\x03\x04" + bytes(30 * 1024 * 1024)
    receipt = submit(outcomes, big, period=Q1, name="huge.xlsx")
    assert (receipt["status"], receipt["rows_read"]) == ("rejected", 0)
    assert receipt["errors"][0]["problem"].startswith(
        "the file is larger than the upload limit of 20 MB")
    assert "VRHUB_UPLOAD_MAX_FILE_BYTES" in receipt["errors"][0]["how_to_fix"]
    # kept as a rejected version; nothing is in force
    assert [(r["status"], r["is_current"]) for r in returns.list_returns(outcomes, VRU)] == [
        ("rejected", False)]


def test_identifiers_in_comments_are_removed_and_the_row_kept(
        services: AccessServices) -> None:
    outcomes = setup(services)
    book = filled(outcomes)
    book["Reach and delivery"].cell(2, 5).value = (
        "Mr John Smith, 07700 900123, NHS 943 476 5919, joined late")
    receipt = submit(outcomes, book)
    assert receipt["rows_quarantined"] == 0
    assert receipt["redactions"] == {"name": 1, "phone": 1, "nhs_number": 1}
    assert receipt["flags"][0]["value"] == "Mr [name], [phone], NHS [NHS number], joined late"
    detail = returns.return_detail(outcomes, VRU, receipt["return_id"])
    assert detail["figures"][0]["comment"] == \
        "Mr [name], [phone], NHS [NHS number], joined late"
    with services.sessions() as session:
        trail = " ".join(e.detail for e in audit.query(session, limit=1000))
    assert "John" not in trail and "900123" not in trail


def test_an_approved_return_is_locked_until_reopened(services: AccessServices) -> None:
    outcomes = setup(services)
    first = submit(outcomes, filled(outcomes))
    with pytest.raises(Conflict, match="cannot be approved"):
        move(outcomes, VRU, first["return_id"], "approve")  # review comes first
    with pytest.raises(PermissionDenied,
                       match=r"may not review return: the programme lead role may not review "
                             r"return"):
        move(outcomes, lead(), first["return_id"], "review")
    assert move(outcomes, VRU, first["return_id"], "review") == "reviewed"
    assert move(outcomes, VRU, first["return_id"], "approve") == "approved"
    with pytest.raises(Conflict, match=r"the return of LCPF-CAM-01 for Q1 2024/25 \(April to "
                                       r"June 2024\) is approved and locked"):
        submit(outcomes, filled(outcomes, values={("young_people_reached", "total", ""): 30}))
    with pytest.raises(PermissionDenied,
                       match=r"may not reopen return: the pan-london analyst role may not "
                             r"reopen return"):
        move(outcomes, VRU, first["return_id"], "reopen", "wrong figures")
    with pytest.raises(UserError, match="reopen needs a reason"):
        move(outcomes, ADMIN, first["return_id"], "reopen")
    assert move(outcomes, ADMIN, first["return_id"], "reopen", "Q1 double counted") == \
        "reopened"
    second = submit(outcomes, filled(outcomes,
                                     values={("young_people_reached", "total", ""): 30}))
    assert second["version"] == 2
    history = returns.return_detail(outcomes, VRU, second["return_id"])["versions"]
    assert [(v["version"], v["status"]) for v in history] == [(2, "submitted"),
                                                              (1, "superseded")]
    old = returns.return_detail(outcomes, VRU, first["return_id"])
    assert [e["action"] for e in old["events"]] == ["submitted", "review", "approve",
                                                    "reopen", "superseded"]
    assert next(f["value"] for f in old["figures"]) == 40  # the old version is kept whole
    reopened = [e for e in events(services, "reopen_return") if e.outcome == "success"]
    assert len(reopened) == 1 and "approved -> reopened (Q1 double counted)" in \
        reopened[0].detail


def test_timeliness_and_the_board(services: AccessServices) -> None:
    outcomes = setup(services, day=dt.date(2024, 7, 20))
    submit(outcomes, filled(outcomes))  # Q1 on time (due 30 July)
    later = outcomes_at(services, dt.date(2024, 11, 5))
    submit(later, filled(later, "2024-25-Q2"))  # Q2 due 30 October: late
    rows = {t.period: t for t in returns.timeliness(outcomes_at(services, dt.date(2025, 2, 1)),
                                                    VRU)}
    assert {k: v.timeliness for k, v in rows.items()} == {
        "2024-25-Q1": "on time", "2024-25-Q2": "late", "2024-25-Q3": "missing"}
    board = returns.board(outcomes_at(services, dt.date(2025, 1, 15)), VRU)
    assert [r.period for r in board["due"]] == ["2024-25-Q3"]  # due 30 January
    assert [r.period for r in board["awaiting_review"]] == ["2024-25-Q1", "2024-25-Q2"]


def test_scope_of_returns(services: AccessServices) -> None:
    outcomes = setup(services)
    receipt = submit(outcomes, filled(outcomes))
    with pytest.raises(PermissionDenied, match="not your programme: LCPF-CAM-01"):
        submit(outcomes, filled(outcomes), who=lead("CIF-HAC-01"))
    with pytest.raises(PermissionDenied,
                       match=r"may not read return: this programme does not serve your "
                             r"boroughs: it serves E09000007 E09000019"):
        returns.return_detail(outcomes, borough_analyst(HACKNEY), receipt["return_id"])
    assert [r["return_id"] for r in returns.list_returns(outcomes, borough_analyst(CAMDEN))] \
        == [receipt["return_id"]]
    denied = [e for e in events(services, "submit_return") if e.outcome == "denied"]
    assert len(denied) == 1


def test_a_survey_sheet_goes_through_the_survey_upload(services: AccessServices) -> None:
    from tests.spec.test_outcomes_istatements import DOCUMENT
    from vrhub.outcomes import istatement_kpis, istatements

    outcomes = setup(services, survey_code="VAN-1")
    istatements.load(outcomes, VRU, DOCUMENT)
    book = filled(outcomes)
    sheet = book["Survey"]  # the template has the survey's sheet
    heads = [c.value for c in sheet[1]]
    assert heads == ["respondent_id", "collected_on", "borough", "age_band", "sex",
                     "ethnicity", "IST-001", "IST-002", "comment"]
    good = {"respondent_id": "R-01", "collected_on": "2024-05-02", "IST-001": 5,
            "IST-002": "agree"}
    bad = {**good, "respondent_id": "R-02", "IST-001": 7}
    twice = {**good, "IST-002": 1}
    for row in (good, bad, twice):
        sheet.append([row.get(h) for h in heads])
    receipt = submit(outcomes, book)
    assert receipt["rows_read"] == TEMPLATE_ROWS + 3
    assert receipt["rows_accepted"] == TEMPLATE_ROWS + 1
    assert receipt["rows_quarantined"] == 2
    assert receipt["survey"]["rows_accepted"] == 1
    # the Measures sheet has no rows: only the survey's upload was asked
    assert [p for p in return_parts.PARTS if p in receipt] == ["survey"]
    found = [(e["sheet"], e["row"], e["column"], e["value"], e["problem"])
             for e in receipt["errors"]]
    assert found == [
        ("sheet 'Survey'", 3, "IST-001", "7", "is not on the agreement scale"),
        ("sheet 'Survey'", 4, "respondent_id", "R-01", "answered already in row 2 of this "
                                                       "file")]
    assert receipt["errors_by_rule"]["survey"] == 2
    # the accepted answers count in the KPIs as an upload of the survey would
    kpis = {k.statement.code: k for k in istatement_kpis.kpis(
        outcomes, VRU, programme=CODE).kpis}
    assert (kpis["IST-001"].latest.value.count, kpis["IST-001"].latest.value.total) == (1, 1)


def test_a_survey_sheet_without_a_survey_says_what_to_do(services: AccessServices) -> None:
    from vrhub.outcomes.return_templates import survey_columns

    outcomes = setup(services)
    book = filled(outcomes)
    assert "Survey" not in book.sheetnames  # a programme with no survey gets no such sheet
    sheet = book.create_sheet("Survey")
    sheet.append([c.name for c in survey_columns(("IST-001",))])
    sheet.append(["R-01", "2024-05-02", None, None, None, None, 4, None])
    receipt = submit(outcomes, book)
    assert receipt["rows_read"] == receipt["rows_accepted"] == TEMPLATE_ROWS
    error = receipt["errors"][-1]
    assert (error["sheet"], error["rule"], error["problem"]) == (
        "sheet 'Survey'", "survey:refused", "LCPF-CAM-01 runs no i-Statement survey")
    assert error["how_to_fix"].startswith("LCPF-CAM-01 has no i-Statement survey set, so its "
                                          "responses cannot be counted: ask the VRU to set")
