"""A seal on each audit event: HMAC-SHA256 of its chain hash under a key held outside the
database (the audit key file, ``VRHUB_AUDIT_KEY_FILE``).

The hash chain alone shows a changed row only to someone who does not re-hash the rows
after it; anyone who can write the database can. The seal cannot be recomputed without the
key, so ``vrhub audit verify`` finds a rewritten trail even when every hash fits. Events
written before the key existed have no seal; the first sealed event's hash covers them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ALTER TABLE on both backends (a rebuilt table would lose its triggers)
    op.add_column("audit_event", sa.Column("seal", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_event", "seal")
