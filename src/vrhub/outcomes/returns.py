"""Programme returns: receive a file with a receipt, keep every version, move a return
through review and approval, and say which returns are due, late or awaiting review.

- **Submitting** (programme leads, for their own programmes; the web page, the API and
  ``vrhub outcomes submit`` all call :func:`submit_return`): the file is read within the
  upload limits, checked (:mod:`vrhub.outcomes.return_checks`) and stored with its receipt
  in one transaction with its audit event. Valid rows are kept and the others quarantined
  with their reasons. A file that cannot be read at all is kept as a ``rejected`` version
  with a receipt saying why. A return is for a period of the programme's life that has
  ended; any other period is closed.
- **Resubmitting** adds a version; the one before is ``superseded`` (kept, with its
  receipt). An approved return is locked: a resubmission is refused until an
  administrator reopens it.
- **Workflow** (VRU analysts): submitted → reviewed → approved, or changes requested
  (the lead resubmits). Reopening an approved return is an administrator's action with a
  reason. Every step is a workflow event and an audit event.
- **Timeliness**: a period's return is due ``outcomes_return_due_days`` after it ends; on
  time when its first accepted version came by then, late after, missing when none came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.errors import Conflict, MonthError, NotFound, UserError
from vrhub.ingest.bounded import BoundedReader, LimitExceeded, UploadLimits
from vrhub.outcomes import return_parts
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.programmes import ProgrammeView, get_programme, list_programmes
from vrhub.outcomes.return_checks import Checked, check_return
from vrhub.outcomes.return_files import ReturnFile, ReturnRefused, read_return
from vrhub.standards.outcomes import ProgrammeCode
from vrhub.standards.reporting_periods import ReportingPeriod
from vrhub.storage.outcomes import returns as store

RECEIPT_PROBLEMS = 500  # problems listed one by one on a receipt (all are counted)
LOCKED = "approved"
REVIEWABLE = ("submitted",)
APPROVABLE = ("reviewed",)
CHANGEABLE = ("submitted", "reviewed", "reopened")


def limits_for(outcomes: Outcomes, base: UploadLimits | None = None) -> UploadLimits:
    base = base or UploadLimits()
    size = outcomes.config.max_upload_bytes
    return UploadLimits(file_bytes=size, data_bytes=max(size, base.data_bytes),
                        rows=outcomes.config.max_rows, columns=base.columns,
                        cell_chars=base.cell_chars)


def return_period(programme: ProgrammeView, value: object, today: dt.date) -> ReportingPeriod:
    """The programme's reporting period ``value``, if returns for it are open: a period of
    the programme's life (of its period type) that has ended."""
    try:
        period = ReportingPeriod.parse(value)
    except MonthError as exc:
        raise UserError(exc.message, hint=exc.hint) from None
    if period.kind.value != programme.period_type:
        raise Conflict(f"programme {programme.code} reports by {programme.period_type}, so "
                       f"{period.code} is not one of its periods",
                       hint=f"give a {programme.period_type} such as "
                       f"{programme.periods()[0].code}")
    if period not in programme.periods():
        raise Conflict(f"the period {period.code} is closed for programme {programme.code}: "
                       f"it runs from {programme.start_date} to {programme.end_date}",
                       hint="give a period inside the programme's dates")
    if period.last_day >= today:
        raise Conflict(f"the period {period.label} is not over yet (it ends on "
                       f"{period.last_day}); returns open when it has ended",
                       hint="submit the return after the period ends")
    return period


@dataclass(frozen=True)
class Timeliness:
    programme_code: str
    programme_name: str
    period: str
    period_label: str
    due_date: dt.date
    timeliness: str  # on time | late | missing | due
    status: str | None  # of the version in force
    return_id: str | None
    version: int | None
    rows_quarantined: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"programme": self.programme_code, "programme_name": self.programme_name,
                "period": self.period, "period_label": self.period_label,
                "due_date": self.due_date.isoformat(), "timeliness": self.timeliness,
                "status": self.status, "return_id": self.return_id, "version": self.version,
                "rows_quarantined": self.rows_quarantined}


