"""Named questions and writes of needs-assessment editions (app database).

An edition's version counts up per area and kind (``full``, ``public``) from 1. :func:`save`
takes the next number and inserts; when another process took that number first, the unique
constraint refuses the insert, the transaction is rolled back and the next number is tried.
So :func:`save` must be the first write of its transaction (the edition desk calls it first
and appends the audit event after it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vrhub.errors import OperationalError
from vrhub.storage.appdb.sna_models import SnaEdition, SnaEditionFile

EDITIONS = ("full", "public")
FORMATS = ("html", "pdf", "xlsx")
#: how many taken version numbers :func:`save` steps past before giving up
ATTEMPTS = 8


@dataclass(frozen=True)
class NewEdition:
    """What is stored of one built edition (its version is assigned by :func:`save`)."""

    area_code: str
    area_name: str
    edition: str
    period_from: str
    period_to: str
    definition_version: str
    built_at: dt.datetime
    built_by: int | None
    builder: str
    recommendations: str
    figures: Mapping[str, Mapping[str, Any]]
    sections: Mapping[str, Mapping[str, Any]]
    files: Mapping[str, bytes] = field(default_factory=dict)


def next_version(session: Session, area_code: str, edition: str) -> int:
    found = session.scalar(select(func.max(SnaEdition.version)).where(
        SnaEdition.area_code == area_code, SnaEdition.edition == edition))
    return int(found or 0) + 1


def save(session: Session, *editions: NewEdition) -> list[SnaEdition]:
    """Store each edition under the next version of its area and kind (flushed, not
    committed), all or none. Call it first in its transaction: when a version is taken
    meanwhile, the transaction is rolled back and the next numbers are tried."""
    for new in editions:
        if new.edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}, not {new.edition!r}")
        unknown = set(new.files) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown file formats {sorted(unknown)}")
    for _attempt in range(ATTEMPTS):
        rows = [_row(session, new) for new in editions]
        session.add_all(rows)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            continue
        for row, new in zip(rows, editions, strict=True):
            for fmt in FORMATS:
                if fmt in new.files:
                    content = bytes(new.files[fmt])
                    session.add(SnaEditionFile(
                        edition_id=row.id, format=fmt, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), content=content))
        session.flush()
        return rows
    raise OperationalError(
        f"no version number could be taken for {editions[0].area_code}'s needs assessment "
        f"after {ATTEMPTS} tries (other builds of the area are saving at the same time)",
        hint="build it again in a moment")


def _row(session: Session, new: NewEdition) -> SnaEdition:
    return SnaEdition(
        area_code=new.area_code, area_name=new.area_name, edition=new.edition,
        version=next_version(session, new.area_code, new.edition),
        period_from=new.period_from, period_to=new.period_to,
        definition_version=new.definition_version, built_at=new.built_at,
        built_by=new.built_by, builder=new.builder, recommendations=new.recommendations,
        figures=_plain(new.figures), sections=_plain(new.sections))


def listed(session: Session, area_code: str, edition: str | None = None) -> list[SnaEdition]:
    """An area's editions, newest first (of one kind, or both)."""
    query = select(SnaEdition).where(SnaEdition.area_code == area_code)
    if edition is not None:
        query = query.where(SnaEdition.edition == edition)
    return list(session.scalars(query.order_by(SnaEdition.version.desc(),
                                               SnaEdition.edition)))


def get(session: Session, area_code: str, edition: str, version: int) -> SnaEdition | None:
    return session.scalar(select(SnaEdition).where(
        SnaEdition.area_code == area_code, SnaEdition.edition == edition,
        SnaEdition.version == version))


def latest(session: Session, area_code: str, edition: str, *,
           before: int | None = None) -> SnaEdition | None:
    """The newest edition of an area and kind (older than version ``before``, if given)."""
    query = select(SnaEdition).where(SnaEdition.area_code == area_code,
                                     SnaEdition.edition == edition)
    if before is not None:
        query = query.where(SnaEdition.version < before)
    return session.scalar(query.order_by(SnaEdition.version.desc()).limit(1))


def latest_per_area(session: Session, *, areas: Iterable[str] | None = None,
                    edition: str | None = None) -> list[SnaEdition]:
    """The newest edition of each area and kind (of ``areas``, or every area), by area."""
    newest = (select(SnaEdition.area_code, SnaEdition.edition,
                     func.max(SnaEdition.version).label("version"))
              .group_by(SnaEdition.area_code, SnaEdition.edition))
    if areas is not None:
        newest = newest.where(SnaEdition.area_code.in_(sorted(set(areas))))
    if edition is not None:
        newest = newest.where(SnaEdition.edition == edition)
    top = newest.subquery()
    query = select(SnaEdition).join(top, (SnaEdition.area_code == top.c.area_code)
                                    & (SnaEdition.edition == top.c.edition)
                                    & (SnaEdition.version == top.c.version))
    return list(session.scalars(query.order_by(SnaEdition.area_code, SnaEdition.edition)))


def file_facts(session: Session, edition_id: int) -> dict[str, tuple[int, str]]:
    """format -> (size in bytes, SHA-256) of an edition's files, without their bytes."""
    rows = session.execute(select(SnaEditionFile.format, SnaEditionFile.size,
                                  SnaEditionFile.sha256)
                           .where(SnaEditionFile.edition_id == edition_id))
    return {fmt: (size, digest) for fmt, size, digest in rows}


def file(session: Session, edition_id: int, fmt: str) -> bytes | None:
    """One file of an edition, checked against its SHA-256 (None when it has none)."""
    row = session.scalar(select(SnaEditionFile).where(SnaEditionFile.edition_id == edition_id,
                                                      SnaEditionFile.format == fmt))
    if row is None:
        return None
    content = bytes(row.content)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise OperationalError(
            f"the stored {fmt} file of needs-assessment edition {edition_id} does not match "
            "its checksum", hint="restore the app database from its last backup, or build "
            "the edition again")
    return content


def _plain(value: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """JSON both databases keep: NumPy scalars made plain, NaN and infinities as null."""
    return {str(k): {str(name): _scalar(v) for name, v in inner.items()}
            for k, inner in value.items()}


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
