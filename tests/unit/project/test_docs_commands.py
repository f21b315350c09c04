"""The user documentation names only commands that exist.

Every fenced ``sh`` block in docs/tutorials and docs/how-to is read; each line that runs
``vrhub`` (or ``.venv/bin/vrhub``) is split into its command path (``vrhub istv receipts``)
and that path is looked up in the real click command tree. A renamed or removed command
then fails here instead of misleading an analyst following the docs.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from vrhub.cli.main import build_cli

DOCS = Path(__file__).resolve().parents[3] / "docs"
FENCE = re.compile(r"^```sh[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PROGRAMS = ("vrhub", ".venv/bin/vrhub")
INFO_OPTIONS = {"-h", "--help", "--version"}


def doc_pages() -> list[Path]:
    """The task-oriented pages: tutorials and how-to guides."""
    return sorted((DOCS / "tutorials").glob("**/*.md")) + sorted((DOCS / "how-to").glob("**/*.md"))


def commands_in(text: str) -> list[list[str]]:
    """The argument lists of every ``vrhub`` line inside fenced ``sh`` blocks."""
    found: list[list[str]] = []
    for block in FENCE.findall(text):
        for raw in block.splitlines():
            line = raw.split(" #", 1)[0].strip()
            line = re.sub(r"^(\w+=\S*\s+)+", "", line)  # leading VAR=value assignments
            words = line.split(None, 1)
            if not words or words[0] not in PROGRAMS:
                continue
            try:
                args = shlex.split(line)[1:]
            except ValueError:
                args = line.split()[1:]
            found.append([a for a in args if a not in ("|", "&&", "\\")])
    return found


def command_path(args: list[str]) -> tuple[list[str], click.Command | None, str | None]:
    """Walk ``args`` through the command tree: (path, command reached, unknown word)."""
    cli = build_cli()
    ctx = click.Context(cli, info_name="vrhub")
    command: click.Command = cli
    path = ["vrhub"]
    words = list(args)
    while words and isinstance(command, click.Group):
        word = words.pop(0)
        if word == "--home":  # the only group option that takes a value
            words = words[1:]
            continue
        if word.startswith("-"):
            continue
        sub = command.get_command(ctx, word)
        if sub is None:
            return path, None, word
        path.append(word)
        command = sub
    return path, command, None


def test_the_extractor_finds_commands_and_rejects_unknown_ones() -> None:
    text = (
        "```sh\nvrhub --home /tmp/ws istv receipts --json   # list\n"
        ".venv/bin/vrhub load police x/\necho vrhub no\n```\n"
        "```text\nvrhub not-a-command\n```\n"
    )
    found = commands_in(text)
    assert found == [["--home", "/tmp/ws", "istv", "receipts", "--json"], ["load", "police", "x/"]]
    assert command_path(found[0])[0] == ["vrhub", "istv", "receipts"]
    assert command_path(found[1])[0] == ["vrhub", "load"]
    assert command_path(["istv", "no-such-thing"])[2] == "no-such-thing"
    assert command_path(["publishh"])[2] == "publishh"


def test_there_are_documented_commands() -> None:
    total = sum(len(commands_in(page.read_text(encoding="utf-8"))) for page in doc_pages())
    assert total >= 20, "the tutorials and how-to guides should show real commands"


@pytest.mark.parametrize("page", doc_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_every_documented_command_exists(page: Path) -> None:
    problems = []
    for args in commands_in(page.read_text(encoding="utf-8")):
        path, command, unknown = command_path(args)
        if command is None:
            problems.append(f"`{' '.join(path)} {unknown}`: no such command ({' '.join(args)})")
        elif isinstance(command, click.Group) and not set(args) & INFO_OPTIONS:
            problems.append(f"`{' '.join(path)}` is a group: name one of its commands")
    assert not problems, f"{page.name}:\n" + "\n".join(problems)
