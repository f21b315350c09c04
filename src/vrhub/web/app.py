"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import re
from collections.abc import AsyncIterator

import anyio.to_thread
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from vrhub import __version__
from vrhub.access.services import AccessServices
from vrhub.metrics import Metrics
from vrhub.settings import Settings
from vrhub.shared_store import connect
from vrhub.web import assets
from vrhub.web.access_log import AccessLog
from vrhub.web.data import icb_members, warehouse_load_totals
from vrhub.web.errors import install_error_handlers
from vrhub.web.open_feed import OpenFeed
from vrhub.web.page_errors import install_page_error_handlers
from vrhub.web.pending_uploads import PendingUploads
from vrhub.web.security import SecurityHeaders
from vrhub.web.session_secret import session_secret
from vrhub.web.templating import basemap_attributes, make_templates
from vrhub.workspace import Workspace, keep_private

SESSION_COOKIE = "vrhub_session"


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="vrhub",
        version=__version__,
        description="API of vrhub, the data platform of London's violence-reduction "
        "partnership. Record-level data is scoped to each user's role, borough and ED site; "
        "every record-level access is audited; public figures are disclosure-controlled.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        # no OpenTelemetry: nothing here exports it, and checking for it on every request
        # is measurable under load
        telemetry={"tracing": False, "metrics": False, "logs": False,
                   "operation_spans": False},
        lifespan=_lifespan,
    )
    app.state.settings = settings
    keep_private()
    app.state.workspace = Workspace(settings.home)
    app.state.workspace.close_to_others()
    app.state.templates = make_templates()
    app.state.templates.env.globals["basemap"] = basemap_attributes(settings)
    app.state.assets = assets.status()
    app.state.metrics = metrics = Metrics()
    app.state.pending_uploads = PendingUploads()
    app.state.shared_store = shared = (
        connect(settings.redis_url, settings.resolved_database_url)
        if settings.redis_url else None)
    app.state.access = AccessServices.from_settings(settings, metrics=metrics, shared=shared)
    app.state.access.policy.membership.use(lambda: icb_members(app.state))
    metrics.read_loads_with(lambda: warehouse_load_totals(app.state))
    install_error_handlers(app)
    install_page_error_handlers(app)

    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        same_site="strict",
        https_only=settings.environment == "production",
        max_age=8 * 60 * 60,
    )
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(OpenFeed, rate_per_minute=settings.oruk_rate_limit, shared=shared)
    # outermost: every request is timed and logged, with its request id
    app.add_middleware(AccessLog, metrics=metrics)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID",
                       validator=valid_request_id)
    app.mount("/static", StaticFiles(directory=str(assets.STATIC), check_dir=False),
              name="static")

    for router in discover_routers():
        app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On the serving event loop: its thread pool sized by ``VRHUB_WEB_THREADS``."""
    threads = app.state.settings.resolved_web_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    yield


def valid_request_id(value: str) -> bool:
    """A request id a proxy sent (nginx's 32 hex digits, Caddy's UUID) is kept; anything
    else is replaced by a new one, so a client cannot write arbitrary text into the logs."""
    return re.fullmatch(r"[A-Za-z0-9-]{16,64}", value) is not None


def discover_routers() -> list[APIRouter]:
    """Routers from modules of :mod:`vrhub.web.routes` that define ``router``, by module
    name, those of modules that set ``MATCH_FIRST`` first."""
    import vrhub.web.routes as package

    found: list[tuple[bool, str, APIRouter]] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"vrhub.web.routes.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append((not getattr(module, "MATCH_FIRST", False), info.name, router))
    return [router for _first, _name, router in sorted(found, key=lambda f: f[:2])]
