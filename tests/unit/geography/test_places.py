"""Place assignment (LSOA 2021, ward, borough) and British National Grid conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.geography import bng, boundaries, police_places
from vrhub.places import placement
from vrhub.standards.geography_tables import AREA_BOUNDARY, AREA_LOOKUP
from vrhub.storage.warehouse import Warehouse

# Two LSOAs side by side (A west, B east), one ward covering both, one borough.
A, B = "E01000001", "E01000002"
WARD, BOROUGH = "E05000001", "E09000001"
X0, Y0 = 530_000.0, 180_000.0


def square(x: float, y: float, size: float = 1000.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def boundary_rows(*rows: tuple[str, str, shapely.Geometry, str | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "level": [r[0] for r in rows],
        "code": [r[1] for r in rows],
        "name": [r[1] for r in rows],
        "borough_code": [r[3] for r in rows],
        "area_m2": [r[2].area for r in rows],
        "geometry": [shapely.to_wkb(r[2]) for r in rows],
        "file_id": "synthetic",
    })


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    w = Warehouse(tmp_path / "w.duckdb")
    w.ensure_tables([AREA_BOUNDARY, AREA_LOOKUP])
    w.insert(AREA_BOUNDARY, boundary_rows(
        ("lsoa21", A, square(X0, Y0), BOROUGH),
        ("lsoa21", B, square(X0 + 1000, Y0), BOROUGH),
        ("ward22", WARD, square(X0, Y0, 2000), BOROUGH),
        ("borough", BOROUGH, square(X0 - 5000, Y0 - 5000, 12_000), BOROUGH),
    ))
    w.insert(AREA_LOOKUP, pd.DataFrame({
        "lsoa21_code": [A, B], "lsoa21_name": ["a", "b"], "ward_code": [WARD, WARD],
        "ward_name": ["w", "w"], "borough_code": [BOROUGH, BOROUGH],
        "borough_name": ["b", "b"], "file_id": "synthetic",
    }))
    return w


def values(series: pd.Series) -> list:
    """Values with every missing marker (None, NaN) as None."""
    return [None if pd.isna(v) else v for v in series]


# -- British National Grid ----------------------------------------------------------------
def test_bng_matches_a_known_grid_reference():
    # Big Ben: Ordnance Survey grid reference TQ 30268 79640
    easting, northing = bng.to_bng([-0.124625], [51.500729])
    assert easting[0] == pytest.approx(530_268, abs=30)
    assert northing[0] == pytest.approx(179_640, abs=30)


@given(st.floats(-5.5, 1.7), st.floats(50.0, 58.5))
@settings(max_examples=50, deadline=None)
def test_bng_round_trip(lon: float, lat: float):
    e, n = bng.to_bng([lon], [lat])
    back_lon, back_lat = bng.to_wgs84(e, n)
    assert back_lon[0] == pytest.approx(lon, abs=1e-7)
    assert back_lat[0] == pytest.approx(lat, abs=1e-7)


def test_great_britain_envelope():
    lon = np.array([-0.12, -3.19, 2.35, 0.0, 51.5, np.nan])
    lat = np.array([51.5, 55.95, 48.86, 0.0, -0.12, 51.5])
    assert bng.lonlat_in_great_britain(lon, lat).tolist() == [
        True, True, False, False, False, False]
    e, n = bng.to_bng(lon[:2], lat[:2])
    assert bng.bng_in_great_britain(e, n).all()


# -- locate ------------------------------------------------------------------------------
def test_locate_points_inside_outside_and_missing(warehouse: Warehouse):
    x = np.array([X0 + 500, X0 + 1500, X0 + 50_000, np.nan])
    y = np.array([Y0 + 500, Y0 + 500, Y0 + 500, np.nan])
    found = placement.locate(warehouse, x, y)
    assert list(found.columns) == ["lsoa21_code", "ward_code", "borough_code"]
    assert values(found["lsoa21_code"]) == [A, B, None, None]
    assert values(found["ward_code"]) == [WARD, WARD, None, None]
    assert values(found["borough_code"]) == [BOROUGH, BOROUGH, None, None]


def test_a_point_on_a_shared_edge_gets_one_of_the_two_areas(warehouse: Warehouse):
    found = placement.locate(warehouse, [X0 + 1000], [Y0 + 500])
    assert found["lsoa21_code"][0] in (A, B)


def test_locate_without_boundaries_returns_nothing(tmp_path: Path):
    found = placement.locate(Warehouse(tmp_path / "empty.duckdb"), [X0], [Y0])
    assert found.isna().all().all()


def test_boundaries_are_cached_until_they_change(warehouse: Warehouse):
    first = placement.boundaries(warehouse)
    assert placement.boundaries(warehouse) is first
    warehouse.insert(AREA_BOUNDARY, boundary_rows(
        ("lsoa21", "E01000003", square(X0 + 2000, Y0), BOROUGH)))
    assert placement.boundaries(warehouse) is not first
    assert placement.locate(warehouse, [X0 + 2500], [Y0 + 500])["lsoa21_code"][0] == "E01000003"


@given(st.lists(st.tuples(st.floats(-500, 2500), st.floats(-500, 1500),
                          st.sampled_from([A, B, None, "E01999999"])), min_size=1,
                max_size=60))
@settings(max_examples=40, deadline=None)
def test_hints_never_change_the_answer(tmp_path_factory, points):
    w = _synthetic(tmp_path_factory)
    layer = placement.boundaries(w).lsoa21
    assert layer is not None
    x = np.array([X0 + p[0] for p in points])
    y = np.array([Y0 + p[1] for p in points])
    hint = np.array([p[2] for p in points], dtype=object)
    plain = layer.locate(x, y)
    hinted = layer.locate(x, y, hint=hint)
    # a shared edge may go either way; elsewhere the answers are identical
    on_edge = np.isclose(x, X0 + 1000)
    assert (plain[~on_edge] == hinted[~on_edge]).all()
    # independent check with shapely predicates, one point at a time
    for i in np.flatnonzero(~on_edge):
        pt = shapely.Point(x[i], y[i])
        expected = A if square(X0, Y0).intersects(pt) else (
            B if square(X0 + 1000, Y0).intersects(pt) else None)
        assert plain[i] == expected


_SYNTHETIC: dict[str, Warehouse] = {}


def _synthetic(factory) -> Warehouse:
    if "w" not in _SYNTHETIC:
        w = Warehouse(factory.mktemp("synthetic") / "w.duckdb")
        w.ensure_tables([AREA_BOUNDARY])
        w.insert(AREA_BOUNDARY, boundary_rows(
            ("lsoa21", A, square(X0, Y0), BOROUGH),
            ("lsoa21", B, square(X0 + 1000, Y0), BOROUGH)))
        _SYNTHETIC["w"] = w
    return _SYNTHETIC["w"]


# -- police.uk rules ------------------------------------------------------------------------
def test_police_place_rules(warehouse: Warehouse):
    cases = [
        # (x offset, y offset, published code, month, expected lsoa21, method, flag)
        (500, 500, A, "2024-01", A, "published", "agree"),
        (1010, 500, A, "2024-01", A, "published", "agree_near_edge"),
        (1800, 500, A, "2024-01", B, "point", "disagree"),
        (1500, 500, None, "2024-01", B, "point", "pip_assigned"),
        (1500, 500, "E01099999", "2022-01", B, "point", "vintage_2011"),
        (500, 500, A, "2022-01", A, "published", "agree"),
        (90_000, 500, A, "2024-01", A, "published", "outside_boundaries"),
        (np.nan, np.nan, A, "2024-01", A, "published", "no_point"),
        (np.nan, np.nan, None, "2024-01", None, "none", "no_point"),
    ]
    x = np.array([X0 + c[0] for c in cases])
    y = np.array([Y0 + c[1] for c in cases])
    codes = np.array([c[2] for c in cases], dtype=object)
    months = np.array([c[3] for c in cases], dtype=object)
    result = police_places.assign_police_places(placement.boundaries(warehouse), x, y, codes,
                                                months)
    assert values(result["lsoa21_code"]) == [c[4] for c in cases]
    assert values(result["place_method"]) == [c[5] for c in cases]
    assert values(result["place_flag"]) == [c[6] for c in cases]
    assert values(result["lsoa_vintage_published"]) == [
        "2021", "2021", "2021", None, "2011", "2021", "2021", "2021", None]
    assert (result.loc[result["lsoa21_code"].notna(), "borough_code"] == BOROUGH).all()


def test_police_places_accept_arrow_codes_and_one_month(warehouse: Warehouse):
    x = np.array([X0 + 500, X0 + 1500, X0 + 500])
    y = np.full(3, Y0 + 500)
    codes = pa.chunked_array([pa.array([A, None, A])])
    result = police_places.assign_police_places(
        placement.boundaries(warehouse), x, y, codes, "2024-05")
    assert values(result["lsoa21_code"]) == [A, B, A]
    assert values(result["place_flag"]) == ["agree", "pip_assigned", "agree"]


def test_without_boundaries_published_2021_codes_are_kept(tmp_path: Path):
    w = Warehouse(tmp_path / "w.duckdb")
    result = police_places.assign_police_places(
        placement.boundaries(w), np.array([X0, np.nan]), np.array([Y0, np.nan]),
        np.array([A, A], dtype=object), "2024-01")
    assert values(result["lsoa21_code"]) == [A, A]
    assert set(result["place_flag"]) == {"no_boundaries"}


@given(st.lists(st.tuples(st.sampled_from([1.0, 2.0, np.nan]),
                          st.sampled_from(["a", "b", None])), max_size=40))
def test_unique_rows_reconstructs_every_row(rows):
    x = np.array([r[0] for r in rows], dtype=float)
    codes = np.array([r[1] for r in rows], dtype=object)
    first, inverse = boundaries.unique_rows(x, codes)
    assert len(inverse) == len(rows)
    rebuilt_x = x[first][inverse]
    assert np.array_equal(rebuilt_x, x, equal_nan=True)
    assert list(codes[first][inverse]) == list(codes)
    distinct = {(None if np.isnan(a) else a, b) for a, b in zip(x, codes, strict=True)}
    assert len(first) == len(distinct)


# -- police.uk rules against a row-at-a-time reference ---------------------------------------
# Four LSOAs in a 2 x 2 grid; two wards split at x = 1500 (LSOAs do not nest in them); two
# boroughs. C is published in 2011 and 2021; E01099999 only in 2011; E01000009 is in the
# lookup but has no polygon loaded.
C, D, LOOKUP_ONLY, OLD = "E01000003", "E01000004", "E01000009", "E01099999"
WARD_W, WARD_E, BOROUGH_2 = "E05000011", "E05000012", "E09000002"
GRID = {A: square(X0, Y0), B: square(X0 + 1000, Y0), C: square(X0, Y0 + 1000),
        D: square(X0 + 1000, Y0 + 1000)}
GRID_WARDS = {WARD_W: shapely.box(X0, Y0, X0 + 1500, Y0 + 2000),
              WARD_E: shapely.box(X0 + 1500, Y0, X0 + 2000, Y0 + 2000)}
GRID_BOROUGHS = {BOROUGH: shapely.box(X0 - 5000, Y0 - 5000, X0 + 1000, Y0 + 7000),
                 BOROUGH_2: shapely.box(X0 + 1000, Y0 - 5000, X0 + 7000, Y0 + 7000)}
LSOA_BOROUGH = {A: BOROUGH, C: BOROUGH, B: BOROUGH_2, D: BOROUGH_2}
GRID_LOOKUP = {A: (WARD_W, BOROUGH), B: (WARD_E, BOROUGH_2), LOOKUP_ONLY: (WARD_E, BOROUGH_2)}


@pytest.fixture
def grid(tmp_path: Path) -> Warehouse:
    w = Warehouse(tmp_path / "grid.duckdb")
    w.ensure_tables([AREA_BOUNDARY, AREA_LOOKUP])
    w.insert(AREA_BOUNDARY, boundary_rows(
        *[("lsoa21", code, shape, LSOA_BOROUGH[code]) for code, shape in GRID.items()],
        *[("ward22", code, shape, None) for code, shape in GRID_WARDS.items()],
        *[("borough", code, shape, code) for code, shape in GRID_BOROUGHS.items()],
        ("lsoa11", C, GRID[C], BOROUGH), ("lsoa11", OLD, square(X0, Y0, 2000), BOROUGH)))
    codes = list(GRID_LOOKUP)
    w.insert(AREA_LOOKUP, pd.DataFrame({
        "lsoa21_code": codes, "lsoa21_name": codes,
        "ward_code": [GRID_LOOKUP[c][0] for c in codes], "ward_name": codes,
        "borough_code": [GRID_LOOKUP[c][1] for c in codes], "borough_name": codes,
        "file_id": "synthetic",
    }))
    return w


def reference_place(x: float, y: float, code: str | None, month: str) -> tuple:
    """The module's rules applied to one row, by hand."""
    codes21 = set(GRID) | set(GRID_LOOKUP)
    codes11 = {C, OLD}
    vintage = None
    if code:
        vintage = ("2021" if code in codes21 and code not in codes11 else
                   "2011" if code in codes11 and code not in codes21 else
                   "2021" if month >= "2023-10" else "2011")
    has_point = bool(np.isfinite(x) and np.isfinite(y))
    point = shapely.Point(x, y) if has_point else None
    found = next((c for c, shape in GRID.items() if point and shape.contains(point)), None)
    checkable = code in GRID
    pub21 = vintage == "2021"
    if not has_point:
        lsoa, method, flag = (code, "published", "no_point") if pub21 else (
            None, "none", "no_point")
    elif found is not None and found == code:
        lsoa, method, flag = code, "published", "agree"
    elif checkable and GRID[code].distance(point) <= police_places.NEAR_EDGE_METRES:
        lsoa, method, flag = code, "published", "agree_near_edge"
    elif found is None:
        kept = pub21 or checkable
        lsoa, method, flag = (code, "published", "outside_boundaries") if kept else (
            None, "none", "outside_boundaries")
    elif not code:
        lsoa, method, flag = found, "point", "pip_assigned"
    elif pub21 or checkable:
        lsoa, method, flag = found, "point", "disagree"
    else:
        lsoa, method, flag = found, "point", "vintage_2011"
    ward = next((w for w, shape in GRID_WARDS.items() if point and shape.contains(point)),
                GRID_LOOKUP.get(lsoa or "", (None, None))[0])
    borough = LSOA_BOROUGH.get(lsoa or "") or GRID_LOOKUP.get(lsoa or "", (None, None))[1]
    if borough is None and point is not None:
        borough = next((b for b, shape in GRID_BOROUGHS.items() if shape.contains(point)), None)
    return vintage, lsoa, ward, borough, method, flag


