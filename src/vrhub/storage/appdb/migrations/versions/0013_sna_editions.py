"""Serious Violence Duty needs assessments: each edition of an area's assessment, and its
files (HTML, PDF, XLSX).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sna_edition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("area_code", sa.String(9), nullable=False, index=True),
        sa.Column("area_name", sa.String(100), nullable=False),
        sa.Column("edition", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("period_from", sa.String(10), nullable=False),
        sa.Column("period_to", sa.String(10), nullable=False),
        sa.Column("definition_version", sa.String(32), nullable=False),
        sa.Column("built_at", sa.DateTime, nullable=False),
        sa.Column("built_by", sa.Integer, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("builder", sa.String(320), nullable=False),
        sa.Column("recommendations", sa.Text, nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.UniqueConstraint("area_code", "edition", "version", name="uq_sna_edition_version"),
    )
    op.create_table(
        "sna_edition_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("edition_id", sa.Integer,
                  sa.ForeignKey("sna_edition.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("format", sa.String(4), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("edition_id", "format", name="uq_sna_edition_file"),
    )


def downgrade() -> None:
    op.drop_table("sna_edition_file")
    op.drop_table("sna_edition")
