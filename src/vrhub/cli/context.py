"""What every command receives: settings, workspace, console and output helpers."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

from vrhub.progress import Task
from vrhub.settings import Settings
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    settings: Settings
    environ: dict[str, str]
    stdout: Console = field(default_factory=lambda: Console(soft_wrap=True))
    stderr: Console = field(default_factory=lambda: Console(stderr=True, soft_wrap=True))
    _warehouse: Warehouse | None = None

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.settings.home)

    def warehouse(self, *, read_only: bool = False) -> Warehouse:
        if self._warehouse is None:
            ws = self.workspace.ensure()
            self._warehouse = Warehouse(ws.warehouse_path, read_only=read_only)
            area = self.settings.chosen_study_area()
            if area is not None and self._warehouse.use_study_area(area):
                self.info(f"study area: {area.describe()}")
        return self._warehouse

    def close(self) -> None:
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None

    # -- output -------------------------------------------------------------------------
    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))

    def emit_table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        table = RichTable(title=title, title_justify="left")
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else _fmt(v) for v in row))
        self.stdout.print(table)

    def info(self, message: str) -> None:
        self.stderr.print(message, highlight=False, markup=False)

    # -- progress -----------------------------------------------------------------------
    @property
    def progress(self) -> CliProgress:
        return CliProgress(self.stderr)


class CliProgress:
    """A :class:`vrhub.progress.Progress` that draws rich progress bars on stderr."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def task(self, description: str, total: float | None = None) -> AbstractContextManager[Task]:
        return self._task(description, total)

    @contextmanager
    def _task(self, description: str, total: float | None) -> Iterator[Task]:
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


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _json_default(value: Any) -> Any:
    import datetime as dt
    from pathlib import Path

    import numpy as np

    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"cannot serialise {type(value).__name__}")


pass_app = click.make_pass_decorator(AppContext)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable JSON report on stdout."
)


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
        command.help = (command.help or "").rstrip() + "\n\n" + "\n\n".join(lines)
        return command

    return add
