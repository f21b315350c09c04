"""Programme returns (``outcome_return`` and its values, rows and workflow events).

Named questions only: callers hand in a session and typed values. Adding a version, moving
it through the workflow and reading the board are here; what is allowed is decided in
:mod:`vrhub.outcomes.returns`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.outcomes_models import Programme, ProgrammeArea, ProgrammeBorough
from vrhub.storage.appdb.outcomes_returns_models import (
    Return,
    ReturnEvent,
    ReturnValue,
)


def versions(session: Session, programme: str, period: str) -> list[Return]:
    """Every version of a programme's return for a period, newest first."""
    return list(session.scalars(
        select(Return).where(Return.programme_code == programme, Return.period == period)
        .order_by(Return.version.desc())))


def current(session: Session, programme: str, period: str,
            *, for_update: bool = False) -> Return | None:
    """The version in force (the newest accepted one), or None."""
    stmt = select(Return).where(Return.programme_code == programme, Return.period == period,
                                Return.is_current.is_(True))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def get(session: Session, return_id: str) -> Return | None:
    return session.scalar(select(Return).where(Return.return_id == return_id))


def list_versions(session: Session, programmes: Sequence[str] | None) -> list[Return]:
    """Every version of the returns of ``programmes`` (None: all), newest first."""
    stmt = select(Return)
    if programmes is not None:
        stmt = stmt.where(Return.programme_code.in_(sorted(set(programmes))))
    return list(session.scalars(stmt.order_by(Return.submitted_at.desc(), Return.id.desc())))


def next_version(session: Session, programme: str, period: str) -> int:
    top = session.scalar(select(func.max(Return.version)).where(
        Return.programme_code == programme, Return.period == period))
    return int(top or 0) + 1


def add_return(session: Session, fields: dict[str, Any], *,
               values: Sequence[dict[str, Any]] = (), make_current: bool) -> Return:
    """Add a version (in the session's transaction): the one before stops being current
    and is ``superseded`` when ``make_current``; values and rows are inserted in bulk."""
    if make_current:
        before = current(session, fields["programme_code"], fields["period"], for_update=True)
        if before is not None:
            before.is_current = False
            add_event(session, before, actor=fields["submitted_by"], action="superseded",
                      to_status="superseded", note=f"by version {fields['version']}")
            before.status = "superseded"
    row = Return(**fields, is_current=make_current)
    session.add(row)
    session.flush()
    if values:
        session.execute(insert(ReturnValue), [{**v, "return_pk": row.id} for v in values])
    return row


def add_event(session: Session, row: Return, *, actor: str, action: str, to_status: str,
              note: str = "") -> ReturnEvent:
    event = ReturnEvent(return_pk=row.id, at=utc_now(), actor=actor, action=action,
                        from_status=row.status, to_status=to_status, note=note)
    session.add(event)
    return event


def set_receipt(session: Session, return_id: str, receipt: dict[str, Any],
                counts: tuple[int, int, int]) -> None:
    row = get(session, return_id)
    if row is not None:
        row.receipt = receipt
        row.rows_read, row.rows_accepted, row.rows_quarantined = counts


def set_status(session: Session, row: Return, *, status: str, actor: str, action: str,
               note: str = "") -> None:
    add_event(session, row, actor=actor, action=action, to_status=status, note=note)
    row.status = status
    row.decided_by = actor
    row.decided_at = utc_now()
    session.flush()


def events(session: Session, return_pks: Iterable[int]) -> list[ReturnEvent]:
    pks = sorted(set(return_pks))
    if not pks:
        return []
    return list(session.scalars(select(ReturnEvent).where(ReturnEvent.return_pk.in_(pks))
                                .order_by(ReturnEvent.id)))


def values_of(session: Session, return_pk: int) -> list[ReturnValue]:
    return list(session.scalars(select(ReturnValue).where(ReturnValue.return_pk == return_pk)
                                .order_by(ReturnValue.row_number)))


@dataclass(frozen=True)
class CurrentReturn:
    """The version in force of a programme's period, for boards and timeliness."""

    programme_code: str
    period: str
    return_id: str
    version: int
    status: str
    submitted_at: dt.datetime
    first_submitted_at: dt.datetime
    rows_quarantined: int


def current_returns(session: Session, programmes: Sequence[str] | None) -> list[CurrentReturn]:
    """The version in force of every period of ``programmes`` (None: all), with when the
    period's first accepted version came (for timeliness)."""
    first = (select(Return.programme_code, Return.period,
                    func.min(Return.submitted_at).label("first_at"))
             .where(Return.status != "rejected")
             .group_by(Return.programme_code, Return.period).subquery())
    stmt = (select(Return.programme_code, Return.period, Return.return_id, Return.version,
                   Return.status, Return.submitted_at, first.c.first_at,
                   Return.rows_quarantined)
            .join(first, (first.c.programme_code == Return.programme_code)
                  & (first.c.period == Return.period))
            .where(Return.is_current.is_(True)))
    if programmes is not None:
        stmt = stmt.where(Return.programme_code.in_(sorted(set(programmes))))
    return [CurrentReturn(*r) for r in session.execute(stmt)]


def approved_values(session: Session, *, programmes: Sequence[str] | None,
                    elements: Sequence[str]) -> list[tuple[str, str, str, str, str, float]]:
    """("*", period, data element, breakdown, category, sum of values) over the approved
    returns in force of ``programmes`` (None: all), for ``elements``, with a value."""
    total = func.sum(ReturnValue.value)
    stmt = (select(Return.period, ReturnValue.data_element, ReturnValue.breakdown,
                   ReturnValue.category, total)
            .join(ReturnValue, ReturnValue.return_pk == Return.id)
            .where(Return.is_current.is_(True), Return.status == "approved",
                   ReturnValue.value.is_not(None),
                   ReturnValue.data_element.in_(sorted(set(elements))))
            .group_by(Return.period, ReturnValue.data_element, ReturnValue.breakdown,
                      ReturnValue.category))
    if programmes is not None:
        stmt = stmt.where(Return.programme_code.in_(sorted(set(programmes))))
    return [("*", a, b, c, d, float(e or 0)) for a, b, c, d, e in session.execute(stmt)]


def data_version(session: Session) -> int:
    """A number that changes whenever a return is added or moves in its workflow."""
    return int(session.scalar(select(func.max(ReturnEvent.id))) or 0)


def programme_links(session: Session) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Priority areas and boroughs of every programme, by code."""
    areas: dict[str, list[str]] = {}
    boroughs: dict[str, list[str]] = {}
    for code, area in session.execute(select(Programme.code, ProgrammeArea.area_code)
                                      .join(ProgrammeArea)):
        areas.setdefault(code, []).append(area)
    for code, borough in session.execute(select(Programme.code, ProgrammeBorough.borough_code)
                                         .join(ProgrammeBorough)):
        boroughs.setdefault(code, []).append(borough)
    return areas, boroughs

