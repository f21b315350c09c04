"""The access log and request metrics: one line and one observation per HTTP request.

Each line holds the method, the route *template* (``/api/v1/records/{source}``: never the
path as sent, never the query string), the status code, the time taken, the id of the
account that asked (or ``-``) and the request id. Nothing else: no query values, no form
fields, no e-mail addresses, no row data. The request id comes from the ``X-Request-ID``
header when a proxy sent a valid one, else a new one, and is sent back in the response.

The open directory feed's answered requests (``/oruk/``, status below 400) are logged at
DEBUG, not INFO: it is the busiest, anonymous part of the app and writing its lines costs
more than some of its answers; they are counted in the metrics as every request is, and
its refusals and throttles (400 and up) are logged at INFO like any other.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vrhub.metrics import Metrics

log = logging.getLogger("vrhub.access")
UNMATCHED = "(unmatched)"
#: routes whose answered requests are logged at DEBUG (see the module docstring)
QUIET_ROUTES = ("/oruk",)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/boroughs/{code}``), ``/static`` for
    static files, or ``(unmatched)``."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


def principal_id(scope: Scope) -> str:
    state: Any = scope.get("state") or {}
    principal = state.get("principal") if isinstance(state, dict) else None
    user_id = getattr(principal, "user_id", None)
    return "-" if user_id is None else str(user_id)


def is_upload(scope: Scope) -> bool:
    if scope.get("method") not in ("POST", "PUT"):
        return False
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return False


class AccessLog:
    """ASGI middleware: times each request, logs it and counts it in ``metrics``."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", "-"))
            route = route_template(scope)
            self.metrics.observe_request(method, route, status, seconds)
            if status >= 400 and is_upload(scope):
                self.metrics.upload_refused(status)
            level = (logging.DEBUG if status < 400 and route.startswith(QUIET_ROUTES)
                     else logging.INFO)
            if log.isEnabledFor(level):
                principal = principal_id(scope)
                log.log(level, "%s %s %d %.1f ms principal=%s", method, route, status,
                        seconds * 1000, principal,
                        extra={"method": method, "route": route, "status": status,
                               "duration_ms": round(seconds * 1000, 2),
                               "principal": principal})
