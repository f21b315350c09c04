"""i-Statements, the workshops they came from, survey instruments and survey responses
(``outcome_workshop``, ``outcome_istatement``, ``outcome_survey``,
``outcome_survey_upload``, ``outcome_survey_response``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from vrhub.errors import Conflict
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.outcomes_measures_models import (
    IStatement,
    Survey,
    SurveyResponse,
    SurveyUpload,
    Workshop,
)

RESPONSE_FIELDS = ("survey_code", "programme_code", "period_code", "borough_code",
                   "age_band", "sex", "ethnicity", "answers")


def _taken(session: Session, model: Any, code: str, what: str) -> None:
    if session.scalar(select(model.id).where(model.code == code)) is not None:
        raise Conflict(f"there is already {what} {code!r}",
                       hint="give it another code (codes are never reused)")


def add_workshop(session: Session, values: dict[str, Any], *, created_by: str) -> Workshop:
    _taken(session, Workshop, values["code"], "a workshop")
    row = Workshop(**values, created_at=utc_now(), created_by=created_by)
    session.add(row)
    session.flush()
    return row


def add_statement(session: Session, values: dict[str, Any], *,
                  created_by: str) -> IStatement:
    _taken(session, IStatement, values["code"], "an i-Statement")
    row = IStatement(**values, created_at=utc_now(), created_by=created_by)
    session.add(row)
    session.flush()
    return row


def add_survey(session: Session, values: dict[str, Any], *, created_by: str) -> Survey:
    _taken(session, Survey, values["code"], "a survey")
    row = Survey(**values, created_at=utc_now(), created_by=created_by)
    session.add(row)
    session.flush()
    return row


def workshops(session: Session) -> list[Workshop]:
    return list(session.scalars(select(Workshop).order_by(Workshop.held_on, Workshop.code)))


def statements(session: Session) -> list[IStatement]:
    return list(session.scalars(select(IStatement).order_by(IStatement.code)))


def surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.code)))


def get_survey(session: Session, code: str) -> Survey | None:
    return session.scalar(select(Survey).where(Survey.code == code))


def codes_of(session: Session, model: Any) -> set[str]:
    return set(session.scalars(select(model.code)))


def add_upload(session: Session, *, survey: str, programme: str, period: str,
               file_name: str, received_by: str, receipt: dict[str, Any],
               rows: Sequence[dict[str, Any]]) -> SurveyUpload:
    """Store responses; earlier uploads of the programme's survey for the period are
    superseded. With no row accepted the upload is kept for its receipt only."""
    upload = SurveyUpload(
        survey_code=survey, programme_code=programme, period_code=period,
        file_name=file_name[:200], source="upload", received_at=utc_now(),
        received_by=received_by, rows_read=receipt["rows_read"],
        rows_accepted=receipt["rows_accepted"], rows_quarantined=receipt["rows_quarantined"],
        receipt=receipt)
    session.add(upload)
    session.flush()
    if not rows:
        upload.superseded_by = upload.id
        return upload
    session.execute(update(SurveyUpload).where(
        SurveyUpload.programme_code == programme, SurveyUpload.survey_code == survey,
        SurveyUpload.period_code == period, SurveyUpload.id != upload.id,
        SurveyUpload.superseded_by.is_(None)).values(superseded_by=upload.id))
    session.execute(insert(SurveyResponse), [
        {**r, "upload_id": upload.id, "survey_code": survey, "programme_code": programme,
         "period_code": period} for r in rows])
    return upload


def current_responses(session: Session) -> list[tuple[Any, ...]]:
    """Counted responses (:data:`RESPONSE_FIELDS`)."""
    stmt = (select(*(getattr(SurveyResponse, f) for f in RESPONSE_FIELDS))
            .join(SurveyUpload, SurveyUpload.id == SurveyResponse.upload_id)
            .where(SurveyUpload.superseded_by.is_(None)).order_by(SurveyResponse.id))
    return [tuple(r) for r in session.execute(stmt)]


def data_version(session: Session) -> tuple[int, int, int]:
    """Changes whenever responses or statements are stored."""
    count, newest = session.execute(
        select(func.count(SurveyUpload.id), func.max(SurveyUpload.id))).one()
    statements_newest = session.scalar(select(func.max(IStatement.id)))
    return int(count or 0), int(newest or 0), int(statements_newest or 0)


def list_uploads(session: Session, programmes: Sequence[str] | None) -> list[SurveyUpload]:
    stmt = select(SurveyUpload)
    if programmes is not None:
        stmt = stmt.where(SurveyUpload.programme_code.in_(sorted(set(programmes))))
    return list(session.scalars(stmt.order_by(SurveyUpload.id.desc())))
