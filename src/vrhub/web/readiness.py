"""Whether this process can serve: both stores answer, at the schema versions it needs."""

from __future__ import annotations

import logging
from typing import Any

from vrhub.storage.diagnose import explain

log = logging.getLogger("vrhub.web")


def check(app: Any) -> dict[str, str]:
    """``{"app_database": "ok" | why not, "warehouse": "ok" | why not}``."""
    return {"app_database": _app_database(app), "warehouse": _warehouse(app)}


def _app_database(app: Any) -> str:
    from vrhub.storage.appdb import migrate

    try:
        revision = migrate.current_on(app.state.access.engine)
    except Exception as exc:
        return _reason("app database", exc, app)
    head = migrate.head()
    if revision != head:
        return f"schema revision {revision}, needs {head}: run `vrhub db upgrade`"
    return "ok"


def _warehouse(app: Any) -> str:
    from vrhub.web.data import open_shared_warehouse

    try:
        view = open_shared_warehouse(app.state).cursor()
        try:
            view.ping()
        finally:
            view.close()
    except Exception as exc:
        return _reason("warehouse", exc, app)
    return "ok"


def _reason(store: str, exc: BaseException, app: Any) -> str:
    explained = explain(exc, database_url=app.state.settings.database_url)
    text = str(explained) if explained is not None else f"unexpected {type(exc).__name__}"
    log.warning("not ready: %s: %s", store, text)
    return text.split("; to fix:", 1)[0]
