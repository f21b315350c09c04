"""The geocoder against a warehouse loaded with real police.uk, boundary and ED-site files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.warehouse_sql import query
from vrhub.cli.main import main
from vrhub.geography import labelled
from vrhub.geography.gazetteer import Gazetteer
from vrhub.geography.text import normalise_name
from vrhub.places import gazetteer as gaz
from vrhub.places.evaluation import baseline_geocode
from vrhub.places.geocoder import COLUMNS, HOME_REASON, Geocoder
from vrhub.storage.warehouse import Warehouse, copy_warehouse

SHARED = (Path(__file__).resolve().parents[2].parent / "shared" / "data").resolve()
CITY_MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
MET_MONTHS = ("2024-01", "2024-02")


def _police_files(shared: Path) -> list[Path]:
    city = [shared / f"police-uk/city-of-london/{m}-city-of-london-street.csv.gz"
            for m in CITY_MONTHS]
    met = [shared / f"police-uk/metropolitan/burglary/{m}_burglary_cleaned.csv.gz"
           for m in MET_MONTHS]
    return city + met


def _load(home: Path, *args: str) -> None:
    code = main([*args], {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})
    assert code == 0, args


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with ward and borough boundaries, the ward lookup, the ED sites and six
    months of City of London plus two months of Met burglary street files."""
    shared = SHARED
    if not shared.exists():
        pytest.skip("../shared/data is not present")
    home = tmp_path_factory.mktemp("geocoder") / "home"
    home.mkdir()
    _load(home, "load", "boundaries", str(shared / "boundaries/london-2021-lad22-gen20.zip"),
          str(shared / "boundaries/london_wards.json.gz"))
    _load(home, "load", "ward-lookup", str(shared / "lookups/lsoa_to_ward.csv.gz"))
    _load(home, "load", "ed-sites", str(shared / "nhs/site_xy.csv.gz"))
    _load(home, "load", "police", *map(str, _police_files(shared)))
    return home


@pytest.fixture
def warehouse(loaded: Path) -> Warehouse:
    wh = Warehouse(loaded / "warehouse.duckdb")
    yield wh
    wh.close()


@pytest.fixture
def geocoder(warehouse: Warehouse) -> Geocoder:
    return Geocoder.build(warehouse)


def test_gazetteer_holds_every_located_police_uk_street_once(
        warehouse: Warehouse, geocoder: Geocoder, shared_data: Path) -> None:
    rows = labelled.read_police(_police_files(shared_data))
    rows = rows[~rows["location"].str.lower().str.contains("no location")]
    expected_names = {normalise_name(s) for s in rows["location"].unique()} - {""}
    stored = query(
        warehouse, "SELECT name, n_points FROM gazetteer_name WHERE source = 'police_uk'")
    assert set(stored["name"]) == expected_names
    expected_points = rows.assign(name=rows["location"].map(normalise_name)).drop_duplicates(
        ["name", "easting", "northing"])
    assert int(stored["n_points"].sum()) == len(expected_points)
    police_weight = query(
        warehouse, "SELECT sum(p.weight) AS w FROM gazetteer_point p JOIN gazetteer_name n "
                   "USING (name_id) WHERE n.source = 'police_uk'")["w"].iloc[0]
    assert police_weight == len(rows)
    assert "westminster" in geocoder.gazetteer.by_name  # borough names
    assert "royal london hospital" in geocoder.gazetteer.by_name  # ED sites ('The' dropped)


