"""The command line answers at once: what ``--help`` and ``--version`` import, the command
table behind ``vrhub --help``, and tables that fit or print as plain columns.

Speed itself is measured in benchmarks/bench_cli_startup.py, not here: these tests check
the causes (no pandas, DuckDB, SQLAlchemy or pydantic imported before a command runs).
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from rich.console import Console

import vrhub.cli
from vrhub.cli.main import COMMANDS, all_commands, build_cli
from vrhub.cli.tables import plain, render

HEAVY = ("pandas", "numpy", "duckdb", "sqlalchemy", "pydantic", "pydantic_settings",
         "geopandas", "shapely", "pyarrow", "scipy", "rich", "alembic")


def imported_by(args: list[str]) -> tuple[list[str], str]:
    """Heavy top-level packages imported while running ``vrhub ARGS`` in a fresh
    interpreter, and what it printed."""
    script = (
        "import io, json, sys, contextlib\n"
        "from vrhub.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main({args!r}, {{}})\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(json.dumps({'code': code, 'heavy': heavy, 'out': out.getvalue()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    return result["heavy"], result["out"]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["trends", "yoy", "--help"],
                                  ["nearrepeat", "--help"], ["hotspots", "gistar", "--help"],
                                  ["istv", "submit", "--help"], ["quality", "--help"],
                                  ["compare", "ed-police", "--help"],
                                  ["deprivation", "map", "--help"]])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    heavy, out = imported_by(args)
    assert heavy == [], f"vrhub {' '.join(args)} imported {heavy}"
    assert ("warehouse schema" in out) if args == ["--version"] else ("Usage: vrhub" in out)


def test_the_command_table_matches_the_command_modules() -> None:
    defined: dict[str, click.Command] = {}
    for info in pkgutil.iter_modules(vrhub.cli.__path__):
        module = importlib.import_module(f"vrhub.cli.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            assert command.name is not None
            defined[command.name] = command
            assert COMMANDS.get(command.name, (info.name,))[0] == info.name
    wanted = {name: (module, click.Command(name, help=command.help).get_short_help_str(10_000))
              for name, (module, command) in
              ((n, (COMMANDS.get(n, ("?",))[0], c)) for n, c in defined.items())}
    # A new or changed command: put this entry in vrhub.cli.main.COMMANDS
    assert {n: COMMANDS.get(n) for n in wanted} == wanted
    assert sorted(defined) == sorted(COMMANDS)
    for name, command in defined.items():
        listed = click.Command(name, help=COMMANDS[name][1])
        for limit in (45, 80, 1000):
            assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), name
    assert set(all_commands()) == set(COMMANDS)


def test_top_level_help_lists_every_command_with_its_summary(capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    cli = build_cli()
    with pytest.raises(SystemExit, match=r"^0$"):  # help exits with status 0
        cli.main(["--help"], prog_name="vrhub", standalone_mode=True)
    out = capsys.readouterr().out
    listed = out.split("Commands:", 1)[1].split()
    for name in COMMANDS:
        assert name in listed
    assert "Knox near-repeat test" in out


def test_a_mistyped_command_is_suggested(run: object) -> None:
    code, _, err = run("trendz")  # type: ignore[operator]
    assert code == 2
    assert "No such command 'trendz'. Did you mean 'trends'?" in err


def _console(*, terminal: bool, width: int = 80) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=width,
                   color_system=None), buffer


ROWS = [["E09000012", "Hackney", "Violence with injury", 12345, 0.0123, -8.5],
        ["E09000007", "Camden", "Burglary", 7, 1.5, 112.0]]
COLUMNS = ["area_code", "area_name", "category", "count", "rate", "pct_change"]


def test_piped_tables_are_plain_aligned_columns_never_wrapped() -> None:
    console, buffer = _console(terminal=False, width=40)
    render(console, "Title", COLUMNS, ROWS)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "Title"
    assert lines[1].split() == COLUMNS
    assert set(lines[2].replace(" ", "")) == {"-"}
    first = lines[3]
    assert first.startswith("E09000012  Hackney    Violence with injury")
    # numbers right-aligned under their heading, written whole
    assert "12,345" in first and "0.0123" in first and "-8.5" in first
    count_end = lines[1].index("count") + len("count")
    assert lines[3][:count_end].endswith("12,345") and lines[4][:count_end].endswith("7")
    assert not any(ch in buffer.getvalue() for ch in "│┃━─")


def test_terminal_tables_fit_the_width_without_splitting_codes_or_numbers() -> None:
    console, buffer = _console(terminal=True, width=64)
    render(console, "Title", COLUMNS, ROWS)
    text = buffer.getvalue()
    assert all(len(line) <= 64 for line in text.splitlines())
    assert "E09000012" in text and "12,345" in text and "0.0123" in text
    # the word column wraps between words instead
    assert "Violence with injury" not in text
    assert "Violence" in text and "injury" in text


def test_a_table_too_wide_for_the_terminal_falls_back_to_plain_columns() -> None:
    console, buffer = _console(terminal=True, width=30)
    render(console, "Title", COLUMNS, ROWS)
    assert buffer.getvalue().splitlines()[3].startswith("E09000012  Hackney")


def test_plain_handles_blank_cells() -> None:
    text = plain("T", ["a", "b"], [["x", ""], ["", "1"]], [False, True])
    assert text.splitlines()[3:] == ["x", "   1"]


def test_long_tables_are_summarised_and_all_shows_every_row() -> None:
    from vrhub.cli.context import AppContext

    app = AppContext({})
    buffer = io.StringIO()
    app.__dict__["stdout"] = Console(file=buffer, width=100)
    errors = io.StringIO()
    app.__dict__["stderr"] = Console(file=errors, width=200)
    rows = [[i, f"row {i}"] for i in range(60)]

    @click.command()
    @vrhub.cli.context.all_option
    def show() -> None:
        app.emit_table("Many", ["n", "text"], rows, footer=["total", "60 rows"])

    ctx = show.make_context("show", [], obj=app)
    with ctx:
        show.invoke(ctx)
    lines = [line for line in buffer.getvalue().splitlines() if line]
    assert len(lines) == 3 + 25 + 1
    assert lines[-1].split() == ["total", "60", "rows"]
    assert "60 rows; showing the first 25 (--all shows every row)" in errors.getvalue()

    buffer.truncate(0)
    buffer.seek(0)
    ctx = show.make_context("show", ["--all"], obj=app)
    with ctx:
        show.invoke(ctx)
    assert len([line for line in buffer.getvalue().splitlines() if line]) == 3 + 60 + 1
