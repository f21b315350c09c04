"""The ED site list: the published NHS London table loaded whole, each site placed in the
LSOA and borough its grid reference falls in (checked against the boundaries with shapely),
a site listed twice or without a grid reference set aside, and a new list replacing the
old one."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import shapely

from tests.helpers_geography import boundary_frame, install_boundaries
from tests.warehouse_sql import query
from vrhub.ingest.ed_sites import SOURCES, load_ed_sites, refresh_site_areas
from vrhub.ingest.inputs import discover
from vrhub.progress import Recording
from vrhub.storage.warehouse import Warehouse

HEADER = "icb_code,icb,provider_code,provider,site_code,site,easting,northing\n"


def load(wh: Warehouse, *paths: Path) -> object:
    return load_ed_sites(wh, discover(paths, SOURCES[0].patterns), Recording())


def test_the_published_list_is_loaded_and_each_site_placed(shared_data: Path,
                                                          tmp_path: Path) -> None:
    path = shared_data / "nhs" / "site_xy.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as fh:
        published = list(csv.DictReader(fh))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load(wh, path)
        assert (report.rows_read, report.rows_loaded) == (len(published), len(published))
        sites = query(wh, "SELECT site_code, easting, northing, borough_code FROM ed_site")
        assert sorted(sites["site_code"]) == sorted(r["site_code"] for r in published)
        assert sites["borough_code"].isna().all()  # no boundaries loaded yet
        assert refresh_site_areas(wh, Recording()) == 0
        install_boundaries(wh, shared_data, ("lsoa21", "borough"), lookup=False)
        progress = Recording()
        placed = refresh_site_areas(wh, progress)
        sites = query(wh, "SELECT site_code, easting, northing, lsoa21_code, borough_code "
                          "FROM ed_site ORDER BY site_code")
    shapes = boundary_frame(shared_data, ("lsoa21", "borough"))
    for level, column in (("lsoa21", "lsoa21_code"), ("borough", "borough_code")):
        areas = shapes[shapes["level"] == level]
        tree = shapely.STRtree(shapely.from_wkb(areas["geometry"].to_numpy()))
        codes = areas["code"].to_numpy()
        expected = []
        for site in sites.itertuples():
            inside = tree.query(shapely.Point(site.easting, site.northing),
                                predicate="covered_by")
            expected.append(codes[inside[0]] if len(inside) else None)
        assert [None if v is None or v != v else v for v in sites[column]] == expected
    assert placed == sites["lsoa21_code"].notna().sum()
    assert 0 < placed < len(sites)  # a site in Surrey lies outside London's LSOAs
    guys = sites.set_index("site_code").loc["RJ121"]
    assert guys["borough_code"] == "E09000028"  # Guy's Hospital, Southwark
    assert any(f"{placed} of {len(sites)} placed" in note for note in progress.notes)


def test_duplicates_and_blank_grid_references_are_set_aside(tmp_path: Path) -> None:
    first = tmp_path / "a" / "site_xy.csv"
    first.parent.mkdir()
    first.write_text(HEADER
                     + "QKK,South East,RJ1,Guy's,RJ121,Guy's Hospital,532886,180001\n"
                     + "QKK,South East,RJ1,Guy's,rj121,Guy's again,532886,180001\n"
                     + "QKK,South East,RJ2,Lewisham,RJ224,Lewisham Hospital,537800,\n",
                     encoding="utf-8")
    second = tmp_path / "b" / "site_xy.csv"
    second.parent.mkdir()
    second.write_text(HEADER + "QMJ,North Central,RAL,Royal Free,RAL01,Royal Free,527000,"
                      "185500\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load(wh, first)
        assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 1, 2)
        assert report.quarantined_by_rule() == {"site_code:duplicate": 1,
                                                "northing:required": 1}
        kept = query(wh, "SELECT site_code, site_name FROM ed_site")
        assert kept.to_dict("records") == [{"site_code": "RJ121",
                                            "site_name": "Guy's Hospital"}]
        load(wh, second)
        assert query(wh, "SELECT site_code FROM ed_site")["site_code"].tolist() == ["RAL01"]
        statuses = wh.provenance("ed-sites")["status"].tolist()
        assert sorted(statuses) == ["loaded", "replaced"]
