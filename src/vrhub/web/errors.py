"""One JSON error shape for the whole API; no exception text ever reaches a response.

    {"error": {"code": "forbidden", "message": "...", "hint": "..."}}
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vrhub.errors import OperationalError, UserError
from vrhub.storage.diagnose import explain
from vrhub.web.access_log import route_template

log = logging.getLogger("vrhub.web")


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **extra}}


UNAVAILABLE = "vrhub cannot reach one of its stores just now; try again in a few minutes"


def operational(request: Request, exc: BaseException) -> OperationalError | None:
    """The operational failure behind ``exc``, logged in full (for the operator) once."""
    explained = explain(exc, database_url=request.app.state.settings.database_url)
    if explained is not None:
        log.error("%s", explained, extra={"route": route_template(request.scope)})
    return explained


def unavailable(request: Request, exc: OperationalError) -> JSONResponse:
    """503 without the details (host names, paths), which are in the log."""
    return JSONResponse(status_code=503, content=error_body(exc.code, UNAVAILABLE))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        if isinstance(exc, OperationalError):
            return unavailable(request, exc)
        return JSONResponse(status_code=exc.http_status, content={"error": exc.to_dict()})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content=error_body("invalid_request", "the request is not valid", details=details),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "authentication_required",
                 403: "forbidden", 413: "payload_too_large", 429: "rate_limited"}
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(
            status_code=exc.status_code,
            content=error_body(codes.get(exc.status_code, "http_error"), message),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        explained = operational(request, exc)
        if explained is not None:
            return unavailable(request, explained)
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method,
                  route_template(request.scope))
        return JSONResponse(
            status_code=500,
            content=error_body("internal_error", "something went wrong on our side"),
        )
