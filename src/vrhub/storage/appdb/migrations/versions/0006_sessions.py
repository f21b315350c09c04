"""Browser sessions held in the database, so that they can end.

A signed cookie alone cannot be withdrawn: it stays valid until it expires. Each sign-in
now writes a ``user_session`` row (only the SHA-256 of the random key the cookie carries),
and a request is signed in only while its row is live. Signing out ends the row; so do
triggers on both backends whenever the account's password, disabled flag, role,
organisation or e-mail changes, or a borough, ED site or programme is added to or taken
from it, whichever process made the change (the web app, another worker or ``vrhub
users`` at the console). Ending a session raises ``account_version`` (migration 0002), so
the web app's cached principals see it at the next request.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
BUMP = "UPDATE account_version SET version = version + 1 WHERE id = 1"

#: app_user column -> the reason its change gives for ending the account's sessions
ACCOUNT_CHANGES = {
    "password_changed_at": "password changed",
    "disabled": "account disabled or enabled",
    "role": "role changed",
    "organisation_id": "organisation changed",
    "email": "e-mail changed",
}
#: scope tables: a row added or taken away ends the account's sessions
SCOPE_TABLES = ("user_borough", "user_site", "user_programme")
SCOPE_CHANGED = "scope changed"


def _end_sqlite(user: str, reason: str) -> str:
    return ("UPDATE user_session SET ended_at = strftime('%Y-%m-%d %H:%M:%S', 'now'), "
            f"ended_reason = '{reason}' WHERE user_id = {user} AND ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("client", sa.String(100), nullable=True),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.Column("ended_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("DELETE", "UPDATE OF ended_at"):
            name = f"user_session_bumps_account_version_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON user_session "
                       f"BEGIN {BUMP}; END")
        for column, reason in ACCOUNT_CHANGES.items():
            op.execute(
                f"CREATE TRIGGER app_user_ends_sessions_{column} AFTER UPDATE OF {column} "
                f"ON app_user WHEN OLD.{column} IS NOT NEW.{column} "
                f"BEGIN {_end_sqlite('NEW.id', reason)}; END")
        for table in SCOPE_TABLES:
            for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER {table}_ends_sessions_{event.lower()} AFTER {event} "
                    f"ON {table} BEGIN {_end_sqlite(f'{row}.user_id', SCOPE_CHANGED)}; END")
    elif dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION vrhub_end_sessions() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                account integer;
            BEGIN
                IF TG_TABLE_NAME = 'app_user' THEN
                    account := NEW.id;
                ELSIF TG_OP = 'DELETE' THEN
                    account := OLD.user_id;
                ELSE
                    account := NEW.user_id;
                END IF;
                UPDATE user_session
                   SET ended_at = (now() AT TIME ZONE 'utc'), ended_reason = TG_ARGV[0]
                 WHERE user_id = account AND ended_at IS NULL;
                RETURN NULL;
            END
            $$
            """
        )
        op.execute("CREATE TRIGGER user_session_bumps_account_version AFTER DELETE OR "
                   "UPDATE OF ended_at ON user_session "
                   "FOR EACH STATEMENT EXECUTE FUNCTION vrhub_bump_account_version()")
        for column, reason in ACCOUNT_CHANGES.items():
            op.execute(
                f"CREATE TRIGGER app_user_ends_sessions_{column} AFTER UPDATE OF {column} "
                f"ON app_user FOR EACH ROW "
                f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) "
                f"EXECUTE FUNCTION vrhub_end_sessions('{reason}')")
        for table in SCOPE_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_ends_sessions AFTER INSERT OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION vrhub_end_sessions('{SCOPE_CHANGED}')")
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON user_session TO {role}")
        schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for column in ACCOUNT_CHANGES:
            op.execute(f"DROP TRIGGER IF EXISTS app_user_ends_sessions_{column} ON app_user")
        for table in SCOPE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_ends_sessions ON {table}")
        op.execute("DROP TRIGGER IF EXISTS user_session_bumps_account_version "
                   "ON user_session")
        op.execute("DROP FUNCTION IF EXISTS vrhub_end_sessions()")
    else:
        for column in ACCOUNT_CHANGES:
            op.execute(f"DROP TRIGGER IF EXISTS app_user_ends_sessions_{column}")
        for table in SCOPE_TABLES:
            for event in ("insert", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_ends_sessions_{event}")
        for event in ("delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS user_session_bumps_account_version_{event}")
    op.drop_index("ix_user_session_user_id", "user_session")
    op.drop_table("user_session")
