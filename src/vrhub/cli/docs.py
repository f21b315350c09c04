"""``vrhub docs``: build or check the generated reference documentation."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, pass_app
from vrhub.errors import UserError

DEFAULT_DIR = Path("docs/reference")


@click.group(name="docs")
def command() -> None:
    """Generated reference documentation (schemas, CLI, settings)."""


@command.command(name="build")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=DEFAULT_DIR,
              show_default=True)
@pass_app
def build(app: AppContext, directory: Path) -> None:
    """Write the reference pages."""
    from vrhub.cli.reference import write_all

    for path in write_all(directory):
        app.info(f"wrote {path}")


@command.command(name="check")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=DEFAULT_DIR,
              show_default=True)
def check(directory: Path) -> None:
    """Fail if the reference pages are stale."""
    from vrhub.cli.reference import stale

    names = stale(directory)
    if names:
        raise UserError(f"stale reference docs: {', '.join(names)}",
                        hint="run `vrhub docs build` and commit the result")
