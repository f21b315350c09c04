"""``vrhub serve``: run the web app."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

import click

from vrhub import __version__
from vrhub.cli.context import AppContext, pass_app
from vrhub.settings import Settings

log = logging.getLogger("vrhub.serve")

#: What requests import on first use (analyses, queries, charts): imported before serving
#: so that they are part of what :func:`settle_memory` sets aside.
FIRST_USE_MODULES = (
    "vrhub.storage.series", "vrhub.storage.points", "vrhub.storage.records",
    "vrhub.reports.violence_analysis", "vrhub.reports.trend_analysis",
    "vrhub.reports.exports", "vrhub.analytics.hotspots",
    "vrhub.analytics.nearrepeat", "vrhub.analytics.disclosure", "vrhub.quality",
    "vl_convert",
)


def prepare_routes(web_app: Any) -> None:
    """Build now what the web framework builds for each group of routes when the first
    request passes it (each route's parameter validators): 140-170 ms that the first
    requests after a start would otherwise wait for, and everything queued behind them.
    Looking for the address of a route no route is named walks every group."""
    from starlette.routing import NoMatchFound

    with contextlib.suppress(NoMatchFound):
        web_app.url_path_for("no route is named this")


def settle_memory() -> None:
    """Import what requests import on first use, then set everything that exists now
    aside from the garbage collector (``gc.freeze``).

    The libraries the app stands on hold a few hundred thousand objects that live as long
    as the process; left in place, every full collection walks all of them and stops every
    request for a few hundred milliseconds, which is most of the slowest responses under
    load. Objects made by requests are collected as before."""
    import gc
    import importlib

    for name in FIRST_USE_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


def server_config(settings: Settings, web_app: Any, host: str | None = None,
                  port: int | None = None, *, workers: int = 1) -> Any:
    """The uvicorn configuration ``vrhub serve`` runs: vrhub's own access log and logging
    (uvicorn's would print paths with their query strings), and forwarded headers honoured
    only from ``VRHUB_TRUSTED_PROXIES``."""
    import uvicorn

    trusted = settings.trusted_proxies
    return uvicorn.Config(
        web_app, host=host or settings.host, port=settings.port if port is None else port,
        log_config=None, access_log=False, log_level=settings.log_level.lower(),
        proxy_headers=bool(trusted), forwarded_allow_ips=",".join(trusted) or None,
        server_header=False,
        factory=isinstance(web_app, str), workers=workers if isinstance(web_app, str) else 1,
    )


WORKER_APP = "vrhub.cli.serve:worker_app"


def worker_app() -> Any:
    """The web app of one worker process of ``vrhub serve --workers N``: settings from the
    environment the command passed on (its home and study area included)."""
    import os

    from vrhub.logs import configure
    from vrhub.web.app import create_app

    settings = Settings.load(dict(os.environ))
    configure(settings)
    web_app = create_app(settings)
    prepare_routes(web_app)
    settle_memory()
    read_ahead(web_app)
    return web_app


def read_ahead(web_app: Any) -> threading.Thread | None:
    """Start reading the outcomes dashboards' participant-level rows in the background
    (:mod:`vrhub.outcomes.warm_up`) unless ``VRHUB_OUTCOMES_WARM_UP`` is off: the thread,
    or None. Started after :func:`settle_memory`, so the rows, replaced when new ones are
    uploaded, are not among what it sets aside."""
    if not web_app.state.settings.outcomes_warm_up:
        return None
    from vrhub.outcomes import warm_up
    from vrhub.web.outcomes_deps import outcomes_of

    return warm_up.start(outcomes_of(web_app.state))


def run_server(app: AppContext, host: str | None = None, port: int | None = None,
               workers: int = 1) -> None:
    import uvicorn

    from vrhub.logs import configure
    from vrhub.web.app import create_app

    settings = app.settings
    configure(settings)
    app.close()  # the web app opens the warehouse itself
    if workers > 1:
        _run_workers(app, settings, host, port, workers)
        return
    web_app = create_app(settings)
    config = server_config(settings, web_app, host, port)
    prepare_routes(web_app)
    settle_memory()
    read_ahead(web_app)
    _announce(app, settings, config, workers)
    try:
        uvicorn.Server(config).run()
    finally:
        import gc

        gc.unfreeze()  # let the interpreter tidy up as usual on the way out


def _announce(app: AppContext, settings: Settings, config: Any, workers: int) -> None:
    log.info("vrhub %s serving %s at http://%s:%s/ with %s worker process%s (trusted "
             "proxies: %s)", __version__, settings.home, config.host, config.port, workers,
             "" if workers == 1 else "es", ", ".join(settings.trusted_proxies) or "none")
    app.info(f"vrhub is serving {settings.home} at http://{config.host}:{config.port}/ "
             f"with {workers} worker process{'' if workers == 1 else 'es'}  "
             "(Ctrl+C to stop)")


def _run_workers(app: AppContext, settings: Settings, host: str | None, port: int | None,
                 workers: int) -> None:
    """Several worker processes on one listening socket (uvicorn's supervisor). Each
    worker builds its own app from the environment, so the settings this command
    resolved (home, study area) are passed on through it."""
    import os

    from uvicorn.supervisors import Multiprocess

    os.environ["VRHUB_HOME"] = str(settings.home)
    if settings.study_area:
        os.environ["VRHUB_STUDY_AREA"] = str(settings.study_area)
    config = server_config(settings, WORKER_APP, host, port, workers=workers)
    _announce(app, settings, config, workers)
    sock = config.bind_socket()
    Multiprocess(config, sockets=[sock]).run()


@click.command(name="serve")
@click.option("--host", default=None, help="Address to listen on (default: $VRHUB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: $VRHUB_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes serving the one address (up to one a CPU core). With "
              "more than one, set VRHUB_REDIS_URL so that they share sign-in limits and "
              "cached answers (docs/how-to/operate.md).")
@pass_app
def command(app: AppContext, host: str | None, port: int | None, workers: int) -> None:
    """Run the web app on the workspace."""
    run_server(app, host, port, workers)
