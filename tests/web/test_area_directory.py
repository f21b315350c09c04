"""ICBs as an area level: the London code list against the real NHS site list and borough
boundaries, and a study area outside the code list taking its ICBs from its ED sites."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from tests.warehouse_sql import query
from vrhub.reports.area_directory import build
from vrhub.standards.icb import ICB_OF_DISTRICT, LONDON_ICBS, short_name


def test_the_london_code_list_holds_each_district_once() -> None:
    districts = [d for icb in LONDON_ICBS for d in icb.districts]
    assert len(districts) == len(set(districts)) == 33
    assert all(d.startswith("E09") for d in districts)
    assert short_name("NHS North East London Integrated Care Board") == "North East London"


def test_every_london_ed_site_lies_in_a_district_of_its_own_icb(shared_data: Path) -> None:
    DATA = shared_data
    sites = pd.read_csv(DATA / "nhs" / "site_xy.csv.gz")
    boroughs = gpd.read_file(f"zip://{DATA / 'boundaries' / 'london-2021-lad22-gen20.zip'}")
    code_column = next(c for c in boroughs.columns if c.upper().startswith("LAD") and
                       c.upper().endswith("CD"))
    points = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["easting"],
                                                                  sites["northing"]),
                              crs=27700)
    placed = gpd.sjoin(points, boroughs.to_crs(27700)[[code_column, "geometry"]],
                       predicate="within", how="left")
    inside = placed[placed[code_column].notna()]
    # Epsom Hospital (Surrey) serves South West London from outside London
    assert len(placed) - len(inside) == 1
    mismatched = inside[[ICB_OF_DISTRICT[d] != icb for d, icb in
                         zip(inside[code_column], inside["icb_code"], strict=True)]]
    # the site list gives a site its provider's ICB: Central London Community Healthcare
    # (North West London) runs two community sites in Barnet (North Central London)
    assert sorted(mismatched["site_code"]) == ["RYX23", "RYX24"]
    assert set(mismatched["provider_code"]) == {"RYX"}
    assert set(mismatched[code_column]) == {"E09000003"}
    assert len(inside) - len(mismatched) == 55


def test_a_study_area_outside_the_code_list_takes_icbs_from_its_sites(
        pages_template: Path) -> None:
    from vrhub.storage.warehouse import Warehouse

    with Warehouse(pages_template / "warehouse.duckdb", read_only=True) as wh:
        directory = build(wh)
        sites = query(wh, "SELECT site_code, icb_code, easting, northing FROM ed_site")
        lookup = query(wh, "SELECT DISTINCT borough_code FROM area_lookup")
    assert sorted(directory.boroughs) == sorted(lookup["borough_code"])
    assert directory.icbs, "the synthetic sites' ICB makes an ICB level"
    for icb in directory.icbs.values():
        assert icb.membership == "ED sites"
        assert set(icb.sites) == set(sites.loc[sites["icb_code"] == icb.code, "site_code"])
        for site in icb.sites:
            assert directory.sites[site].borough_code in icb.boroughs
    first = next(iter(directory.boroughs))
    assert directory.find_borough(directory.boroughs[first].upper()) == first
    assert directory.find_borough("Nowhere") is None
