"""Neutralise spreadsheet formula injection in exported cells.

A text cell a spreadsheet would run as a formula (or DDE command) when a CSV or XLSX file
is opened gets an apostrophe in front, so it stays text: the one rule of
:mod:`vrhub.standards.formula_cells`, the same ingest applies. Numbers, and text that is
simply a number, are left alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from vrhub.standards.formula_cells import neutralised


def neutralise(value: Any) -> Any:
    return neutralised(value) if isinstance(value, str) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out
