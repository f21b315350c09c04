"""Outcomes: programme returns (every version kept, with its receipt), their figures, the
steps of their approval workflow, and indicator results computed from the warehouse.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
TABLES = ("outcome_return", "outcome_return_value", "outcome_return_event",
          "outcome_indicator_result")


def _child(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_pk", sa.Integer,
                  sa.ForeignKey("outcome_return.id", ondelete="CASCADE"), nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_return_pk", name, ["return_pk"])


def upgrade() -> None:
    op.create_table(
        "outcome_return",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.String(24), nullable=False, unique=True),
        sa.Column("programme_code", sa.String(32),
                  sa.ForeignKey("outcome_programme.code", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("period", sa.String(12), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_quarantined", sa.Integer, nullable=False),
        sa.Column("framework_version", sa.String(64), nullable=False),
        sa.Column("receipt", sa.JSON, nullable=False),
        sa.Column("submitted_by", sa.String(320), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("programme_code", "period", "version",
                            name="uq_outcome_return_version"),
    )
    op.create_index("ix_outcome_return_programme_period", "outcome_return",
                    ["programme_code", "period"])
    op.create_index("ix_outcome_return_status", "outcome_return", ["status"])
    _child("outcome_return_value",
           sa.Column("row_number", sa.Integer, nullable=False),
           sa.Column("data_element", sa.String(40), nullable=False),
           sa.Column("breakdown", sa.String(16), nullable=False),
           sa.Column("category", sa.String(24), nullable=False),
           sa.Column("value", sa.Float, nullable=True),
           sa.Column("comment", sa.Text, nullable=False))
    _child("outcome_return_event",
           sa.Column("at", sa.DateTime, nullable=False),
           sa.Column("actor", sa.String(320), nullable=False),
           sa.Column("action", sa.String(24), nullable=False),
           sa.Column("from_status", sa.String(20), nullable=False),
           sa.Column("to_status", sa.String(20), nullable=False),
           sa.Column("note", sa.Text, nullable=False))
    op.create_table(
        "outcome_indicator_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("period", sa.String(12), nullable=False),
        sa.Column("area_level", sa.String(16), nullable=False),
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("numerator", sa.Float, nullable=True),
        sa.Column("denominator", sa.Float, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("target", sa.Float, nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("framework_version", sa.String(64), nullable=False),
        sa.Column("indicator_version", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
        sa.Column("notes", sa.JSON, nullable=False),
        sa.UniqueConstraint("indicator_code", "period", "area_level", "area_code",
                            name="uq_outcome_indicator_result_key"),
    )
    op.create_index("ix_outcome_indicator_result_indicator_code", "outcome_indicator_result",
                    ["indicator_code"])
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
