"""Maps for a needs assessment as SVG made here (no JavaScript, so the PDF draws them):
areas shaded by a value in five classes, optional hotspot cells over them, British
National Grid with north up. Each map carries its title for screen readers; the figures
it shows are also in a table beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

WIDTH = 560
#: light to dark blue, five classes (colour-blind safe), and the fill of areas without data
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#f3f2f1"
CELL_COLOURS = {"persistent hotspot": "#d4351c", "emerging hotspot": "#f47738",
                "intermittent hotspot": "#ffdd00"}


def classes(values: Sequence[float]) -> list[float]:
    """Upper bounds of five quantile classes of the finite ``values``."""
    finite = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
    if not len(finite):
        return []
    return [float(q) for q in np.quantile(finite, [0.2, 0.4, 0.6, 0.8, 1.0])]


def _shade(value: float | None, bounds: list[float]) -> str:
    if value is None or not np.isfinite(value) or not bounds:
        return NO_DATA
    for shade, bound in zip(SHADES, bounds, strict=True):
        if value <= bound:
            return shade
    return SHADES[-1]


def choropleth(areas: gpd.GeoDataFrame, values: Mapping[str, float | None], *, title: str,
               map_id: str, tolerance: float | None = None, outline: Any = None,
               cells: Sequence[tuple[float, float, str]] = (), cell_size: float = 0.0,
               legend: str = "") -> str:
    """An SVG of ``areas`` (``area_code`` + geometry, EPSG:27700) shaded by ``values``;
    ``cells`` are (x, y, classification) squares of ``cell_size`` drawn over them."""
    if not len(areas):
        return ""
    xmin, ymin, xmax, ymax = areas.total_bounds
    pad = max(xmax - xmin, ymax - ymin) * 0.02
    xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    scale = WIDTH / (xmax - xmin)
    height = (ymax - ymin) * scale
    # by default, simplify to about a pixel of the drawing
    tolerance = 1.0 / scale if tolerance is None else tolerance
    bounds = classes([v for v in values.values() if v is not None])

    def path(geom: Any) -> str:
        parts = []
        for polygon in getattr(geom, "geoms", [geom]):
            if polygon.is_empty or not hasattr(polygon, "exterior"):
                continue
            for ring in [polygon.exterior, *polygon.interiors]:
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - xmin) * scale
                py = (ymax - xy[:, 1]) * scale
                # whole pixels: a finer path only costs size and drawing time
                points = np.round(np.column_stack([px, py])).astype(int)
                keep = np.ones(len(points), dtype=bool)
                keep[1:] = (np.diff(points, axis=0) != 0).any(axis=1)
                if keep.sum() < 3:
                    continue
                parts.append("M" + "L".join(f"{a},{b}" for a, b in points[keep]) + "Z")
        return "".join(parts)

    simple = shapely.simplify(areas.geometry.to_numpy(), tolerance)
    shapes = [f'<path fill="{_shade(values.get(code), bounds)}" stroke="#505a5f" '
              f'stroke-width="0.4" d="{path(geom)}"/>'
              for code, geom in zip(areas["area_code"], simple, strict=True)]
    side = cell_size * scale
    for x, y, kind in cells:
        shapes.append(f'<rect fill="{CELL_COLOURS.get(kind, "#d4351c")}" fill-opacity="0.85" '
                      f'x="{(x - cell_size / 2 - xmin) * scale:.1f}" '
                      f'y="{(ymax - y - cell_size / 2) * scale:.1f}" width="{side:.1f}" '
                      f'height="{side:.1f}"/>')
    if outline is not None:
        shapes.append(f'<path fill="none" stroke="#0b0c0c" stroke-width="1.5" '
                      f'd="{path(shapely.simplify(outline, tolerance))}"/>')
    key = _legend(bounds, legend, bool(cells), height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
            f'{height + 40:.0f}" role="img" aria-labelledby="{map_id}-title">'
            f'<title id="{map_id}-title">{escape(title)}</title>'
            + "".join(shapes) + key + "</svg>")


def _legend(bounds: list[float], label: str, with_cells: bool, top: float) -> str:
    if not bounds:
        return ""
    y = top + 8
    parts = [f'<text x="0" y="{y + 11:.0f}" font-size="10">{escape(label)}</text>']
    x = 150.0
    low = 0.0
    for shade, bound in zip(SHADES, bounds, strict=True):
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="12" height="12" fill="{shade}" '
                     'stroke="#505a5f" stroke-width="0.4"/>'
                     f'<text x="{x + 15:.0f}" y="{y + 10:.0f}" font-size="9">'
                     f'{low:.1f}-{bound:.1f}</text>')
        low = bound
        x += 62
    if with_cells:
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="12" height="12" '
                     f'fill="{CELL_COLOURS["persistent hotspot"]}"/><text x="{x + 15:.0f}" '
                     f'y="{y + 10:.0f}" font-size="9">hotspot</text>')
    return "".join(parts)


def heat_grid(grid: Sequence[Sequence[float]], *, rows: Sequence[str], title: str,
              chart_id: str) -> str:
    """An SVG heat map of ``grid`` (a row per label in ``rows``, a column per hour of the
    day), shaded in five quantile classes."""
    cell_w, cell_h, left, top = 20, 18, 40, 16
    values = [float(v) for row in grid for v in row]
    bounds = classes(values)
    parts = [f'<text x="{left + h * cell_w + 2}" y="{top - 4}" font-size="9">{h:02d}</text>'
             for h in range(0, 24, 3)]
    for r, (label, row) in enumerate(zip(rows, grid, strict=True)):
        y = top + r * cell_h
        parts.append(f'<text x="0" y="{y + 13}" font-size="10">{escape(label)}</text>')
        for h, value in enumerate(row):
            parts.append(f'<rect x="{left + h * cell_w}" y="{y}" width="{cell_w - 1}" '
                         f'height="{cell_h - 1}" fill="{_shade(float(value), bounds)}"/>')
    height = top + len(rows) * cell_h
    key = _legend(bounds, "assaults per hour", False, height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + 24 * cell_w} '
            f'{height + 40}" role="img" aria-labelledby="{chart_id}-title">'
            f'<title id="{chart_id}-title">{escape(title)}</title>' + "".join(parts) + key
            + "</svg>")
