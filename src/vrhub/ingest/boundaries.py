"""Loader for area boundaries: LSOA 2011 and 2021, wards (2022) and local authority
districts (boroughs).

``vrhub load boundaries PATH...`` accepts zipped shapefiles, shapefiles, GeoJSON and
gzip-compressed GeoJSON. The level is detected from the attribute fields (any letter case)
and, for districts, from how finely the boundaries are drawn:

==========  =====================  ==========================  ==========================
level       code field             borough field               drawn
==========  =====================  ==========================  ==========================
lsoa11      LSOA11CD               LAD11CD (or LAD22CD)
lsoa21      LSOA21CD               LAD22CD (or LAD21CD)
ward22      WD22CD                 LAD22CD
borough     LAD22CD / LAD21CD /    (itself)                    finely enough to place
            LAD23CD / GSS_CODE                                 street points
district    the same               (itself)                    ultra generalised (median
                                                               boundary segment longer
                                                               than 250 m, on shapes of
                                                               many sides)
==========  =====================  ==========================  ==========================

``district`` holds a wide, coarse layer such as the ONS "UK BUC" district boundaries
(every district of the UK, generalised to 500 m): right for maps and for the outline of a
study area outside London, too coarse to say which district a street point lies in, so
places never come from it (they come from LSOA codes and the ONS lookups). ``borough`` holds
fine district polygons (London's boroughs).

Geometries are stored as WKB in British National Grid (EPSG:27700); a layer in any other
CRS is reprojected and the choice announced. A layer with no CRS is refused. A newer file
for a level replaces the older file's areas (one boundary set per level); of several files
for one level in a load, the last is loaded and each other one is reported as skipped, with
the file that supplies the level instead. Features without a code or geometry are
quarantined; invalid geometries are repaired (and counted). After loading, the study area's
districts with boundaries are announced, and police.uk places and ED site areas are
re-assigned against the new boundaries.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from vrhub.errors import InputError, Location
from vrhub.ingest.inputs import InputFile
from vrhub.ingest.reference_files import load_files, merge_counts, store_rows
from vrhub.ingest.report import FileReport, LoadReport
from vrhub.ingest.sources import Source
from vrhub.progress import Progress
from vrhub.standards.geography_tables import AREA_BOUNDARY
from vrhub.standards.schema import Problem
from vrhub.storage import police_rollup
from vrhub.storage.warehouse import FileLoad, Warehouse

SOURCE = "boundaries"
BNG = 27700
SHAPEFILE_PARTS = (".shp", ".dbf", ".shx", ".prj")

#: A district layer whose median boundary segment is longer than this (metres) is drawn too
#: coarsely to place street points: it is the ``district`` (outline) level, not ``borough``.
#: ONS "BGC" boundaries (generalised to 20 m) have segments of about 100 m, "BUC" (500 m)
#: of about 1,900 m.
COARSE_SEGMENT_M = 250.0
#: Polygons with this many coordinates or fewer (median) are schematic shapes drawn exactly
#: (squares, rectangles), whatever the length of their sides. The UK "BUC" districts have a
#: median of 44.
SCHEMATIC_VERTICES = 12

#: level -> (code fields, name fields, borough code fields), first present wins.
LEVEL_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "lsoa11": (("LSOA11CD",), ("LSOA11NM",), ("LAD11CD", "LAD22CD", "LAD21CD")),
    "lsoa21": (("LSOA21CD",), ("LSOA21NM",), ("LAD22CD", "LAD21CD", "LAD23CD")),
    "ward22": (("WD22CD",), ("WD22NM",), ("LAD22CD",)),
    "borough": (("LAD22CD", "LAD21CD", "LAD23CD", "GSS_CODE"), ("LAD22NM", "LAD21NM",
                "LAD23NM", "NAME"), ()),
}


def gdal_path(file: InputFile) -> str:
    """The GDAL virtual path of an input: /vsizip/ for archive members, /vsigzip/ for
    gzip files."""
    if file.member is not None:
        inner = f"/vsizip/{file.path.resolve()}/{file.member}"
        return f"/vsigzip/{inner}" if file.member.lower().endswith(".gz") else inner
    with open(file.path, "rb") as handle:
        gz = handle.read(2) == b"\x1f\x8b"
    return f"/vsigzip/{file.path.resolve()}" if gz else str(file.path.resolve())


def _siblings(file: InputFile) -> list[InputFile]:
    """A shapefile's .shp, .dbf, .shx and .prj parts (those present)."""
    base = (file.member or str(file.path))[:-4]
    parts: list[InputFile] = []
    for suffix in SHAPEFILE_PARTS:
        if file.member is not None:
            import zipfile

            with zipfile.ZipFile(file.path) as archive:
                names = set(archive.namelist())
            for candidate in (base + suffix, base + suffix.upper()):
                if candidate in names:
                    parts.append(InputFile(file.path, candidate))
                    break
        else:
            candidate_path = Path(base + suffix)
            if candidate_path.exists():
                parts.append(InputFile(candidate_path))
    return parts


