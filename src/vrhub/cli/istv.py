"""``vrhub istv``: emergency-department (ISTV) submissions, code lists and geocoding."""

from __future__ import annotations

import click

from vrhub.cli import istv_geocoding, istv_submissions


@click.group(name="istv")
def command() -> None:
    """Emergency-department assault data (ISTV): code lists, receipts, geocoder."""


for _sub in (*istv_submissions.subcommands, *istv_geocoding.subcommands):
    command.add_command(_sub)
