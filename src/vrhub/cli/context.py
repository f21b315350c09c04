"""What every command receives: settings, workspace, console and output helpers.

Nothing heavy is imported here: settings are read when a command first asks for them, the
warehouse is opened when first used, and the consoles are made when something is printed,
so ``vrhub X --help`` costs no more than click itself.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from vrhub.progress import Task
    from vrhub.settings import Settings
    from vrhub.storage.warehouse import Warehouse
    from vrhub.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

#: Rows a table shows before it is summarised (``--all`` shows every row).
SHOWN_ROWS = 25

#: Commands that only read the warehouse: when another process holds it (the web app reads
#: it read-only), they open it read-only too instead of stopping at "in use".
READING_COMMANDS = ("trends", "records", "compare", "deprivation", "hotspots", "nearrepeat",
                    "quality", "reconcile", "istv receipts", "istv receipt",
                    "istv codelist list", "warehouse status")


def _reading_command() -> bool:
    """True when the command running is one of :data:`READING_COMMANDS`."""
    context = click.get_current_context(silent=True)
    if context is None:
        return False
    path = " ".join(context.command_path.split()[1:])
    return any(path == name or path.startswith(name + " ") for name in READING_COMMANDS)


class AppContext:
    """Settings (read on first use), the workspace's warehouse and the output helpers."""

    def __init__(self, environ: dict[str, str], home: Path | None = None, *,
                 study_area: str | None = None, settings: Settings | None = None,
                 engine: str | None = None) -> None:
        self.environ = environ
        self.home = home
        self.study_area = study_area
        self.engine = engine
        self._settings = settings
        self._warehouse: Warehouse | None = None
        self.show_all = False

    @property
    def settings(self) -> Settings:
        """The settings, read (and logging configured from them) on first use."""
        if self._settings is None:
            from vrhub.logs import configure
            from vrhub.settings import Settings

            self._settings = Settings.load(self.environ, home=self.home,
                                           study_area=self.study_area, engine=self.engine)
            configure(self._settings)
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    @cached_property
    def stdout(self) -> Console:
        from rich.console import Console

        return Console(soft_wrap=True)

    @cached_property
    def stderr(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, soft_wrap=True)

    @property
    def workspace(self) -> Workspace:
        from vrhub.workspace import Workspace

        return Workspace(self.settings.home)

    def warehouse(self, *, read_only: bool = False) -> Warehouse:
        """The workspace's warehouse, opened on first use: read-write, or read-only for a
        command that only reads it when another process (the web app) is reading it."""
        if self._warehouse is None:
            ws = self.workspace.ensure()
            self._warehouse = self._open_warehouse(ws.warehouse_path, read_only)
            area = self.settings.chosen_study_area()
            if area is not None and self._warehouse.use_study_area(area):
                self.info(f"study area: {area.describe()}")
            if self.settings.engine == "spark":
                from vrhub.storage.engines.spark import SparkEngine

                self._warehouse.use_engine(SparkEngine(self._warehouse,
                                                       master=self.settings.spark_master))
        return self._warehouse

    def _open_warehouse(self, path: Path, read_only: bool) -> Warehouse:
        from vrhub.storage.warehouse import Warehouse

        memory = self.settings.warehouse_memory_limit
        if read_only:
            return Warehouse(path, read_only=True, memory_limit=memory)
        if not _reading_command():
            # a write while the web app reads the warehouse goes to a copy swapped in when
            # the command ends (vrhub.storage.warehouse_swap)
            return Warehouse(path, beside_readers=True, memory_limit=memory)
        warehouse = Warehouse(path, lock_wait_seconds=0, memory_limit=memory)
        try:
            warehouse.open()
        except Exception as exc:
            from vrhub.storage.diagnose import explain

            explained = explain(exc)
            if explained is None or not ("in use by another process" in explained.message
                                         or "is writing to the warehouse" in explained.message):
                raise
            warehouse = Warehouse(path, read_only=True, memory_limit=memory)
            warehouse.open()
        return warehouse

    def close(self) -> None:
        """Close the warehouse; a write made beside the web app's readers is swapped in
        only when the command succeeded (a failed one leaves the warehouse as it was)."""
        if self._warehouse is not None:
            failed = sys.exc_info()[1]
            warehouse, self._warehouse = self._warehouse, None
            if failed is not None and not (isinstance(failed, click.exceptions.Exit)
                                           and failed.exit_code == 0):
                warehouse.discard()
            else:
                warehouse.close()

    # -- output -------------------------------------------------------------------------
    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))

    def emit_table(self, title: str, columns: list[str], rows: list[list[Any]], *,
                   more: str = "", footer: list[Any] | None = None) -> None:
        """Print a table: fitted to a terminal, plain aligned columns when the output is
        piped or a file (:mod:`vrhub.cli.tables`). A table longer than :data:`SHOWN_ROWS`
        is cut there (with a note saying how many rows there are) unless ``--all`` was
        given, on commands that offer it; ``more`` adds another way to see every row to
        that note. ``footer`` (a total) is always shown last."""
        from vrhub.cli.tables import render

        shown = rows
        if not self.show_all and len(rows) > SHOWN_ROWS and _offers_all():
            shown = rows[:SHOWN_ROWS]
        render(self.stdout, title, columns, [*shown, *([footer] if footer else [])])
        if len(shown) < len(rows):
            self.info(f"{len(rows):,} rows; showing the first {len(shown)} "
                      f"(--all shows every row{more})")

    def info(self, message: str) -> None:
        self.stderr.print(message, highlight=False, markup=False)

    # -- progress -----------------------------------------------------------------------
    @property
    def progress(self) -> CliProgress:
        return CliProgress(self.stderr)


