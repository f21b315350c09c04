"""A warehouse holding a few police.uk street rows written by a test (no loader, no rule)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.warehouse import Warehouse

#: the columns every row gets unless the test gives them
DEFAULTS: dict[str, Any] = {
    "month": "2024-01", "force": "metropolitan", "series": "metropolitan-street",
    "crime_id_duplicate": False, "crime_type": "Robbery", "location": "On or near X Road",
    "northing": 184000.0, "lsoa21_code": "E01000907", "ward_code": "E05013652"}


def street_warehouse(path: Path, file_id: str, rows: Sequence[dict[str, Any]]) -> Warehouse:
    """Write ``rows`` (row numbers and Crime IDs from 1, :data:`DEFAULTS` filling the
    columns not given) to a new warehouse at ``path``, and open it again as a reader would."""
    frame = pd.DataFrame([{**DEFAULTS, "file_id": file_id, "row_number": i,
                           "crime_id": f"crime-{i}", **row}
                          for i, row in enumerate(rows, start=1)])
    with Warehouse(path) as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, frame[[c for c in frame.columns
                                        if c in POLICE_STREET.column_names]])
    return Warehouse(path)
