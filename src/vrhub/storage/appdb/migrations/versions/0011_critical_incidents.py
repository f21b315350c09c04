"""Critical incidents: the incident, its partner checklist, timeline, Critical Incidents
Fund applications, subscriptions and in-app notices.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_USER = "app_user.id"
_INCIDENT = "incident.id"


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("occurred_at", sa.DateTime, nullable=False, index=True),
        sa.Column("logged_at", sa.DateTime, nullable=False),
        sa.Column("logged_by", sa.Integer, sa.ForeignKey(_USER), nullable=True),
        sa.Column("incident_type", sa.String(16), nullable=False),
        sa.Column("victim_age_band", sa.String(16), nullable=False),
        sa.Column("location_source", sa.String(16), nullable=False),
        sa.Column("location_text", sa.String(200), nullable=True),
        sa.Column("easting", sa.Float, nullable=False),
        sa.Column("northing", sa.Float, nullable=False),
        sa.Column("borough_code", sa.String(9), nullable=False, index=True),
        sa.Column("ward_code", sa.String(9), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("checklist_version", sa.String(32), nullable=False),
        sa.Column("zone", sa.JSON, nullable=False),
        sa.Column("review_text", sa.Text, nullable=True),
        sa.Column("reviewed_at", sa.DateTime, nullable=True),
        sa.Column("closed_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "incident_action",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.String(36),
                  sa.ForeignKey(_INCIDENT, ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.String(36),
                  sa.ForeignKey(_INCIDENT, ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("by_user", sa.Integer, sa.ForeignKey(_USER), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
    )
    op.create_table(
        "incident_fund_application",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.String(36),
                  sa.ForeignKey(_INCIDENT, ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("applicant", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(1000), nullable=False),
        sa.Column("amount_requested", sa.Integer, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("amount_approved", sa.Integer, nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey(_USER), nullable=True),
        sa.Column("amount_spent", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(1000), nullable=True),
    )
    op.create_table(
        "incident_subscription",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey(_USER, ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("borough_code", sa.String(9), nullable=True),
        sa.Column("email", sa.Boolean, nullable=False),
    )
    op.create_table(
        "incident_notice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey(_USER, ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("incident_id", sa.String(36),
                  sa.ForeignKey(_INCIDENT, ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("emailed", sa.String(16), nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    for table in ("incident_notice", "incident_subscription", "incident_fund_application",
                  "incident_event", "incident_action", "incident"):
        op.drop_table(table)