def fingerprint(file: InputFile) -> str:
    """sha256 of the bytes read: for a shapefile, of its .shp, .dbf, .shx and .prj parts
    together (an attribute change is a new file)."""
    if not file.logical_name.lower().endswith(".shp"):
        return file.sha256()
    digest = hashlib.sha256()
    for part in _siblings(file):
        digest.update(part.sha256().encode())
    return digest.hexdigest()


def detect_level(fields: Sequence[str], file: InputFile) -> tuple[str, str, str | None,
                                                                    str | None]:
    """(level, code field, name field, borough field) from a layer's attribute fields."""
    by_upper = {f.upper(): f for f in fields}
    for level, (codes, names, boroughs) in LEVEL_FIELDS.items():
        code = next((by_upper[c] for c in codes if c in by_upper), None)
        if code is None:
            continue
        name = next((by_upper[n] for n in names if n in by_upper), None)
        borough = next((by_upper[b] for b in boroughs if b in by_upper), None)
        return level, code, name, borough
    raise InputError(
        "cannot tell which areas these boundaries are: no LSOA11CD, LSOA21CD, WD22CD, "
        f"LAD22CD or GSS_CODE field (fields: {', '.join(fields)})",
        Location(file.display, column="LSOA21CD"),
        hint="give the ONS or London Datastore boundary file as published, with its GSS "
        "code field",
    )


def median_segment(geometry: np.ndarray) -> float:
    """Median length (m) of the straight segments drawing the polygons' boundaries: how
    finely a layer is drawn."""
    rings = shapely.boundary(geometry[~(shapely.is_missing(geometry)
                                        | shapely.is_empty(geometry))])
    coords, index = shapely.get_coordinates(rings, return_index=True)
    if len(coords) < 2:
        return 0.0
    steps = np.hypot(*np.diff(coords, axis=0).T)
    same = index[1:] == index[:-1]
    steps = steps[same & (steps > 0)]
    return float(np.median(steps)) if len(steps) else 0.0


def drawn_level(level: str, geometry: np.ndarray) -> tuple[str, float | None]:
    """``district`` for a coarse district layer, else ``level``; and the median segment
    measured (None when not measured). Coarse: a median boundary segment longer than
    :data:`COARSE_SEGMENT_M` on shapes of many sides (real boundaries generalised); shapes
    of a few long sides (:data:`SCHEMATIC_VERTICES` or fewer, such as grid squares) are
    taken as drawn exactly."""
    if level != "borough":
        return level, None
    segment = median_segment(geometry)
    present = geometry[~(shapely.is_missing(geometry) | shapely.is_empty(geometry))]
    vertices = float(np.median(shapely.get_num_coordinates(present))) if len(present) else 0
    coarse = segment > COARSE_SEGMENT_M and vertices > SCHEMATIC_VERTICES
    return ("district" if coarse else level), segment


def _areas(geometry: np.ndarray, empty: np.ndarray) -> np.ndarray:
    areas = np.full(len(geometry), np.nan)
    areas[~empty] = shapely.area(geometry[~empty])
    return areas


def _handle(load: FileLoad, file: InputFile, entry: FileReport, progress: Progress) -> None:
    path = gdal_path(file)
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # GDAL raises many types for unreadable data
        raise InputError(
            f"not a readable boundary file ({type(exc).__name__}: {str(exc)[:120]})",
            Location(file.display),
            hint="give a shapefile (with its .dbf, .shx and .prj), a zip of one, or GeoJSON",
        ) from None
    level, code_field, name_field, borough_field = detect_level(
        [c for c in frame.columns if c != "geometry"], file)
    load.rows_read = len(frame)
    if frame.crs is None:
        raise InputError(
            "the layer has no coordinate reference system (.prj missing?)",
            Location(file.display),
            hint="include the shapefile's .prj file, or give the GeoJSON as published",
        )
    epsg = frame.crs.to_epsg(min_confidence=25)
    if epsg == BNG and frame.crs.to_epsg() != BNG:
        entry.notes.append(f"CRS {frame.crs.name!r} taken as EPSG:27700")
        frame = frame.set_crs(BNG, allow_override=True)
    elif epsg != BNG:
        progress.note(f"{file.name}: boundaries in {frame.crs.name} reprojected to British "
                      "National Grid (EPSG:27700)")
        entry.notes.append(f"reprojected from {frame.crs.name} to EPSG:27700")
        frame = frame.to_crs(BNG)
    geometry = np.asarray(frame.geometry.values, dtype=object)
    level, segment = drawn_level(level, geometry)
    if level == "district":
        entry.notes.append(
            f"drawn coarsely (median boundary segment {segment:,.0f} m): loaded as the "
            "district outline layer, for maps and study-area outlines; places come from "
            "LSOA codes and the ONS lookups, never from these polygons")
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    invalid = ~empty & ~shapely.is_valid(geometry)
    if invalid.any():
        geometry[invalid] = shapely.make_valid(geometry[invalid])
        entry.notes.append(f"{int(invalid.sum())} invalid geometr(ies) repaired")
    codes = frame[code_field].astype(str).str.strip().str.upper()
    rows = np.arange(1, len(frame) + 1)
    out = pd.DataFrame({
        "level": level,
        "code": codes,
        "name": frame[name_field].astype(str).str.strip() if name_field else None,
        "borough_code": (codes if level in ("borough", "district") else
                         frame[borough_field].astype(str).str.strip().str.upper()
                         if borough_field else None),
        "area_m2": _areas(geometry, empty),
        "geometry": [None if e else shapely.to_wkb(g) for g, e in zip(geometry, empty,
                                                                      strict=True)],
        "file_id": load.file_id,
    })
    problems = [Problem(int(r), "geometry", None, "the feature has no geometry",
                        "geometry:required") for r in rows[empty]]
    duplicated = out["code"].duplicated(keep="first").to_numpy()
    problems += [Problem(int(r), code_field, c, f"{code_field} {c} appears twice in the file; "
                         "the first feature is kept", "code:duplicate")
                 for r, c in zip(rows[duplicated], out["code"][duplicated], strict=True)]
    load.partition = level
    load.replace([AREA_BOUNDARY], level=level)
    if load.replaced_files:
        entry.notes.append(f"replaces the {level} boundaries loaded before")
    stored, by_rule = store_rows(load, AREA_BOUNDARY, out, rows, problems)
    merge_counts(entry, Counter(by_rule))
    entry.notes.append(f"level {level}: {stored:,} areas")


