"""Loader for the MPS Monthly Crime Dashboard (London Datastore), the source of knife crime
counts: ``vrhub load mps-dashboard monthly-crime-dashboard.csv[.gz]``.

The file is long already: one row per month (``month_year``, a date ``YYYY-MM-01``),
area (``area_type``, ``borough_snt``, ``area_name``, ``area_code``), ``crime_type``,
``crime_subtype``, ``measure`` and ``count``. Every row is loaded into
:data:`~vrhub.standards.mps_dashboard.MPS_DASHBOARD_COUNT` as it comes, or quarantined
with the cell that failed:

* ``month_year`` not a month (``YYYY-MM`` or ``YYYY-MM-DD``);
* ``count`` blank, not a whole number or negative;
* ``area_type``, ``crime_type``, ``crime_subtype`` or ``measure`` blank;
* a ``Borough`` row whose ``area_code`` is given but is not a GSS borough code (``E09...``);
* the same month, area, crime type, subtype and measure on an earlier row (the first is
  kept, so nothing is counted twice).

Each download of the dashboard is a full extract: loading another file replaces the rows of
the one loaded before (its provenance says ``replaced``); loading the same file again
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import (
    Published,
    load_files,
    merge_counts,
    parse_numbers,
    read_published,
    replace_partition,
    store_rows,
    text_column,
)
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.codes import BoroughCode
from vrhub.standards.mps_dashboard import BOROUGH_AREA, MPS_DASHBOARD_COUNT, ROW_KEY
from vrhub.standards.schema import Problem
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "mps-dashboard"
PARTITION = "mps-dashboard"
COLUMNS = ("month_year", "area_type", "borough_snt", "area_name", "area_code", "crime_type",
           "crime_subtype", "measure", "count")
TEXT_COLUMNS = ("area_type", "borough_snt", "area_name", "area_code", "crime_type",
                "crime_subtype", "measure", "financial_year", "refresh_date")
_MONTH = r"(\d{4}-(?:0[1-9]|1[0-2]))(?:-\d{2})?(?:[ T].*)?"


def _months(published: Published) -> tuple[pd.Series, list[Problem]]:
    raw = published.frame["month_year"].astype(str).str.strip()
    months = raw.str.extract(f"^{_MONTH}$", expand=False)
    bad = months.isna().to_numpy()
    problems = [Problem(int(r), "month_year", published.frame["month_year"].iat[int(i)],
                        "month_year must be a month written YYYY-MM-01 (or YYYY-MM)",
                        "month_year:month")
                for i, r in zip(np.flatnonzero(bad), published.rows[bad], strict=True)]
    return months, problems


def _frame(published: Published) -> tuple[pd.DataFrame, list[Problem]]:
    """The published rows in the table's shape, and the problems found before the
    table's own checks (months, counts, borough codes, repeated rows)."""
    months, problems = _months(published)
    counts, found = parse_numbers(published, "count", integer=True, blank_ok=False)
    problems += found
    negative = (counts < 0).to_numpy()
    problems += [Problem(int(r), "count", published.frame["count"].iat[int(r) - 1],
                         "count must be 0 or more", "count:range")
                 for r in published.rows[negative]]
    frame = pd.DataFrame({"month": months})
    for column in TEXT_COLUMNS:
        frame[column] = (text_column(published, column)
                         if column in published.frame.columns else None)
    frame["count"] = counts.fillna(0).clip(lower=0).round().astype("int64")
    code = frame["area_code"].fillna("").str.upper()
    wrong = ((frame["area_type"] == BOROUGH_AREA) & (code != "")
             & ~code.str.fullmatch(BoroughCode.expression)).to_numpy()
    problems += [Problem(int(r), "area_code", frame["area_code"].iat[int(r) - 1],
                         "a Borough row's area_code must be a GSS borough code (E09 and six "
                         "digits) or blank", "area_code:borough")
                 for r in published.rows[wrong]]
    repeated = frame[list(ROW_KEY)].fillna("").duplicated(keep="first").to_numpy()
    problems += [Problem(int(r), "crime_subtype", frame["crime_subtype"].iat[int(r) - 1],
                         "the same month, area, crime type, subtype and measure appear on "
                         "an earlier row; the first is kept so that nothing is counted "
                         "twice", "row:duplicate")
                 for r in published.rows[repeated]]
    return frame, problems


def _handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
    published = read_published(file)
    published.require(COLUMNS, what="MPS Monthly Crime Dashboard file",
                      hint="give the London Datastore 'MPS Monthly Crime Dashboard Data' "
                      "file unaltered (long format, one row per month, area, crime type, "
                      "subtype and measure)")
    load.rows_read = len(published.frame)
    load.partition = PARTITION
    replaced = replace_partition(load, (MPS_DASHBOARD_COUNT,))
    frame, problems = _frame(published)
    frame["file_id"] = load.file_id
    _stored, by_rule = store_rows(load, MPS_DASHBOARD_COUNT, frame, published.rows, problems)
    merge_counts(entry, by_rule)
    if replaced:
        entry.notes.append(f"replaces the {len(replaced)} dashboard file(s) loaded before")
    borough = frame["area_type"] == BOROUGH_AREA
    entry.notes.append(f"{int(borough.sum()):,} borough rows and {int((~borough).sum()):,} "
                       "rows of other area types read")


def load_mps_dashboard(warehouse: Warehouse, files: Sequence[InputFile],
                       progress: Progress) -> LoadReport:
    return load_files(warehouse, SOURCE, files, progress, tables=(MPS_DASHBOARD_COUNT,),
                      handle=_handle, partition=lambda f: PARTITION)


SOURCES = (
    Source(
        name=SOURCE,
        description="London Datastore MPS Monthly Crime Dashboard (knife crime offences and "
        "positive outcomes by month, borough and Safer Neighbourhood Team; long format).",
        patterns=("*monthly-crime-dashboard*.csv", "*monthly*crime*dashboard*.csv",
                  "MPS_MonthlyCrimeDashboard*.csv"),
        load=load_mps_dashboard,
    ),
)
