"""Seeded synthetic police.uk street files for the 43 territorial forces of England and
Wales, at national scale (tens of millions of rows), for measuring one machine's limits.

Each force gets invented LSOAs (valid-looking codes ``E01950000`` upwards, ``W01950000`` for
the Welsh forces) laid on a grid of 700 m squares around a point in its real area, with
street snap points in each ('On or near Street 12'); crime concentrates in hotspot LSOAs
as in :mod:`vrhub.synthetic.police`, whose crime types, shares and outcomes it uses. Files
follow data.police.uk exactly: ``YYYY-MM/YYYY-MM-<force>-street.csv`` with the 12
published columns, rows ordered by LSOA name as published; anti-social behaviour has no
Crime ID or outcome.

Rows are made with NumPy and written with Arrow's CSV writer, a month at a time, so 60
million rows take minutes, not hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
from pyproj import Transformer

from vrhub.synthetic.police import CRIME_TYPES, OUTCOMES, STREET_COLUMNS

#: (slug in the file name, name published, easting, northing, share of national crime)
FORCES: tuple[tuple[str, str, float, float, float], ...] = (
    ("avon-and-somerset", "Avon and Somerset Constabulary", 359000, 172000, 0.026),
    ("bedfordshire", "Bedfordshire Police", 505000, 250000, 0.010),
    ("cambridgeshire", "Cambridgeshire Constabulary", 545000, 258000, 0.012),
    ("cheshire", "Cheshire Constabulary", 360000, 366000, 0.016),
    ("city-of-london", "City of London Police", 532500, 181300, 0.002),
    ("cleveland", "Cleveland Police", 449000, 520000, 0.012),
    ("cumbria", "Cumbria Constabulary", 340000, 555000, 0.006),
    ("derbyshire", "Derbyshire Constabulary", 435000, 336000, 0.015),
    ("devon-and-cornwall", "Devon & Cornwall Police", 291000, 92000, 0.020),
    ("dorset", "Dorset Police", 401000, 93000, 0.009),
    ("durham", "Durham Constabulary", 427000, 542000, 0.009),
    ("dyfed-powys", "Dyfed-Powys Police", 241000, 220000, 0.006),
    ("essex", "Essex Police", 572000, 207000, 0.026),
    ("gloucestershire", "Gloucestershire Constabulary", 383000, 218000, 0.008),
    ("greater-manchester", "Greater Manchester Police", 384000, 398000, 0.062),
    ("gwent", "Gwent Police", 331000, 188000, 0.008),
    ("hampshire", "Hampshire Constabulary", 442000, 112000, 0.028),
    ("hertfordshire", "Hertfordshire Constabulary", 515000, 213000, 0.015),
    ("humberside", "Humberside Police", 509000, 430000, 0.016),
    ("kent", "Kent Police", 575000, 156000, 0.031),
    ("lancashire", "Lancashire Constabulary", 355000, 430000, 0.024),
    ("leicestershire", "Leicestershire Police", 459000, 304000, 0.016),
    ("lincolnshire", "Lincolnshire Police", 498000, 371000, 0.010),
    ("merseyside", "Merseyside Police", 338000, 391000, 0.024),
    ("metropolitan", "Metropolitan Police Service", 530000, 180000, 0.170),
    ("norfolk", "Norfolk Constabulary", 623000, 308000, 0.010),
    ("north-wales", "North Wales Police", 285000, 370000, 0.010),
    ("north-yorkshire", "North Yorkshire Police", 460000, 452000, 0.009),
    ("northamptonshire", "Northamptonshire Police", 475000, 260000, 0.011),
    ("northumbria", "Northumbria Police", 425000, 565000, 0.024),
    ("nottinghamshire", "Nottinghamshire Police", 457000, 340000, 0.017),
    ("south-wales", "South Wales Police", 318000, 177000, 0.020),
    ("south-yorkshire", "South Yorkshire Police", 435000, 387000, 0.026),
    ("staffordshire", "Staffordshire Police", 391000, 322000, 0.014),
    ("suffolk", "Suffolk Constabulary", 616000, 244000, 0.009),
    ("surrey", "Surrey Police", 510000, 150000, 0.012),
    ("sussex", "Sussex Police", 530000, 110000, 0.022),
    ("thames-valley", "Thames Valley Police", 470000, 180000, 0.032),
    ("warwickshire", "Warwickshire Police", 428000, 265000, 0.008),
    ("west-mercia", "West Mercia Police", 370000, 270000, 0.016),
    ("west-midlands", "West Midlands Police", 407000, 287000, 0.058),
    ("west-yorkshire", "West Yorkshire Police", 420000, 430000, 0.058),
    ("wiltshire", "Wiltshire Police", 410000, 170000, 0.009),
)
TOTAL_SHARE = sum(f[4] for f in FORCES)
WELSH = {"dyfed-powys", "gwent", "north-wales", "south-wales"}
NATIONAL_ROWS_PER_MONTH = 500_000  # about 60 million over ten years
CELL = 700.0  # metres: one synthetic LSOA
SNAPS_PER_LSOA = 12


@dataclass(frozen=True)
class ForceArea:
    """A force's invented LSOAs: codes, names, snap points (BNG and WGS84)."""

    slug: str
    name: str
    codes: np.ndarray
    names: np.ndarray
    weights: np.ndarray  # relative crime per LSOA (hotspots heavy)
    snap_lon: np.ndarray  # (lsoas, snaps)
    snap_lat: np.ndarray
    snap_street: np.ndarray  # "On or near Street n" per (lsoa, snap)


