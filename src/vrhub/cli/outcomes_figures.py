"""Sub-commands of ``vrhub outcomes`` for figures: indicators, KPIs, pre/post, reach."""

from __future__ import annotations

import click

subcommands: tuple[click.Command, ...] = ()