def test_geocode_returns_the_contract_columns_in_input_order(geocoder: Geocoder) -> None:
    descriptions = ["On or near Chancery Lane", None, "home", "own address", "qqq zzz xxj",
                    "Chancery Lane", "Chancery Lane", ""]
    sites = [None, None, None, None, None, "RKEQ4", None, None]
    types = [None, None, None, None, None, None, "home", None]
    out = geocoder.geocode(descriptions, sites, types)
    assert list(out.columns) == list(COLUMNS)
    assert len(out) == len(descriptions)
    assert out.loc[0, "match_method"] == "exact"
    assert out.loc[0, "lsoa21_code"].startswith("E01")
    assert out.loc[0, "borough_code"].startswith("E09")
    assert 530_000 < out.loc[0, "easting"] < 533_000
    assert 0 < out.loc[0, "confidence"] <= 1
    for i in (2, 3, 6):
        assert out.loc[i, "unresolved_reason"] == HOME_REASON
        assert math.isnan(out.loc[i, "easting"]) and out.loc[i, "lsoa21_code"] is None
    assert out.loc[1, "unresolved_reason"] == "no location description"
    assert out.loc[7, "unresolved_reason"] == "no location description"
    assert out.loc[4, "unresolved_reason"] == "no place name recognised"
    unresolved = out["unresolved_reason"].notna()
    assert (out.loc[unresolved, "confidence"] == 0).all()
    assert (out.loc[unresolved, "match_method"] == "unresolved").all()


def test_variants_of_a_street_find_the_same_place(geocoder: Geocoder) -> None:
    variants = ["Chancery Lane", "CHANCERY LN", "o/s Chancery Lane", "opp chancery lane",
                "Chancry Lane", "outside Tesco, Chancery Ln", "Chancery", "nr Chancery La."]
    out = geocoder.geocode(variants, ["RRV03"] * len(variants))
    assert out["unresolved_reason"].isna().all()
    assert out["lsoa21_code"].nunique() == 1, out
    methods = dict(zip(variants, out["match_method"], strict=True))
    assert methods["Chancry Lane"] == "fuzzy"
    assert methods["Chancery"] == "street_type_missing"
    exact = out.loc[0, "confidence"]
    assert out.loc[variants.index("Chancry Lane"), "confidence"] < exact


def _ambiguous_name(g: Gazetteer) -> tuple[str, int, int]:
    """A street name with points in two boroughs more than 8 km apart."""
    for i, name in enumerate(g.names):
        span = g.points_of(i)
        if g.kinds[i] != "street" or span.stop - span.start < 2:
            continue
        boroughs = g.borough[span]
        idx = np.arange(span.start, span.stop)
        for a in idx:
            for b in idx:
                if boroughs[a - span.start] and boroughs[b - span.start] and \
                        boroughs[a - span.start] != boroughs[b - span.start] and \
                        math.hypot(g.easting[a] - g.easting[b],
                                   g.northing[a] - g.northing[b]) > 8000:
                    return name, int(a), int(b)
    raise AssertionError("no ambiguous street name in the test data")


def _nearest_site(geocoder: Geocoder, point: int) -> str:
    g, s = geocoder.gazetteer, geocoder.sites
    d = np.hypot(s.easting - g.easting[point], s.northing - g.northing[point])
    codes = sorted(s.index, key=s.index.get)  # type: ignore[arg-type]
    return codes[int(d.argmin())]


def test_the_treating_ed_decides_between_places_with_the_same_name(
        geocoder: Geocoder) -> None:
    g = geocoder.gazetteer
    name, a, b = _ambiguous_name(g)
    out = geocoder.geocode([name, name], [_nearest_site(geocoder, a),
                                          _nearest_site(geocoder, b)])
    assert out.loc[0, "borough_code"] == g.borough[a]
    assert out.loc[1, "borough_code"] == g.borough[b]


def test_an_area_name_narrows_an_ambiguous_street(geocoder: Geocoder,
                                                  warehouse: Warehouse) -> None:
    g = geocoder.gazetteer
    name, a, b = _ambiguous_name(g)
    boroughs = query(warehouse, "SELECT code, name FROM area_boundary "
                                "WHERE level = 'borough'").set_index("code")["name"]
    out = geocoder.geocode([f"{name}, {boroughs[g.borough[a]]}",
                            f"{name}, {boroughs[g.borough[b]]}"])
    assert list(out["borough_code"]) == [g.borough[a], g.borough[b]]


