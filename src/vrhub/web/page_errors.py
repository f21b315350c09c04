"""Errors on dashboard pages: a GOV.UK-styled page instead of the API's JSON.

The API (paths under ``/api/``, or a client that does not ask for HTML) keeps the one JSON
error shape of :mod:`vrhub.web.errors`; these handlers wrap those and answer browsers
asking for a page with HTML:

- a :class:`~vrhub.errors.UserError` (4xx) shows its message and how to fix it;
- "sign in to see this" (401) sends the browser to the sign-in page and back;
- 404/405 show "Page not found";
- anything else is a generic 500 page that never shows exception text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vrhub.access.principal import PUBLIC, Principal
from vrhub.errors import AuthenticationRequired, OperationalError, UserError
from vrhub.web.access_log import route_template
from vrhub.web.errors import operational
from vrhub.web.navigation import render_page
from vrhub.web.refusals import audit_error, audit_refusal

log = logging.getLogger("vrhub.web")

Handler = Callable[[Request, Any], Awaitable[Response]]

TITLES = {400: "There is a problem with the request", 401: "Sign in to see this page",
          403: "You do not have access to this", 404: "Page not found",
          405: "Page not found", 409: "This conflicts with what is already there",
          413: "The file is too large", 422: "There is a problem with the request",
          429: "Too many attempts", 503: "Service unavailable"}


def wants_html(request: Request) -> bool:
    """A page request: not the API, and a browser asking for HTML."""
    if request.url.path.startswith(("/api/", "/oruk/")):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or (accept in ("", "*/*") and request.method == "GET")


def _principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    return cached if isinstance(cached, Principal) else PUBLIC


def error_page(request: Request, status: int, *, message: str, hint: str | None) -> Response:
    return render_page(request, "pages/error.html", _principal(request), status_code=status,
                       page_title=TITLES.get(status, "Something went wrong"),
                       status=status, message=message, hint=hint)


def install_page_error_handlers(app: FastAPI) -> None:
    """Wrap the JSON handlers already installed with HTML versions for pages."""
    json_user = cast(Handler, app.exception_handlers[UserError])
    json_http = cast(Handler, app.exception_handlers[StarletteHTTPException])
    json_any = cast(Handler, app.exception_handlers[Exception])

    async def user_error(request: Request, exc: UserError) -> Response:
        await audit_error(request, exc)
        if not wants_html(request):
            return await json_user(request, exc)
        if isinstance(exc, AuthenticationRequired) and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/sign-in?next=" + quote(target, safe=""), status_code=303)
        if isinstance(exc, OperationalError):
            operational(request, exc)
            return error_page(request, 503, message="vrhub is not available just now.",
                              hint="Try again in a few minutes.")
        message = exc.message[:1].upper() + exc.message[1:]
        return error_page(request, exc.http_status, message=message, hint=exc.hint)

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        await audit_refusal(request, exc.status_code, "http_error",
                            exc.detail if isinstance(exc.detail, str) else "refused")
        if not wants_html(request):
            return await json_http(request, exc)
        if exc.status_code in (404, 405):
            message = "If you typed the web address, check it is correct."
        else:
            message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        return error_page(request, exc.status_code, message=message, hint=None)

    async def unexpected(request: Request, exc: Exception) -> Response:
        if not wants_html(request):
            return await json_any(request, exc)
        if operational(request, exc) is not None:
            return error_page(request, 503, message="vrhub is not available just now.",
                              hint="Try again in a few minutes.")
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method,
                  route_template(request.scope))
        return error_page(request, 500, message="Something went wrong on our side.",
                          hint="Try again later. If it keeps happening, tell the vrhub team "
                          "what you were doing and when.")

    app.add_exception_handler(UserError, user_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)
