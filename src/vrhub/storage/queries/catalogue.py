"""Catalogue look-ups that pages, reports and commands offer as choices: the categories of
each source, MPS major and minor categories."""

from __future__ import annotations

import pandas as pd

from vrhub.storage.queries.core import define, rows, run
from vrhub.storage.warehouse import Warehouse

POLICE_CRIME_TYPES = define(
    "catalogue.police_crime_types",
    "SELECT DISTINCT crime_type FROM police_street WHERE crime_type IS NOT NULL ORDER BY 1",
    doc="Every police.uk crime type loaded.")

ISTV_METHODS = define(
    "catalogue.istv_methods",
    "SELECT DISTINCT assault_method FROM istv_assault WHERE assault_method IS NOT NULL "
    "ORDER BY 1", doc="Every ED assault method loaded.")

MPS_CATEGORY_PAIRS = define(
    "catalogue.mps_category_pairs",
    "SELECT DISTINCT major_category, minor_category FROM mps_crime_count ORDER BY 1, 2",
    doc="MPS major and minor category pairs.")


def categories(wh: Warehouse | None, source: str) -> list[str]:
    """Every category of ``source`` loaded: police.uk crime types (``police``) or ED assault
    methods (``istv``), in order; empty when the table is missing."""
    table, query = (("police_street", POLICE_CRIME_TYPES) if source == "police"
                    else ("istv_assault", ISTV_METHODS))
    if wh is None or not wh.has_table(table):
        return []
    return [str(v) for (v,) in rows(wh, query)]


def mps_category_pairs(wh: Warehouse) -> pd.DataFrame:
    return run(wh, MPS_CATEGORY_PAIRS)
