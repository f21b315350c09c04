"""The referral pathway: teams and their members, referrals (identity sealed), needs and
support offered, consent records, information-sharing decisions, safeguarding flags, the
timeline, contacts, support plan items, onward referrals to the directory and outcomes.
On PostgreSQL the app role gets ordinary rights on every pathway table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    "pathway_team",
    "pathway_team_member",
    "referral",
    "referral_consent",
    "referral_contact",
    "referral_event",
    "referral_need",
    "referral_onward",
    "referral_outcome",
    "referral_plan_item",
    "referral_safeguarding",
    "referral_sharing",
)


def upgrade() -> None:
    op.create_table(
        "pathway_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("organisation_code", sa.String(length=64), nullable=False),
        sa.Column("borough_code", sa.String(length=9), nullable=True),
        sa.Column("ed_site_code", sa.String(length=9), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pathway_team"),
        sa.UniqueConstraint("name", name="uq_pathway_team_name"),
    )
    op.create_table(
        "pathway_team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["pathway_team.id"],
            name="fk_pathway_team_member_team_id_pathway_team",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name="fk_pathway_team_member_user_id_app_user",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_pathway_team_member"),
    )
    op.create_table(
        "referral",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("referrer_kind", sa.String(length=32), nullable=False),
        sa.Column("referrer_sealed", sa.Text(), nullable=True),
        sa.Column("reachable_moment", sa.String(length=32), nullable=False),
        sa.Column("moment_at", sa.DateTime(), nullable=False),
        sa.Column("ed_site_code", sa.String(length=9), nullable=True),
        sa.Column("borough_code", sa.String(length=9), nullable=True),
        sa.Column("age_at_referral", sa.Integer(), nullable=True),
        sa.Column("identity_sealed", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("response_due_at", sa.DateTime(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("first_contact_at", sa.DateTime(), nullable=True),
        sa.Column("first_contact_mode", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name="fk_referral_created_by_app_user"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["pathway_team.id"], name="fk_referral_team_id_pathway_team"
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["app_user.id"], name="fk_referral_worker_id_app_user"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral"),
        sa.UniqueConstraint("reference", name="uq_referral_reference"),
    )
    op.create_index("ix_referral_received_at", "referral", ["received_at"], unique=False)
    op.create_index("ix_referral_status", "referral", ["status"], unique=False)
    op.create_index("ix_referral_team_id", "referral", ["team_id"], unique=False)
    op.create_index("ix_referral_worker_id", "referral", ["worker_id"], unique=False)

    op.create_table(
        "referral_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("given_by", sa.String(length=24), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawal_sealed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_consent_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_consent"),
    )
    op.create_index(
        "ix_referral_consent_referral_id", "referral_consent", ["referral_id"], unique=False
    )

    op.create_table(
        "referral_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note_sealed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_contact_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_contact"),
    )
    op.create_index(
        "ix_referral_contact_referral_id", "referral_contact", ["referral_id"], unique=False
    )

    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_event_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_event"),
    )
    op.create_index(
        "ix_referral_event_referral_id", "referral_event", ["referral_id"], unique=False
    )

    op.create_table(
        "referral_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_need_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_need"),
    )
    op.create_index("ix_referral_need_referral_id", "referral_need", ["referral_id"], unique=False)

    op.create_table(
        "referral_onward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("service_name", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_onward_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_onward"),
    )
    op.create_index(
        "ix_referral_onward_referral_id", "referral_onward", ["referral_id"], unique=False
    )
    op.create_index(
        "ix_referral_onward_service_id", "referral_onward", ["service_id"], unique=False
    )

    op.create_table(
        "referral_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=24), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_outcome_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_outcome"),
    )
    op.create_index(
        "ix_referral_outcome_referral_id", "referral_outcome", ["referral_id"], unique=False
    )

    op.create_table(
        "referral_plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("support_code", sa.String(length=40), nullable=True),
        sa.Column("goal_sealed", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_plan_item_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_plan_item"),
    )
    op.create_index(
        "ix_referral_plan_item_referral_id", "referral_plan_item", ["referral_id"], unique=False
    )

    op.create_table(
        "referral_safeguarding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.Column("escalated_to", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("note_sealed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_safeguarding_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_safeguarding"),
    )
    op.create_index(
        "ix_referral_safeguarding_referral_id",
        "referral_safeguarding",
        ["referral_id"],
        unique=False,
    )

    op.create_table(
        "referral_sharing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("with_whom", sa.String(length=300), nullable=False),
        sa.Column("lawful_basis", sa.String(length=24), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("without_consent", sa.Boolean(), nullable=False),
        sa.Column("safeguarding", sa.Boolean(), nullable=False),
        sa.Column("rationale_sealed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name="fk_referral_sharing_referral_id_referral",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referral_sharing"),
    )
    op.create_index(
        "ix_referral_sharing_referral_id", "referral_sharing", ["referral_id"], unique=False
    )

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
