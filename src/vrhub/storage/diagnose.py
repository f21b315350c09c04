"""What a database failure means for the operator, in one line: the cause and the fix.

The drivers' own exceptions (psycopg through SQLAlchemy, sqlite3, DuckDB, the file system)
say what failed in their words; :func:`explain` turns the ones an operator can cause and
fix (a database that cannot be reached, a login refused, a privilege missing, a file
another process holds, a schema written by a newer vrhub) into an
:class:`~vrhub.errors.OperationalError`. The CLI prints it instead of "internal error", the
web app logs it and answers 503. Anything not recognised stays a bug.

Only the driver modules already loaded are consulted: an exception cannot come from a
module that was never imported.
"""

from __future__ import annotations

import errno
import re
import sys
from urllib.parse import urlsplit

from vrhub.errors import OperationalError

#: the account each kind of command needs, quoted in privilege errors
OWNER_COMMANDS = "`vrhub db upgrade`, `vrhub backup restore`"


def explain(exc: BaseException, *, database_url: str | None = None) -> OperationalError | None:
    """An :class:`OperationalError` for ``exc`` (or one of the exceptions it was raised
    from), or None when ``exc`` is not an operational failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _explain_one(current, database_url)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _explain_one(exc: BaseException, url: str | None) -> OperationalError | None:
    if isinstance(exc, OperationalError):
        return exc
    for explainer in (_sqlalchemy, _duckdb, _alembic, _filesystem):
        found = explainer(exc, url)
        if found is not None:
            return found
    return None


# -- the app database ---------------------------------------------------------------------
#: PostgreSQL's "the database system is starting up" (or shutting down)
STARTING_UP = "57P03"
UNREACHABLE = "cannot reach the app database"


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` means the app database server did not answer yet: a refused or
    timed-out connection, a server still starting. Worth waiting for, unlike a refused
    login or a missing database (which :func:`explain` tells apart first)."""
    found = explain(exc)
    return found is not None and found.message.startswith(UNREACHABLE)


def _sqlalchemy(exc: BaseException, url: str | None) -> OperationalError | None:
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    text = _first_line(str(orig))
    state = getattr(orig, "sqlstate", None)
    where = describe_url(url)
    if type(orig).__module__.startswith("sqlite3"):
        return _sqlite(text, where)
    if state == "42501" or "permission denied" in text.lower():
        return OperationalError(
            f"the database account {_user(url)} lacks a privilege on the app database "
            f"({text})",
            hint=f"run administrative commands ({OWNER_COMMANDS}) as the database owner and "
            "the web app as the login in the app role; `vrhub COMMAND --help` names the "
            "account each command needs",
        )
    refused_login = ("authentication failed", "no pg_hba.conf entry", "role \"")
    if state in ("28P01", "28000") or any(t in text for t in refused_login):
        return OperationalError(
            f"PostgreSQL refused the login to the app database {where} ({_server_said(text)})",
            hint="check the user name and password in VRHUB_DATABASE_URL, and that the role "
            "exists and may log in",
        )
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return OperationalError(
            f"the app database {where} does not exist ({_server_said(text)})",
            hint="create it as the deployment guide shows (CREATE DATABASE ... OWNER ...), "
            "or correct VRHUB_DATABASE_URL",
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) and (
            state is None or state.startswith("08") or state == STARTING_UP):
        return OperationalError(
            f"{UNREACHABLE} {where} ({_server_said(text)})",
            hint="check that PostgreSQL is running and reachable from this host, and that "
            "VRHUB_DATABASE_URL names the right host, port and database",
        )
    if state == "42P01" or "undefined table" in text.lower() or "no such table" in text:
        return OperationalError(
            f"the app database {where} has no vrhub tables ({text})",
            hint="run `vrhub db upgrade` as the database owner",
        )
    return None


