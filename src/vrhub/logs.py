"""Logging for operators: the level from ``VRHUB_LOG_LEVEL``, one line per event, JSON for a
log collector (production) or text for people (development), each line with its time and,
inside a web request, the request's id.

What may be logged is decided where a line is written, and the rule is short: operational
facts only (what ran, how long, how many rows, which route, which account id), never row
data, query values, free text, e-mail addresses or file contents. The access log
(:mod:`vrhub.web.access_log`) names route templates, not paths.

Logs go to standard error (systemd's journal and container runtimes keep it); with
``VRHUB_LOG_FILE`` also to a file, owner-only, reopened when logrotate moves it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from logging.handlers import WatchedFileHandler
from typing import Any

from vrhub.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s%(request)s %(message)s"
_MARK = "_vrhub_handler"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the id of the web request being answered, else None) and, for
    text, `` [id]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            request_id = _current_request_id()
        record.request_id = request_id
        record.request = f" [{request_id}]" if request_id else ""
        return True


def _current_request_id() -> str | None:
    module = sys.modules.get("asgi_correlation_id")
    if module is None:
        return None
    value = module.correlation_id.get()
    return str(value) if value else None


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to whatever ``sys.stderr`` is when a line is written (not when the handler
    was made), so replacing stderr never leaves a handler writing to a closed stream."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override,unused-ignore]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class UtcTextFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


def formatter(json_lines: bool) -> logging.Formatter:
    if not json_lines:
        return UtcTextFormatter(TEXT_FORMAT)
    from pythonjsonlogger.json import JsonFormatter

    # "time" (ISO 8601, UTC), level, logger, message, request_id, then any extra fields
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=[*_RESERVED, "request"],
        timestamp="time",
        json_ensure_ascii=False,
    )


_RESERVED = [
    "args", "asctime", "created", "exc_info", "exc_text", "filename", "funcName", "levelno",
    "lineno", "module", "msecs", "msg", "pathname", "process", "processName",
    "relativeCreated", "stack_info", "thread", "threadName", "taskName",
]


def configure(settings: Settings) -> None:
    """Configure the root logger from ``settings`` (replacing what an earlier call set up)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    shape = formatter(settings.json_logs)
    handlers: list[logging.Handler] = [StderrHandler()]
    path = settings.resolved_log_file
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handlers.append(WatchedFileHandler(path, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(shape)
        handler.addFilter(RequestIdFilter())
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(settings.log_level)
    # libraries that log every connection or query at INFO
    for noisy in ("httpx", "httpcore", "alembic.runtime.migration", "numba"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
