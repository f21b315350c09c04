"""Named street points inside a box, for naming places on maps ("Kingsland High Street").

The gazetteer's street points are used when it is built (``vrhub istv gazetteer build``);
otherwise the police.uk snap points ("On or near X"), which are the gazetteer's own source.
"""

from __future__ import annotations

import pandas as pd

from vrhub.storage.queries.core import run
from vrhub.storage.queries.names import STREETS_GAZETTEER, STREETS_POLICE
from vrhub.storage.warehouse import Warehouse

COLUMNS = ["name", "easting", "northing", "weight"]


def street_points(warehouse: Warehouse, box: tuple[float, float, float, float]
                  ) -> pd.DataFrame:
    """Street points (``name``, ``easting``, ``northing``, ``weight``) inside ``box``
    (xmin, ymin, xmax, ymax in British National Grid metres); empty when neither the
    gazetteer nor police.uk points are loaded."""
    xmin, ymin, xmax, ymax = (float(v) for v in box)
    bounds = {"xmin": xmin, "xmax": xmax, "ymin": ymin, "ymax": ymax}
    if warehouse.has_table("gazetteer_point") and warehouse.has_table("gazetteer_name"):
        frame = run(warehouse, STREETS_GAZETTEER, **bounds)
        if len(frame):
            return frame[COLUMNS]
    if not warehouse.has_table("police_street"):
        return pd.DataFrame(columns=COLUMNS)
    if not {"easting", "northing", "location"} <= warehouse.columns("police_street"):
        return pd.DataFrame(columns=COLUMNS)
    frame = run(warehouse, STREETS_POLICE, **bounds)
    return frame[COLUMNS]
