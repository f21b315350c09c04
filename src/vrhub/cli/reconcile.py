"""``vrhub reconcile``: police.uk points against the MPS published counts."""

from __future__ import annotations

from typing import Any

import click

from vrhub.cli.context import AppContext, all_option, json_option, pass_app


def _ratio(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _share(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@click.command(name="reconcile")
@click.option("--category", "categories", multiple=True, metavar="TYPE",
              help="police.uk crime type, e.g. Burglary (repeatable). Default: every type "
              "with an MPS counterpart that is loaded.")
@click.option("--from", "from_month", metavar="YYYY-MM", default=None,
              help="First month (default: the first month both sources hold).")
@click.option("--to", "to_month", metavar="YYYY-MM", default=None,
              help="Last month (default: the last month both sources hold).")
@click.option("--count", type=click.Choice(["points", "crimes"]), default="points",
              show_default=True, help="points = police.uk rows as published (a crime is "
              "listed once per outcome); crimes = each Crime ID once.")
@all_option
@json_option
@pass_app
def command(app: AppContext, categories: tuple[str, ...], from_month: str | None,
            to_month: str | None, count: str, as_json: bool) -> None:
    """Reconcile police.uk points with the MPS published counts.

    The Met's police.uk crimes are counted per borough (of the LSOA the publisher gave
    them), month and crime type, and set against the MPS borough tables through an explicit
    map of the two category vocabularies. Prints the ratio distribution per category
    (median, share of borough-months within 5% and 10%), every borough-month further than
    10% from 1, and the known causes of disagreement with their size.
    """
    from vrhub.quality.reconcile import reconcile

    result = reconcile(app.warehouse(), categories=categories or None,
                       period=(from_month, to_month), count=count)
    if as_json:
        app.emit_json({"workspace": str(app.settings.home), **result.to_json(),
                       "cells": result.cells.to_dict("records")})
        return
    for note in result.notes:
        app.info(note)
    app.emit_table(
        f"police.uk ({count}) / MPS by borough and month",
        ["category", "MPS categories", "borough-months", "months", "police.uk", "MPS",
         "median ratio", "within 5%", "within 10%", "outside 10%", "ratio of totals"],
        [[s["category"], ", ".join(s["mps_minors"] or s["mps_majors"])
          + (" (approximate)" if s["match"] == "approximate" else ""),
          s["cells"], f"{s['first_month']}..{s['last_month']}", s["police"], s["mps"],
          _ratio(s["median_ratio"]), _share(s["within_5pct"]), _share(s["within_10pct"]),
          s["outside"], _ratio(s["ratio_of_totals"])] for s in result.summary])
    app.emit_table(
        "Borough-months further than 10% from the MPS count",
        ["category", "borough", "month", "police.uk", "MPS", "ratio"],
        [[r["category"], r["borough_name"], r["month"], r["police"], r["mps"],
          _ratio(None if r["mps"] == 0 else r["ratio"])]
         for r in result.outside.to_dict("records")] or [["none", "", "", "", "", ""]])
    app.emit_table(
        "Known causes of disagreement",
        ["cause", "size", "share of MPS", "why"],
        [[c["cause"], "-" if c["figure"] is None else c["figure"],
          _share(c["share_of_mps"]), c["explanation"] + (f" ({c['note']})" if c["note"]
                                                         else "")]
         for c in result.causes])
