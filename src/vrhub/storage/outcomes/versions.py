"""One cheap question that changes whenever anything an outcome figure is computed from
changes: programmes, reference documents, measures, i-Statements and surveys, returns and
their workflow. Figures cached in memory are keyed by it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.outcomes_measures_models import IStatement, MeasureUpload, SurveyUpload
from vrhub.storage.appdb.outcomes_models import OutcomeReference, Programme
from vrhub.storage.appdb.outcomes_returns_models import Return, ReturnEvent


def data_versions(session: Session) -> dict[str, tuple[Any, ...]]:
    """Counts and newest ids (or times) of every table outcome figures read, by part."""
    parts = {
        "programmes": (func.count(Programme.id), func.max(Programme.updated_at)),
        "reference": (func.max(OutcomeReference.id),),
        "measures": (func.count(MeasureUpload.id), func.max(MeasureUpload.id)),
        "surveys": (func.count(SurveyUpload.id), func.max(SurveyUpload.id),
                    func.max(IStatement.id)),
        "returns": (func.count(Return.id), func.max(Return.id), func.max(ReturnEvent.id)),
    }
    columns = []
    for values in parts.values():
        columns += [select(v).scalar_subquery() for v in values]
    row = session.execute(select(*columns)).one()
    out: dict[str, tuple[Any, ...]] = {}
    at = 0
    for name, values in parts.items():
        out[name] = tuple(row[at:at + len(values)])
        at += len(values)
    return out
