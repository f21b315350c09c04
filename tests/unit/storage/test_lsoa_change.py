"""The LSOA 2011 -> 2021 lookup as the vintage functions take it (the documented way to read
it: ``vrhub.storage.queries.reference.lsoa_change``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vrhub.geography.vintage import lsoa11_to_21
from vrhub.standards.reference_data import LSOA_CHANGE
from vrhub.storage.queries.reference import lsoa_change
from vrhub.storage.warehouse import Warehouse

# E01000001 unchanged; E01000002 split 70/30 into two 2021 LSOAs
ROWS = [("E01000001", "E01000001", "U", "E09000001", 1.0, 1.0, "one-to-one"),
        ("E01000002", "E01035001", "S", "E09000001", 0.7, 1.0, "population"),
        ("E01000002", "E01035002", "S", "E09000001", 0.3, 1.0, "population")]


def test_the_lookup_read_from_the_warehouse_apportions_counts(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["lsoa11_code", "lsoa21_code", "change",
                                        "borough_code", "weight_11_to_21",
                                        "weight_21_to_11", "weight_basis"])
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        wh.ensure_tables([LSOA_CHANGE])
        wh.insert(LSOA_CHANGE, frame, {"file_id": "f"})
        lookup = lsoa_change(wh)
    assert len(lookup) == 3 and set(lookup.columns) >= set(frame.columns)
    counts = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "n": [4.0, 10.0]})
    on_2021 = lsoa11_to_21(counts, "n", lookup).set_index("lsoa21_code")["n"].to_dict()
    assert on_2021 == {"E01000001": 4.0, "E01035001": 7.0, "E01035002": 3.0}
