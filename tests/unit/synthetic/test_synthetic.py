"""The seeded synthetic geography and police data used by the demo."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from vrhub.standards.codes import BoroughCode, LSOACode, ODSCode, WardCode
from vrhub.synthetic.geography import build_geography, write_geography
from vrhub.synthetic.national import force_areas, write_month
from vrhub.synthetic.police import (
    CRIME_TYPES,
    STREET_COLUMNS,
    months_between,
    mps_counts,
    write_mps_tables,
    write_street_files,
)


@pytest.fixture(scope="module")
def geo():  # type: ignore[no-untyped-def]
    return build_geography(2024)


def test_codes_are_valid_and_obviously_synthetic(geo) -> None:  # type: ignore[no-untyped-def]
    for code in geo.lsoa21["code"]:
        assert LSOACode(code).startswith("E0199")
    for code in geo.lsoa11["code"]:
        assert LSOACode(code)[:5] in {"E0199", "E0198"}
    for code in geo.wards["code"]:
        assert WardCode(code).startswith("E0599")
    for code in geo.boroughs["code"]:
        assert BoroughCode(code).startswith("E0999")
    for code in geo.sites["site_code"]:
        assert ODSCode(code).startswith("ZZ")


def test_lsoas_tile_their_wards_and_boroughs(geo) -> None:  # type: ignore[no-untyped-def]
    assert len(geo.boroughs) == 6 and len(geo.wards) == 24 and len(geo.lsoa21) == 144
    assert geo.lsoa21.geometry.area.sum() == pytest.approx(geo.boroughs.geometry.area.sum())
    assert geo.lsoa11.geometry.area.sum() == pytest.approx(geo.boroughs.geometry.area.sum())
    for ward in geo.wards.itertuples():
        cells = geo.lsoa21[geo.lsoa21["ward_code"] == ward.code]
        assert shapely.union_all(cells.geometry.values).equals(ward.geometry)
    # the coordinates are real British National Grid in inner London
    x0, y0, x1, y1 = geo.boroughs.total_bounds
    assert 515_000 < x0 < x1 < 545_000 and 165_000 < y0 < y1 < 190_000


def test_every_ons_change_type_occurs_and_pairs_overlap(geo) -> None:  # type: ignore[no-untyped-def]
    assert set(geo.changes["change"]) == {"U", "S", "M", "X"}
    g11 = geo.lsoa11.set_index("code").geometry
    g21 = geo.lsoa21.set_index("code").geometry
    for pair in geo.changes.itertuples():
        overlap = shapely.intersection(g11[pair.lsoa11_code], g21[pair.lsoa21_code]).area
        assert overlap > 0, pair
    assert set(geo.changes["lsoa21_code"]) == set(geo.lsoa21["code"])
    assert set(geo.changes["lsoa11_code"]) == set(geo.lsoa11["code"])


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a, b, c = (build_geography(s) for s in (5, 5, 6))
    write_geography(a, tmp_path / "a")
    write_geography(b, tmp_path / "b")
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")
                                         ).read_bytes(), path
    assert not np.array_equal(a.lsoa21["population"], c.lsoa21["population"])


def test_written_files_use_the_published_formats(tmp_path: Path, geo) -> None:  # type: ignore[no-untyped-def]
    paths = write_geography(geo, tmp_path)
    lookup = paths["lsoa-lookup"][0].read_bytes()
    assert lookup.startswith(b"\xef\xbb\xbfLSOA11CD,LSOA11NM,LSOA21CD")
    wards = json.loads(gzip.decompress(paths["boundaries"][2].read_bytes()))
    assert {"WD22CD", "WD22NM", "LAD22CD"} <= set(wards["features"][0]["properties"])
    sites = paths["ed-sites"][0].read_text().splitlines()[0]
    assert sites == '"icb_code","icb","provider_code","provider","site_code","site",' \
                    '"easting","northing"'


def test_street_files_look_like_police_uk(tmp_path: Path, geo) -> None:  # type: ignore[no-untyped-def]
    months = months_between("2023-10", 3)
    paths = write_street_files(geo, tmp_path, months)
    assert [p.name for p in paths] == [f"{m}-metropolitan-street.csv" for m in months]
    rows = []
    for path in paths:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            assert tuple(reader.fieldnames or ()) == STREET_COLUMNS
            rows += list(reader)
    types = {r["Crime type"] for r in rows}
    assert "Violence and sexual offences" in types and types <= set(CRIME_TYPES)
    located = [r for r in rows if r["LSOA code"]]
    assert all(r["Location"].startswith("On or near ") for r in located)
    assert any(r["Location"] == "No Location" and not r["Longitude"] for r in rows)
    asb = [r for r in rows if r["Crime type"] == "Anti-social behaviour"]
    assert asb and all(r["Crime ID"] == "" and r["Last outcome category"] == "" for r in asb)
    # crime concentrates: the busiest 10% of LSOAs hold far more than 10% of crime
    per_lsoa = np.sort(np.unique([r["LSOA code"] for r in located], return_counts=True)[1])
    top = per_lsoa[-len(per_lsoa) // 10:].sum() / per_lsoa.sum()
    assert top > 0.2


def _in_published_order(names: list[str]) -> bool:
    """Whether rows (their LSOA names) are in the order data.police.uk publishes a file:
    each district's rows together (the name less its last word; the files sort names in a
    collation that ignores spaces, so "Eastbourne" comes before "East Cambridgeshire"), and
    rows without an LSOA last."""
    located = [n for n in names if n]
    if names[:len(located)] != located:  # a row without an LSOA before a located one
        return False
    districts = [n.rsplit(" ", 1)[0] for n in located]
    runs = sum(1 for i, d in enumerate(districts) if i == 0 or d != districts[i - 1])
    return runs == len(set(districts))


def test_street_rows_are_in_the_order_police_uk_publishes(tmp_path: Path, geo,  # type: ignore[no-untyped-def]
                                                          shared_data: Path) -> None:
    """The order the warehouse's row groups rely on (vrhub.storage.part_layout), read from
    unaltered downloads of two forces, and the synthetic files in it too."""
    published = [*sorted((shared_data / "police-uk" / "city-of-london").glob("*.csv.gz"))[-3:],
                 *sorted((shared_data / "police-uk" / "btp").glob("*.csv.gz"))]
    for path in published:
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
            names = [r["LSOA name"] for r in csv.DictReader(handle)]
        assert _in_published_order(names), path.name
        assert "" in names and not _in_published_order(names[::-1]), path.name
    for path in write_street_files(geo, tmp_path, months_between("2023-10", 2)):
        with path.open(newline="") as handle:
            names = [r["LSOA name"] for r in csv.DictReader(handle)]
        assert "" in names and len({n.rsplit(" ", 1)[0] for n in names if n}) > 3
        assert _in_published_order(names), path.name


def test_national_street_files_are_in_the_order_police_uk_publishes(tmp_path: Path) -> None:
    areas = force_areas(20_000, seed=3)
    paths = write_month(areas, tmp_path, "2024-05", 20_000, seed=3)
    assert len(paths) == 43
    for path in paths:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert tuple(rows[0]) == STREET_COLUMNS
        names = [r["LSOA name"] for r in rows]
        assert len(set(names)) > 1 and _in_published_order(names), path.name
        assert names == sorted(names), path.name  # an area's names sort as its LSOAs


def test_mps_levels_add_up_and_open_with_a_stub_month(tmp_path: Path, geo) -> None:  # type: ignore[no-untyped-def]
    months = months_between("2023-09", 4)
    long = mps_counts(geo, months)
    per_month = long.groupby("month")["count"].sum()
    assert per_month.iloc[0] < 0.1 * per_month.iloc[1:].median()
    lsoa, ward, borough = write_mps_tables(geo, tmp_path, months)
    totals = []
    for path in (lsoa, ward, borough):
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            totals.append(sum(int(r["202310"]) for r in reader))
    assert totals[0] == totals[1] == totals[2] == per_month["2023-10"]


def test_demo_istv_step_writes_synthetic_months_for_real_eds_outside_the_data_folder(
        tmp_path: Path) -> None:
    from vrhub.demo import DemoContext, discovered_steps
    from vrhub.synthetic.istv import DEMO_MONTHS_REAL, REAL_SITES_FOLDER, demo_files

    data = tmp_path / "data"
    (data / "nhs").mkdir(parents=True)
    (data / "police-uk" / "city-of-london").mkdir(parents=True)
    (data / "police-uk" / "city-of-london" / "2024-03-city-of-london-street.csv.gz").touch()
    with gzip.open(data / "nhs" / "site_xy.csv.gz", "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["icb_code", "icb", "provider_code", "provider", "site_code", "site",
                         "easting", "northing"])
        writer.writerow(["QKK", "SEL ICB", "RJ1", "Guy's", "RJ121", "St Thomas' ED",
                         "530800", "179400"])
        writer.writerow(["QMJ", "NCL ICB", "RAL", "Royal Free", "RAL01", "Royal Free ED",
                         "527000", "185300"])
    before = sorted(p for p in data.rglob("*"))
    work = tmp_path / "home" / "demo-data"
    ctx = DemoContext(data_dir=data, synthetic=False, seed=7, work_dir=work)
    files = demo_files(ctx)
    assert sorted(p for p in data.rglob("*")) == before  # nothing written into the data folder
    assert len(files) == 2 * DEMO_MONTHS_REAL
    assert {p.parent for p in files} == {work / REAL_SITES_FOLDER}
    assert {p.name for p in files} >= {"RJ121_2024-03.csv", "RAL01_2024-01.csv"}
    assert "RJ121" in files[0].read_text(encoding="utf-8")
    # the demo runs the step in both modes; the real-data one says it is synthetic
    steps = [s for s in discovered_steps() if s.source == "istv"]
    assert {m for s in steps for m in s.modes} == {"synthetic", "real"}
    assert all("SYNTHETIC" in s.name for s in steps if s.modes == ("real",))
    # no site list, no files (and no error)
    assert demo_files(DemoContext(data_dir=tmp_path / "empty", synthetic=False, seed=7,
                                  work_dir=work)) == []
