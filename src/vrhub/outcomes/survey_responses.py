"""i-Statement survey responses, uploaded by file with a receipt.

A responses file has one row per respondent: the template's Survey columns
(:data:`vrhub.standards.outcomes.SURVEY_BASE_COLUMNS`: a pseudonymous respondent id, the
date, borough, age band, sex, ethnic group), an optional ``comment`` and one column per
i-Statement code of the survey, answered 1 (strongly disagree) to 5 (strongly agree) or in
those words; a blank is "not answered". A row is quarantined, with row, column, value and
how to fix it, for an answer off the scale, the same respondent twice in the file, a date
outside the period, an id that identifies someone, a formula cell, an identifier in the
comment, or no answer at all. A later upload for the same programme, survey and period
supersedes the earlier one.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import UserError
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatements import SurveyView, survey
from vrhub.outcomes.measures import period_of
from vrhub.outcomes.programmes import ProgrammeView, get_programme
from vrhub.outcomes.table_files import read_table
from vrhub.outcomes.upload_rows import (
    RowCheck,
    blank,
    check_base,
    comment,
    formula_cells,
    receipt,
    require_columns,
)
from vrhub.standards.outcomes import AGREEMENT, SURVEY_BASE_COLUMNS, agreement
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import surveys as store

SCALE_HINT = "answer 1 to 5 (" + ", ".join(f"{v} {label.lower()}" for v, label in AGREEMENT) \
    + "), or leave it blank when not answered"


def expected_columns(instrument: SurveyView) -> list[str]:
    return [*(c.name for c in SURVEY_BASE_COLUMNS), *instrument.statements, "comment"]


def template_csv(outcomes: Outcomes, code: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(expected_columns(survey(outcomes, code)))
    return buffer.getvalue().encode()


def check_rows(programme: ProgrammeView, instrument: SurveyView, period: ReportingPeriod,
               data: bytes, file_name: str, *, max_bytes: int,
               max_rows: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    table = read_table(data, file_name, sheet="Survey", max_bytes=max_bytes,
                       max_rows=max_rows)
    require_columns(table, SURVEY_BASE_COLUMNS)
    wanted = [s.lower() for s in instrument.statements]
    columns = {h: h.upper() for h in table.headings if h in wanted}
    known = {c.name for c in SURVEY_BASE_COLUMNS} | set(wanted) | {"comment"}
    ignored = [h for h in table.headings if h and h not in known]
    checks: list[RowCheck] = []
    redactions: list[dict[str, int]] = []
    seen: dict[str, int] = {}
    accepted: list[dict[str, Any]] = []
    for number, raw in table.rows:
        check = RowCheck(number)
        check_base(check, raw, SURVEY_BASE_COLUMNS, period, "respondent_id")
        answers: dict[str, int] = {}
        for heading, code in columns.items():
            value = raw.get(heading)
            if blank(value):
                continue
            answer = agreement(value)
            if answer is None:
                check.fail(code, value, "is not on the agreement scale", SCALE_HINT)
            else:
                answers[code] = answer
        if not answers and not check.problems and not any(
                r == number for r, _ in table.formulas):
            check.fail(", ".join(columns.values()) or "(statements)", None,
                       "no statement is answered", "leave out a respondent who answered "
                       "nothing")
        formula_cells(check, table)
        comment(check, raw, redactions)
        respondent = check.values.get("respondent_id")
        if respondent not in (None, "[withheld]"):
            if respondent in seen:
                check.fail("respondent_id", respondent, f"answered already in row "
                           f"{seen[respondent]} of this file", "give each respondent one "
                           "row per period; correct the id")
            else:
                seen[str(respondent)] = number
        check.values["answers"] = answers
        checks.append(check)
        if check.ok:
            v = check.values
            accepted.append({"respondent_id": respondent, "collected_on": v["collected_on"],
                             "borough_code": v.get("borough"), "age_band": v.get("age_band"),
                             "sex": v.get("sex"), "ethnicity": v.get("ethnicity"),
                             "answers": answers, "comment": v.get("comment", "")})
    missing = [s for s in instrument.statements if s.lower() not in table.headings]
    result = receipt(table, kind="survey", programme=programme.code, period=period,
                     checks=checks, ignored=ignored, redactions=redactions,
                     extra={"survey": instrument.code, "statements": list(columns.values()),
                            "notes": [f"the survey asks {m} but the file has no such column"
                                      for m in missing]})
    return result, accepted


def submit(outcomes: Outcomes, principal: Principal, code: str, period: str, data: bytes,
           file_name: str, *, survey_code: str | None = None,
           dry_run: bool = False) -> dict[str, Any]:
    """Check a responses file for programme ``code``'s survey in ``period`` and store what
    passes (audited); returns the receipt."""
    programme = get_programme(outcomes, principal, code, action=Action.SUBMIT_RETURN,
                              detail=f"upload survey responses for {code}")
    chosen = (survey_code or programme.survey_code or "").strip().upper()
    if not chosen:
        raise UserError(f"{programme.code} runs no i-Statement survey",
                        hint="name the survey (--survey) or set the programme's survey_code")
    if programme.survey_code and chosen != programme.survey_code:
        raise UserError(f"{programme.code} runs survey {programme.survey_code}, not {chosen}",
                        hint=f"upload {programme.survey_code}'s responses")
    instrument = survey(outcomes, chosen)
    reporting = period_of(programme, period)
    result, rows = check_rows(programme, instrument, reporting, data, file_name,
                              max_bytes=outcomes.config.max_upload_bytes,
                              max_rows=outcomes.config.max_rows)
    if dry_run:
        return {**result, "dry_run": True, "upload_id": None}
    resource = Resource.programme(programme.code, boroughs=programme.boroughs,
                                  kind="survey_responses",
                                  name=f"{programme.code}/{instrument.code}/{reporting.code}")
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.SUBMIT_RETURN, resource, session=session) as note:
        upload = store.add_upload(session, survey=instrument.code, programme=programme.code,
                                  period=reporting.code, file_name=file_name,
                                  received_by=principal.email, receipt=result, rows=rows)
        upload.receipt = {**result, "upload_id": upload.id}
        note.detail = (f"survey {instrument.code} {reporting.code}: {result['rows_read']} "
                       f"row(s) read, {result['rows_accepted']} stored, "
                       f"{result['rows_quarantined']} quarantined")
        upload_id = upload.id
    return {**result, "upload_id": upload_id}
