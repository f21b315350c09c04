"""Shared validation of the inputs of the trend, concentration, deprivation and
hidden-violence functions, and the one way they record their automatic choices.

Every function of that family calls :func:`require_columns` (and, for monthly data,
:func:`check_months` / :func:`parse_period`) first, so a bad frame fails in the same words
wherever it enters. Choices made on the caller's behalf go through :class:`Choices`: each
is announced on the progress channel and stored in ``frame.attrs["vrhub"]["choices"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.progress import SILENT, Progress
from vrhub.standards.months import ISO_MONTH

Period = tuple[str | None, str | None]


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Fail with a clear message when ``data`` lacks any of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise UserError(f"{what}: expected a table (DataFrame), got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise UserError(
            f"{what}: missing column(s) {', '.join(missing)}; "
            f"found {', '.join(map(str, data.columns))}",
            hint="rename the columns or build the frame with vrhub.storage.series",
        )


def check_counts(values: pd.Series, *, what: str, column: str = "count") -> np.ndarray:
    """Counts must be finite and non-negative; return them as float64."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iuf":
        arr = values.to_numpy(dtype="float64")  # numbers already: nothing to coerce
    else:
        arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64",
                                                              na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        first = values.iloc[int(np.flatnonzero(bad)[0])]
        raise UserError(
            f"{what}: column {column!r} must hold non-negative numbers; found {first!r}",
            hint="drop or fix rows with missing or negative counts",
        )
    return arr


def check_month(value: str, *, what: str) -> str:
    if not isinstance(value, str) or not ISO_MONTH.fullmatch(value):
        raise UserError(f"{what}: month must be written YYYY-MM; found {value!r}",
                        hint="for example 2024-03")
    return value


def check_months(values: pd.Series, *, what: str) -> pd.Series:
    """``values`` as text, each ``YYYY-MM`` (checked once per distinct value)."""
    for value in pd.unique(values):
        if not isinstance(value, str) or not ISO_MONTH.fullmatch(value):
            raise UserError(f"{what}: column 'month' must hold YYYY-MM; found {value!r}",
                            hint="for example 2024-03")
    return values.astype(object)


def month_texts(values: pd.Series, *, what: str) -> np.ndarray:
    """``values`` as an array of ``YYYY-MM`` text (what :func:`check_months` checks, and
    refuses in the same words)."""
    months = values.to_numpy(dtype=object)
    try:
        distinct = set(months.tolist())
    except TypeError:  # unhashable values: let check_months name the first
        distinct = {None}
    if not all(type(m) is str and ISO_MONTH.fullmatch(m) for m in distinct):
        check_months(values, what=what)
    return months


def parse_period(period: Period | Sequence[str | None] | None, *, what: str) -> Period:
    """``(first_month, last_month)``; either end may be None (open)."""
    if period is None:
        return (None, None)
    if len(period) != 2:
        raise UserError(f"{what}: period must be (first_month, last_month); found {period!r}")
    start, end = period
    if start is not None:
        check_month(start, what=what)
    if end is not None:
        check_month(end, what=what)
    if start and end and start > end:
        raise UserError(f"{what}: period starts ({start}) after it ends ({end})",
                        hint="swap --from and --to")
    return (start, end)


def check_confidence(confidence: float, *, what: str) -> float:
    if not 0 < confidence < 1:
        raise UserError(f"{what}: confidence must lie between 0 and 1; found {confidence!r}",
                        hint="for example 0.95")
    return float(confidence)


class Choices:
    """Automatic choices made by one call: announced as they happen, kept for metadata."""

    def __init__(self, progress: Progress = SILENT) -> None:
        self.progress = progress
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.progress.note(message)

    def attach(self, frame: pd.DataFrame, *, function: str,
               parameters: dict[str, Any]) -> pd.DataFrame:
        """Store parameters and choices in ``frame.attrs["vrhub"]`` and return the frame."""
        frame.attrs["vrhub"] = {"function": function, "parameters": parameters,
                                "choices": list(self.notes)}
        return frame
