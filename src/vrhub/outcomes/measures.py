"""Participants' standard measures: uploaded by file with a receipt, stored per
pseudonymous participant, read back only through audited participant-level reads.

A measures file has one row per young person per timepoint (pre or post): the columns of
the template's Measures sheet (:data:`vrhub.standards.outcomes.MEASURE_BASE_COLUMNS`),
an optional ``comment`` and one column per item the programme collects (ONS4's four
items, 0-10, kept separate; SWEMWBS's seven raw items, 1-5; the SDQ total, 0-40; the
programme's own scales ``scale_<code>``). Each row is stored or quarantined with its
reasons:

- an item outside its range (an ONS4 answer of 11), not a whole number, or a row with no
  item at all;
- an id that is not pseudonymous (a name, phone or NHS number: the identifier guard);
- the same participant and timepoint twice in the file, or already counted in another
  period of the programme;
- a date outside the period; a code not in the template's lists; a formula cell;
- a comment holding an identifier (removed, and the row set aside for checking).

A later upload for the same programme and period supersedes the earlier one. A file
without a required column is refused whole, naming the column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.errors import NotFound, UserError
from vrhub.outcomes.context import Outcomes
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
    whole_number,
)
from vrhub.standards.outcomes import INSTRUMENTS, MEASURE_BASE_COLUMNS, MEASURE_ITEMS
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import measures as store


@dataclass(frozen=True)
class Item:
    """An item a programme's measures file may hold: a standard item or its own scale."""

    code: str
    label: str
    low: int
    high: int
    higher_is_better: bool
    instrument: str


def programme_items(programme: ProgrammeView) -> dict[str, Item]:
    """Every item a measures file of ``programme`` may hold (the standard items whatever
    it collects, and its own scales)."""
    items = {code: Item(code, i.label, i.low, i.high, i.higher_is_better, i.instrument)
             for code, i in MEASURE_ITEMS.items()}
    for scale in programme.scales:
        items[scale.item] = Item(scale.item, scale.label, scale.low, scale.high,
                                 scale.higher_is_better, "scale")
    return items


def expected_columns(programme: ProgrammeView) -> list[str]:
    """The columns of the programme's measures file, in template order."""
    out = [c.name for c in MEASURE_BASE_COLUMNS]
    for code in programme.measures:
        out.extend(i.code for i in INSTRUMENTS[code].items)
    out.extend(s.item for s in programme.scales)
    return [*out, "comment"]


def template_csv(outcomes: Outcomes, principal: Principal, code: str) -> bytes:
    """An empty measures file for the programme (its heading row)."""
    programme = get_programme(outcomes, principal, code, action=Action.READ_OUTCOMES)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(expected_columns(programme))
    return buffer.getvalue().encode()


