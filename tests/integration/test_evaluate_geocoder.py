"""`vrhub istv evaluate-geocoder` and `calibrate-geocoder` on labelled real police.uk strings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.warehouse_sql import query
from vrhub.cli.main import main
from vrhub.geography import labelled
from vrhub.geography.bng import to_bng
from vrhub.places.geocoder import Geocoder
from vrhub.storage.warehouse import Warehouse, copy_warehouse

SHARED = (Path(__file__).resolve().parents[2].parent / "shared" / "data").resolve()
GAZETTEER_MONTHS = ("2024-01", "2024-02", "2024-03")


def _cli(home: Path, *args: str) -> int:
    return main([*args], {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """City of London street files for three months, borough boundaries, lookup, EDs."""
    if not SHARED.exists():
        pytest.skip("../shared/data is not present")
    home = tmp_path_factory.mktemp("evaluate") / "home"
    home.mkdir()
    city = [SHARED / f"police-uk/city-of-london/{m}-city-of-london-street.csv.gz"
            for m in GAZETTEER_MONTHS]
    for args in (("load", "boundaries", str(SHARED / "boundaries/london-2021-lad22-gen20.zip")),
                 ("load", "ward-lookup", str(SHARED / "lookups/lsoa_to_ward.csv.gz")),
                 ("load", "ed-sites", str(SHARED / "nhs/site_xy.csv.gz")),
                 ("load", "police", *map(str, city))):
        assert _cli(home, *args) == 0
    return home


@pytest.fixture(scope="module")
def labelled_files(workspace: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> tuple[Path, Path]:
    """Clean and noisy labelled sets from a later month than the gazetteer's."""
    rows = labelled.read_police(
        [SHARED / "police-uk/city-of-london/2024-05-city-of-london-street.csv.gz"])
    lookup = labelled.read_lsoa_lookup(SHARED / "lookups/lsoa_to_ward.csv.gz")
    sites = pd.read_csv(SHARED / "nhs/site_xy.csv.gz", dtype={"site_code": str})
    clean = labelled.sample_clean(rows, lookup, sites, n=600, seed=5)
    noisy = labelled.add_noise(clean, seed=6)
    folder = tmp_path_factory.mktemp("labelled")
    clean_path, noisy_path = folder / "clean.csv", folder / "noisy.csv"
    clean.to_csv(clean_path, index=False)
    noisy.to_csv(noisy_path, index=False)
    return clean_path, noisy_path


