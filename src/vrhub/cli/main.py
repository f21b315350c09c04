"""Entry point of the ``vrhub`` command line.

``main(args, environ)`` builds settings from the environment it is given, runs one command
and returns an exit code. A :class:`~vrhub.errors.UserError` prints one clear message and
no traceback; any other exception prints a generic message (never its text, which could
carry data) unless ``VRHUB_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

import vrhub.cli
from vrhub.cli.context import AppContext
from vrhub.errors import UserError
from vrhub.settings import Settings

INTERNAL_ERROR_EXIT = 1


def build_cli() -> click.Group:
    @click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
    @click.option("--version", is_flag=True, expose_value=False, is_eager=True,
                  callback=_print_version,
                  help="Show the version of vrhub and of the schemas it needs, and exit.")
    @click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Workspace directory (default: $VRHUB_HOME, else ~/.vrhub).",
    )
    @click.option(
        "--study-area",
        default=None,
        metavar="AREA",
        help="The districts to report on: a named area (london, merseyside, south-wales, "
        "...) or district codes separated by commas (default: $VRHUB_STUDY_AREA, else the "
        "area the workspace was last given, else london).",
    )
    @click.pass_context
    def cli(ctx: click.Context, home: Path | None, study_area: str | None) -> None:
        """vrhub: the data platform of London's violence-reduction partnership.

        Load open crime data and ED assault (ISTV) submissions into a local warehouse,
        analyse where and when violence concentrates, and share results safely.
        """
        environ: dict[str, str] = ctx.meta["vrhub.environ"]
        settings = Settings.load(environ, home=home, study_area=study_area)
        from vrhub.logs import configure

        configure(settings)
        app = AppContext(settings=settings, environ=environ)
        ctx.obj = app
        ctx.call_on_close(app.close)

    for command in discover_commands():
        cli.add_command(command)
    return cli


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from vrhub.versions import version_line

    click.echo(version_line())
    ctx.exit()


def discover_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for info in sorted(pkgutil.iter_modules(vrhub.cli.__path__), key=lambda i: i.name):
        if info.name in {"main", "context"} or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"vrhub.cli.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            commands.append(command)
    return commands


def main(args: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    cli = build_cli()
    try:
        with cli.make_context("vrhub", list(sys.argv[1:] if args is None else args)) as ctx:
            ctx.meta["vrhub.environ"] = environ
            cli.invoke(ctx)
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:
        from vrhub.storage.diagnose import explain

        explained = explain(exc, database_url=environ.get("VRHUB_DATABASE_URL"))
        if explained is not None and environ.get("VRHUB_DEBUG") != "1":
            click.echo(f"error: {explained}", err=True)
            return explained.exit_code
        if environ.get("VRHUB_DEBUG") == "1":
            traceback.print_exc()
        else:
            click.echo(
                f"internal error ({type(exc).__name__}): this is a bug in vrhub, not in your "
                "input. Re-run with VRHUB_DEBUG=1 to see the traceback and report it.",
                err=True,
            )
        return INTERNAL_ERROR_EXIT


def entrypoint() -> None:  # pragma: no cover - console script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entrypoint()
