"""Funded programmes and the accounts that lead them (``outcome_programme`` and its
area, borough and ward links, ``user_programme``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import User
from vrhub.storage.appdb.outcomes_models import (
    Programme,
    ProgrammeArea,
    ProgrammeBorough,
    ProgrammeWard,
    UserProgramme,
)


def programme_codes(session: Session, codes: Iterable[str]) -> list[str]:
    """Those of ``codes`` that are programmes."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    return list(session.scalars(select(Programme.code).where(Programme.code.in_(wanted))))


def get_programme(session: Session, code: str) -> Programme | None:
    return session.scalar(select(Programme).where(Programme.code == code))


def list_programmes(session: Session, *, codes: Sequence[str] | None = None,
                    boroughs: Sequence[str] | None = None,
                    area: str | None = None) -> list[Programme]:
    """Programmes in code order: all, or those with one of ``codes``, serving one of
    ``boroughs``, or working in priority ``area`` (filters combine)."""
    stmt = select(Programme)
    if codes is not None:
        stmt = stmt.where(Programme.code.in_(sorted(set(codes))))
    if boroughs is not None:
        stmt = stmt.where(Programme.id.in_(
            select(ProgrammeBorough.programme_id)
            .where(ProgrammeBorough.borough_code.in_(sorted(set(boroughs))))))
    if area is not None:
        stmt = stmt.where(Programme.id.in_(
            select(ProgrammeArea.programme_id).where(ProgrammeArea.area_code == area)))
    return list(session.scalars(stmt.order_by(Programme.code)))


def save_programme(session: Session, values: dict[str, Any], *, areas: Sequence[str],
                   boroughs: Sequence[str], wards: Sequence[str]) -> tuple[Programme, bool]:
    """Insert the programme ``values['code']`` or update it; returns (row, created)."""
    row = get_programme(session, values["code"])
    created = row is None
    now = utc_now()
    if row is None:
        row = Programme(created_at=now)
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    row.area_links = [ProgrammeArea(area_code=c) for c in sorted(set(areas))]
    row.borough_links = [ProgrammeBorough(borough_code=c) for c in sorted(set(boroughs))]
    row.ward_links = [ProgrammeWard(ward_code=c) for c in sorted(set(wards))]
    session.flush()
    return row, created


def leads_of(session: Session, code: str) -> list[str]:
    """Emails of the programme leads of ``code``."""
    return list(session.scalars(
        select(User.email).join(UserProgramme, UserProgramme.user_id == User.id)
        .where(UserProgramme.programme_code == code).order_by(User.email)))


def programme_boroughs(session: Session, codes: Sequence[str]) -> dict[str, list[str]]:
    """Boroughs served, by programme code."""
    rows = session.execute(
        select(Programme.code, ProgrammeBorough.borough_code)
        .join(ProgrammeBorough, ProgrammeBorough.programme_id == Programme.id)
        .where(Programme.code.in_(sorted(set(codes)))))
    out: dict[str, list[str]] = {c: [] for c in codes}
    for code, borough in rows:
        out.setdefault(code, []).append(borough)
    return out