def _new_id(sha256: str, programme: str, period: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256(f"{sha256}|{programme}|{period}|{salt}".encode()).hexdigest()
    return "ret-" + digest[:16]


def _receipt(found: ReturnFile | None, checked: Checked | None, *, return_id: str,
             programme: ProgrammeView, period: ReportingPeriod | None, status: str,
             version: int, sha256: str, file_name: str, received_at: dt.datetime,
             due: dt.date | None, framework_version: str,
             refusal: UserError | None = None) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    by_rule: dict[str, int] = {}
    if checked is not None:
        for p in checked.problems:
            by_rule[p.rule] = by_rule.get(p.rule, 0) + 1
        errors = [p.to_dict() for p in checked.problems[:RECEIPT_PROBLEMS]]
    if refusal is not None:
        errors = [{"sheet": None, "row": None, "column": None, "value": None,
                   "problem": getattr(refusal, "problem", refusal.message),
                   "how_to_fix": refusal.hint, "rule": getattr(refusal, "rule",
                                                               "file:refused")}]
        by_rule = {errors[0]["rule"]: 1}
    return {
        "return_id": return_id, "programme": programme.code,
        "programme_name": programme.name,
        "period": period.code if period else None,
        "period_label": period.label if period else None,
        "version": version, "status": status, "file": file_name,
        "file_format": found.file_format if found else None, "sha256": sha256,
        "received_at": received_at.isoformat(timespec="seconds"),
        "due_date": due.isoformat() if due else None,
        "on_time": None if due is None else received_at.date() <= due,
        "framework_version": framework_version,
        "rows_read": checked.rows_read if checked else 0,
        "rows_accepted": checked.rows_accepted if checked else 0,
        "rows_quarantined": checked.rows_quarantined if checked else 0,
        "figures_accepted": len(checked.values) if checked else 0,
        "errors_by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))),
        "errors": errors,
        "errors_listed": len(errors),
        "flags": [f.to_dict() for f in checked.flags[:RECEIPT_PROBLEMS]] if checked else [],
        "redactions": dict(checked.redactions) if checked else {},
        "notes": (checked.notes if checked else (found.notes if found else [])),
    }


def submit_return(outcomes: Outcomes, principal: Principal, programme_code: str,
                  data: bytes, file_name: str, *, period: str | None = None,
                  limits: UploadLimits | None = None,
                  too_large: bool = False) -> dict[str, Any]:
    """Receive a return file for ``programme_code`` and return its receipt (a refused file
    gets a receipt with status ``rejected``, as does one the caller stopped reading at the
    size limit, ``too_large``; a closed period, a locked return or an unknown
    programme raise with the reason)."""
    import io

    programme = get_programme(outcomes, principal, programme_code, action=Action.SUBMIT_RETURN,
                              detail=f"submit a return for {programme_code}")
    limits = limits_for(outcomes, limits)
    received_at = outcomes.now()
    reader = BoundedReader(io.BytesIO(data), limits, file_name)
    sha256 = hashlib.sha256(data).hexdigest()
    found: ReturnFile | None = None
    refusal: UserError | None = None
    if too_large or len(data) > limits.file_bytes:
        refusal = limits.refuse("file_bytes", "more bytes were sent",
                                _where(file_name))
    else:
        try:
            found = read_return(reader, file_name)
        except (ReturnRefused, LimitExceeded) as exc:
            refusal = exc
    in_file = (found.header.get("period") if found else None) or None
    chosen = period or in_file
    if not chosen:
        raise UserError(f"{file_name} does not say which period it is for",
                        hint="give the period (e.g. 2024-25-Q1), or use the template, whose "
                        "About sheet names it")
    target = return_period(programme, chosen, received_at.date())
    if found is not None and refusal is None:
        refusal = _header_mismatch(found, programme, target, period)
    due = target.due_date(outcomes.config.return_due_days)
    framework_version = outcomes.framework().version
    checked = check_return(found, programme) if found and refusal is None else None
    with outcomes.sessions() as session, outcomes.policy.audited(
            principal, Action.SUBMIT_RETURN, programme.resource, session=session) as note:
        now = store.current(session, programme.code, target.code, for_update=True)
        if now is not None and now.status == LOCKED:
            raise Conflict(f"the return of {programme.code} for {target.label} is approved "
                           "and locked", hint="ask an administrator to reopen it (`vrhub "
                           f"outcomes returns reopen {now.return_id}`) before resubmitting")
        version = store.next_version(session, programme.code, target.code)
        return_id = _new_id(sha256, programme.code, target.code)
        status = "rejected" if refusal is not None else "submitted"
        receipt = _receipt(found, checked, return_id=return_id, programme=programme,
                           period=target, status=status, version=version, sha256=sha256,
                           file_name=file_name, received_at=received_at, due=due,
                           framework_version=framework_version, refusal=refusal)
        row = store.add_return(session, {
            "return_id": return_id, "programme_code": programme.code,
            "period": target.code, "period_start": target.first_day,
            "period_end": target.last_day, "due_date": due, "version": version,
            "status": status, "file_name": file_name[:200],
            "file_format": receipt["file_format"] or "", "sha256": sha256,
            "rows_read": receipt["rows_read"], "rows_accepted": receipt["rows_accepted"],
            "rows_quarantined": receipt["rows_quarantined"],
            "framework_version": framework_version, "receipt": receipt,
            "submitted_by": principal.email, "submitted_at": received_at,
        }, values=checked.values if checked else (), make_current=refusal is None)
        store.add_event(session, row, actor=principal.email, action="submitted",
                        to_status=status, note=f"version {version}")
        note.detail = (f"return {return_id} v{version} {programme.code} {target.code}: "
                       f"{status}, {receipt['rows_read']} read, {receipt['rows_accepted']} "
                       f"accepted, {receipt['rows_quarantined']} quarantined")
        return_pk = row.id
    if refusal is None and found is not None:
        for part in return_parts.PARTS:
            if any(s.part == part and s.rows for s in found.sheets):
                receipt = return_parts.take(outcomes, principal, programme, target, data,
                                            file_name, receipt, return_pk, part)
    return receipt


def _where(file_name: str) -> Any:
    from vrhub.errors import Location

    return Location(file_name)


def _header_mismatch(found: ReturnFile, programme: ProgrammeView, period: ReportingPeriod,
                     asked: str | None) -> UserError | None:
    named = found.header.get("programme")
    if named:
        try:
            code = str(ProgrammeCode(named))
        except UserError:
            code = named
        if code != programme.code:
            return ReturnRefused(f"the file is the return of programme {named!r}, not "
                                 f"{programme.code}", _where(found.name),
                                 rule="file:other_programme",
                                 hint=f"upload it for {named}, or download "
                                 f"{programme.code}'s template")
    in_file = found.header.get("period")
    if asked and in_file:
        try:
            other = ReportingPeriod.parse(in_file)
        except MonthError:
            other = None
        if other != period:
            return ReturnRefused(f"the file is for the period {in_file!r}, not "
                                 f"{period.code}", _where(found.name),
                                 rule="file:other_period",
                                 hint="upload it for the period it names, or download the "
                                 "template of this period")
    return None


def return_template(outcomes: Outcomes, principal: Principal, programme_code: str,
                    period: str, fmt: str = "xlsx") -> tuple[str, bytes]:
    """(file name, bytes) of the template of a programme's period (any period of its
    life, so that a return can be prepared before the period ends)."""
    from vrhub.outcomes import return_templates

    programme = get_programme(outcomes, principal, programme_code,
                              action=Action.READ_OUTCOMES)
    try:
        target = ReportingPeriod.parse(period)
    except MonthError as exc:
        raise UserError(exc.message, hint=exc.hint) from None
    if target not in programme.periods():
        raise Conflict(f"{target.code} is not a reporting period of {programme.code} "
                       f"({programme.period_type}ly from {programme.start_date} to "
                       f"{programme.end_date})",
                       hint=f"give one of {', '.join(p.code for p in programme.periods())}")
    fmt = fmt.lower()
    statements: tuple[str, ...] = ()
    if programme.survey_code and fmt == "xlsx":
        from vrhub.outcomes.istatements import survey

        try:
            statements = survey(outcomes, programme.survey_code).statements
        except NotFound:  # a survey not loaded yet: the template has no Survey sheet
            statements = ()
    data = return_templates.template(programme, target, fmt, outcomes.config.return_due_days,
                                     statements)
    return return_templates.file_name(programme, target, fmt), data


# -- reading -------------------------------------------------------------------------
def _check_read(outcomes: Outcomes, principal: Principal, programme_code: str,
                what: str) -> ProgrammeView:
    return get_programme(outcomes, principal, programme_code, action=Action.READ_RETURN,
                         detail=what)


def return_detail(outcomes: Outcomes, principal: Principal,
                  return_id: str) -> dict[str, Any]:
    """A version's receipt, figures, workflow events and the programme's other versions
    (audited as a read of the return)."""
    with outcomes.sessions() as session:
        row = store.get(session, return_id)
        if row is None:
            raise NotFound(f"there is no return {return_id!r}",
                           hint="see the returns (`vrhub outcomes returns list`)")
        programme_code = row.programme_code
    _check_read(outcomes, principal, programme_code, f"read return {return_id}")
    with outcomes.sessions() as session:
        row = store.get(session, return_id)
        if row is None:  # its programme was deleted meanwhile
            raise NotFound(f"there is no return {return_id!r}")
        history = store.versions(session, row.programme_code, row.period)
        return {
            **row.receipt, "status": row.status, "is_current": row.is_current,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at.isoformat(timespec="seconds")
            if row.decided_at else None,
            "figures": [{"row": v.row_number, "data_element": v.data_element,
                         "breakdown": v.breakdown, "category": v.category or None,
                         "value": v.value, "comment": v.comment}
                        for v in store.values_of(session, row.id)],
            "events": [{"at": e.at.isoformat(timespec="seconds"), "by": e.actor,
                        "action": e.action, "from": e.from_status or None,
                        "to": e.to_status, "note": e.note}
                       for e in store.events(session, [row.id])],
            "versions": [{"return_id": h.return_id, "version": h.version,
                          "status": h.status, "submitted_at":
                          h.submitted_at.isoformat(timespec="seconds"),
                          "submitted_by": h.submitted_by, "rows_accepted": h.rows_accepted,
                          "rows_quarantined": h.rows_quarantined} for h in history],
        }


def list_returns(outcomes: Outcomes, principal: Principal, *,
                 programme: str | None = None) -> list[dict[str, Any]]:
    """Every version of the returns ``principal`` may read, newest first."""
    codes: list[str] | None
    if programme:
        codes = [get_programme(outcomes, principal, programme).code]
    else:
        scope = outcomes.policy.enforce_outcome_scope(principal, Action.READ_OUTCOMES,
                                                      "returns", detail="list returns")
        codes = None if scope.everything else [
            p.code for p in list_programmes(outcomes, principal)]
    with outcomes.sessions() as session:
        rows = store.list_versions(session, codes)
        return [{"return_id": r.return_id, "programme": r.programme_code,
                 "period": r.period, "version": r.version, "status": r.status,
                 "is_current": r.is_current, "file": r.file_name,
                 "submitted_at": r.submitted_at.isoformat(timespec="seconds"),
                 "submitted_by": r.submitted_by, "due_date": r.due_date.isoformat(),
                 "rows_read": r.rows_read, "rows_accepted": r.rows_accepted,
                 "rows_quarantined": r.rows_quarantined} for r in rows]


def timeliness(outcomes: Outcomes, principal: Principal, *,
               programme: str | None = None) -> list[Timeliness]:
    """For every ended period of the programmes ``principal`` may see: when its return is
    due, whether it came on time, late or not at all, and the status of the version in
    force."""
    today = outcomes.today()
    if programme:
        found = [get_programme(outcomes, principal, programme)]
    else:
        found = list_programmes(outcomes, principal)
    days = outcomes.config.return_due_days
    with outcomes.sessions() as session:
        version = store.data_version(session)
        key = ("timeliness", version, today, days,
               tuple((p.code, p.name, p.start_date, p.end_date, p.period_type)
                     for p in found))
        cached = outcomes.figure_cache.get(key)
        if cached is not None:
            return list(cached)
        current = {(c.programme_code, c.period): c for c in store.current_returns(
            session, [p.code for p in found])}
    out: list[Timeliness] = []
    for p in found:
        for period in p.periods(until=today):
            if period.last_day >= today:
                continue
            due = period.due_date(days)
            c = current.get((p.code, period.code))
            if c is None:
                state = "missing" if today > due else "due"
            else:
                state = "on time" if c.first_submitted_at.date() <= due else "late"
            out.append(Timeliness(p.code, p.name, period.code, period.short_label, due,
                                  state, c.status if c else None, c.return_id if c else None,
                                  c.version if c else None,
                                  c.rows_quarantined if c else None))
    if len(outcomes.figure_cache) > 512:
        outcomes.figure_cache.clear()
    outcomes.figure_cache[key] = tuple(out)
    return out


def board(outcomes: Outcomes, principal: Principal) -> dict[str, list[Timeliness]]:
    """The returns board: due (not yet in, not yet late), late (missing past the due
    date), awaiting review (submitted or reviewed), and the rest."""
    rows = timeliness(outcomes, principal)
    return {
        "due": [r for r in rows if r.timeliness == "due"],
        "late": [r for r in rows if r.timeliness == "missing"],
        "awaiting_review": sorted((r for r in rows if r.status in ("submitted", "reviewed")),
                                  key=lambda r: (r.due_date, r.programme_code)),
        "changes_requested": [r for r in rows if r.status in ("changes_requested",
                                                              "reopened")],
        "approved": [r for r in rows if r.status == "approved"],
    }
