"""A version number for the accounts, raised by the database on every change that can
alter what a signed-in user or an API token may do.

The web app keeps each resolved principal in memory and asks for this one number on each
request; when anything that shapes a principal changes (an account's email, role,
organisation, boroughs, sites or disabled flag; a token's scopes, expiry or revocation),
triggers on both backends raise the number in the same transaction, so the change takes
effect at the next request, whichever process made it (the web app, another worker or
``vrhub users`` at the console). Bookkeeping writes (last sign-in, failed attempts, a
token's last use) leave it alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# table -> the columns whose change can alter a principal (None: any insert or delete)
WATCHED: dict[str, tuple[str, ...]] = {
    "organisation": ("code",),
    "app_user": ("email", "role", "organisation_id", "disabled", "display_name"),
    "user_borough": ("user_id", "borough_code"),
    "user_site": ("user_id", "site_code"),
    "api_token": ("user_id", "prefix", "token_hash", "scopes", "expires_at", "revoked_at"),
}
BUMP = "UPDATE account_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "account_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO account_version (id, version) VALUES (1, 1)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, columns in WATCHED.items():
            for event in ("INSERT", "DELETE", f"UPDATE OF {', '.join(columns)}"):
                name = f"{table}_bumps_account_version_{event.split()[0].lower()}"
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                           f"BEGIN {BUMP}; END")
    elif dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION vrhub_bump_account_version() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                {BUMP};
                RETURN NULL;
            END
            $$
            """
        )
        for table, columns in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER {table}_bumps_account_version AFTER INSERT OR DELETE OR "
                f"UPDATE OF {', '.join(columns)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vrhub_bump_account_version()"
            )
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, UPDATE ON account_version TO {role}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_account_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS vrhub_bump_account_version()")
    else:
        for table in WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_account_version_{event}")
    op.drop_table("account_version")
