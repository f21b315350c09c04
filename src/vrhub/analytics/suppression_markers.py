"""The markers a suppressed count is published as (``[c]`` and the others statistical
releases use), and a published column read back as numbers with those markers as missing:
what the disclosure scanner checks the numbers of an output with, whichever file they
were read from."""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSION_MARKERS = frozenset({"[c]", "[x]", "c", "x", "*", "[z]", "", "suppressed"})

_PLAIN_KINDS = frozenset({"string", "integer", "floating", "mixed-integer-float", "empty"})
"""Columns whose equal values (as pandas compares them) read as the same number."""


def as_numbers(column: pd.Series) -> pd.Series | None:
    """The column as floats (markers such as ``[c]`` as missing), or None if not numeric."""
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_numeric_dtype(column):
        return pd.to_numeric(column, errors="coerce").astype("float64")
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return None
    if pd.api.types.infer_dtype(column, skipna=True) not in _PLAIN_KINDS:
        text = column.dropna().astype(str).str.strip()
        text = text[~text.str.lower().isin(SUPPRESSION_MARKERS)]
        if text.empty:
            return None
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.isna().any():
            return None
        return pd.to_numeric(column.where(~column.astype(str).str.strip().str.lower().isin(
            SUPPRESSION_MARKERS)), errors="coerce").astype("float64")
    # each distinct value is read once (a column of millions of cells holds few)
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    marker = text.str.lower().isin(SUPPRESSION_MARKERS).to_numpy()
    if marker.all():
        return None
    numbers = pd.to_numeric(text[~marker], errors="coerce")
    if numbers.isna().any():
        return None
    values = np.full(len(uniques) + 1, np.nan)  # the last: missing cells (code -1)
    values[np.flatnonzero(~marker)] = numbers.astype("float64").to_numpy()
    return pd.Series(values[codes], index=column.index, name=column.name, dtype="float64")