def _evaluate(home: Path, path: Path, capsys: pytest.CaptureFixture[str], *extra: str
              ) -> dict:
    capsys.readouterr()
    assert _cli(home, "istv", "evaluate-geocoder", "--labelled", str(path), *extra,
                "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_evaluation_figures_match_an_independent_count(
        workspace: Path, labelled_files: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    _, noisy_path = labelled_files
    report = _evaluate(workspace, noisy_path, capsys)
    frame = pd.read_csv(noisy_path, dtype={"lsoa_code": str, "site_code": str})
    with Warehouse(workspace / "warehouse.duckdb") as wh:
        out = Geocoder.build(wh).geocode(frame["description"].tolist(),
                                         frame["site_code"].tolist())
        boroughs = query(wh, "SELECT lsoa21_code, borough_code FROM area_lookup"
                             ).set_index("lsoa21_code")["borough_code"]
    n = len(frame)
    assert report["n"] == n
    right = out["lsoa21_code"].to_numpy(object) == frame["lsoa_code"].to_numpy(object)
    assert report["pct_correct_lsoa"] == pytest.approx(100 * right.mean(), abs=0.01)
    right_borough = out["borough_code"].to_numpy(object) == frame["lsoa_code"].map(
        boroughs).to_numpy(object)
    assert report["pct_correct_borough"] == pytest.approx(100 * right_borough.mean(),
                                                          abs=0.01)
    x, y = to_bng(frame["longitude"].to_numpy(float), frame["latitude"].to_numpy(float))
    near = np.hypot(out["easting"] - x, out["northing"] - y) <= 250
    assert report["pct_within_250m"] == pytest.approx(100 * near.mean(), abs=0.01)
    assert report["pct_unresolved"] == pytest.approx(
        100 * out["unresolved_reason"].notna().mean(), abs=0.01)
    answered = int(out["unresolved_reason"].isna().sum())
    assert sum(band["n"] for band in report["reliability"]) == answered
    high = out["confidence"] >= 0.8
    assert report["high_confidence"]["n"] == int(high.sum())
    assert report["high_confidence"]["pct_correct_lsoa"] == pytest.approx(
        100 * right[high.to_numpy()].mean(), abs=0.01)


def test_noisy_strings_against_the_baseline_on_clean_ones(
        workspace: Path, labelled_files: tuple[Path, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_path, noisy_path = labelled_files
    report = _evaluate(workspace, noisy_path, capsys, "--baseline")
    base = report["baseline"]
    assert base["method"].startswith("baseline")
    # the noisy file carries clean_description, so the baseline ran on the clean strings
    on_clean = _evaluate(workspace, clean_path, capsys, "--baseline")["baseline"]
    timing = {"seconds", "descriptions_per_second"}
    assert {k: v for k, v in base.items() if k not in timing} == {
        k: v for k, v in on_clean.items() if k not in timing}
    assert report["lsoa_ratio_to_baseline"] == pytest.approx(
        report["pct_correct_lsoa"] / base["pct_correct_lsoa"], abs=1e-3)
    assert report["lsoa_ratio_to_baseline"] >= 0.95
    assert report["high_confidence"]["pct_correct_lsoa"] >= 90


def test_a_labelled_file_without_site_codes_is_accepted(
        workspace: Path, labelled_files: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.read_csv(labelled_files[0])
    path = tmp_path / "no_sites.csv"
    frame[["description", "lsoa_code", "longitude", "latitude"]].head(50).to_csv(path,
                                                                                 index=False)
    report = _evaluate(workspace, path, capsys)
    assert report["n"] == 50 and report["pct_correct_lsoa"] > 50


def test_a_labelled_file_without_a_required_column_is_refused(
        workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("description,lsoa,longitude,latitude\nChancery Lane,E01000914,-0.11,51.5\n")
    code = _cli(workspace, "istv", "evaluate-geocoder", "--labelled", str(path))
    err = capsys.readouterr().err
    assert code == 4
    assert "bad.csv" in err and "lsoa_code" in err


def test_calibrate_stores_a_calibration_the_geocoder_then_uses(
        workspace: Path, labelled_files: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:

    home = tmp_path / "home"
    home.mkdir()
    copy_warehouse(workspace / "warehouse.duckdb", home / "warehouse.duckdb")
    capsys.readouterr()
    assert _cli(home, "istv", "calibrate-geocoder", "--labelled", str(labelled_files[1]),
                "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_answers"] > 500
    assert sum(r["n"] for r in report["reliability_after"]) == report["n_answers"]
    with Warehouse(home / "warehouse.duckdb") as wh:
        assert wh.count("geocoder_calibration") == 1
        assert Geocoder.build(wh).calibration.fitted_on == "noisy.csv"


def test_the_top_end_is_lowered_until_every_group_is_right_often_enough() -> None:
    """lower_top guards 'high confidence' per group: a dense group that is right 98% of
    the time at >= 0.8 must not hide a sparse group that is right only 70% of the time."""
    from vrhub.places import calibration as cal

    rng = np.random.default_rng(3)
    n = 4000
    strength = rng.uniform(0, 4, n)
    sparse = rng.random(n) < 0.5
    # dense: right 98% of the time once strength > 1.7; sparse: only once strength > 3
    p_right = np.where(strength <= 1.7, 0.3,
                       np.where(sparse & (strength <= 3.0), 0.6, 0.98))
    correct = (rng.random(n) < p_right).astype(float)
    features = pd.DataFrame({"score": strength})
    naive = cal.Calibration(intercept=-2.0, coefficients={"score": 2.0})
    high = naive.predict(features) >= 0.8
    assert correct[high & sparse].mean() < 0.9  # over-confident for the sparse group
    guarded = cal.lower_top(naive, features, correct, groups=np.where(sparse, "s", "d"),
                            precision=0.95)
    assert guarded.intercept < naive.intercept
    assert guarded.coefficients == naive.coefficients
    high = guarded.predict(features) >= 0.8
    for group in (sparse, ~sparse):
        if (high & group).sum() >= 30:
            assert correct[high & group].mean() >= 0.95
    pooled = cal.lower_top(naive, features, correct, precision=0.8)
    assert pooled.intercept > guarded.intercept  # pooled, the dense group hides the sparse


def test_shipped_calibration_uses_the_sparsity_features() -> None:
    from vrhub.places import calibration as cal

    shipped = cal.default()
    assert {"single_point", "log_ed_km", "exact", "log_points"} <= set(shipped.coefficients)
    assert set(shipped.coefficients) <= set(cal.FEATURES)
