"""One spreadsheet-formula rule (vrhub.standards.formula_cells) for ingest and exports:
police.uk ingest quarantines exactly the cells ISTV ingest and the exports neutralise."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vrhub.ingest import text_cells
from vrhub.ingest.istv.validate import clean_text
from vrhub.reports.spreadsheet_safety import neutralise, neutralise_frame
from vrhub.standards.formula_cells import is_formula, neutralised

# (cell, a spreadsheet would run it) — written out, not computed
CELLS = [
    ("=HYPERLINK(\"http://x\")", True), ("@SUM(A1:A9)", True), ("\tcmd", True),
    ("\rcmd", True), ("+A1", True), ("-2+3+cmd|' /C calc'!A0", True), ("- x", True),
    ("+", True), ("-1e5x", True),
    ("-12.5", False), ("+44", False), ("-.5", False), ("1e5", False), ("-1e5", False),
    ("On or near High Street", False), ("", False), ("a=b", False), ("E09000012", False),
]


@pytest.mark.parametrize(("cell", "formula"), CELLS)
def test_the_rule(cell: str, formula: bool) -> None:
    assert is_formula(cell) is formula
    assert neutralised(cell) == ("'" + cell if formula else cell)


def test_numbers_and_missing_values_are_never_formulas() -> None:
    assert not is_formula(-5) and not is_formula(None) and not is_formula(float("nan"))
    assert neutralise(-5) == -5
    assert neutralised("=A1\x00") == "'=A1"  # NUL characters dropped


def test_police_ingest_quarantines_what_exports_neutralise() -> None:
    cells = [c for c, _ in CELLS]
    table = pa.table({"location": cells})
    rows = np.arange(1, len(cells) + 1, dtype=np.int64)
    quarantined = {p.row for p in text_cells.formula_problems(table, ["location"], rows)}
    encoded = pa.chunked_array([pa.array(cells).dictionary_encode()])
    quarantined_encoded = {p.row for p in
                           text_cells.encoded_formula_problems("location", encoded, rows)}
    exported = neutralise_frame(table.to_pandas())["location"].tolist()
    expected = {i + 1 for i, (_c, formula) in enumerate(CELLS) if formula}
    assert quarantined == quarantined_encoded == expected
    assert {i + 1 for i, (c, e) in enumerate(zip(cells, exported, strict=True))
            if e != c} == expected


@pytest.mark.parametrize(("cell", "formula"), [c for c in CELLS if c[0].strip()])
def test_istv_free_text_is_neutralised_by_the_same_rule(cell: str, formula: bool) -> None:
    text, flags = clean_text(cell)
    assert text is not None, f"{cell!r} read as blank"
    # free text is stored with its white space collapsed: a leading tab or carriage
    # return is gone before the rule is asked (and the text is no longer a formula)
    formula = formula and not cell[0].isspace()
    assert ("formula_neutralised" in flags) is formula
    assert text.startswith("'") is formula
