"""Names accepted wherever codes are, "did you mean", and empty results that say why: the
command line on real police.uk files (Met burglary, January 2024) and the real
LSOA -> ward -> borough lookup."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from vrhub.errors import UserError
from vrhub.reports.names import resolve_area, resolve_categories
from vrhub.storage.warehouse import Warehouse

HACKNEY = "E09000012"
MONTH = "2024-01"
BANDS = ("--distance-bands", "0,200,400", "--time-bands", "0,32", "--permutations", "9",
         "--seed", "3")


def _burglary_file(shared_data: Path) -> Path:
    folder = shared_data / "police-uk" / "metropolitan" / "burglary"
    return folder / f"{MONTH}_burglary_cleaned.csv.gz"


def _lsoas_of(shared_data: Path, borough: str) -> set[str]:
    with gzip.open(shared_data / "lookups" / "lsoa_to_ward.csv.gz", "rt",
                   encoding="utf-8-sig", newline="") as fh:
        return {r["LSOA21CD"] for r in csv.DictReader(fh) if r["LAD24CD"] == borough}


def _located_burglaries_in(path: Path, lsoas: set[str]) -> int:
    """Located rows in ``lsoas``, each Crime ID once (read independently of the loader)."""
    seen: set[str] = set()
    count = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["LSOA code"] not in lsoas or not row["Longitude"]:
                continue
            if row["Crime ID"] and row["Crime ID"] in seen:
                continue
            seen.add(row["Crime ID"])
            count += 1
    return count


@pytest.fixture
def loaded(run: Any, shared_data: Path) -> Path:
    code, _, err = run("load", "ward-lookup", shared_data / "lookups" / "lsoa_to_ward.csv.gz")
    assert code == 0, err
    code, _, err = run("load", "police", _burglary_file(shared_data))
    assert code == 0, err
    return shared_data


def test_nearrepeat_takes_a_borough_name_like_its_code(run: Any, loaded: Path) -> None:
    expected = _located_burglaries_in(_burglary_file(loaded), _lsoas_of(loaded, HACKNEY))
    assert expected > 20
    runs = {}
    for borough in (HACKNEY, "Hackney", "hackney"):
        code, out, err = run("nearrepeat", "--source", "police", "--category", "burglary",
                             "--borough", borough, *BANDS, "--json")
        assert code == 0, err
        runs[borough] = json.loads(out)
    assert {r["metadata"]["n_events"] for r in runs.values()} == {expected}
    assert {r["metadata"]["source"]["borough"] for r in runs.values()} == {HACKNEY}
    assert runs["Hackney"]["table"] == runs[HACKNEY]["table"]


@pytest.mark.parametrize(("args", "message"), [
    (("--category", "Burglery"), "no police.uk crime type called 'Burglery'. Did you mean "
                                 "'Burglary'?"),
    (("--borough", "Hakney"), "no borough called 'Hakney'. Did you mean 'Hackney'?"),
])
def test_a_mistyped_name_is_refused_with_a_suggestion(run: Any, loaded: Path,
                                                     args: tuple[str, str],
                                                     message: str) -> None:
    code, out, err = run("nearrepeat", "--source", "police", *args, *BANDS)
    assert code == 2
    assert out == ""
    assert message in err


def test_an_empty_result_says_which_filter_emptied_it(run: Any, loaded: Path) -> None:
    code, _, err = run("nearrepeat", "--source", "police", "--borough", "Hackney",
                       "--from", "2019-01", "--to", "2019-06", *BANDS)
    assert code == 2
    assert (f"the police.uk street crimes loaded run from {MONTH} to {MONTH}; none fall in "
            "2019-01 to 2019-06") in err
    code, _, err = run("hotspots", "count", "--borough", "Hackney", "--category",
                       "Robbery")
    assert code == 2
    assert "no police.uk crime type called 'Robbery'" in err  # none loaded
    code, _, err = run("nearrepeat", "--source", "police", "--borough", "Middlesbrough",
                       *BANDS)
    assert code == 2
    assert (f"the loaded police.uk street crimes ({MONTH} to {MONTH}) have none in "
            "Middlesbrough at all") in err


def test_ambiguous_ward_names_list_the_choices(loaded: Path, home: Path) -> None:
    with Warehouse(home / "warehouse.duckdb") as wh:
        with pytest.raises(UserError, match=r"more than one ward is called 'Abbey': ") as err:
            resolve_area(wh, "ward", "Abbey")
        assert "Abbey, Barking and Dagenham (E05014053); " in err.value.message
        assert "Abbey, Merton (E05013810)" in err.value.message
        assert resolve_area(wh, "ward", "Abbey, Merton").code == "E05013810"
        assert resolve_area(wh, "ward", "abbey (barking and dagenham)").code == "E05014053"
        assert resolve_area(wh, "borough", "city of london").code == "E09000001"
        assert resolve_categories(wh, "police", ["BURGLARY"]) == ["Burglary"]


def test_trends_take_area_and_category_names(run: Any, loaded: Path, tmp_path: Path) -> None:
    output = tmp_path / "series.csv"
    code, _, err = run("trends", "series", "--source", "police", "--level", "ward",
                       "--area", "Abbey, Merton", "--area", "Hackney", "--category",
                       "burglary", "--output", output)
    assert code == 0, err
    with output.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    codes = {r["area_code"] for r in rows}
    hackney_wards = _wards_of(loaded, HACKNEY)
    assert "E05013810" in codes  # Abbey, Merton
    assert codes - {"E05013810"} <= hackney_wards
    assert len(codes & hackney_wards) > 10
    assert {r["category"] for r in rows} == {"Burglary"}


def _wards_of(shared_data: Path, borough: str) -> set[str]:
    with gzip.open(shared_data / "lookups" / "lsoa_to_ward.csv.gz", "rt",
                   encoding="utf-8-sig", newline="") as fh:
        return {r["WD24CD"] for r in csv.DictReader(fh) if r["LAD24CD"] == borough}


def test_record_searches_take_names_as_the_api_and_cli_do(loaded: Path, home: Path) -> None:
    from vrhub.reports.names import record_filters
    from vrhub.storage.records import Filters

    with Warehouse(home / "warehouse.duckdb") as wh:
        named = record_filters(wh, "police", Filters(
            boroughs=["hackney", "E09000007"], wards=["Abbey, Merton"],
            categories=["burglary"], sites=["RXX99"]))
        assert list(named.boroughs) == [HACKNEY, "E09000007"]
        assert list(named.wards) == ["E05013810"]
        assert list(named.categories) == ["Burglary"]
        assert list(named.sites) == ["RXX99"]  # a code: the access policy decides
        with pytest.raises(UserError, match=r"no borough called 'Hakney'\. Did you mean "
                                            r"'Hackney'\?"):
            record_filters(wh, "police", Filters(boroughs=["Hakney"]))
