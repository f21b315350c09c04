"""ICB analysts: an account scoped to one or more Integrated Care Boards.

``user_icb`` holds the ICBs (ODS codes) an ICB analyst sees the system of. Like the other
scope tables it raises ``account_version`` when a row changes (migration 0002), so cached
principals are resolved again at the next request, and a row added or taken away ends the
account's sessions (migration 0006).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
BUMP = "UPDATE account_version SET version = version + 1 WHERE id = 1"
SCOPE_CHANGED = "scope changed"


def _end_sqlite(user: str) -> str:
    return ("UPDATE user_session SET ended_at = strftime('%Y-%m-%d %H:%M:%S', 'now'), "
            f"ended_reason = '{SCOPE_CHANGED}' WHERE user_id = {user} AND ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "user_icb",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("icb_code", sa.String(9), primary_key=True),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("INSERT", "DELETE", "UPDATE OF user_id, icb_code"):
            name = f"user_icb_bumps_account_version_{event.split()[0].lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON user_icb BEGIN {BUMP}; END")
        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
            op.execute(f"CREATE TRIGGER user_icb_ends_sessions_{event.lower()} AFTER {event} "
                       f"ON user_icb BEGIN {_end_sqlite(f'{row}.user_id')}; END")
    elif dialect == "postgresql":
        op.execute("CREATE TRIGGER user_icb_bumps_account_version AFTER INSERT OR DELETE OR "
                   "UPDATE OF user_id, icb_code ON user_icb "
                   "FOR EACH STATEMENT EXECUTE FUNCTION vrhub_bump_account_version()")
        op.execute("CREATE TRIGGER user_icb_ends_sessions AFTER INSERT OR DELETE ON user_icb "
                   f"FOR EACH ROW EXECUTE FUNCTION vrhub_end_sessions('{SCOPE_CHANGED}')")
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON user_icb TO {role}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS user_icb_ends_sessions ON user_icb")
        op.execute("DROP TRIGGER IF EXISTS user_icb_bumps_account_version ON user_icb")
    else:
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS user_icb_ends_sessions_{event}")
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS user_icb_bumps_account_version_{event}")
    op.drop_table("user_icb")
