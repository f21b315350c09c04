"""Borough plan assessments: an assessment per borough and plan year, and its scores.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_assessment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("borough_code", sa.String(9), nullable=False, index=True),
        sa.Column("plan_year", sa.String(7), nullable=False),
        sa.Column("rubric_version", sa.String(32), nullable=False),
        sa.Column("assessed_by", sa.Integer, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("assessed_at", sa.DateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=True),
        sa.UniqueConstraint("borough_code", "plan_year", name="uq_plan_assessment_year"),
    )
    op.create_table(
        "plan_score",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.Integer,
                  sa.ForeignKey("plan_assessment.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("criterion", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("evidence", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("plan_score")
    op.drop_table("plan_assessment")
