"""One crime, one count, on the real files: the City of London's street files beside the
Met burglary extract (which holds the City's burglaries too), and BTP files loaded under
two series names. Expected figures are counted independently from the files with
pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers_geography import install_boundaries, lookup_frame
from tests.warehouse_sql import scalar
from vrhub.storage import points, police_counted
from vrhub.storage.series import monthly_counts
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

MONTHS = ("2024-01", "2024-02", "2024-03")


def read(paths: list[Path]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False).assign(file=p.name)
                      for p in paths], ignore_index=True)


@pytest.fixture
def files(shared_data: Path) -> tuple[list[Path], list[Path]]:
    police = shared_data / "police-uk"
    city = [police / "city-of-london" / f"{m}-city-of-london-street.csv.gz" for m in MONTHS]
    extract = [police / "metropolitan" / "burglary" / f"{m}_burglary_cleaned.csv.gz"
               for m in MONTHS]
    return city, extract


def test_a_crime_in_a_street_file_and_an_extract_counts_once(run, shared_data: Path, files):
    city, extract = files
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        install_boundaries(w, shared_data)
    code, out, err = run("load", "police", *city, *extract, "--json")
    assert code == 0, err
    loaded = json.loads(out)
    assert any("counted once" in note for note in loaded["notes"])

    everything = read(city + extract)
    london = lookup_frame(shared_data).set_index("lsoa21_code")["borough_code"]
    # figures count the crimes of the study area: placed in London, or without a location
    # (docs/explanation/study-area.md)
    rows = everything[everything["LSOA code"].map(london).notna()
                      | (everything["LSOA code"] == "")]
    burglary = rows[rows["Crime type"] == "Burglary"]
    by_id = burglary.groupby("Month")["Crime ID"].nunique()
    city_rows = burglary[burglary["Reported by"] == "City of London Police"]
    assert city_rows["Crime ID"].duplicated().sum() > 0  # the overlap is real
    ids = rows[rows["Crime ID"] != ""]

    with Warehouse(Workspace(run.home).warehouse_path) as w:
        for month in MONTHS:
            # every crime once, placed or not
            n = points.count_events(w, "police", ["Burglary"], month, month)
            assert n == by_id[month]
        # all rows of every type: distinct Crime IDs plus the rows without one
        total = points.count_events(w, "police")
        assert total == ids["Crime ID"].nunique() + int((rows["Crime ID"] == "").sum())
        # the City's borough series: each crime once, placed by its published LSOA
        lookup = london
        first = burglary.assign(street=burglary["file"].str.contains("-street"))
        first = first.sort_values("street", ascending=False, kind="stable")
        first = first.drop_duplicates("Crime ID")
        first = first[first["LSOA code"].map(lookup) == "E09000001"]
        counts = monthly_counts(w, source="police", level="borough", areas=["E09000001"],
                                categories=["Burglary"]).data.set_index("month")["count"]
        street_only = read(city)
        street_only = street_only[street_only["Crime type"] == "Burglary"]
        for month in MONTHS:
            assert counts[month] == int((first["Month"] == month).sum())
            assert counts[month] < int((city_rows["Month"] == month).sum())
        # the near-repeat test and the hotspot points read the same crimes
        events, without, _ = points.near_repeat_events(
            w, "police", category="Burglary", borough=None, start=MONTHS[0], end=MONTHS[-1])
        assert len(events) + without == int(by_id.sum())
        located = points.load_points(w, "police", ["Burglary"], MONTHS[0], MONTHS[-1])
        assert len(located.frame) + located.without_location == int(by_id.sum())

    code, out, err = run("quality", "--json")
    assert code == 0, err
    once = json.loads(out)["sources"]["police"]["counted_once"]
    all_ids = everything[everything["Crime ID"] != ""]["Crime ID"]
    crimes = all_ids.nunique() + int((everything["Crime ID"] == "").sum())
    assert once["crimes_counted"] == crimes
    assert once["rows_not_counted"] == len(everything) - crimes
    by_series = pd.DataFrame(once["by_series_month"])
    extract_rows = read(extract)
    for month in MONTHS:
        # City burglaries of the extract whose Crime ID the City file holds, counted there
        in_street = set(street_only.loc[street_only["Month"] == month, "Crime ID"])
        expected = extract_rows[(extract_rows["Month"] == month)
                                & extract_rows["Crime ID"].isin(in_street)]
        got = by_series[(by_series["series"] == "burglary_cleaned")
                        & (by_series["month"] == month)
                        & (by_series["counted_series"] == "city-of-london-street")]
        assert int(got["rows"].sum()) == len(expected) > 0


def test_rows_without_crime_id_in_two_series_count_once(run, shared_data: Path,
                                                        tmp_path: Path):
    """BTP publishes no Crime ID: the same rows in a second series (a violence extract cut
    from the same download) count once; within one series every row counts."""
    source = shared_data / "police-uk" / "btp" / "2024-02-btp-street.csv.gz"
    rows = read([source]).drop(columns="file")
    violence = rows[rows["Crime type"] == "Violence and sexual offences"]
    extract = tmp_path / "2024-02-btp-violence.csv"
    violence.to_csv(extract, index=False)
    code, _, err = run("load", "police", source, extract)
    assert code == 0, err
    with Warehouse(Workspace(run.home).warehouse_path) as w:
        assert w.count("police_street") == len(rows) + len(violence)
        # (no boundaries here: the crimes are counted wherever they are)
        crimes = police_counted.counted_rows(w, study_area=False)
        assert scalar(w, f"SELECT count(*) FROM {crimes} t") == len(rows)
        assert scalar(w, f"SELECT count(*) FROM {crimes} t WHERE crime_type = "
                         "'Violence and sexual offences'") == len(violence)
        # rows repeated within the BTP file itself (same place, type and month) all count
        same_place = rows.duplicated(["Month", "Crime type", "Longitude", "Latitude",
                                      "Location"]).sum()
        assert same_place > 0
