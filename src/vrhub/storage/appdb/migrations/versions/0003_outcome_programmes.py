"""Outcomes: reference documents (framework, YEF Toolkit strands), funded programmes with
their priority areas, boroughs and wards, the programmes a programme lead covers, and the
evidence library.

A programme lead's programmes shape what they may do, so ``user_programme`` raises the
accounts' version number like the other scope tables (migration 0002).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
TABLES = ("outcome_reference", "outcome_programme", "outcome_programme_area",
          "outcome_programme_borough", "outcome_programme_ward", "user_programme",
          "outcome_evidence")
BUMP = "UPDATE account_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "outcome_reference",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("loaded_at", sa.DateTime, nullable=False),
        sa.Column("loaded_by", sa.String(320), nullable=False),
        sa.UniqueConstraint("kind", "version", name="uq_outcome_reference_version"),
    )
    op.create_index("ix_outcome_reference_kind", "outcome_reference", ["kind"])
    op.create_table(
        "outcome_programme",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("funding_stream", sa.String(16), nullable=False),
        sa.Column("budget", sa.Numeric(14, 2), nullable=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("period_type", sa.String(8), nullable=False),
        sa.Column("cohort_min_age", sa.Integer, nullable=False),
        sa.Column("cohort_max_age", sa.Integer, nullable=False),
        sa.Column("cohort_size", sa.Integer, nullable=True),
        sa.Column("cohort_sexes", sa.JSON, nullable=False),
        sa.Column("cohort_ethnicities", sa.JSON, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("yef_strand", sa.String(64), nullable=True),
        sa.Column("measures", sa.JSON, nullable=False),
        sa.Column("scales", sa.JSON, nullable=False),
        sa.Column("survey_code", sa.String(24), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    for table, column, length in (("outcome_programme_area", "area_code", 24),
                                  ("outcome_programme_borough", "borough_code", 9),
                                  ("outcome_programme_ward", "ward_code", 9)):
        op.create_table(
            table,
            sa.Column("programme_id", sa.Integer,
                      sa.ForeignKey("outcome_programme.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column(column, sa.String(length), primary_key=True),
        )
    op.create_index("ix_outcome_programme_borough_borough_code", "outcome_programme_borough",
                    ["borough_code"])
    op.create_table(
        "user_programme",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("programme_code", sa.String(32),
                  sa.ForeignKey("outcome_programme.code", ondelete="CASCADE"),
                  primary_key=True),
    )
    op.create_table(
        "outcome_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("priority_areas", sa.JSON, nullable=False),
        sa.Column("target_groups", sa.JSON, nullable=False),
        sa.Column("timing", sa.JSON, nullable=False),
        sa.Column("intervention_types", sa.JSON, nullable=False),
        sa.Column("yef_strand", sa.String(64), nullable=True),
        sa.Column("programmes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("INSERT", "DELETE", "UPDATE OF user_id, programme_code"):
            name = f"user_programme_bumps_account_version_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON user_programme "
                       f"BEGIN {BUMP}; END")
    elif dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER user_programme_bumps_account_version AFTER INSERT OR DELETE OR "
            "UPDATE OF user_id, programme_code ON user_programme "
            "FOR EACH STATEMENT EXECUTE FUNCTION vrhub_bump_account_version()")
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {role}")
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {role}")


def _schema() -> str:
    name = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    return f'"{name}"'


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS user_programme_bumps_account_version "
                   "ON user_programme")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS user_programme_bumps_account_version_{event}")
    for table in reversed(TABLES):
        op.drop_table(table)
