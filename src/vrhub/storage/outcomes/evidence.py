"""The evidence library (``outcome_evidence``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vrhub.errors import Conflict
from vrhub.storage.appdb.models import utc_now
from vrhub.storage.appdb.outcomes_models import Evidence


def add_evidence(session: Session, values: dict[str, Any], *, created_by: str) -> Evidence:
    if session.scalar(select(Evidence.id).where(Evidence.code == values["code"])) is not None:
        raise Conflict(f"there is already an evidence item {values['code']!r}",
                       hint="choose another code")
    row = Evidence(**values, created_at=utc_now(), created_by=created_by)
    session.add(row)
    session.flush()
    return row


def all_evidence(session: Session) -> list[Evidence]:
    """Every item, newest publication first (undated last)."""
    rows = list(session.scalars(select(Evidence).order_by(Evidence.code)))
    return sorted(rows, key=lambda e: (e.published_on is None,
                                       -(e.published_on.toordinal() if e.published_on else 0)))


def get_evidence(session: Session, code: str) -> Evidence | None:
    return session.scalar(select(Evidence).where(Evidence.code == code))
