"""Entry point of the ``vrhub`` command line.

``main(args, environ)`` builds settings from the environment it is given, runs one command
and returns an exit code. A :class:`~vrhub.errors.UserError` prints one clear message and
no traceback; any other exception prints a generic message (never its text, which could
carry data) unless ``VRHUB_DEBUG=1``.

The command line answers at once: this module imports only click, and a command's module
is imported when that command runs (or its help is asked for). ``vrhub --help`` lists the
commands from :data:`COMMANDS` without importing any of them; a test keeps that table
equal to the commands the modules of :mod:`vrhub.cli` define. Settings are read when a
command first needs them, so ``--help`` and ``--version`` never read them.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from vrhub.errors import UserError

INTERNAL_ERROR_EXIT = 1

#: Every top-level command: name -> (module of :mod:`vrhub.cli` defining ``command``, the
#: first paragraph of its help, shown by ``vrhub --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "assets": ("assets", "Front-end assets (GOV.UK Frontend, Leaflet) served by vrhub itself."),
    "audit": ("audit", "The audit trail of record-level access and administration."),
    "backup": ("backup", "Backups: the warehouse, the workspace and the app database, as one "
               "pair."),
    "compare": ("compare", "Compare sources for the same areas and months."),
    "db": ("db", "The app database (accounts, audit): create or upgrade its schema, set up "
           "roles."),
    "demo": ("demo", "Build a demo workspace (offline) and start the web app on it."),
    "deprivation": ("deprivation", "Violence and deprivation: the high-violence x "
                    "high-deprivation map, correlation of rates with IMD, and concentration "
                    "of violence across areas."),
    "directory": ("directory", "The opportunities directory: import Open Referral UK feeds, "
                  "list imports, find listings due for review."),
    "disclosure": ("disclosure", "Disclosure control: suppress 1-7, round to 5, ward x month "
                   "at finest."),
    "docs": ("docs", "Generated reference documentation (schemas, CLI, settings)."),
    "fetch": ("fetch", "Download official open data (data.police.uk, London Datastore, ONS, "
              "gov.uk)."),
    "hotspots": ("hotspots", "Where events concentrate: grid counts, KDE, Gi* hotspots, "
                 "change, trends, rates."),
    "incidents": ("incidents", "Critical incidents: log one, its near-repeat zone, "
                  "checklist, fund and review."),
    "istv": ("istv", "Emergency-department assault data (ISTV): code lists, receipts, "
             "geocoder."),
    "jsna": ("jsna", "Violence indicators for a borough's JSNA (Fingertips layout, "
             "disclosure-controlled)."),
    "load": ("load", "Load SOURCE files into the warehouse."),
    "nearrepeat": ("nearrepeat", "Knox near-repeat test: are events close in space also "
                   "close in time more often than chance?"),
    "outcomes": ("outcomes", "Outcomes: framework, programmes, returns, KPIs, pre/post, reach, "
                 "evidence."),
    "plans": ("plans", "Borough plan assessments: the rubric, scores, heat map and peer "
              "pairings."),
    "publish": ("publish", "Build the public outputs into <home>/public: counts by ward or "
                "borough and month (police.uk, MPS), ED assaults by borough and month, ED "
                "beside police violence by borough and quarter, and the public overview's "
                "figures (headline figures, London's monthly series, borough and ward totals "
                "for the latest 12 months, violence x deprivation by ward, and the borough "
                "and ward boundaries of its maps)."),
    "quality": ("quality", "Report the quality of the loaded data, per source."),
    "reconcile": ("reconcile", "Reconcile police.uk points with the MPS published counts."),
    "records": ("records", "Record-level data inside your scope (needs your API token; "
                "audited)."),
    "referrals": ("referrals", "The referral pathway: teams, escalation and retention jobs, "
                  "subject access, keys."),
    "secret-key": ("secret_key", "Print a new random key for VRHUB_SECRET_KEY: 48 random "
                   "bytes, url-safe (384 bits)."),
    "serve": ("serve", "Run the web app on the workspace."),
    "sna": ("sna", "Serious Violence Duty needs assessments: build per borough or London-wide "
            "(HTML, PDF, XLSX)."),
    "trends": ("trends", "Monthly trends per area and category: series with rolling 12-month "
               "totals and rates, year-on-year change with exact intervals, and "
               "hour-by-weekday profiles."),
    "warehouse": ("warehouse", "The analytical warehouse: schema version, upgrade, copy."),
    "users": ("users", "Administer accounts: add, list, change roles and scopes, lock and "
              "unlock, tokens."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        module_name = entry[0] if entry else cmd_name.replace("-", "_")
        if entry is None and not _is_command_module(module_name):
            return None
        module = importlib.import_module(f"vrhub.cli.{module_name}")
        command = getattr(module, "command", None)
        if not isinstance(command, click.Command) or (entry is None
                                                       and command.name != cmd_name):
            return None
        self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if args and not name.startswith("-") and self.get_command(ctx, name) is None:
            from vrhub.suggest import did_you_mean

            ctx.fail(f"No such command {name!r}.{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The help text is in COMMANDS: listing the commands imports none of them.
        rows = [(name, self.commands[name] if name in self.commands
                 else click.Command(name, help=COMMANDS[name][1]))
                for name in self.list_commands(ctx)]
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows
                                if not cmd.hidden])


def build_cli() -> click.Group:
    @click.group(cls=LazyGroup,
                 context_settings={"help_option_names": ["-h", "--help"],
                                   "max_content_width": 100})
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
    @click.option(
        "--engine",
        type=click.Choice(["duckdb", "spark"]),
        default=None,
        help="What answers the warehouse's questions: duckdb (default: $VRHUB_ENGINE, else "
        "duckdb) or spark (Apache Spark over the same Parquet files; $VRHUB_SPARK_MASTER "
        "chooses the cluster).",
    )
    @click.pass_context
    def cli(ctx: click.Context, home: Path | None, study_area: str | None,
            engine: str | None) -> None:
        """vrhub: the data platform of London's violence-reduction partnership.

        Load open crime data and ED assault (ISTV) submissions into a local warehouse,
        analyse where and when violence concentrates, and share results safely.
        """
        from vrhub.cli.context import AppContext

        environ: dict[str, str] = ctx.meta["vrhub.environ"]
        app = AppContext(environ=environ, home=home, study_area=study_area, engine=engine)
        ctx.obj = app
        ctx.call_on_close(app.close)

    return cli


def _is_command_module(name: str) -> bool:
    """Whether ``vrhub.cli.<name>`` exists (a command not yet in :data:`COMMANDS` still
    runs; the test of the table asks for its entry)."""
    import importlib.util

    return (name.isidentifier() and not name.startswith("_")
            and importlib.util.find_spec(f"vrhub.cli.{name}") is not None)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from vrhub.versions import version_line

    click.echo(version_line())
    ctx.exit()


def all_commands() -> dict[str, click.Command]:
    """Every top-level command, imported (for the generated reference and tests)."""
    cli = build_cli()
    ctx = click.Context(cli)
    found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def main(args: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    from vrhub.workspace import keep_private

    keep_private()
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
            import traceback

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
