"""``vrhub trends``, ``vrhub deprivation`` and ``vrhub compare`` on the real MPS ward and
borough tables, IMD 2025, Census 2021 population, the ONS ward lookup and ward/borough
boundaries from ../shared/data. The tables are parsed here, independently of the loaders,
and every figure the commands print is checked against that parse."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from vrhub.reports.outputs import read_metadata
from vrhub.standards.deprivation import IMD
from vrhub.standards.geography_tables import AREA_BOUNDARY, AREA_LOOKUP
from vrhub.standards.istv import ISTV_ASSAULT
from vrhub.standards.mps import LONDON_BOROUGHS, MPS_CRIME_COUNT
from vrhub.standards.population import POPULATION
from vrhub.storage.warehouse import Warehouse, copy_warehouse

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MPS = DATA / "london-datastore" / "mps-recorded-crime"
VWI = "VIOLENCE WITH INJURY"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wide_to_long(path: Path, level: str, code: str, name: str, borough: str) -> pd.DataFrame:
    """The published wide table as long rows; stub months (< 10% of the median month) out."""
    wide = pd.read_csv(path, dtype=str)
    months = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=[c for c in wide.columns if c not in months], value_vars=months,
                     var_name="yyyymm", value_name="count")
    long["count"] = pd.to_numeric(long["count"]).astype("int64")
    totals = long.groupby("yyyymm")["count"].sum()
    keep = totals[totals >= 0.1 * totals.median()].index
    long = long[long["yyyymm"].isin(keep)]
    frame = pd.DataFrame({
        "level": level,
        "area_name": long[name],
        "borough_name": long[borough],
        "major_category": long["majortext"],
        "minor_category": long["minortext"],
        "month": long["yyyymm"].str[:4] + "-" + long["yyyymm"].str[4:],
        "count": long["count"],
    })
    frame["borough_code"] = frame["borough_name"].map(LONDON_BOROUGHS)
    frame["area_code"] = long[code] if code else frame["borough_code"]
    frame["area_vintage"] = {"ward": "ward22", "borough": "borough"}[level]
    return frame


def _raw_mps() -> dict[str, pd.DataFrame]:
    return {
        "ward": _wide_to_long(MPS / "recorded-crime-ward.csv.gz", "ward", "wardcode",
                              "wardname", "lookup_boroughname"),
        "borough": _wide_to_long(MPS / "recorded-crime-borough.csv.gz", "borough", "",
                                 "boroughname", "boroughname"),
    }


def _istv_rows() -> pd.DataFrame:
    """Synthetic ED assaults in three boroughs, 2025-01..2025-06; a third have no time."""
    rng = np.random.default_rng(11)
    boroughs = ["E09000030", "E09000022", "E09000012"]
    n = 300
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 181, n), unit="D")
    known = rng.random(n) > 0.33
    at = day + pd.to_timedelta(np.where(known, rng.integers(0, 24 * 60, n), 0), unit="min")
    return pd.DataFrame({
        "assault_id": [f"istv-test:{i}" for i in range(n)],
        "submission_id": "istv-test",
        "site_code": "R1H12",
        "source_row": np.arange(1, n + 1),
        "arrival_at": at + pd.Timedelta(hours=1),
        "assault_at": at,
        "assault_time_known": known,
        "assault_method": rng.choice(["body", "sharp"], n),
        "location_type": "street",
        "borough_code": rng.choice(boroughs, n),
    })


def _load(wh: Warehouse, source: str, path: Path, table: object, frame: pd.DataFrame) -> None:
    with wh.atomic(), wh.load_file(source=source, file_name=path.name, sha256=_sha(path),
                                   tables=[table]) as load:  # type: ignore[list-item]
        load.insert(table, frame.assign(file_id=load.file_id))  # type: ignore[arg-type]
        load.rows_read = len(frame)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    if not DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {DATA} is missing on CI")
        pytest.skip("../shared/data is not present")
    path = tmp_path_factory.mktemp("trends") / "warehouse.duckdb"
    raw = _raw_mps()
    lookup = pd.read_csv(DATA / "lookups" / "lsoa_to_ward.csv.gz", encoding="utf-8-sig")
    lookup = lookup[lookup["LAD24CD"].str.startswith("E09")]
    imd = pd.read_csv(DATA / "imd2025" / "England-IMD-2025.csv.gz")
    imd = imd[imd["lsoa21cd"].isin(lookup["LSOA21CD"])]
    pop = pd.read_csv(DATA / "population" / "census2021-ts007a-lsoa.csv.gz",
                      usecols=["geography code", "Age: Total"])
    pop = pop[pop["geography code"].isin(lookup["LSOA21CD"])]
    wards = gpd.read_file("/vsigzip/" + str(DATA / "boundaries" / "london_wards.json.gz"))
    wards = wards.to_crs(27700)
    boroughs = gpd.read_file("zip://" + str(DATA / "boundaries" / "london-2021-lad22-gen20.zip"))
    with Warehouse(path) as wh:
        for level, name in (("ward", "recorded-crime-ward.csv.gz"),
                            ("borough", "recorded-crime-borough.csv.gz")):
            frame = raw[level][[c.name for c in MPS_CRIME_COUNT.columns if c.name != "file_id"]]
            _load(wh, "mps", MPS / name, MPS_CRIME_COUNT, frame)
        _load(wh, "imd", DATA / "imd2025" / "England-IMD-2025.csv.gz", IMD, pd.DataFrame({
            "edition": "2025", "lsoa_code": imd["lsoa21cd"], "lsoa_vintage": "2021",
            "imd_score": np.nan, "imd_rank": imd["imd_rank"], "imd_decile": imd["imd_dec"]}))
        _load(wh, "population", DATA / "population" / "census2021-ts007a-lsoa.csv.gz",
              POPULATION, pd.DataFrame({
                  "lsoa_code": pop["geography code"], "lsoa_vintage": "2021", "year": 2021,
                  "source": "census2021", "sex": "persons", "age_band": "all",
                  "count": pop["Age: Total"]}))
        _load(wh, "boundaries", DATA / "lookups" / "lsoa_to_ward.csv.gz", AREA_LOOKUP,
              pd.DataFrame({"lsoa21_code": lookup["LSOA21CD"], "lsoa21_name": lookup["LSOA21NM"],
                            "ward_code": lookup["WD24CD"], "ward_name": lookup["WD24NM"],
                            "borough_code": lookup["LAD24CD"],
                            "borough_name": lookup["LAD24NM"]}))
        shapes = pd.concat([
            pd.DataFrame({"level": "ward22", "code": wards["WD22CD"], "name": wards["WD22NM"],
                          "geometry": shapely.to_wkb(wards.geometry.values)}),
            pd.DataFrame({"level": "borough", "code": boroughs["LAD22CD"],
                          "name": boroughs["LAD22NM"],
                          "geometry": shapely.to_wkb(boroughs.geometry.values)}),
        ])
        _load(wh, "boundaries", DATA / "boundaries" / "london_wards.json.gz", AREA_BOUNDARY,
              shapes)
        wh.ensure_tables([ISTV_ASSAULT])
        wh.insert(ISTV_ASSAULT, _istv_rows())
    yield path, {"raw": raw, "lookup": lookup, "imd": imd, "pop": pop}


@pytest.fixture
def loaded(template: tuple[Path, dict], home: Path) -> dict:
    copy_warehouse(template[0], home / "warehouse.duckdb")
    return template[1]


def _json(run, *args: str) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return dict(json.loads(out))


def _vwi(raw: pd.DataFrame) -> pd.DataFrame:
    coded = raw[raw["area_code"].notna() & (raw["minor_category"] == VWI)]
    return coded.groupby(["area_code", "month"], as_index=False)["count"].sum()


def _latest_twelve(last_month: str) -> tuple[str, str]:
    """The latest 12 complete months up to ``last_month``, from the calendar."""
    today = dt.date.today()
    before = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    end = min(before, last_month)
    start = (pd.Period(end, "M") - 11).strftime("%Y-%m")
    return start, end


def test_borough_series_match_the_published_table(run, loaded: dict, tmp_path: Path) -> None:
    out_file = tmp_path / "series.csv"
    report = _json(run, "trends", "series", "--level", "borough", "--category",
                   "violence with injury", "--per-1000", "-o", str(out_file))
    everything = _vwi(loaded["raw"]["borough"])
    start, end = _latest_twelve(everything["month"].max())
    expected = everything[everything["month"].between(start, end)]
    assert len(expected) < len(everything)  # by default, the latest 12 complete months
    assert report["period"]["from"] == start and report["period"]["to"] == end
    assert report["summary"]["events"] == expected["count"].sum()
    assert report["summary"]["series"] == 32  # MPS boroughs (the City is not policed by MPS)
    table = pd.read_csv(out_file)
    merged = table.merge(expected, on=["area_code", "month"], suffixes=("", "_raw"))
    assert len(merged) == len(table) == len(expected)
    assert (merged["count"] == merged["count_raw"]).all()
    last = table[table["month"] == table["month"].max()]
    assert last["rolling_complete"].all()  # 2024-03..2025-11: last window is complete
    first = table[table["month"] == table["month"].min()]
    assert not first["rolling_complete"].any()
    assert (table["rate_per_1000"] > 0).all()
    meta = read_metadata(out_file)
    assert meta["period"] == report["period"]  # the file states its period too
    assert meta["period"]["preset"] == "latest" and meta["period"]["months"] == 12
    # the name typed is recorded as the data spells it
    assert meta["parameters"]["categories"] == ["VIOLENCE WITH INJURY"]
    assert {p["file_name"] for p in meta["provenance"]} == {"recorded-crime-borough.csv.gz"}
    assert any("census2021" in c for c in meta["choices"])


def test_ward_year_on_year_against_hand_sums(run, loaded: dict, tmp_path: Path) -> None:
    out_file = tmp_path / "yoy.parquet"
    report = _json(run, "trends", "yoy", "--level", "ward", "--category", VWI, "--window", "6",
                   "--to", "2025-11", "-o", str(out_file))
    assert report["summary"]["current"] == ["2025-06", "2025-11"]
    table = pd.read_parquet(out_file)
    raw = _vwi(loaded["raw"]["ward"])
    ward = table.iloc[int(np.argmax(table["current"].to_numpy()))]
    mine = raw[raw["area_code"] == ward["area_code"]].set_index("month")["count"]
    assert ward["current"] == mine.loc["2025-06":"2025-11"].sum()
    assert ward["previous"] == mine.loc["2024-06":"2024-11"].sum()
    assert ward["rate_ratio"] == pytest.approx(ward["current"] / ward["previous"])
    assert table["complete"].all()
    assert read_metadata(out_file)["parameters"]["window"] == 6


def test_twelve_month_yoy_announces_the_short_previous_year(run, loaded: dict) -> None:
    report = _json(run, "trends", "yoy", "--level", "borough", "--category", VWI)
    assert any("incomplete" in c for c in report["choices"])


def test_violence_deprivation_map(run, loaded: dict, tmp_path: Path) -> None:
    out_file = tmp_path / "map.gpkg"
    report = _json(run, "deprivation", "map", "--min-vwi", "200", "-o", str(out_file))
    assert report["parameters"]["window"] == ["2024-12", "2025-11"]
    raw = _vwi(loaded["raw"]["ward"])
    window = raw[(raw["month"] >= "2024-12") & (raw["month"] <= "2025-11")]
    totals = window.groupby("area_code")["count"].sum()
    groups = report["summary"]["groups"]
    assert sum(g["events"] for g in groups.values()) == totals.sum()
    assert groups["both"]["areas"] + groups["violence only"]["areas"] == (totals > 200).sum()
    # independent ward IMD: population-weighted mean rank -> national decile
    lk, imd, pop = loaded["lookup"], loaded["imd"], loaded["pop"]
    lsoa = lk.merge(imd, left_on="LSOA21CD", right_on="lsoa21cd").merge(
        pop, left_on="LSOA21CD", right_on="geography code")
    lsoa["w"] = lsoa["imd_rank"] * lsoa["Age: Total"]
    ward = lsoa.groupby("WD24CD").agg(w=("w", "sum"), p=("Age: Total", "sum"))
    decile = np.ceil(10 * (ward["w"] / ward["p"]) / 33755)
    deprived = set(decile[decile <= 2].index)
    both = {c for c, n in totals.items() if n > 200 and c in deprived}
    assert groups["both"]["areas"] == len(both) > 0
    mapped = gpd.read_file(out_file)
    assert mapped.crs.to_epsg() == 27700 and mapped.geometry.notna().sum() >= 679
    assert set(mapped.loc[mapped["group"] == "both", "area_code"]) == both
    meta = read_metadata(out_file)
    assert meta["parameters"]["min_vwi"] == 200 and meta["parameters"]["deciles"] == [1, 2]
    assert {p["table"] for p in meta["provenance"]} >= {"mps_crime_count", "imd",
                                                         "population", "area_lookup"}


def test_default_map_threshold_is_more_than_350(run, loaded: dict) -> None:
    report = _json(run, "deprivation", "map", "--deciles", "1,2,3")
    raw = _vwi(loaded["raw"]["ward"])
    totals = raw[raw["month"] >= "2024-12"].groupby("area_code")["count"].sum()
    groups = report["summary"]["groups"]
    assert groups["both"]["areas"] + groups["violence only"]["areas"] == (totals > 350).sum()


def test_concentration_top_ten_percent(run, loaded: dict, tmp_path: Path) -> None:
    out_file = tmp_path / "curve.geojson"
    report = _json(run, "deprivation", "concentration", "--top", "10", "-o", str(out_file))
    s = report["summary"]
    raw = _vwi(loaded["raw"]["ward"])
    totals = raw[raw["month"] >= "2024-12"].groupby("area_code")["count"].sum()
    assert s["top_areas"] == math.ceil(s["areas"] * 0.10)
    top = totals.sort_values(ascending=False).iloc[: s["top_areas"]].sum()
    assert s["top_share"] == pytest.approx(top / totals.sum())
    assert 0 < s["gini"] < 1
    collection = json.loads(out_file.read_text())
    assert collection["vrhub"]["parameters"]["top"] == 10
    assert len(collection["features"]) == s["areas"]


def test_correlation_with_imd(run, loaded: dict) -> None:
    report = _json(run, "deprivation", "correlation", "--level", "ward")
    corr = report["summary"]["correlation"]
    assert corr["deprivation"] == "imd_rank_reversed"
    assert corr["spearman_rho"] > 0  # more deprived wards record more violence with injury
    assert corr["spearman_lower"] <= corr["spearman_rho"] <= corr["spearman_upper"]
    deciles = {d["imd_decile"]: d for d in report["summary"]["by_decile"]}
    assert deciles[2]["rate_per_1000"] > deciles[9]["rate_per_1000"]


def test_ed_police_comparison(run, loaded: dict) -> None:
    report = _json(run, "compare", "ed-police", "--level", "borough")
    assert report["summary"]["months"] == ["2025-01", "2025-06"]
    raw = _vwi(loaded["raw"]["borough"])
    months = raw[(raw["month"] >= "2025-01") & (raw["month"] <= "2025-06")]
    overall = report["summary"]["overall"]
    assert overall["ed_count"] == 300
    assert overall["police_count"] == months["count"].sum()
    assert overall["ratio_lower"] < overall["ratio"] < overall["ratio_upper"]
    code, out, err = run("compare", "ed-police", "--level", "borough", "--by-month",
                         "--area", "E09000030")
    assert code == 0, err
    assert "ED assaults and police-recorded violence by borough" in out
    assert "ratio" in err  # the all-areas line
    monthly = _json(run, "compare", "ed-police", "--level", "borough", "--by-month",
                    "--area", "E09000030")
    assert monthly["rows"] == 6 and monthly["summary"]["areas"] == 1


def test_ed_counts_go_through_disclosure_control(run, loaded: dict, home: Path,
                                                 tmp_path: Path) -> None:
    controlled = tmp_path / "controlled.csv"
    report = _json(run, "compare", "ed-police", "--level", "borough", "--by-month",
                   "-o", str(controlled))
    assert report["disclosure"]["applied"] is True
    assert read_metadata(controlled)["disclosure"]["counts"] == ["ed_count"]
    exact = tmp_path / "exact.csv"
    report = _json(run, "compare", "ed-police", "--level", "borough", "--by-month",
                   "--no-disclose", "-o", str(exact))
    assert report["disclosure"]["applied"] is False
    assert "internal" in read_metadata(exact)["disclosure"]["warning"]
    both = pd.read_csv(controlled).merge(pd.read_csv(exact), on=["area_code", "month_from"],
                                         suffixes=("", "_exact"))
    true = both["ed_count_exact"]
    assert true.sum() == 300 and (true % 5 != 0).any()
    small = true.between(1, 7)
    assert both.loc[small, "ed_count"].isna().all()
    assert both.loc[small, "ratio"].isna().all()
    big = true > 7
    assert (both.loc[big, "ed_count"] == 5 * np.floor(true[big] / 5 + 0.5)).all()
    assert (both.loc[true == 0, "ed_count"] == 0).all()

    series = _json(run, "trends", "series", "--source", "istv", "--level", "borough")
    assert series["disclosure"]["applied"] is True

    with Warehouse(home / "warehouse.duckdb") as wh:  # one MPS LSOA row to compare with
        wh.insert(MPS_CRIME_COUNT, pd.DataFrame({
            "level": ["lsoa"], "area_code": ["E01004200"], "area_vintage": ["lsoa21"],
            "area_name": ["Tower Hamlets 001A"], "borough_code": ["E09000030"],
            "borough_name": ["Tower Hamlets"], "major_category": ["VIOLENCE AGAINST THE PERSON"],
            "minor_category": [VWI], "month": ["2025-01"], "count": [3], "file_id": ["t"]}))
    code, _out, err = run("compare", "ed-police", "--level", "lsoa")
    assert code == 11 and "smaller than a ward" in err and "--no-disclose" in err


def test_profile_spreads_date_only_assaults_over_the_day(run, loaded: dict) -> None:
    report = _json(run, "trends", "profile", "--level", "borough")
    assert report["summary"]["events"] == pytest.approx(300)
    assert any("aoristic" in c for c in report["choices"])
    code, _out, err = run("trends", "profile", "--source", "mps")
    assert code == 2 and "no hour-of-day profile" in err


def test_missing_tables_and_boundaries_are_clear_errors(run, home: Path, loaded: dict,
                                                        tmp_path: Path) -> None:
    code, _out, err = run("trends", "series", "--level", "lsoa", "-o",
                          str(tmp_path / "x.gpkg"))
    assert code == 2 and "no MPS counts at lsoa level" in err
    code, _out, err = run("trends", "series", "--category", "no such crime")
    assert code == 2 and "no MPS category called 'no such crime'" in err
    (home / "warehouse.duckdb").unlink()
    code, _out, err = run("deprivation", "map")
    assert code == 2 and "no mps_crime_count table" in err and "vrhub load mps" in err


def test_police_street_series_by_ward_with_names_and_borough_filter(run, loaded: dict,
                                                                    home: Path) -> None:
    from vrhub.standards.police_uk import POLICE_STREET

    rows = pd.DataFrame({
        "month": ["2024-01", "2024-01", "2024-02", "2024-02", "2024-02"],
        "force": "btp", "series": "btp-street",
        "crime_type": ["Violence and sexual offences", "Robbery",
                       "Violence and sexual offences", "Violence and sexual offences",
                       "Violence and sexual offences"],
        "crime_id_duplicate": False, "file_id": "t", "row_number": [1, 2, 3, 4, 5],
        "lsoa21_code": None,
        "ward_code": ["E05009317", "E05009317", "E05009317", None, "E05013808"],
        "borough_code": ["E09000030", "E09000030", "E09000030", None, "E09000033"],
    })
    with Warehouse(home / "warehouse.duckdb") as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, rows)
    code, out, err = run("trends", "series", "--source", "police", "--level", "ward",
                         "--area", "E09000030", "--category", "violence and sexual offences",
                         "--json", "-o", str(home / "p.csv"))
    assert code == 0, err
    report = json.loads(out)
    assert report["summary"]["events"] == 2 and report["summary"]["series"] == 1
    table = pd.read_csv(home / "p.csv")
    assert list(table["count"]) == [1, 1] and table["area_name"].notna().all()
    assert any("1 police_street row(s) with no ward" in c for c in report["choices"])
