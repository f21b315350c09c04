"""A programme's return, row by row: each figure accepted or quarantined naming the row, the
column, the value and the rule, against the programme's cohort and boroughs; breakdowns that
add up to more than their total are flagged, not refused."""

from __future__ import annotations

import datetime as dt

from vrhub.outcomes.programmes import ProgrammeView
from vrhub.outcomes.return_checks import Checked, check_return
from vrhub.outcomes.return_files import read_return_bytes

CAMDEN, ISLINGTON, HACKNEY = "E09000007", "E09000019", "E09000012"
PROGRAMME = ProgrammeView(
    code="LCPF-CAM-01", name="Girls' mentoring", organisation="Camden Youth",
    funding_stream="lcpf", budget=None, start_date=dt.date(2024, 4, 1),
    end_date=dt.date(2025, 3, 31), period_type="quarter", cohort_min_age=10,
    cohort_max_age=18, cohort_size=50, cohort_sexes=("female",), cohort_ethnicities=(),
    priority_areas=(), boroughs=(CAMDEN, ISLINGTON), wards=(), yef_strand=None, measures=(),
    scales=(), survey_code=None, description="")

HEADINGS = "data_element,breakdown,category,value,comment\n"


def checked(*rows: str) -> Checked:
    data = (HEADINGS + "".join(row + "\n" for row in rows)).encode()
    return check_return(read_return_bytes(data, "return.csv"), PROGRAMME)


def rules(result: Checked) -> dict[int, str]:
    return {p.row: p.rule for p in result.problems}


def test_good_rows_are_accepted_with_their_figures() -> None:
    result = checked("young_people_reached,total,,40,",
                     "young_people_reached,age_band,10-13,25,",
                     "young_people_reached,age_band,14-17,15,",
                     "young_people_reached,borough,e09000019,12,",
                     "contact_hours,total,,\"1,250.5\",",
                     "sessions_delivered,total,,,not collected")
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (6, 6, 0)
    values = {(v["data_element"], v["breakdown"], v["category"]): v["value"]
              for v in result.values}
    assert values[("contact_hours", "total", "")] == 1250.5
    assert values[("young_people_reached", "borough", ISLINGTON)] == 12  # upper-cased
    assert values[("sessions_delivered", "total", "")] is None
    assert result.flags == []


def test_each_bad_figure_is_quarantined_with_its_rule_and_the_rest_kept() -> None:
    result = checked("young_people_reached,total,,60,",             # row 2: over cohort 50
                     "young_people_reached,age_band,0-9,3,",        # 3: outside ages 10-18
                     "young_people_reached,age_band,9-12,3,",       # 4: no such band
                     "young_people_reached,borough,E09000012,3,",   # 5: Hackney not served
                     "sessions_delivered,age_band,10-13,3,",        # 6: no such breakdown
                     "sessions_delivered,total,,2.5,",              # 7: not whole
                     "schools_supported,total,,-1,",                # 8: negative
                     "referrals_in,total,,=SUM(D2:D3),",            # 9: formula
                     "referrals_out,total,,twelve,",                # 10: not a number
                     "mentors,total,,3,",                           # 11: unknown element
                     "contact_hours,total,,7.5,",                   # 12: accepted
                     "contact_hours,total,,8,",                     # 13: given twice
                     "professionals_trained,total,Camden,4,")       # 14: total with category
    assert rules(result) == {
        2: "value:over_cohort", 3: "value:outside_cohort", 4: "value:bad_category",
        5: "value:bad_category", 6: "value:bad_breakdown", 7: "value:not_whole",
        8: "value:negative", 9: "value:formula", 10: "value:not_number",
        11: "value:unknown_element", 13: "value:duplicate", 14: "value:bad_category"}
    assert [v["row_number"] for v in result.values] == [12]
    assert result.quarantined == [("the CSV file", r) for r in
                                  (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14)]
    over = next(p for p in result.problems if p.row == 2)
    assert (over.column, over.value) == ("value", "60")
    assert "cohort of 50" in over.problem
    twice = next(p for p in result.problems if p.row == 13)
    assert "first on row 12" in twice.problem
    served = next(p for p in result.problems if p.row == 5)
    assert served.hint == f"use a borough the programme serves: {CAMDEN}, {ISLINGTON}"


def test_breakdowns_adding_up_to_more_than_the_total_are_flagged_not_refused() -> None:
    result = checked("young_people_reached,total,,20,",
                     "young_people_reached,sex,female,15,",
                     "young_people_reached,sex,not_known,10,",
                     "young_people_reached,borough,E09000007,20,",
                     "young_people_reached,borough,E09000019,5,")  # boroughs may overlap
    assert result.rows_accepted == 5 and result.problems == []
    [flag] = result.flags
    assert (flag.row, flag.rule) == (2, "value:breakdown_over_total")
    assert "the sex rows of young_people_reached add up to 25, more than the total" \
        in flag.problem


def test_a_missing_required_column_quarantines_every_row() -> None:
    data = b"data_element,breakdown,category,figure\nyoung_people_reached,total,,5\n" \
           b"sessions_delivered,total,,3\n"
    result = check_return(read_return_bytes(data, "return.csv"), PROGRAMME)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 0, 2)
    assert {p.column for p in result.problems} == {"value"}
