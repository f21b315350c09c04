"""Statements written as text for the app database, where SQLAlchemy's expressions would
cost more (the version read on every request) or cannot say it (the locks that serialise
audit appends)."""

from __future__ import annotations

#: the account version, read with a prepared statement on PostgreSQL
ACCOUNT_VERSION = "SELECT version FROM account_version WHERE id = 1"

#: serialises audit appends on PostgreSQL (parameter ``key``)
AUDIT_ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(:key)"

#: a write that touches no row: takes SQLite's write lock before an audit append
AUDIT_SQLITE_WRITE_LOCK = "UPDATE audit_event SET id = id WHERE 0 = 1"
