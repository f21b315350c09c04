"""Stored hub indicator results (``outcome_indicator_result``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.outcomes_returns_models import IndicatorResult


def replace(session: Session, codes: Sequence[str], rows: Sequence[dict[str, Any]], *,
            framework_version: str, indicator_version: str,
            computed_at: dt.datetime) -> int:
    """Replace every stored result of ``codes`` by ``rows`` (in the session's
    transaction); returns how many were stored."""
    session.execute(delete(IndicatorResult).where(
        IndicatorResult.indicator_code.in_(sorted(set(codes)))))
    if rows:
        session.execute(insert(IndicatorResult), [
            {**r, "framework_version": framework_version,
             "indicator_version": indicator_version, "computed_at": computed_at}
            for r in rows])
    return len(rows)


def results(session: Session, *, area_code: str,
            codes: Sequence[str] | None = None) -> list[IndicatorResult]:
    stmt = select(IndicatorResult).where(IndicatorResult.area_code == area_code)
    if codes is not None:
        stmt = stmt.where(IndicatorResult.indicator_code.in_(sorted(set(codes))))
    return list(session.scalars(stmt.order_by(IndicatorResult.indicator_code,
                                              IndicatorResult.period)))
