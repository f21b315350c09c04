"""Sub-commands of ``vrhub outcomes`` for returns: templates, submission, review."""

from __future__ import annotations

import click

subcommands: tuple[click.Command, ...] = ()
