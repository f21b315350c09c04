"""Outcomes: participants' standard measures (ONS4, SWEMWBS, SDQ, a programme's own scales)
under pseudonymous ids, i-Statements with the workshops they came from, survey instruments
built from them and survey responses, each upload with its receipt.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
TABLES = ("outcome_measure_upload", "outcome_participant_measure", "outcome_workshop",
          "outcome_istatement", "outcome_survey", "outcome_survey_upload",
          "outcome_survey_response")


def _upload_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("period_code", sa.String(12), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("return_id", sa.Integer, nullable=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("received_by", sa.String(320), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_quarantined", sa.Integer, nullable=False),
        sa.Column("receipt", sa.JSON, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
    ]


def _person_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("collected_on", sa.Date, nullable=False),
        sa.Column("age_band", sa.String(8), nullable=True),
        sa.Column("sex", sa.String(16), nullable=True),
        sa.Column("ethnicity", sa.String(16), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "outcome_measure_upload",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("programme_code", sa.String(32), nullable=False),
        *_upload_columns(),
    )
    op.create_index("ix_outcome_measure_upload_programme_code", "outcome_measure_upload",
                    ["programme_code"])
    op.create_table(
        "outcome_participant_measure",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("upload_id", sa.Integer,
                  sa.ForeignKey("outcome_measure_upload.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("programme_code", sa.String(32), nullable=False),
        sa.Column("period_code", sa.String(12), nullable=False),
        sa.Column("participant_id", sa.String(40), nullable=False),
        sa.Column("timepoint", sa.String(4), nullable=False),
        *_person_columns(),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_outcome_participant_measure_upload_id", "outcome_participant_measure",
                    ["upload_id"])
    op.create_index("ix_outcome_participant_measure_programme", "outcome_participant_measure",
                    ["programme_code", "participant_id"])
    op.create_table(
        "outcome_workshop",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("borough_code", sa.String(9), nullable=False),
        sa.Column("young_people", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
    )
    op.create_table(
        "outcome_istatement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("workshop_code", sa.String(32), nullable=True),
        sa.Column("theme", sa.String(100), nullable=False),
        sa.Column("priority_area", sa.String(24), nullable=False),
        sa.Column("outcome_code", sa.String(24), nullable=True),
        sa.Column("kpi_set", sa.String(64), nullable=True),
        sa.Column("baseline_pct", sa.Float, nullable=True),
        sa.Column("target_pct", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
    )
    op.create_table(
        "outcome_survey",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("statements", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
    )
    op.create_table(
        "outcome_survey_upload",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("survey_code", sa.String(24), nullable=False),
        sa.Column("programme_code", sa.String(32), nullable=False),
        *_upload_columns(),
    )
    op.create_index("ix_outcome_survey_upload_survey_code", "outcome_survey_upload",
                    ["survey_code"])
    op.create_index("ix_outcome_survey_upload_programme_code", "outcome_survey_upload",
                    ["programme_code"])
    op.create_table(
        "outcome_survey_response",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("upload_id", sa.Integer,
                  sa.ForeignKey("outcome_survey_upload.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("survey_code", sa.String(24), nullable=False),
        sa.Column("programme_code", sa.String(32), nullable=False),
        sa.Column("period_code", sa.String(12), nullable=False),
        sa.Column("respondent_id", sa.String(40), nullable=False),
        sa.Column("borough_code", sa.String(9), nullable=True),
        *_person_columns(),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_outcome_survey_response_upload_id", "outcome_survey_response",
                    ["upload_id"])
    if op.get_bind().dialect.name == "postgresql":
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {role}")
        schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