def check_rows(programme: ProgrammeView, period: ReportingPeriod, data: bytes,
               file_name: str, *, elsewhere: dict[tuple[str, str], str],
               max_bytes: int, max_rows: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(receipt, accepted rows) for a measures file; pure apart from reading ``data``."""
    table = read_table(data, file_name, sheet="Measures", max_bytes=max_bytes,
                       max_rows=max_rows)
    require_columns(table, MEASURE_BASE_COLUMNS)
    items = programme_items(programme)
    known = {c.name for c in MEASURE_BASE_COLUMNS} | set(items) | {"comment"}
    ignored = [h for h in table.headings if h and h not in known]
    item_columns = [h for h in table.headings if h in items]
    checks: list[RowCheck] = []
    redactions: list[dict[str, int]] = []
    seen: dict[tuple[str, str], int] = {}
    accepted: list[dict[str, Any]] = []
    for number, raw in table.rows:
        check = RowCheck(number)
        check_base(check, raw, MEASURE_BASE_COLUMNS, period, "participant_id")
        scores: dict[str, float] = {}
        for code in item_columns:
            value = raw.get(code)
            if blank(value):
                continue
            item = items[code]
            number_value = whole_number(value)
            if number_value is None:
                check.fail(code, value, "is not a whole number",
                           f"give {code} as a whole number from {item.low} to {item.high}, "
                           "or leave it blank when not asked")
            elif not item.low <= number_value <= item.high:
                check.fail(code, value, f"is outside the item's range {item.low} to "
                           f"{item.high}", f"check the answer: {item.label}")
            else:
                scores[code] = number_value
        if not scores and not any((number, c) in table.formulas for c in item_columns) \
                and not any(p.column in items for p in check.problems):
            check.fail(", ".join(item_columns) or "(items)", None, "no measure is given",
                       "fill in the young person's answers, or leave the row out")
        formula_cells(check, table)
        comment(check, raw, redactions)
        key = (str(check.values.get("participant_id")), str(check.values.get("timepoint")))
        if check.values.get("participant_id") not in (None, "[withheld]") and \
                check.values.get("timepoint"):
            if key in seen:
                check.fail("participant_id", key[0], f"has a {key[1]} measure already in row "
                           f"{seen[key]} of this file", "give each young person one pre and "
                           "one post row; correct the id or the timepoint")
            elif key in elsewhere:
                check.fail("participant_id", key[0], f"has a {key[1]} measure already, in "
                           f"period {elsewhere[key]}", "a young person's pre (and post) is "
                           "recorded once per programme; correct the id or the timepoint, or "
                           "upload that period again without it")
            else:
                seen[key] = number
        check.values["scores"] = scores
        checks.append(check)
        if check.ok:
            v = check.values
            accepted.append({"participant_id": v["participant_id"], "timepoint": v["timepoint"],
                             "collected_on": v["collected_on"], "age_band": v.get("age_band"),
                             "sex": v.get("sex"), "ethnicity": v.get("ethnicity"),
                             "scores": scores, "comment": v.get("comment", "")})
    missing = [i.code for code in programme.measures for i in INSTRUMENTS[code].items
               if i.code not in item_columns]
    notes = [f"the programme collects {m} but the file has no such column" for m in missing]
    result = receipt(table, kind="measures", programme=programme.code, period=period,
                     checks=checks, ignored=ignored, redactions=redactions,
                     extra={"item_columns": item_columns, "notes": notes})
    return result, accepted


def submit(outcomes: Outcomes, principal: Principal, code: str, period: str, data: bytes,
           file_name: str, *, dry_run: bool = False, source: str = "upload",
           return_id: int | None = None) -> dict[str, Any]:
    """Check a measures file for ``code``'s ``period`` and store what passes (audited);
    returns the receipt. With ``dry_run`` nothing is stored."""
    programme = get_programme(outcomes, principal, code, action=Action.SUBMIT_RETURN,
                              detail=f"upload measures for {code}")
    reporting = period_of(programme, period)
    with outcomes.sessions() as session:
        elsewhere = store.timepoints_elsewhere(session, programme.code, reporting.code)
    result, rows = check_rows(programme, reporting, data, file_name, elsewhere=elsewhere,
                              max_bytes=outcomes.config.max_upload_bytes,
                              max_rows=outcomes.config.max_rows)
    if dry_run:
        return {**result, "dry_run": True, "upload_id": None}
    resource = Resource.programme(programme.code, boroughs=programme.boroughs,
                                  kind="measures", name=f"{programme.code}/{reporting.code}")
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.SUBMIT_RETURN, resource, session=session) as note:
        upload = store.add_upload(session, programme=programme.code, period=reporting.code,
                                  file_name=file_name, received_by=principal.email,
                                  receipt=result, rows=rows, source=source,
                                  return_id=return_id)
        upload.receipt = {**result, "upload_id": upload.id}
        note.detail = (f"measures {reporting.code}: {result['rows_read']} row(s) read, "
                       f"{result['rows_accepted']} stored, {result['rows_quarantined']} "
                       "quarantined")
        upload_id = upload.id
    return {**result, "upload_id": upload_id}


def period_of(programme: ProgrammeView, period: str) -> ReportingPeriod:
    reporting = ReportingPeriod.parse(period)
    if reporting.kind.value != programme.period_type:
        raise UserError(f"period {reporting.code} is not a {programme.period_type}",
                        hint=f"{programme.code} reports by {programme.period_type}: use one of "
                        + ", ".join(p.code for p in programme.periods()))
    if reporting not in programme.periods():
        raise UserError(f"period {reporting.code} is outside {programme.code}'s life "
                        f"({programme.start_date} to {programme.end_date})",
                        hint="use one of " + ", ".join(p.code for p in programme.periods()))
    return reporting


def uploads(outcomes: Outcomes, principal: Principal,
            code: str | None = None) -> list[dict[str, Any]]:
    """Measures uploads ``principal`` may see (a programme's, or all in their scope)."""
    if code:
        programme = get_programme(outcomes, principal, code, action=Action.READ_RETURN,
                                  detail=f"list measures uploads of {code}")
        codes: list[str] | None = [programme.code]
    else:
        scope = outcomes.policy.enforce_outcome_scope(principal, Action.READ_RETURN,
                                                      "measures", detail="list uploads")
        codes = None if scope.everything else sorted(scope.programmes) or _serving(
            outcomes, principal)
    with outcomes.sessions() as session:
        return [{"upload_id": u.id, "programme": u.programme_code, "period": u.period_code,
                 "file": u.file_name, "source": u.source, "received_at":
                 u.received_at.isoformat(timespec="seconds"), "received_by": u.received_by,
                 "rows_read": u.rows_read, "rows_accepted": u.rows_accepted,
                 "rows_quarantined": u.rows_quarantined,
                 "counted": u.superseded_by is None}
                for u in store.list_uploads(session, codes)]


def upload_receipt(outcomes: Outcomes, principal: Principal, upload_id: int) -> dict[str, Any]:
    with outcomes.sessions() as session:
        row = store.get_upload(session, upload_id)
        found = (row.programme_code, dict(row.receipt)) if row is not None else None
    if found is None:
        raise NotFound(f"there is no measures upload {upload_id}",
                       hint="see `vrhub outcomes measures uploads`")
    get_programme(outcomes, principal, found[0], action=Action.READ_RETURN,
                  detail=f"read measures receipt {upload_id}")
    return found[1]


def participant(outcomes: Outcomes, principal: Principal, code: str,
                participant_id: str) -> list[dict[str, Any]]:
    """One participant's counted measures: a participant-level read, always audited."""
    programme = get_programme(outcomes, principal, code, action=Action.READ_PARTICIPANTS,
                              detail=f"read participant measures of {code}")
    with outcomes.sessions() as session:
        rows = store.participant_rows(session, programme.code, participant_id.strip())
        return [{"period": r.period_code, "timepoint": r.timepoint,
                 "collected_on": r.collected_on.isoformat(), "age_band": r.age_band,
                 "sex": r.sex, "ethnicity": r.ethnicity, "scores": dict(r.scores)}
                for r in rows]


def _serving(outcomes: Outcomes, principal: Principal) -> list[str]:
    from vrhub.outcomes.programmes import list_programmes

    return [p.code for p in list_programmes(outcomes, principal)]
