"""``vrhub assets``: build the web app's front-end assets from the npm packages."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, pass_app
from vrhub.web import assets


@click.group(name="assets")
def command() -> None:
    """Front-end assets (GOV.UK Frontend, Leaflet) served by vrhub itself."""


@command.command(name="build")
@click.option("--node-modules", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="node_modules folder (default: found from the current directory).")
@pass_app
def build(app: AppContext, node_modules: Path | None) -> None:
    """Compile the stylesheet and copy vendor files into the package's static folder."""
    written = assets.build(node_modules)
    app.info(f"built {len(written)} front-end assets into {assets.VENDOR}")
