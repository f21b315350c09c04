"""Sub-commands of ``vrhub istv`` for submissions, receipts and code lists."""

from __future__ import annotations

import click

subcommands: list[click.Command] = []
