"""Reach totals: the total rows of approved returns in force, summed in the database per
programme, period and data element (``outcome_return``, ``outcome_return_value``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.outcomes_returns_models import Return, ReturnValue


def approved_totals(session: Session, *, programmes: Sequence[str],
                    elements: Sequence[str]) -> list[tuple[str, str, str, float]]:
    """(programme, period, data element, sum of its total rows) over the approved returns
    in force of ``programmes``."""
    stmt = (select(Return.programme_code, Return.period, ReturnValue.data_element,
                   func.sum(ReturnValue.value))
            .join(ReturnValue, ReturnValue.return_pk == Return.id)
            .where(Return.is_current.is_(True), Return.status == "approved",
                   ReturnValue.breakdown == "total", ReturnValue.value.is_not(None),
                   ReturnValue.data_element.in_(sorted(set(elements))),
                   Return.programme_code.in_(sorted(set(programmes))))
            .group_by(Return.programme_code, Return.period, ReturnValue.data_element))
    return [(p, per, e, float(v or 0)) for p, per, e, v in session.execute(stmt)]