def _after(warehouse: Warehouse, report: LoadReport, progress: Progress) -> None:
    if not any(f.status == "loaded" for f in report.files):
        return
    from vrhub.storage.study_area import boundary_coverage

    coverage = boundary_coverage(warehouse).describe()
    report.notes.append(coverage)
    progress.note(coverage)
    refresh_places(warehouse, progress)
    from vrhub.ingest.ed_sites import refresh_site_areas

    refresh_site_areas(warehouse, progress)


def refresh_places(warehouse: Warehouse, progress: Progress) -> None:
    """Re-assign police.uk places against the boundaries now loaded."""
    if not (warehouse.has_table("police_street") or warehouse.has_table("police_stop_search")):
        return
    try:
        from vrhub.places import placement
    except ImportError:
        progress.note("police places not re-assigned: vrhub.places.placement is not "
                      "available in this installation")
        return
    updated = placement.refresh(warehouse, progress)
    if "police_street" in updated:  # rows moved between areas: count them again
        police_rollup.refresh(warehouse)
    for table, n in updated.items():
        progress.note(f"re-assigned LSOA/ward/borough of {n:,} {table} rows")


def load_boundaries(
    warehouse: Warehouse, files: Sequence[InputFile], progress: Progress
) -> LoadReport:
    def handle(load: FileLoad, file: InputFile, entry: FileReport) -> None:
        _handle(load, file, entry, progress)

    chosen, skipped = one_file_per_level(files)
    report = load_files(warehouse, SOURCE, chosen, progress, tables=(AREA_BOUNDARY,),
                        handle=handle, after=_after, fingerprint=fingerprint)
    for file, level, winner in skipped:
        note = (f"not loaded: {winner.name}, later in this load, supplies the {level} "
                "boundaries (one file per level)")
        progress.note(f"{file.name}: {note}")
        report.files.append(FileReport(file=file.name, sha256="", status="skipped",
                                       notes=[note]))
    return report


def one_file_per_level(files: Sequence[InputFile]
                       ) -> tuple[list[InputFile], list[tuple[InputFile, str, InputFile]]]:
    """Keep the last file (in load order) for each area level; the others are skipped, so
    that loading a folder with two borough layers is deterministic and reloading it
    changes nothing."""
    levels: list[str | None] = []
    for file in files:
        try:
            fields = list(pyogrio.read_info(gdal_path(file))["fields"])
            level = detect_level(fields, file)[0]
            if level == "borough":
                frame = pyogrio.read_dataframe(gdal_path(file), columns=[])
                if frame.crs is not None and frame.crs.to_epsg(min_confidence=25) != BNG:
                    frame = frame.to_crs(BNG)
                level = drawn_level(level, np.asarray(frame.geometry.values, dtype=object))[0]
            levels.append(level)
        except Exception:  # unreadable or unrecognised: let the load report it
            levels.append(None)
    last = {level: i for i, level in enumerate(levels) if level is not None}
    chosen = [f for i, (f, lv) in enumerate(zip(files, levels, strict=True))
              if lv is None or last[lv] == i]
    skipped = [(f, str(lv), files[last[lv]]) for i, (f, lv) in
               enumerate(zip(files, levels, strict=True)) if lv is not None and last[lv] != i]
    return chosen, skipped


SOURCES = (
    Source(
        name=SOURCE,
        description="Boundaries of LSOAs (2011, 2021), wards (2022) and local authority "
        "districts (fine: borough; ultra generalised: district): zipped shapefiles, GeoJSON "
        "or GeoJSON.gz; stored in British National Grid.",
        patterns=("*.shp", "*.geojson", "*.json"),
        load=load_boundaries,
    ),
)
