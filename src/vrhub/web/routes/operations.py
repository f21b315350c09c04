"""For operators and their tools: liveness (``/healthz``), readiness (``/readyz``) and
Prometheus metrics (``/metrics``).

- ``/healthz`` answers while the process runs (restart it when this fails).
- ``/readyz`` answers 200 only when the app database and the warehouse both answer a query
  at the schema versions this vrhub needs; 503 otherwise, naming which store is not ready
  (route traffic elsewhere, or alert, while this fails).
- ``/metrics`` is for a Prometheus scraper holding ``VRHUB_METRICS_TOKEN`` (sent as
  ``Authorization: Bearer ...``); without the setting it answers 404. The figures carry no
  row data, but they do describe use, so they are not public.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from vrhub import __version__
from vrhub.web.errors import error_body
from vrhub.web.refusals import audit_refusal, note_credential

router = APIRouter(include_in_schema=False)
log = logging.getLogger("vrhub.web")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    from vrhub.web.readiness import check

    checks = await run_in_threadpool(check, request.app)
    ready = all(c == "ok" for c in checks.values())
    return JSONResponse(status_code=200 if ready else 503,
                        content={"status": "ready" if ready else "not ready",
                                 "version": __version__, "checks": checks},
                        headers={"cache-control": "no-store"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not token:
        return JSONResponse(status_code=404, content=error_body(
            "not_found", "metrics are off on this server (VRHUB_METRICS_TOKEN is not set)"))
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        note_credential(request, "a metrics token that does not match" if given
                        else "no metrics token")
        await audit_refusal(request, 401, "authentication_required",
                            "metrics need the scraper's bearer token")
        return JSONResponse(status_code=401, content=error_body(
            "authentication_required", "metrics need the scraper's bearer token"),
            headers={"www-authenticate": "Bearer"})
    body, media_type = await run_in_threadpool(request.app.state.metrics.exposition)
    return Response(body, media_type=media_type)
