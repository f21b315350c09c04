"""The DuckDB engine answers a named query the same as a frame and as an Arrow table, with
its parameters bound, over the warehouse's police rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.engines import ENGINES, DuckDBEngine
from vrhub.storage.queries import police
from vrhub.storage.warehouse import Warehouse

# (force, month, crime type)
ROWS = [("kent", "2024-01", "Burglary"), ("kent", "2024-01", "Robbery"),
        ("kent", "2024-02", "Burglary"), ("kent", "2024-05", "Burglary"),
        ("essex", "2024-01", "Burglary")]


def test_frame_and_arrow_give_the_same_counts_for_the_bound_parameters(tmp_path: Path) -> None:
    frame = pd.DataFrame([
        {"file_id": "d" * 64, "row_number": i, "crime_id": f"c{i}", "month": month,
         "force": force, "series": f"{force}-street", "crime_id_duplicate": False,
         "crime_type": kind, "location": "On or near X Road", "easting": 600000.0,
         "northing": 150000.0, "lsoa21_code": None, "ward_code": None, "borough_code": None}
        for i, (force, month, kind) in enumerate(ROWS, start=1)])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame[[c for c in frame.columns
                                        if c in POLICE_STREET.column_names]])
        engine = DuckDBEngine(wh)
        params = police.FORCE_COUNTS.bind({"force": "kent", "first": "2024-01",
                                           "last": "2024-03"})
        answer = engine.frame(police.FORCE_COUNTS, params)
        table = engine.arrow(police.FORCE_COUNTS, params)
    # kent, January to March: burglary twice (May is outside), robbery once
    assert answer.to_dict("list") == {"crime_type": ["Burglary", "Robbery"], "n": [2, 1]}
    assert table.to_pydict() == answer.to_dict("list")
    assert engine.name == "duckdb" and engine.name in ENGINES