def _offers_all() -> bool:
    ctx = click.get_current_context(silent=True)
    return ctx is not None and any(p.name == "show_all" for p in ctx.command.params)


class CliProgress:
    """A :class:`vrhub.progress.Progress` that draws rich progress bars on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Task]:
        return self._task(description, total)

    @contextmanager
    def _task(self, description: str, total: float | None) -> Iterator[Task]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
        if total is not None:
            columns += [BarColumn(), MofNCompleteColumn()]
        columns.append(TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=True,
                      disable=not self.console.is_terminal) as bar:
            task_id = bar.add_task(description, total=total)

            class _T:
                def advance(self, amount: float = 1) -> None:
                    bar.advance(task_id, amount)

            yield _T()

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False, markup=False)


def _json_default(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.integer):
            return int(value)
        if isinstance(value, numpy.floating):
            return None if numpy.isnan(value) else float(value)
        if isinstance(value, numpy.bool_):
            return bool(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"cannot serialise {type(value).__name__}")


pass_app = click.make_pass_decorator(AppContext)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable JSON report on stdout."
)


def _set_show_all(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        app = ctx.find_object(AppContext)
        if app is not None:
            app.show_all = True
    return value


all_option = click.option(
    "--all", "show_all", is_flag=True, expose_value=False, callback=_set_show_all,
    help=f"Show every row (tables longer than {SHOWN_ROWS} rows are cut to their first "
    f"{SHOWN_ROWS}).")


def stdin_is_tty() -> bool:
    return sys.stdin.isatty()


# -- which accounts a command needs ------------------------------------------------------
#: the database owner: schema changes, restores (on SQLite: the workspace's owner)
OWNER = ("the owner of the app database (on PostgreSQL, VRHUB_DATABASE_URL naming the owner "
         "role, e.g. vrhub_owner; on SQLite, the user owning the workspace)")
#: the everyday login: the web app's, a member of the app role
APP_LOGIN = ("the web login (a member of the app role, e.g. vrhub_web) or the owner; on "
             "SQLite, the user owning the workspace")
#: the warehouse, which one process at a time may write
WAREHOUSE_WRITER = ("the user owning the workspace (VRHUB_HOME), with the web app stopped "
                    "(the warehouse takes one writer at a time)")
WAREHOUSE_READER = "the user owning the workspace (VRHUB_HOME)"

C = TypeVar("C", bound=click.Command)


def needs(*, database: str | None = None, workspace: str | None = None) -> Callable[[C], C]:
    """Add to a command's help which database account and which workspace access it
    needs (shown by ``--help`` and in the CLI reference)."""

    def add(command: C) -> C:
        lines = []
        if database:
            lines.append(f"Database account: {database}.")
        if workspace:
            lines.append(f"Workspace: {workspace}.")
        # the docstring's own indentation goes first: text added without it would stop
        # click from removing it, and the help would print ragged
        command.help = inspect.cleandoc(command.help or "") + "\n\n" + "\n\n".join(lines)
        return command

    return add