def _sqlite(text: str, where: str) -> OperationalError | None:
    lowered = text.lower()
    if "readonly database" in lowered or "read-only" in lowered:
        return OperationalError(
            f"the app database {where} cannot be written by this user ({text})",
            hint="run vrhub as the user that owns the workspace",
        )
    if "unable to open database" in lowered:
        return OperationalError(
            f"cannot open the app database {where} ({text})",
            hint="check that the workspace folder exists and belongs to the user running "
            "vrhub, or correct VRHUB_DATABASE_URL",
        )
    if "database is locked" in lowered:
        return OperationalError(
            f"the app database {where} is locked by another process ({text})",
            hint="wait for the other vrhub command to finish and run this again",
        )
    if "no such table" in lowered:
        return OperationalError(
            f"the app database {where} has no vrhub tables ({text})",
            hint="run `vrhub db upgrade`",
        )
    return None


def _alembic(exc: BaseException, url: str | None) -> OperationalError | None:
    util = sys.modules.get("alembic.util.exc")
    if util is None or not isinstance(exc, util.CommandError):
        return None
    match = re.search(r"Can't locate revision identified by '([^']+)'", str(exc))
    if match is None:
        return None
    return OperationalError(
        f"the app database {describe_url(url)} is at schema revision {match[1]}, which this "
        "version of vrhub does not know: a newer vrhub upgraded it",
        hint="install that newer version of vrhub (see CHANGELOG.md), or restore a backup "
        "taken before the upgrade",
    )


# -- the warehouse and the workspace ----------------------------------------------------
def _duckdb(exc: BaseException, url: str | None) -> OperationalError | None:
    duckdb = sys.modules.get("duckdb")
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    text = _first_line(str(exc))
    lock = re.search(r'Could not set lock on file "([^"]+)"', text)
    if lock:
        holder = re.search(r"PID (\d+)", str(exc))
        by = f" (held by process {holder[1]})" if holder else ""
        return OperationalError(
            f"the warehouse {lock[1]} is in use by another process{by}",
            hint="a process has it open for writing: wait for the other vrhub command (or "
            "stop the program holding it, or the web app of an older vrhub) and run this "
            "again; vrhub's loads and uploads write beside a running web app; see "
            "docs/how-to/deploy-with-postgresql.md",
        )
    if "read-only mode" in text:
        return OperationalError(
            "the warehouse is open read-only here because another process (the web app) is "
            "reading it, and this step needs to write to it",
            hint="stop the web app for a moment and run this again, or send ISTV files "
            "through the web app's upload",
        )
    if "permission denied" in text.lower():
        return OperationalError(
            f"the warehouse cannot be opened by this user ({text})",
            hint="run vrhub as the user that owns the workspace (VRHUB_HOME)",
        )
    return None


def _filesystem(exc: BaseException, url: str | None) -> OperationalError | None:
    if not isinstance(exc, PermissionError) and not (
            isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EROFS)):
        return None
    path = exc.filename or "a workspace file"
    if exc.errno == errno.EROFS:
        return OperationalError(
            f"{path} is on a read-only file system",
            hint="give vrhub a writable workspace (VRHUB_HOME); in a container mount a "
            "volume there",
        )
    return OperationalError(
        f"permission denied on {path}",
        hint="run vrhub as the user that owns the workspace (`ls -ld` shows the owner), or "
        "give that user access",
    )


# -- helpers ------------------------------------------------------------------------------
def describe_url(url: str | None) -> str:
    """``host:port/database`` of a database URL (never its password); the file of a
    SQLite URL."""
    if not url:
        return "(VRHUB_DATABASE_URL)"
    if url.startswith("sqlite"):
        return url.split("///", 1)[-1] or "(in memory)"
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    return f"{host}:{port}{parts.path or ''}"


def _user(url: str | None) -> str:
    if not url or url.startswith("sqlite"):
        return "in use"
    return urlsplit(url).username or "in use"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _server_said(text: str) -> str:
    """The useful end of a libpq connection message ("... failed: Connection refused")."""
    tail = text.rsplit("failed:", 1)[-1].strip()
    return tail.removeprefix("FATAL:").strip() or text
