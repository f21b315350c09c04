"""Named street points inside a box, for naming places on maps ("Kingsland High Street").

The gazetteer's street points are used when it is built (``vrhub istv gazetteer build``);
otherwise the police.uk snap points ("On or near X"), which are the gazetteer's own source.
"""

from __future__ import annotations

import pandas as pd

from vrhub.storage.warehouse import Warehouse

COLUMNS = ["name", "easting", "northing", "weight"]


def street_points(warehouse: Warehouse, box: tuple[float, float, float, float]
                  ) -> pd.DataFrame:
    """Street points (``name``, ``easting``, ``northing``, ``weight``) inside ``box``
    (xmin, ymin, xmax, ymax in British National Grid metres); empty when neither the
    gazetteer nor police.uk points are loaded."""
    xmin, ymin, xmax, ymax = (float(v) for v in box)
    bounds = [xmin, xmax, ymin, ymax]
    if warehouse.has_table("gazetteer_point") and warehouse.has_table("gazetteer_name"):
        frame = warehouse.query(
            "SELECT coalesce(n.display_name, n.name) AS name, p.easting, p.northing, "
            "p.weight FROM gazetteer_point p JOIN gazetteer_name n USING (name_id) "
            "WHERE n.kind = 'street' AND p.easting BETWEEN ? AND ? "
            "AND p.northing BETWEEN ? AND ?", bounds)
        if len(frame):
            return frame[COLUMNS]
    if not warehouse.has_table("police_street"):
        return pd.DataFrame(columns=COLUMNS)
    columns = set(warehouse.query("SELECT * FROM police_street LIMIT 0").columns)
    if not {"easting", "northing", "location"} <= columns:
        return pd.DataFrame(columns=COLUMNS)
    frame = warehouse.query(
        "SELECT location AS name, easting, northing, count(*)::DOUBLE AS weight "
        "FROM police_street WHERE location IS NOT NULL AND easting BETWEEN ? AND ? "
        "AND northing BETWEEN ? AND ? GROUP BY ALL", bounds)
    return frame[COLUMNS]
