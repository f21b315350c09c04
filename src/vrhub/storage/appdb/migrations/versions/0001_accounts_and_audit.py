"""Accounts, organisations, API tokens and the append-only audit trail.

On PostgreSQL this also creates the app role (``vrhub_app`` unless configured) with
ordinary rights on the account tables but only SELECT and INSERT on ``audit_event``, and
triggers that refuse UPDATE, DELETE and TRUNCATE of audit rows for every role. SQLite
gets equivalent triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACCOUNT_TABLES = ("organisation", "app_user", "user_borough", "user_site", "api_token")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id"),
                  nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("oidc_issuer", sa.String(500), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime, nullable=True),
        sa.Column("password_changed_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_app_user_oidc"),
    )
    op.create_table(
        "user_borough",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("borough_code", sa.String(9), primary_key=True),
    )
    op.create_table(
        "user_site",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("site_code", sa.String(9), primary_key=True),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_email", sa.String(320), nullable=False),
        sa.Column("actor_role", sa.String(32), nullable=False),
        sa.Column("actor_organisation", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("client", sa.String(100), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(200), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
    op.create_index("ix_audit_event_occurred_at", "audit_event", ["occurred_at"])
    op.create_index("ix_audit_event_actor_email", "audit_event", ["actor_email"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_append_only()
    elif dialect == "postgresql":
        _postgres_append_only()
        _postgres_app_role(context.config.attributes.get("app_role", "vrhub_app"))


def _sqlite_append_only() -> None:
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} "
            "ON audit_event BEGIN "
            f"SELECT RAISE(ABORT, 'audit_event is append-only: {operation} refused'); END"
        )


def _postgres_append_only() -> None:
    op.execute(
        """
        CREATE FUNCTION vrhub_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION vrhub_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION vrhub_audit_append_only()"
    )


def _postgres_app_role(role: str) -> None:
    if not _ROLE_NAME.fullmatch(role):
        raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
    # Roles are cluster-wide: create it once, tolerate a concurrent creator.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA {_schema()} TO {role}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(ACCOUNT_TABLES)} TO {role}"
    )
    op.execute(f"REVOKE ALL ON audit_event FROM {role}, PUBLIC")
    op.execute(f"GRANT SELECT, INSERT ON audit_event TO {role}")
    op.execute(f"GRANT SELECT ON alembic_version TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_schema()} TO {role}")


def _schema() -> str:
    name = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    return f'"{name}"'


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TABLE audit_event")
        op.execute("DROP FUNCTION IF EXISTS vrhub_audit_append_only()")
    else:
        op.drop_table("audit_event")
    for table in reversed(ACCOUNT_TABLES):
        op.drop_table(table)
