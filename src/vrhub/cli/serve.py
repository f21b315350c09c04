"""``vrhub serve``: run the web app."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, pass_app

#: What requests import on first use (analyses, queries, charts): imported before serving
#: so that they are part of what :func:`settle_memory` sets aside.
FIRST_USE_MODULES = (
    "vrhub.storage.series", "vrhub.storage.points", "vrhub.storage.records",
    "vrhub.reports.violence_analysis", "vrhub.reports.trend_analysis",
    "vrhub.reports.exports", "vrhub.analytics.hotspots",
    "vrhub.analytics.nearrepeat", "vrhub.analytics.disclosure", "vrhub.quality",
    "vl_convert",
)


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


def run_server(app: AppContext, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from vrhub.web.app import create_app

    settings = app.settings
    app.close()  # the web app opens the warehouse itself
    host = host or settings.host
    port = port or settings.port
    web_app = create_app(settings)
    settle_memory()
    app.info(f"vrhub is serving {settings.home} at http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning")
    finally:
        import gc

        gc.unfreeze()  # let the interpreter tidy up as usual on the way out


@click.command(name="serve")
@click.option("--host", default=None, help="Address to listen on (default: $VRHUB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: $VRHUB_PORT or 8000).")
@pass_app
def command(app: AppContext, host: str | None, port: int | None) -> None:
    """Run the web app on the workspace."""
    run_server(app, host, port)