def force_areas(rows_per_month: int, *, seed: int = 2024) -> list[ForceArea]:
    """Each force's synthetic LSOAs, sized to its share of ``rows_per_month``."""
    rng = np.random.default_rng(seed)
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    out = []
    next_code = 950000
    for slug, name, east, north, share in FORCES:
        rows = rows_per_month * share / TOTAL_SHARE
        n = int(max(20, min(6000, rows / 12)))  # about a dozen crimes per LSOA a month
        side = int(np.ceil(np.sqrt(n)))
        i = np.arange(n)
        cx = east + (i % side - side / 2) * CELL + CELL / 2
        cy = north + (i // side - side / 2) * CELL + CELL / 2
        sx = cx[:, None] + rng.uniform(-CELL / 2.2, CELL / 2.2, (n, SNAPS_PER_LSOA))
        sy = cy[:, None] + rng.uniform(-CELL / 2.2, CELL / 2.2, (n, SNAPS_PER_LSOA))
        lon, lat = to_wgs84.transform(sx, sy)
        prefix = "W01" if slug in WELSH else "E01"
        codes = np.array([f"{prefix}{next_code + k:06d}" for k in range(n)], dtype=object)
        next_code += n
        weights = rng.gamma(2.0, 1.0, n)
        weights[rng.random(n) < 0.03] *= 8  # hotspots
        streets = np.array([[f"On or near Street {(k * SNAPS_PER_LSOA + s) % 997}"
                             for s in range(SNAPS_PER_LSOA)] for k in range(n)], dtype=object)
        out.append(ForceArea(slug, name, codes,
                             np.array([f"{slug} {k:04d}" for k in range(n)], dtype=object),
                             weights / weights.sum(), np.round(lon, 6), np.round(lat, 6),
                             streets))
    return out


def _crime_ids(rng: np.random.Generator, n: int, blank: np.ndarray) -> pa.Array:
    """``n`` random 64-hex Crime IDs, null where ``blank``."""
    text = rng.bytes(32 * n).hex().encode("ascii")
    offsets = np.arange(0, 64 * (n + 1), 64, dtype=np.int32)
    ids = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))
    return pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), ids)


def write_month(areas: list[ForceArea], folder: Path, month: str, rows_per_month: int, *,
                seed: int = 2024) -> list[Path]:
    """One street file per force for ``month``; returns their paths."""
    rng = np.random.default_rng([seed, int(month[:4]), int(month[5:])])
    types = np.array(list(CRIME_TYPES), dtype=object)
    shares = np.array(list(CRIME_TYPES.values()))
    shares /= shares.sum()
    outcomes = np.array(OUTCOMES, dtype=object)
    season = 1 + 0.1 * np.sin(2 * np.pi * (int(month[5:]) - 4) / 12)
    paths = []
    for area, force in zip(areas, FORCES, strict=True):
        n = int(rng.poisson(rows_per_month * force[4] / TOTAL_SHARE * season))
        # in the published order: by LSOA name (an area's names sort as its LSOAs)
        lsoa = np.sort(rng.choice(len(area.codes), n, p=area.weights))
        snap = rng.integers(0, SNAPS_PER_LSOA, n)
        kind = types[rng.choice(len(types), n, p=shares)]
        asb = kind == "Anti-social behaviour"
        outcome = outcomes[rng.integers(0, len(outcomes), n)]
        outcome[asb] = None
        table = pa.table({
            "Crime ID": _crime_ids(rng, n, asb),
            "Month": pa.array(np.full(n, month, dtype=object), pa.string()),
            "Reported by": pa.array(np.full(n, area.name, dtype=object), pa.string()),
            "Falls within": pa.array(np.full(n, area.name, dtype=object), pa.string()),
            "Longitude": area.snap_lon[lsoa, snap],
            "Latitude": area.snap_lat[lsoa, snap],
            "Location": pa.array(area.snap_street[lsoa, snap], pa.string()),
            "LSOA code": pa.array(area.codes[lsoa], pa.string()),
            "LSOA name": pa.array(area.names[lsoa], pa.string()),
            "Crime type": pa.array(kind, pa.string()),
            "Last outcome category": pa.array(outcome, pa.string()),
            "Context": pa.nulls(n, pa.string()),
        })
        assert tuple(table.column_names) == STREET_COLUMNS
        path = folder / month / f"{month}-{area.slug}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pv.write_csv(table, path, pv.WriteOptions(quoting_style="needed"))
        paths.append(path)
    return paths


def write_national(folder: Path, months: list[str], *, rows_per_month: int =
                   NATIONAL_ROWS_PER_MONTH, seed: int = 2024) -> list[Path]:
    """Street files of every force for ``months`` (about ``rows_per_month`` rows a month
    nationally)."""
    areas = force_areas(rows_per_month, seed=seed)
    paths: list[Path] = []
    for month in months:
        paths += write_month(areas, folder, month, rows_per_month, seed=seed)
    return paths
