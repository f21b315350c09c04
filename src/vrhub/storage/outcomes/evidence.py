"""The evidence library (``outcome_evidence``): add, look up and search items.

A search is one query: every word must appear in the title or the findings (any case),
and every tag given must be among the item's tags. Tags are JSON lists; a tag is found by
its JSON spelling (``"young people"``, quotes included) in the list's text, which is how
both SQLite and PostgreSQL keep it, so the one query runs on both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from vrhub.errors import Conflict
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.outcomes_models import Evidence

#: the tag lists of an item, by the name a search filters on
TAG_COLUMNS = {"priority_area": Evidence.priority_areas,
               "target_group": Evidence.target_groups,
               "timing": Evidence.timing,
               "intervention_type": Evidence.intervention_types,
               "programme": Evidence.programmes}


@dataclass(frozen=True)
class EvidenceQuery:
    """What a search asks for: words of free text and exact tag values (already checked)."""

    words: Sequence[str] = ()
    tags: dict[str, str] | None = None
    method: str | None = None
    yef_strand: str | None = None


def add_evidence(session: Session, values: dict[str, Any], *, created_by: str) -> Evidence:
    if session.scalar(select(Evidence.id).where(Evidence.code == values["code"])) is not None:
        raise Conflict(f"there is already an evidence item {values['code']!r}",
                       hint="choose another code")
    row = Evidence(**values, created_at=utc_now(), created_by=created_by)
    session.add(row)
    session.flush()
    return row


def _newest_first() -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]:
    return (Evidence.published_on.is_(None), Evidence.published_on.desc(), Evidence.code)


def all_evidence(session: Session) -> list[Evidence]:
    """Every item, newest publication first (undated last)."""
    return list(session.scalars(select(Evidence).order_by(*_newest_first())))


def search_evidence(session: Session, query: EvidenceQuery) -> list[Evidence]:
    """The items matching every word and every tag of ``query``, newest first."""
    stmt = select(Evidence)
    for word in query.words:
        needle = word.lower()
        stmt = stmt.where(or_(func.lower(Evidence.title).contains(needle, autoescape=True),
                              func.lower(Evidence.findings).contains(needle,
                                                                     autoescape=True)))
    for name, value in (query.tags or {}).items():
        stmt = stmt.where(cast(TAG_COLUMNS[name], String).contains(json.dumps(value),
                                                                   autoescape=True))
    if query.method is not None:
        stmt = stmt.where(Evidence.method == query.method)
    if query.yef_strand is not None:
        stmt = stmt.where(Evidence.yef_strand == query.yef_strand)
    return list(session.scalars(stmt.order_by(*_newest_first())))


def evidence_tags(session: Session) -> dict[str, set[str]]:
    """Every tag value in use, by tag (for the search form and for checking a filter)."""
    found: dict[str, set[str]] = {name: set() for name in TAG_COLUMNS}
    columns = [TAG_COLUMNS[name] for name in found]
    for row in session.execute(select(*columns)):
        for name, values in zip(found, row, strict=True):
            found[name].update(str(v) for v in values or ())
    return found


def count_evidence(session: Session) -> int:
    return int(session.scalar(select(func.count(Evidence.id))) or 0)


def get_evidence(session: Session, code: str) -> Evidence | None:
    return session.scalar(select(Evidence).where(Evidence.code == code))
