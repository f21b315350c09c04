"""Geocoder accuracy, calibration and speed on labelled sets made from real police.uk data.

``python -m benchmarks.bench_geocoder`` builds a warehouse in a temporary folder from
../shared/data (City of London, British Transport Police and Met burglary street files from
2023-10 on, when police.uk switched to LSOA 2021 codes; London boundaries; the NHS London
ED site list), builds the gazetteer, makes labelled sets and writes
benchmarks/results/geocoder.json:

* the gazetteer is built from earlier months (:data:`GAZETTEER_MONTHS`) and the labelled
  descriptions come from later ones, as when new ED records are geocoded: a *tuning* set
  (City of London 2025-07..09, BTP 2024-04, Met burglary 2024-09..10) and a *held-out*
  set (Met burglary 2024-11..12) never used to choose constants or fit the shipped
  calibration;
* for each: the clean strings, the exact-name baseline on them, and the noisy strings;
  % correct LSOA / borough, % within 250 m, % unresolved, the reliability table, and the
  ratio of noisy-string LSOA accuracy to the baseline's;
* per noise style (:mod:`vrhub.geography.noise_styles`) on the held-out clean set: the
  confidence fitted on the tuning styles and judged on the held-out ones, and the shipped
  calibration judged on every style (``styles``);
* descriptions per second once the gazetteer is built (cold cache, unique strings).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vrhub.geography import labelled
from vrhub.places import calibration as cal
from vrhub.places import style_evaluation as se
from vrhub.places.evaluation import evaluate
from vrhub.places.geocoder import Geocoder
from vrhub.storage.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO.parent / "shared" / "data").resolve()
RESULTS = REPO / "benchmarks" / "results" / "geocoder.json"


def police_files(shared: Path, months: dict[str, tuple[str, ...]]) -> list[Path]:
    """Street files of the given months per series (city, btp, met)."""
    files: list[Path] = []
    for month in months.get("city", ()):
        files.append(shared / f"police-uk/city-of-london/{month}-city-of-london-street.csv.gz")
    for month in months.get("btp", ()):
        files.append(shared / f"police-uk/btp/{month}-btp-street.csv.gz")
    for month in months.get("met", ()):
        files.append(shared / f"police-uk/metropolitan/burglary/{month}_burglary_cleaned.csv.gz")
    return files


def _months(first: str, last: str) -> tuple[str, ...]:
    out = []
    year, month = int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


GAZETTEER_MONTHS = {"city": _months("2023-10", "2025-06"), "btp": _months("2024-01", "2024-03"),
                    "met": _months("2023-10", "2024-08")}
"""The gazetteer is built from these months only (LSOA 2021 codes start in 2023-10)."""
TUNING_MONTHS = {"city": _months("2025-07", "2025-09"), "btp": ("2024-04",),
                 "met": _months("2024-09", "2024-10")}
"""Labelled descriptions for choosing constants and fitting the shipped calibration."""
CALIBRATION_EXTRA_MONTHS = {"met": _months("2024-09", "2024-10")}
"""More Met burglary descriptions (sparse residential streets) for the calibration, so
that it is not fitted mostly on the denser City of London and BTP data."""
HELD_OUT_MONTHS = {"met": _months("2024-11", "2024-12")}
"""Labelled descriptions never used for tuning."""


def prepare_warehouse(home: Path, shared: Path, files: list[Path]) -> Warehouse:
    """A workspace loaded with the vrhub loaders: London LSOA 2021, ward and borough
    boundaries, the LSOA -> ward lookup, the ED sites and the given police.uk files."""
    from vrhub.cli.main import main

    home.mkdir(parents=True, exist_ok=True)
    env = {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
    steps = [
        ["load", "boundaries", str(shared / "boundaries/london-2021-lsoa-gen20.zip"),
         str(shared / "boundaries/london-2021-lad22-gen20.zip"),
         str(shared / "boundaries/london_wards.json.gz")],
        ["load", "ward-lookup", str(shared / "lookups/lsoa_to_ward.csv.gz")],
        ["load", "ed-sites", str(shared / "nhs/site_xy.csv.gz")],
        ["load", "police", *map(str, files)],
    ]
    for step in steps:
        if main([*step, "--json"], env) != 0:
            raise SystemExit(f"vrhub {' '.join(step[:2])} failed")
    return Warehouse(home / "warehouse.duckdb")


def ed_sites(shared: Path) -> pd.DataFrame:
    sites = pd.read_csv(shared / "nhs/site_xy.csv.gz", dtype={"site_code": str})
    return sites.rename(columns={"site": "site_name"})


def stations(police: pd.DataFrame) -> pd.DataFrame:
    st = police[police["location"].str.contains(r"\(Station\)", regex=True)]
    st = st.drop_duplicates("location")
    return pd.DataFrame({
        "name": st["location"].str.replace("On or near ", "").str.replace(
            r"\s*\(Station\)", " Station", regex=True),
        "easting": st["easting"], "northing": st["northing"]})


def make_sets(shared: Path, n: int, seed: int) -> dict[str, pd.DataFrame]:
    """Clean and noisy labelled sets from months the gazetteer was not built from."""
    lookup = labelled.read_lsoa_lookup(shared / "lookups/lsoa_to_ward.csv.gz")
    sites = ed_sites(shared)
    st = stations(labelled.read_police(police_files(shared, GAZETTEER_MONTHS)))
    tune_rows = labelled.read_police(police_files(shared, TUNING_MONTHS))
    held_rows = labelled.read_police(police_files(shared, HELD_OUT_MONTHS))
    tune = labelled.sample_clean(tune_rows, lookup, sites, n=n, seed=seed)
    held = labelled.sample_clean(held_rows, lookup, sites, n=n, seed=seed + 1)
    return {
        "tune_clean": tune,
        "tune_noisy": labelled.add_noise(tune, seed=seed + 2, stations=st),
        "heldout_clean": held,
        "heldout_noisy": labelled.add_noise(held, seed=seed + 3, stations=st),
    }


def fit_calibration(geocoder: Geocoder, shared: Path, sets: dict[str, pd.DataFrame], *,
                    seed: int, precision: float = 0.97) -> cal.Calibration:
    """Fit the shipped calibration on the tuning sets plus extra Met burglary
    descriptions (never the held-out set), each clean and rewritten in every tuning noise
    style (:data:`vrhub.places.style_evaluation.TUNING_STYLES`; the other styles are
    left to judge it): logistic fit on a random 70%, then the top end lowered on the other
    30% until ``precision`` of the answers at confidence >= 0.8 are right both in the
    tuning mix and in the Met-only part."""
    lookup = labelled.read_lsoa_lookup(shared / "lookups/lsoa_to_ward.csv.gz")
    met = labelled.sample_clean(labelled.read_police(police_files(
        shared, CALIBRATION_EXTRA_MONTHS)), lookup, ed_sites(shared), n=3000, seed=777)
    parts: list[tuple[pd.DataFrame, str]] = []
    for clean, group, offset in ((sets["tune_clean"], "tune", 0), (met, "met", 1)):
        prepared = se.with_context(geocoder, clean)
        parts.append((prepared, group))
        styled = se.noisy_sets(geocoder, prepared, se.TUNING_STYLES, seed=seed + offset)
        parts.extend((frame, group) for frame in styled.values())
    features, correct, groups = [], [], []
    for frame, group in parts:
        out, feats = geocoder.geocode_with_features(frame["description"].tolist(),
                                                    frame["site_code"].tolist())
        answered = out["unresolved_reason"].isna().to_numpy()
        features.append(feats[answered])
        correct.append((out["lsoa21_code"].to_numpy(object)
                        == frame["lsoa_code"].to_numpy(object))[answered])
        groups.append(np.full(int(answered.sum()), group))
    x = pd.concat(features, ignore_index=True).fillna(0.0)
    y, g = np.concatenate(correct).astype(float), np.concatenate(groups)
    validation = np.random.default_rng(seed).random(len(y)) < 0.3
    fitted = cal.fit(x[~validation], y[~validation])
    return cal.lower_top(fitted, x[validation], y[validation], groups=g[validation],
                         precision=precision, fitted_on="benchmarks.bench_geocoder")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20240)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--write-sets", type=Path, default=None, metavar="DIR",
                        help="also write the labelled sets as CSV files to DIR, for "
                        "`vrhub istv evaluate-geocoder --labelled`")
    parser.add_argument("--fit-calibration", type=Path, default=None, metavar="JSON",
                        help="refit the shipped calibration (see fit_calibration), write it "
                        "to JSON and measure with it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = police_files(SHARED, GAZETTEER_MONTHS)
        wh = prepare_warehouse(Path(tmp) / "home", SHARED, files)
        t0 = time.perf_counter()
        geocoder = Geocoder.build(wh)
        build_seconds = time.perf_counter() - t0
        sets = make_sets(SHARED, args.n, args.seed)
        if args.write_sets is not None:
            args.write_sets.mkdir(parents=True, exist_ok=True)
            for name, frame in sets.items():
                frame.to_csv(args.write_sets / f"{name}.csv", index=False)
        if args.fit_calibration is not None:
            geocoder.calibration = fit_calibration(geocoder, SHARED, sets, seed=5)
            args.fit_calibration.write_text(json.dumps(geocoder.calibration.to_json(),
                                                       indent=2) + "\n")
        report: dict[str, object] = {
            "gazetteer": {"names": len(geocoder.gazetteer),
                          "points": geocoder.gazetteer.n_points,
                          "build_seconds": round(build_seconds, 2)},
        }
        for which in ("tune", "heldout"):
            clean, noisy = sets[f"{which}_clean"], sets[f"{which}_noisy"]
            base = evaluate(geocoder, clean, baseline=True)
            res_clean = evaluate(geocoder, clean)
            res_noisy = evaluate(geocoder, noisy)
            report[which] = {
                "baseline_clean": base, "geocoder_clean": res_clean,
                "geocoder_noisy": res_noisy,
                "noisy_over_baseline_lsoa": round(
                    res_noisy["pct_correct_lsoa"] / base["pct_correct_lsoa"], 4),
            }
        prepared = se.with_context(geocoder, sets["heldout_clean"])
        report["styles"] = {
            "calibrated_on_tuning_styles": se.evaluate_styles(
                geocoder, prepared, styles=se.noise_styles.ALL_STYLES,
                calibrate_on=se.TUNING_STYLES, seed=args.seed),
            "shipped_calibration": se.evaluate_styles(
                geocoder, prepared, styles=se.noise_styles.ALL_STYLES, calibrate_on=(),
                seed=args.seed),
        }
        # a fresh geocoder (empty caches), prepared as Geocoder.build prepares it
        fresh = Geocoder(geocoder.gazetteer, geocoder.sites, geocoder.calibration).prepare()
        desc = pd.concat([sets["heldout_noisy"], sets["tune_noisy"]])
        t0, c0 = time.perf_counter(), time.process_time()
        fresh.geocode(desc["description"].tolist(), desc["site_code"].tolist())
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        # CPU time is the fair figure on a shared machine; wall time is reported too
        report["speed"] = {"descriptions": len(desc), "seconds": round(seconds, 3),
                           "cpu_seconds": round(cpu, 3),
                           "unique_descriptions": int(desc["description"].nunique()),
                           "descriptions_per_second": round(len(desc) / seconds, 1),
                           "descriptions_per_cpu_second": round(len(desc) / cpu, 1)}
        wh.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=_default))
    print(json.dumps(report, indent=2, default=_default))


def _default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    main()
