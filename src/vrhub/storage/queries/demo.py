"""What the demo workspace asks: a borough and an ED site for its accounts, and the
postcodes its synthetic services are placed at."""

from __future__ import annotations

import pandas as pd

from vrhub.storage.queries.areas import FIRST_BOROUGH
from vrhub.storage.queries.core import define, run, value
from vrhub.storage.warehouse import Warehouse

BUSIEST_SITE = define(
    "demo.busiest_site",
    "SELECT s.site_code FROM ed_site s LEFT JOIN (SELECT site_code, count(*) AS n "
    "FROM istv_submission GROUP BY site_code) i ON i.site_code = s.site_code "
    "ORDER BY coalesce(i.n, 0) DESC, s.site_code LIMIT 1",
    doc="The ED site with most submissions (then by code).")

FIRST_SITE = define(
    "demo.first_site", "SELECT site_code FROM ed_site ORDER BY site_code LIMIT 1",
    doc="The first ED site by code.")

REAL_POSTCODES = define(
    "demo.real_postcodes",
    "SELECT count(*) AS n FROM gazetteer_postcode WHERE postcode NOT LIKE 'ZZ%'",
    doc="Postcodes imported that are not synthetic (ZZ).")

POSTCODE_BOROUGHS = define(
    "demo.postcode_boroughs",
    "SELECT p.postcode, p.easting, p.northing, p.borough_code, coalesce(b.name, '') AS "
    "name FROM gazetteer_postcode p LEFT JOIN area_boundary b ON b.level = 'borough' "
    "AND b.code = p.borough_code ORDER BY p.postcode",
    doc="Every postcode point with its borough's name.")


def first_borough(wh: Warehouse) -> str | None:
    return _answer(wh, "area_boundary", lambda: value(wh, FIRST_BOROUGH))


def busiest_site(wh: Warehouse) -> str | None:
    """The ED site with most submissions (without submissions: the first by code)."""
    if not wh.has_table("ed_site"):
        return None
    if wh.has_table("istv_submission"):
        found = value(wh, BUSIEST_SITE)
        if found is not None:
            return str(found)
    return _answer(wh, "ed_site", lambda: value(wh, FIRST_SITE))


def real_postcodes(wh: Warehouse) -> int:
    return int(value(wh, REAL_POSTCODES) or 0)


def postcode_boroughs(wh: Warehouse) -> pd.DataFrame:
    return run(wh, POSTCODE_BOROUGHS)


def _answer(wh: Warehouse, table: str, ask: object) -> str | None:
    if not wh.has_table(table) or not callable(ask):
        return None
    found = ask()
    return None if found is None else str(found)
