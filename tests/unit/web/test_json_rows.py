"""API rows as JSON-ready dicts: missing and infinite numbers as null, numpy scalars as
Python values, whatever the column types."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from vrhub.web.api_support import json_rows


def test_numbers_truth_values_and_text_become_plain_values_with_nulls() -> None:
    frame = pd.DataFrame({
        "area_code": pd.array(["E09000001", None], dtype="str"),
        "label": pd.array(["a", None], dtype="string"),
        "count": np.array([3.0, np.nan]),
        "rate": np.array([np.inf, -np.inf]),
        "small": np.array([0.5, 1.0], dtype="float32"),
        "months": np.array([12, 7], dtype="int64"),
        "complete": np.array([True, False]),
    })
    rows = json_rows(frame)
    assert rows == [
        {"area_code": "E09000001", "label": "a", "count": 3.0, "rate": None, "small": 0.5,
         "months": 12, "complete": True},
        {"area_code": None, "label": None, "count": None, "rate": None, "small": 1.0,
         "months": 7, "complete": False},
    ]
    types = [[type(v) for v in row.values()] for row in rows]
    assert types[0] == [str, str, float, type(None), float, int, bool]
    json.dumps(rows, allow_nan=False)  # nothing JSON cannot hold


def test_other_columns_are_made_plain_too() -> None:
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2024-01-31", None]),
        "n": pd.array([4, None], dtype="Int64"),
        "mixed": np.array([np.float64(np.inf), np.int64(2)], dtype=object),
        7: np.array([1.5, np.nan]),
    })
    assert json_rows(frame) == [
        {"when": "2024-01-31T00:00:00", "n": 4, "mixed": None, "7": 1.5},
        {"when": None, "n": None, "mixed": 2, "7": None},
    ]
    assert type(json_rows(frame)[1]["mixed"]) is int


def test_an_empty_frame_has_no_rows() -> None:
    assert json_rows(pd.DataFrame()) == []
    assert json_rows(pd.DataFrame({"a": pd.Series([], dtype="float64")})) == []
