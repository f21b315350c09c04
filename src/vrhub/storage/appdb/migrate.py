"""Run the app database's Alembic migrations from code (``vrhub db upgrade``).

The migration scripts ship inside the package (``migrations/``), so an installed vrhub
can create or upgrade its own database without an ``alembic.ini``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from vrhub.storage.appdb.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_APP_ROLE = "vrhub_app"


def alembic_config(url: str, *, app_role: str = DEFAULT_APP_ROLE) -> Config:
    """An Alembic configuration for ``url``; ``app_role`` is the PostgreSQL role that the
    migrations grant the app's privileges to."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["app_role"] = app_role
    return config


def upgrade(url: str, *, app_role: str = DEFAULT_APP_ROLE, revision: str = "head") -> str | None:
    """Upgrade the database at ``url`` to ``revision``; returns the revision reached."""
    command.upgrade(alembic_config(url, app_role=app_role), revision)
    return current(url)


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at (None for an empty database)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def current_on(engine: Engine) -> str | None:
    """The revision of the database behind an open ``engine``."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@functools.cache
def head() -> str | None:
    """The newest revision shipped with this version of vrhub."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def known(revision: str | None) -> bool:
    """Whether ``revision`` is one this version of vrhub ships (None: an empty database)."""
    if revision is None:
        return True
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return any(r.revision == revision for r in script.walk_revisions())
