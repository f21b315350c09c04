"""Named questions about the study area's districts (:mod:`vrhub.standards.study_area`).

- :func:`district_boundaries`: each district's polygon from the finest layer that has it
  (``borough`` before the coarse ``district`` outline layer);
- :func:`district_names`: the districts' names from whatever names them (boundaries, the
  ONS lookup, the named area);
- :func:`boundary_coverage`: which of the study area's districts have boundaries, and at
  which level.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from vrhub.standards import study_area as standard
from vrhub.standards.study_area import StudyArea
from vrhub.storage.queries.core import rows, run
from vrhub.storage.queries.names import DISTRICT_BOUNDARIES, DISTRICT_LOOKUP_NAMES
from vrhub.storage.warehouse import Warehouse

#: District levels of ``area_boundary``, finest first.
DISTRICT_LEVELS = ("borough", "district")


def district_boundaries(warehouse: Warehouse, codes: tuple[str, ...] | list[str]
                        ) -> pd.DataFrame:
    """``code``, ``name``, ``level``, ``geometry`` (WKB, EPSG:27700), ``file_id`` of each of
    ``codes`` that has a boundary, from the finest level that holds it."""
    if not codes or not warehouse.has_table("area_boundary"):
        return pd.DataFrame(columns=["code", "name", "level", "geometry", "file_id"])
    return run(warehouse, DISTRICT_BOUNDARIES, codes=list(codes))


def district_names(warehouse: Warehouse, codes: tuple[str, ...] | list[str]
                   ) -> dict[str, str]:
    """A name for each of ``codes`` where one is known: the fine boundaries' name, else the
    outline layer's, else the ONS lookup's."""
    names: dict[str, str] = {}
    if not codes:
        return names
    if warehouse.has_table("area_lookup"):
        for code, name in rows(warehouse, DISTRICT_LOOKUP_NAMES, codes=list(codes)):
            names[str(code)] = str(name)
    found = district_boundaries(warehouse, codes)
    for code, name in zip(found["code"], found["name"], strict=True):
        if isinstance(name, str) and name:
            names[str(code)] = name
    return names


@dataclass(frozen=True)
class BoundaryCoverage:
    """Which of the study area's districts have boundaries (fine or outline only)."""

    area: StudyArea
    fine: tuple[str, ...]
    outline_only: tuple[str, ...]
    missing: tuple[str, ...]

    def describe(self) -> str:
        n = len(self.area.districts)
        text = (f"study area {self.area.describe()}: boundaries for "
                f"{n - len(self.missing)} of {n} districts")
        if self.outline_only:
            text += (f" ({len(self.outline_only)} from the coarse district layer, for maps and "
                     "the outline only)")
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (", ..." if len(self.missing) > 5 else "")
            text += f"; none for {shown}"
        return text


def boundary_coverage(warehouse: Warehouse, area: StudyArea | None = None
                      ) -> BoundaryCoverage:
    area = area or warehouse.study_area
    found = district_boundaries(warehouse, area.districts)
    level = dict(zip(found["code"], found["level"], strict=True))
    return BoundaryCoverage(
        area,
        tuple(c for c in area.districts if level.get(c) == "borough"),
        tuple(c for c in area.districts if level.get(c) == "district"),
        tuple(c for c in area.districts if c not in level))


def names_of(warehouse: Warehouse, area: StudyArea | None = None) -> dict[str, str]:
    """Every study-area district's name (its code where nothing names it)."""
    area = area or warehouse.study_area
    names = {**standard.district_names(area), **district_names(warehouse, area.districts)}
    return {code: names.get(code, code) for code in area.districts}
