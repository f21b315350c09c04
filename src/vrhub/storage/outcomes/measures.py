"""Participants' measures (``outcome_measure_upload``, ``outcome_participant_measure``).

Only uploads not superseded count: storing a programme's period again marks the upload
before ``superseded_by`` the new one (kept, with its rows, for the record).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.outcomes_measures_models import MeasureUpload, ParticipantMeasure

#: columns of a measure row as :func:`current_measures` returns them
MEASURE_FIELDS = ("programme_code", "period_code", "participant_id", "timepoint",
                  "collected_on", "age_band", "sex", "ethnicity", "scores")


def add_upload(session: Session, *, programme: str, period: str, file_name: str,
               received_by: str, receipt: dict[str, Any], rows: Sequence[dict[str, Any]],
               source: str = "upload", return_id: int | None = None) -> MeasureUpload:
    """Store an upload and its accepted rows; earlier uploads of the same programme and
    period are superseded (in the session's transaction). An upload with no row accepted
    is kept for its receipt and supersedes nothing (``superseded_by`` is itself)."""
    upload = MeasureUpload(
        programme_code=programme, period_code=period, file_name=file_name[:200],
        source=source, return_id=return_id, received_at=utc_now(), received_by=received_by,
        rows_read=receipt["rows_read"], rows_accepted=receipt["rows_accepted"],
        rows_quarantined=receipt["rows_quarantined"], receipt=receipt)
    session.add(upload)
    session.flush()
    if not rows:  # nothing accepted: kept for its receipt, never counted
        upload.superseded_by = upload.id
        return upload
    session.execute(update(MeasureUpload).where(
        MeasureUpload.programme_code == programme, MeasureUpload.period_code == period,
        MeasureUpload.id != upload.id, MeasureUpload.superseded_by.is_(None))
        .values(superseded_by=upload.id))
    session.execute(insert(ParticipantMeasure), [
        {**r, "upload_id": upload.id, "programme_code": programme, "period_code": period}
        for r in rows])
    return upload


def timepoints_elsewhere(session: Session, programme: str,
                         period: str) -> dict[tuple[str, str], str]:
    """(participant, timepoint) -> period, for the programme's counted measures of other
    periods (a pre or post may be recorded once per programme)."""
    rows = session.execute(
        select(ParticipantMeasure.participant_id, ParticipantMeasure.timepoint,
               ParticipantMeasure.period_code)
        .join(MeasureUpload, MeasureUpload.id == ParticipantMeasure.upload_id)
        .where(MeasureUpload.programme_code == programme,
               MeasureUpload.period_code != period, MeasureUpload.superseded_by.is_(None)))
    return {(p, t): per for p, t, per in rows}


def current_measures(session: Session,
                     programmes: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
    """Counted measure rows (:data:`MEASURE_FIELDS`), of ``programmes`` or all."""
    stmt = (select(*(getattr(ParticipantMeasure, f) for f in MEASURE_FIELDS))
            .join(MeasureUpload, MeasureUpload.id == ParticipantMeasure.upload_id)
            .where(MeasureUpload.superseded_by.is_(None)))
    if programmes is not None:
        stmt = stmt.where(ParticipantMeasure.programme_code.in_(sorted(set(programmes))))
    return [tuple(r) for r in session.execute(stmt.order_by(ParticipantMeasure.id))]


def data_version(session: Session) -> tuple[int, int]:
    """Changes whenever measures are stored: (uploads, newest upload id)."""
    count, newest = session.execute(
        select(func.count(MeasureUpload.id), func.max(MeasureUpload.id))).one()
    return int(count or 0), int(newest or 0)


def list_uploads(session: Session, programmes: Sequence[str] | None) -> list[MeasureUpload]:
    stmt = select(MeasureUpload)
    if programmes is not None:
        stmt = stmt.where(MeasureUpload.programme_code.in_(sorted(set(programmes))))
    return list(session.scalars(stmt.order_by(MeasureUpload.id.desc())))


def get_upload(session: Session, upload_id: int) -> MeasureUpload | None:
    return session.get(MeasureUpload, upload_id)


def participant_rows(session: Session, programme: str,
                     participant: str) -> list[ParticipantMeasure]:
    """A participant's counted measures (an audited, participant-level read)."""
    return list(session.scalars(
        select(ParticipantMeasure)
        .join(MeasureUpload, MeasureUpload.id == ParticipantMeasure.upload_id)
        .where(ParticipantMeasure.programme_code == programme,
               ParticipantMeasure.participant_id == participant,
               MeasureUpload.superseded_by.is_(None))
        .order_by(ParticipantMeasure.collected_on)))

