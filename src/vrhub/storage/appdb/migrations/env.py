"""Alembic environment of the app database (online migrations only)."""

from __future__ import annotations

from alembic import context

# every module that declares tables on Base, so that autogenerate compares them all
from vrhub.storage.appdb import directory_models as _directory  # noqa: F401 - tables
from vrhub.storage.appdb import incident_models as _incidents  # noqa: F401 - tables
from vrhub.storage.appdb import models as _accounts  # noqa: F401 - tables
from vrhub.storage.appdb import outcomes_measures_models as _measures  # noqa: F401 - tables
from vrhub.storage.appdb import outcomes_models as _outcomes  # noqa: F401 - tables
from vrhub.storage.appdb import outcomes_returns_models as _returns  # noqa: F401 - tables
from vrhub.storage.appdb import pathway_models as _pathway  # noqa: F401 - tables
from vrhub.storage.appdb import plan_models as _plans  # noqa: F401 - tables
from vrhub.storage.appdb import sna_models as _sna  # noqa: F401 - tables
from vrhub.storage.appdb.base import Base
from vrhub.storage.appdb.engine import make_engine

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("the app database migrations need sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `vrhub db upgrade`")
run_migrations_online()
