"""Engines and sessions for the app database.

SQLite (a file in the workspace) is the embedded default; PostgreSQL is for production.
Engines are built from a URL when asked for, never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from vrhub.errors import ConfigError


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite files get their folder created, foreign keys switched
    on, a write-ahead log and a busy timeout, so that several processes (web workers, the
    CLI) can share one workspace."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"VRHUB_DATABASE_URL {url!r} is not a database URL",
            hint="use sqlite:///path/to/app.db or postgresql+psycopg://user@host/dbname",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA busy_timeout = 10000")
            if parsed.database and parsed.database != ":memory:":
                # Write-ahead log: readers never block the writer; NORMAL sync is durable
                # across application crashes and keeps the file consistent on power loss.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"VRHUB_DATABASE_URL uses {parsed.get_backend_name()!r}; the app database runs on "
            "SQLite or PostgreSQL",
            hint="use sqlite:///path/to/app.db or postgresql+psycopg://user@host/dbname",
        )
    # enough connections for the web app's worker threads without queueing for one
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 30,
                               # an unreachable server is reported, not waited on for minutes
                               "connect_args": {"connect_timeout": 10}}
    return create_engine(parsed, **(options | kwargs))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
