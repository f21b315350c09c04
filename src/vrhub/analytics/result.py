"""What every hotspot function returns: a frame with documented columns, metadata, notes.

A :class:`HotspotResult` has one row per grid cell inside the study area. The columns a
result carries depend on the method, but every column name means the same thing in every
result (:data:`COLUMNS`). Automatic choices (cell size, bandwidth, neighbourhood distance,
period) are announced through ``progress`` when they are made and recorded both in
``metadata["automatic"]`` (machine-readable) and ``notes`` (the sentences announced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from vrhub.analytics.grid import Grid
from vrhub.progress import SILENT, Progress

#: Every column a hotspot result may carry, with its meaning. Results keep this order.
COLUMNS: dict[str, str] = {
    "cell_id": "Integer id of the grid cell: row * ncols + col, rows counted from the south "
    "edge of the grid and columns from the west edge (stable for a given grid origin, cell "
    "size and extent).",
    "x": "Easting of the cell centre, metres, British National Grid (EPSG:27700).",
    "y": "Northing of the cell centre, metres, British National Grid (EPSG:27700).",
    "n": "Number of events in the cell.",
    "kde": "Kernel density estimate at the cell centre, events per square kilometre, "
    "rescaled so that it integrates to the number of events over the study area.",
    "gistar_z": "Getis-Ord Gi* z-score of the cell (binary distance-band weights, the cell "
    "itself included). Positive: more events nearby than expected; negative: fewer.",
    "p_value": "Two-sided p-value of gistar_z under the normal approximation.",
    "p_fdr": "p_value adjusted for the number of cells tested (Benjamini-Hochberg false "
    "discovery rate).",
    "hotspot": "'hotspot' where p_fdr < 0.05 and gistar_z > 0, 'coldspot' where p_fdr < 0.05 "
    "and gistar_z < 0, otherwise 'none'.",
    "n_before": "Events in the cell in the first period (before the split date) or the first "
    "group.",
    "n_after": "Events in the cell in the second period (on or after the split date) or the "
    "second group.",
    "change": "n_after - n_before.",
    "periods_hot": "Number of periods in which the cell was a significant hotspot.",
    "periods_cold": "Number of periods in which the cell was a significant coldspot.",
    "classification": "Hotspot category over time: persistent, emerging, intermittent or "
    "former hotspot/coldspot, mixed hot/coldspot, or no pattern.",
    "population_density": "Kernel density of the resident population at the cell centre, "
    "people per square kilometre.",
    "rate": "Events per 1,000 residents: kde / population_density * 1000; empty where the "
    "population density is too small to give a stable rate.",
}

#: Significance threshold used for the ``hotspot`` label and summaries.
ALPHA = 0.05


class Choices:
    """Records automatic choices: announces each through ``progress`` and keeps it."""

    def __init__(self, progress: Progress = SILENT) -> None:
        self.progress = progress
        self.automatic: dict[str, Any] = {}
        self.notes: list[str] = []

    def choose(self, name: str, value: Any, message: str) -> None:
        """An automatic choice: ``name`` was set to ``value``; ``message`` explains it."""
        self.automatic[name] = value
        self.note(message)

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.progress.note(message)


@dataclass
class HotspotResult:
    """One row per study-area grid cell, plus parameters and the choices made."""

    method: str
    frame: pd.DataFrame
    grid: Grid
    parameters: dict[str, Any] = field(default_factory=dict)
    automatic: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, Any]:
        """Everything needed to reproduce and read the result (JSON-serialisable)."""
        return {
            "method": self.method,
            "parameters": self.parameters,
            "automatic": self.automatic,
            "notes": self.notes,
            "grid": self.grid.describe(),
            "summary": self.summary,
            "columns": {c: COLUMNS[c] for c in self.frame.columns if c in COLUMNS},
            "crs": "EPSG:27700",
        }

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The frame with each cell's square as geometry (EPSG:27700)."""
        half = self.grid.cell_size / 2
        x = self.frame["x"].to_numpy()
        y = self.frame["y"].to_numpy()
        polygons = shapely.box(x - half, y - half, x + half, y + half)
        frame = self.frame.copy()
        for column in frame.columns:  # plain text for every output format
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype(str)
        return gpd.GeoDataFrame(frame, geometry=polygons, crs="EPSG:27700")


def base_frame(grid: Grid) -> pd.DataFrame:
    """cell_id, x, y of every study-area cell, in cell_id order."""
    rows, cols = np.nonzero(grid.mask)
    x, y = grid.centres(rows, cols)
    return pd.DataFrame({"cell_id": rows.astype(np.int64) * grid.ncols + cols, "x": x, "y": y})


LABELS = ("none", "hotspot", "coldspot")


def hotspot_label(z: np.ndarray, p_fdr: np.ndarray, alpha: float = ALPHA) -> pd.Categorical[str]:
    """'hotspot', 'coldspot' or 'none' from z-scores and adjusted p-values (categorical)."""
    significant = np.nan_to_num(p_fdr, nan=1.0) < alpha
    codes = np.zeros(len(z), dtype=np.int8)
    codes[significant & (z > 0)] = 1
    codes[significant & (z < 0)] = 2
    return pd.Categorical.from_codes(codes, categories=pd.Index(LABELS))