def _random_rows(rng: np.random.Generator, n: int, pool: int = 60):
    """Rows drawn from a pool of points (police.uk repeats its map points), some missing,
    some outside every LSOA, some within a few metres of an edge."""
    px = X0 + rng.uniform(-300, 2300, pool)
    py = Y0 + rng.uniform(-300, 2300, pool)
    px[:6] = X0 + 1000 + rng.choice([-20.0, -8.0, 8.0, 20.0, 40.0], 6)  # near A|B
    py[:6] = Y0 + rng.uniform(100, 900, 6)
    px[6:9] = np.nan
    pick = rng.integers(0, pool, n)
    codes = np.array([A, B, C, D, None, "", LOOKUP_ONLY, OLD], dtype=object)[
        rng.integers(0, 8, n)]
    return px[pick], py[pick], codes, pick


def _expected(x, y, codes, months) -> dict[str, list]:
    rows = [reference_place(*row) for row in zip(x, y, codes, months, strict=True)]
    return {name: [r[i] for r in rows] for i, name in enumerate(police_places.POLICE_PLACE_COLUMNS)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_police_places_follow_the_rules_row_by_row(grid: Warehouse, seed: int):
    rng = np.random.default_rng(seed)
    x, y, codes, _pick = _random_rows(rng, 400)
    months = np.array(["2022-06", "2023-09", "2023-10", "2024-03"], dtype=object)[
        rng.integers(0, 4, 400)]
    result = police_places.assign_police_places(placement.boundaries(grid), x, y, codes, months)
    expected = _expected(x, y, codes, months)
    for column in police_places.POLICE_PLACE_COLUMNS:
        assert values(result[column]) == expected[column], column


def test_police_cache_follows_the_rules_across_calls(grid: Warehouse):
    """The cache's remembered places (and the wards it learns per LSOA) never change an
    answer, with points numbered by the caller or not."""
    rng = np.random.default_rng(7)
    bounds = placement.boundaries(grid)
    plain, numbered = police_places.PoliceCache(bounds), police_places.PoliceCache(bounds)
    x0, y0, _codes, _ = _random_rows(rng, 60)
    for month in ("2023-05", "2023-11", "2024-01", "2023-06"):
        pick = rng.integers(0, 60, 300)
        x, y = x0[pick], y0[pick]
        codes = np.array([A, B, C, None, LOOKUP_ONLY, OLD], dtype=object)[
            rng.integers(0, 6, 300)]
        expected = _expected(x, y, codes, [month] * len(x))
        table = plain.assign(x, y, pa.array(codes, pa.string()), month).to_pandas()
        columns = numbered.places(x, y, pa.array(codes, pa.string()).dictionary_encode(),
                                  month, point_numbers=np.where(np.isnan(x), -1, pick))
        for column in police_places.POLICE_PLACE_COLUMNS:
            assert values(table[column]) == expected[column], (month, column)
            assert columns[column].to_pylist() == expected[column], (month, column)
            # the dictionaries hold each distinct place value once, no blanks
            dictionary = columns[column].dictionary.to_pylist()
            assert len(dictionary) == len(set(dictionary)) and None not in dictionary
    with pytest.raises(ValueError, match="point_numbers"):
        numbered.places(x0[:3], y0[:3], [A, A, A], "2024-01")
