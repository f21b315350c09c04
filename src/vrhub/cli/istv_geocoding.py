"""Sub-commands of ``vrhub istv`` for the gazetteer and the geocoder."""

from __future__ import annotations

import click

subcommands: list[click.Command] = []
