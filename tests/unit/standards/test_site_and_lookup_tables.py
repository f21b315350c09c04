"""The ED site list and the LSOA 2011 -> 2021 lookup refuse the rows their schemas rule
out, naming the column: codes of the wrong form, coordinates outside Great Britain's grid,
weights outside 0..1, change codes the ONS does not use."""

from __future__ import annotations

import pandas as pd

from vrhub.standards.ed_sites import ED_SITE
from vrhub.standards.reference_data import LSOA_CHANGE
from vrhub.standards.schema import validate_frame


def site(**changes: object) -> dict[str, object]:
    return {"site_code": "RJ122", "site_name": "King's College Hospital",
            "provider_code": "RJZ", "provider_name": "King's College Hospital NHS FT",
            "icb_code": "QKK", "icb_name": "South East London", "easting": 532900.0,
            "northing": 175900.0, "lsoa21_code": None, "borough_code": None,
            "file_id": "f", **changes}


def pair(**changes: object) -> dict[str, object]:
    return {"lsoa11_code": "E01000001", "lsoa11_name": "City of London 001A",
            "lsoa21_code": "E01000001", "lsoa21_name": "City of London 001A",
            "change": "U", "borough_code": "E09000001", "borough_name": "City of London",
            "weight_11_to_21": 1.0, "weight_21_to_11": 1.0, "weight_basis": "one-to-one",
            "file_id": "f", **changes}


def problems(table: object, rows: list[dict[str, object]]) -> dict[int, set[str]]:
    ok, found = validate_frame(table, pd.DataFrame(rows))  # type: ignore[arg-type]
    out: dict[int, set[str]] = {}
    for problem in found:
        out.setdefault(problem.row, set()).add(problem.column)
    assert [i + 1 for i, good in enumerate(ok) if not good] == sorted(out)
    return out


def test_ed_sites_need_ods_codes_and_grid_coordinates() -> None:
    assert problems(ED_SITE, [
        site(),
        site(site_code="King's"),
        site(icb_code="QK"),
        site(easting=-5.0),                 # longitude/latitude given instead
        site(northing=1_400_000.0),
        site(borough_code="E01000001"),     # an LSOA where a borough belongs
    ]) == {2: {"site_code"}, 3: {"icb_code"}, 4: {"easting"}, 5: {"northing"},
           6: {"borough_code"}}


def test_the_lsoa_lookup_needs_ons_change_codes_and_weights_between_0_and_1() -> None:
    assert problems(LSOA_CHANGE, [
        pair(),
        pair(change="S", weight_11_to_21=0.4, weight_21_to_11=1.0),
        pair(change="Z"),
        pair(weight_11_to_21=1.2),
        pair(weight_21_to_11=-0.1),
        pair(lsoa21_code="E02000001"),      # an MSOA, not an LSOA
    ]) == {3: {"change"}, 4: {"weight_11_to_21"}, 5: {"weight_21_to_11"},
           6: {"lsoa21_code"}}
