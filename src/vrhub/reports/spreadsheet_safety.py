"""Neutralise spreadsheet formula injection in exported cells.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL can
be run as a formula (or DDE command) when a CSV or XLSX file is opened in a spreadsheet.
Such cells are prefixed with an apostrophe so they stay text. Numbers are left alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value.replace("\x00", "")
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out
