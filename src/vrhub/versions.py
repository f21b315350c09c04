"""The versions ``vrhub --version`` reports: the package, and the two schema versions it
ships (the app database's newest Alembic revision, the warehouse's newest migration).

Read from the migration files' names and headers, without importing Alembic, SQLAlchemy or
DuckDB, so that ``--version`` stays instant.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
APP_MIGRATIONS = PACKAGE / "storage" / "appdb" / "migrations" / "versions"
_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def app_database_head(folder: Path = APP_MIGRATIONS) -> str | None:
    """The revision no other revision builds on (the newest)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if not found:
            continue
        revisions.add(found[1])
        down = _DOWN.search(text)
        if down and down[1]:
            parents.add(down[1])
    heads = sorted(revisions - parents)
    return heads[0] if len(heads) == 1 else (", ".join(heads) or None)


WAREHOUSE_MIGRATIONS = PACKAGE / "storage" / "warehouse_migrations"
WAREHOUSE_MODULE = re.compile(r"m(\d{4})_(\w+)\.py")


def warehouse_head(folder: Path = WAREHOUSE_MIGRATIONS) -> int:
    """The newest warehouse schema version: the largest ``mNNNN_*.py`` migration."""
    versions = [int(m[1]) for p in folder.iterdir()
                if (m := WAREHOUSE_MODULE.fullmatch(p.name))]
    return max(versions, default=0)


def version_line() -> str:
    from vrhub import __version__

    return (f"vrhub {__version__} (app database schema {app_database_head()}, "
            f"warehouse schema {warehouse_head()})")
