"""``vrhub serve``: run the web app."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, pass_app


def run_server(app: AppContext, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from vrhub.web.app import create_app

    settings = app.settings
    app.close()  # the web app opens the warehouse itself
    host = host or settings.host
    port = port or settings.port
    app.info(f"vrhub is serving {settings.home} at http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@click.command(name="serve")
@click.option("--host", default=None, help="Address to listen on (default: $VRHUB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: $VRHUB_PORT or 8000).")
@pass_app
def command(app: AppContext, host: str | None, port: int | None) -> None:
    """Run the web app on the workspace."""
    run_server(app, host, port)