def _meeting_streets(g: Gazetteer) -> tuple[str, str, float, float]:
    """Two differently named streets with points within 40 m of each other."""
    from scipy.spatial import cKDTree

    streets = [i for i, n in enumerate(g.names) if g.kinds[i] == "street"
               and n.split()[-1] in {"street", "lane", "road"} and len(n.split()) == 2]
    owner = np.concatenate([np.full(g.points_of(i).stop - g.points_of(i).start, i)
                            for i in streets])
    pts = np.concatenate([np.arange(g.points_of(i).start, g.points_of(i).stop)
                          for i in streets])
    tree = cKDTree(np.column_stack([g.easting[pts], g.northing[pts]]))
    for p, q in sorted(tree.query_pairs(40.0)):
        a, b = owner[p], owner[q]
        if a != b and not set(g.names[a].split()[:-1]) & set(g.names[b].split()[:-1]):
            return (g.names[a], g.names[b],
                    (g.easting[pts[p]] + g.easting[pts[q]]) / 2,
                    (g.northing[pts[p]] + g.northing[pts[q]]) / 2)
    raise AssertionError("no meeting streets in the test data")


def test_junction_of_two_streets_is_where_they_meet(geocoder: Geocoder) -> None:
    a, b, x, y = _meeting_streets(geocoder.gazetteer)
    out = geocoder.geocode([f"junction of {a} and {b}", f"{a} / {b}", f"jct {b} j/w {a}"])
    assert (out["match_method"] == "intersection").all(), out
    for row in out.itertuples():
        assert math.hypot(row.easting - x, row.northing - y) < 250


def test_on_later_months_noisy_strings_keep_up_with_the_exact_baseline(
        geocoder: Geocoder, shared_data: Path) -> None:
    """Strings from months the gazetteer was not built from, as new ED records would be."""
    rows = labelled.read_police([
        shared_data / "police-uk/city-of-london/2024-07-city-of-london-street.csv.gz",
        shared_data / "police-uk/metropolitan/burglary/2024-03_burglary_cleaned.csv.gz"])
    lookup = labelled.read_lsoa_lookup(shared_data / "lookups/lsoa_to_ward.csv.gz")
    sites = pd.read_csv(shared_data / "nhs/site_xy.csv.gz", dtype={"site_code": str})
    clean = labelled.sample_clean(rows, lookup, sites, n=1500, seed=11)
    noisy = labelled.add_noise(clean, seed=12)
    assert (noisy["description"] != clean["description"]).mean() > 0.9
    base = baseline_geocode(geocoder, clean["description"].tolist(),
                            clean["site_code"].tolist())
    base_ok = (base["lsoa21_code"] == clean["lsoa_code"]).mean()
    out = geocoder.geocode(noisy["description"].tolist(), noisy["site_code"].tolist())
    ok = (out["lsoa21_code"] == noisy["lsoa_code"]).to_numpy()
    assert ok.mean() >= 0.95 * base_ok, (ok.mean(), base_ok)
    high = out["confidence"].to_numpy() >= 0.8
    assert high.sum() > 200
    assert ok[high].mean() >= 0.85
    # confidence ranks answers: the confident half is right more often than the rest
    answered = out["unresolved_reason"].isna().to_numpy()
    median = np.median(out["confidence"][answered])
    assert ok[answered & (out["confidence"] > median)].mean() > \
        ok[answered & (out["confidence"] <= median)].mean() + 0.2


def test_gazetteer_is_rebuilt_when_police_data_change(loaded: Path,
                                                      shared_data: Path) -> None:
    with Warehouse(loaded / "warehouse.duckdb") as wh:
        before = int(query(wh, "SELECT police_rows FROM gazetteer_build")["police_rows"][0]) \
            if wh.has_table("gazetteer_build") and wh.count("gazetteer_build") else None
        Geocoder.build(wh)
        assert gaz.is_current(wh)
    _load(loaded, "load", "police",
          str(shared_data / "police-uk/city-of-london/2024-08-city-of-london-street.csv.gz"))
    with Warehouse(loaded / "warehouse.duckdb") as wh:
        assert not gaz.is_current(wh)
        rebuilt = Geocoder.build(wh)
        assert gaz.is_current(wh)
        after = int(query(wh, "SELECT police_rows FROM gazetteer_build")["police_rows"][0])
        assert after == wh.count("police_street")
        assert before is None or after > before
        assert rebuilt.gazetteer.n_points > 0


