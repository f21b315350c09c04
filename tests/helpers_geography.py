"""Test helper: put the real London boundaries and lookup into a warehouse.

Boundaries are normally loaded by the ``boundaries`` source; these tests insert them
directly through the Warehouse API so that place assignment can be tested on its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from vrhub.standards.geography_tables import AREA_BOUNDARY, AREA_LOOKUP
from vrhub.storage.warehouse import Warehouse

TEST_FILE_ID = "test-boundaries"


@lru_cache(maxsize=2)
def boundary_frame(shared_data: Path, levels: tuple[str, ...]) -> pd.DataFrame:
    """AREA_BOUNDARY rows for ``levels`` read from ../shared/data/boundaries."""
    folder = shared_data / "boundaries"
    sources = {
        "lsoa21": (f"zip://{folder / 'london-2021-lsoa-gen20.zip'}", "LSOA21CD", "LSOA21NM",
                   "LAD22CD"),
        "lsoa11": (f"zip://{folder / 'LSOA_2011_London_gen_MHW.zip'}", "LSOA11CD", "LSOA11NM",
                   "LAD11CD"),
        "ward22": (f"/vsigzip/{folder / 'london_wards.json.gz'}", "WD22CD", "WD22NM",
                   "LAD22CD"),
        "borough": (f"zip://{folder / 'london-2021-lad22-gen20.zip'}", "LAD22CD", "LAD22NM",
                    "LAD22CD"),
    }
    parts = []
    for level in levels:
        path, code, name, borough = sources[level]
        frame = gpd.read_file(path).to_crs(27700)
        parts.append(pd.DataFrame({
            "level": level,
            "code": frame[code].astype(str),
            "name": frame[name].astype(str),
            "borough_code": frame[borough].astype(str),
            "area_m2": frame.geometry.area.to_numpy(),
            "geometry": shapely.to_wkb(frame.geometry.to_numpy()),
            "file_id": TEST_FILE_ID,
        }))
    return pd.concat(parts, ignore_index=True)


@lru_cache(maxsize=1)
def lookup_frame(shared_data: Path) -> pd.DataFrame:
    """AREA_LOOKUP rows (London only) from the ONS LSOA 2021 -> ward -> LAD lookup."""
    raw = pd.read_csv(shared_data / "lookups" / "lsoa_to_ward.csv.gz", dtype=str,
                      encoding="utf-8-sig")
    raw = raw[raw["LAD24CD"].str.startswith("E09")]
    return pd.DataFrame({
        "lsoa21_code": raw["LSOA21CD"], "lsoa21_name": raw["LSOA21NM"],
        "ward_code": raw["WD24CD"], "ward_name": raw["WD24NM"],
        "borough_code": raw["LAD24CD"], "borough_name": raw["LAD24NM"],
        "file_id": TEST_FILE_ID,
    })


def install_boundaries(
    warehouse: Warehouse,
    shared_data: Path,
    levels: tuple[str, ...] = ("lsoa21", "lsoa11", "ward22", "borough"),
    *,
    lookup: bool = True,
) -> None:
    """Insert the London boundaries (and lookup) into ``warehouse``."""
    warehouse.ensure_tables([AREA_BOUNDARY, AREA_LOOKUP])
    warehouse.insert(AREA_BOUNDARY, boundary_frame(shared_data, levels))
    if lookup:
        warehouse.insert(AREA_LOOKUP, lookup_frame(shared_data))
