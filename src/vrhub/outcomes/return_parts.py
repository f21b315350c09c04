"""The parts of a return workbook that have uploads of their own: a "Measures" sheet goes to
the measures upload (:mod:`vrhub.outcomes.measures`) and a "Survey" sheet to the
i-Statement survey upload (:mod:`vrhub.outcomes.survey_responses`).

Each part goes through exactly the checks, storage and audit event of its own upload, so a
programme lead gets the same answer whether they send the sheet inside the return or on
its own. What the part's upload says is added to the return's receipt: its rows count in
rows read, accepted and quarantined, and each row it set aside is listed with the sheet,
row, column, value and how to fix it. A part refused whole (a programme that runs no
survey, say) is one line on the receipt saying what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vrhub.access.principal import Principal
from vrhub.errors import UserError
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.programmes import ProgrammeView
from vrhub.standards.outcomes import SHEETS_BY_PART
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import returns as store

#: the parts taken by their own uploads, in the order they are taken
PARTS = ("measures", "survey")


def _submit(part: str) -> Callable[..., dict[str, Any]]:
    if part == "measures":
        from vrhub.outcomes import measures

        return lambda outcomes, principal, programme, period, data, name, return_pk: \
            measures.submit(outcomes, principal, programme.code, period.code, data, name,
                            source="return", return_id=return_pk)
    from vrhub.outcomes import survey_responses

    return lambda outcomes, principal, programme, period, data, name, return_pk: \
        survey_responses.submit(outcomes, principal, programme.code, period.code, data, name)


def _refused_hint(part: str, programme: ProgrammeView, exc: UserError) -> str:
    if part == "survey" and not programme.survey_code:
        return (f"{programme.code} has no i-Statement survey set, so its responses cannot "
                "be counted: ask the VRU to set the programme's survey (survey_code), then "
                "submit the return again; or delete the Survey sheet")
    return exc.hint or "correct the sheet and submit the return again"


def take(outcomes: Outcomes, principal: Principal, programme: ProgrammeView,
         period: ReportingPeriod, data: bytes, file_name: str, receipt: dict[str, Any],
         return_pk: int, part: str) -> dict[str, Any]:
    """Hand the return's ``part`` sheet to its own upload and add that upload's receipt
    (under the part's name) to the return's, which is stored again."""
    try:
        taken = _submit(part)(outcomes, principal, programme, period, data, file_name,
                              return_pk)
    except UserError as exc:
        taken = {"status": "rejected", "rows_read": 0, "rows_accepted": 0,
                 "rows_quarantined": 0, "problem": exc.message,
                 "how_to_fix": _refused_hint(part, programme, exc)}
    sheet = f"sheet {taken.get('sheet') or SHEETS_BY_PART[part].name!r}"
    errors = [{"sheet": sheet, "row": e.get("row"), "column": e.get("column"),
               "value": None if e.get("value") is None else str(e["value"])[:80],
               "problem": e.get("problem"), "how_to_fix": e.get("hint"),
               "rule": part} for e in taken.get("errors", [])]
    if taken.get("status") == "rejected" and "problem" in taken:
        errors = [{"sheet": sheet, "row": None, "column": None, "value": None,
                   "problem": taken["problem"], "how_to_fix": taken["how_to_fix"],
                   "rule": f"{part}:refused"}]
    by_rule = dict(receipt["errors_by_rule"])
    if errors:
        by_rule[errors[0]["rule"]] = len(errors)
    redactions = dict(receipt["redactions"])
    for kind, n in (taken.get("redactions") or {}).items():
        redactions[kind] = redactions.get(kind, 0) + n
    out = {**receipt, part: taken, "errors": receipt["errors"] + errors,
           "errors_by_rule": by_rule, "redactions": redactions,
           "rows_read": receipt["rows_read"] + int(taken.get("rows_read", 0)),
           "rows_accepted": receipt["rows_accepted"] + int(taken.get("rows_accepted", 0)),
           "rows_quarantined": receipt["rows_quarantined"]
           + int(taken.get("rows_quarantined", 0))}
    with outcomes.sessions() as session:
        store.set_receipt(session, receipt["return_id"], out, (
            out["rows_read"], out["rows_accepted"], out["rows_quarantined"]))
        session.commit()
    return out
