"""Versioned reference documents: the outcomes framework, the YEF Toolkit strands and a
SWEMWBS conversion table (``outcome_reference``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vrhub.errors import Conflict
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.outcomes_models import OutcomeReference


def latest_reference(session: Session, kind: str) -> OutcomeReference | None:
    """The newest loaded document of ``kind`` (the one in force), or None."""
    return session.scalar(select(OutcomeReference).where(OutcomeReference.kind == kind)
                          .order_by(OutcomeReference.id.desc()).limit(1))


def reference_versions(session: Session, kind: str) -> list[OutcomeReference]:
    """Every loaded document of ``kind``, newest first."""
    return list(session.scalars(select(OutcomeReference).where(OutcomeReference.kind == kind)
                                .order_by(OutcomeReference.id.desc())))


def add_reference(session: Session, *, kind: str, version: str, title: str,
                  document: dict[str, Any], loaded_by: str) -> OutcomeReference:
    """Add a document version (in the session's transaction); a version loaded before is a
    :class:`Conflict`."""
    existing = session.scalar(select(OutcomeReference.id).where(
        OutcomeReference.kind == kind, OutcomeReference.version == version))
    if existing is not None:
        raise Conflict(f"{kind.replace('_', ' ')} version {version!r} is loaded already",
                       hint="give the revised document a new version")
    row = OutcomeReference(kind=kind, version=version, title=title[:300], document=document,
                           loaded_at=utc_now(), loaded_by=loaded_by)
    session.add(row)
    session.flush()
    return row