OPEN_NAMES_ROW = (
    "osgb1,http://x,{name},eng,,,{type},{local},{x},{y},1000,25000,0,0,0,0,SE1,http://x,"
    "Southwark,http://x,suburbanArea,Southwark,http://x,LondonBorough,,,,London,http://x,"
    "England,http://x,,,"
)


def test_open_names_and_onspd_imports(tmp_path: Path, loaded: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()

    copy_warehouse(loaded / "warehouse.duckdb", home / "warehouse.duckdb")
    names = tmp_path / "open_names.csv"
    names.write_text("\n".join([
        OPEN_NAMES_ROW.format(name="Zebulon Crossing Way", type="transportNetwork",
                              local="Named Road", x=533100, y=180200),
        OPEN_NAMES_ROW.format(name="Zebulon Heights", type="landform", local="Hill Or Mountain",
                              x=533200, y=180300),
        OPEN_NAMES_ROW.format(name="Zebulon Far Road", type="transportNetwork",
                              local="Named Road", x=330000, y=450000),
    ]) + "\n")
    onspd = tmp_path / "onspd.csv"
    onspd.write_text(
        "pcd,pcds,doterm,oseast1m,osnrth1m,osward,oslaua,lsoa21\n"
        "EC1A1BB,EC1A 1BB,,531950,181280,E05009301,E09000001,E01000005\n"
        "LS1 1AA,LS1 1AA,,430000,433000,E05001420,E08000035,E01011360\n")
    env = {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
    assert main(["istv", "gazetteer", "import-open-names", str(names)], env) == 0
    assert main(["istv", "gazetteer", "import-onspd", str(onspd)], env) == 0
    with Warehouse(home / "warehouse.duckdb") as wh:
        stored = query(wh, "SELECT name, kind FROM gazetteer_name "
                           "WHERE source = 'os_open_names'")
        assert list(stored["name"]) == ["zebulon crossing way"]  # the hill and Leeds skipped
        assert query(wh, "SELECT postcode FROM gazetteer_postcode")["postcode"].tolist() == [
            "EC1A1BB"]
        geocoder = Geocoder.build(wh)
        out = geocoder.geocode(["Zebulon Crossing Way", "outside 3 Foo Street EC1A 1BB"])
        assert out.loc[0, "easting"] == 533100 and out.loc[0, "match_method"] == "exact"
        # no LSOA boundaries are loaded here: the point is kept, the LSOA is not known
        assert out.loc[0, "lsoa21_code"] is None and out.loc[0, "confidence"] == 0
        assert out.loc[1, "match_method"] == "postcode"
        assert out.loc[1, "lsoa21_code"] == "E01000005"
        # a rebuild from police data keeps the imports
        assert main(["istv", "gazetteer", "build"], env) == 0
        assert wh.count("gazetteer_postcode") == 1
        assert "zebulon crossing way" in Geocoder.build(wh).gazetteer.by_name


def test_open_names_refuses_a_file_that_is_not_open_names(tmp_path: Path, loaded: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    home = tmp_path / "home"
    home.mkdir()
    bad = tmp_path / "names.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    code = main(["istv", "gazetteer", "import-open-names", str(bad)],
                {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})
    err = capsys.readouterr().err
    assert code != 0
    assert "not an OS Open Names file" in err and "names.csv" in err


def test_a_read_only_warehouse_uses_the_gazetteer_already_built(loaded: Path,
                                                                 tmp_path: Path) -> None:
    with Warehouse(loaded / "warehouse.duckdb") as wh:
        Geocoder.build(wh)
    with Warehouse(loaded / "warehouse.duckdb", read_only=True) as wh:
        out = Geocoder.build(wh).geocode(["Chancery Lane"])
        assert out.loc[0, "match_method"] == "exact"
    empty = tmp_path / "empty.duckdb"
    created = Warehouse(empty)
    assert created.count("police_street") == 0  # opens, and so creates, the file
    created.close()
    from vrhub.errors import UserError

    with Warehouse(empty, read_only=True) as wh, pytest.raises(UserError,
                                                               match="gazetteer build"):
        Geocoder.build(wh)


def test_a_workspace_with_only_ed_sites_builds_a_gazetteer_and_geocodes(
        tmp_path: Path, shared_data: Path) -> None:
    """Regression: ED sites but no police.uk rows or boundaries (every area code missing)
    used to fail in the build, so `vrhub load istv` stored 'geocoder not available'."""
    home = tmp_path / "home"
    home.mkdir()
    _load(home, "load", "ed-sites", str(shared_data / "nhs/site_xy.csv.gz"))
    _load(home, "istv", "gazetteer", "build")
    sites = pd.read_csv(shared_data / "nhs/site_xy.csv.gz", dtype={"site_code": str})
    wh = Warehouse(home / "warehouse.duckdb")
    try:
        stored = query(wh, "SELECT n.name, n.area_code, count(*) AS points FROM gazetteer_name n "
                           "JOIN gazetteer_point p USING (name_id) GROUP BY ALL")
        assert set(stored["name"]) == {normalise_name(s) for s in sites["site"]}
        assert int(stored["points"].sum()) == len(sites)
        assert stored["area_code"].isna().all()
        geocoder = Geocoder.build(wh)
        site = str(sites["site"].iloc[0])
        out = geocoder.geocode([f"outside {site}", "Alexandra Rd", "own address"])
    finally:
        wh.close()
    assert out["match_method"].iloc[0] != "unresolved"
    assert math.isclose(out["easting"].iloc[0], float(sites["easting"].iloc[0]), abs_tol=1.0)
    assert out["lsoa21_code"].iloc[0] is None  # no boundaries loaded: no LSOA to give
    assert out["unresolved_reason"].tolist()[1:] == ["no place name recognised", HOME_REASON]


@pytest.mark.slow
def test_load_istv_geocodes_in_a_workspace_with_only_ed_sites(
        tmp_path: Path, shared_data: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _load(home, "load", "ed-sites", str(shared_data / "nhs/site_xy.csv.gz"))
    _load(home, "istv", "synthesize", "--month", "2024-01", "--out", str(tmp_path / "istv"))
    _load(home, "load", "istv", str(tmp_path / "istv"))
    wh = Warehouse(home / "warehouse.duckdb", read_only=True)
    try:
        reasons = query(wh, "SELECT DISTINCT geocode_unresolved_reason AS r FROM istv_assault")
    finally:
        wh.close()
    assert len(reasons)
    assert "geocoder not available" not in set(reasons["r"].dropna())


def test_pruned_exact_look_up_finds_what_trying_every_run_finds(
        geocoder: Geocoder, shared_data: Path) -> None:
    """The exact look-up skips runs of words longer than any name starting with their
    first word; answers must be identical to trying every run."""

    class EveryRun(dict[str, int]):
        def get(self, key: str, default: object = None) -> int:  # type: ignore[override]
            return 10**6

    rows = labelled.read_police(_police_files(shared_data)[-1:])
    sample = labelled.add_noise(labelled.sample_clean(
        rows, labelled.read_lsoa_lookup(shared_data / "lookups/lsoa_to_ward.csv.gz"),
        pd.read_csv(shared_data / "nhs/site_xy.csv.gz", dtype={"site_code": str}).rename(
            columns={"site": "site_name"}), n=400, seed=11), seed=12)
    texts = [*sample["description"], "jct High St / Church Rd, nr Brixton stn",
             "o/s Tesco, Alexandra Rd, Hornsey"]
    pruned = Geocoder(geocoder.gazetteer, geocoder.sites, geocoder.calibration).geocode(texts)
    full = Geocoder(geocoder.gazetteer, geocoder.sites, geocoder.calibration)
    full.matcher._longest_from = EveryRun()
    pd.testing.assert_frame_equal(pruned, full.geocode(texts))
