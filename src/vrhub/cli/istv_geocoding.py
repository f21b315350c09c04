"""Sub-commands of ``vrhub istv`` for the gazetteer and the geocoder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.errors import UserError

if TYPE_CHECKING:
    from vrhub.storage.warehouse import Warehouse

_labelled_option = click.option(
    "--labelled", "labelled_path", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns description, lsoa_code (LSOA 2021), longitude, latitude and "
    "optionally site_code (the treating ED).")


@click.group(name="gazetteer")
def gazetteer() -> None:
    """The place-name gazetteer the geocoder looks descriptions up in."""


@gazetteer.command(name="build")
@json_option
@pass_app
def build(app: AppContext, as_json: bool) -> None:
    """(Re)build the gazetteer from the warehouse.

    Uses the police.uk snap points of every loaded force, borough and ward names and ED
    sites. Imported OS Open Names and ONSPD data are kept. The geocoder also builds the
    gazetteer by itself when it is missing or the police.uk data have changed.
    """
    from vrhub.places import gazetteer as gaz

    counts = gaz.build(app.warehouse(), app.progress)
    _report(app, "Gazetteer built", counts, as_json)


@gazetteer.command(name="import-open-names")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True,
                                                                   path_type=Path))
@json_option
@pass_app
def import_open_names(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Add OS Open Names (roads, stations, places) to the gazetteer.

    PATHS are the Open Names CSV files, a folder or the download's zip. Only names
    within the loaded boundaries (London) are kept; a new import replaces the last.
    """
    from vrhub.ingest.gazetteer import import_open_names as run_import

    _report(app, "OS Open Names imported", run_import(app.warehouse(), paths, app.progress),
            as_json)


@gazetteer.command(name="import-onspd")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True,
                                                                   path_type=Path))
@json_option
@pass_app
def import_onspd(app: AppContext, paths: tuple[Path, ...], as_json: bool) -> None:
    """Add ONS Postcode Directory centroids, so full postcodes resolve.

    PATHS are the ONSPD CSV file, a folder or the download's zip. Only postcodes within
    the loaded boundaries (London) are kept; a new import replaces the last.
    """
    from vrhub.ingest.gazetteer import import_onspd as run_import

    _report(app, "ONSPD imported", run_import(app.warehouse(), paths, app.progress),
            as_json)


@click.command(name="evaluate-geocoder")
@_labelled_option
@click.option("--baseline", is_flag=True,
              help="Also score the exact-name baseline (whole string looked up as one "
              "name, point nearest the treating ED) and the ratio of LSOA accuracy. If the "
              "file has a clean_description column, the baseline runs on those strings.")
@click.option("--styles", "styles_text", default=None, metavar="STYLES",
              help="Rewrite the labelled (clean) strings in these noise styles and report "
              "each: 'all' or names separated by commas (area, case, typo, street_type, "
              "number, reorder, squash, postcode_district, junction, landmark, compound, "
              "mixed).")
@click.option("--calibrate-on", "calibrate_text", default=None, metavar="STYLES",
              help="With --styles: fit the confidence on these styles only and judge it on "
              "the others (default: mixed, landmark, number, squash, postcode_district; "
              "'none' judges the workspace's own calibration on every style).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the noise (the same seed gives the same strings).")
@json_option
@pass_app
def evaluate_geocoder(app: AppContext, labelled_path: Path, baseline: bool,
                      styles_text: str | None, calibrate_text: str | None, seed: int,
                      as_json: bool) -> None:
    """Measure the geocoder against labelled location descriptions.

    Reports % correct LSOA 2021, % correct borough, % within 250 m of the true point,
    % unresolved, the share right among answers with confidence >= 0.8, and a
    reliability table (answers by confidence band: mean confidence and share right).

    With --styles, the labelled strings are taken as clean, rewritten in each style, and
    each style is reported against the exact-name baseline on the clean strings (target:
    at least 0.95 of it) with the share right at confidence >= 0.8 (target: 90%), the
    confidence fitted on the --calibrate-on styles and judged on the held-out others.
    """
    from vrhub.geography.labelled import read_labelled
    from vrhub.places.evaluation import evaluate
    from vrhub.places.geocoder import Geocoder

    warehouse = app.warehouse()
    frame = read_labelled(labelled_path)
    geocoder = Geocoder.build(warehouse, app.progress)
    boroughs = _lsoa_boroughs(warehouse) or geocoder.gazetteer.lsoa_borough
    if styles_text is not None:
        _evaluate_styles(app, warehouse, geocoder, frame, labelled_path.name, styles_text,
                         calibrate_text, seed, boroughs, as_json)
        return
    result: dict[str, Any] = {"labelled_file": labelled_path.name,
                              **evaluate(geocoder, frame, lsoa_borough=boroughs)}
    if baseline:
        clean = frame
        if "clean_description" in frame.columns:  # a noisy set made from clean strings
            clean = frame.assign(description=frame["clean_description"])
        base = evaluate(geocoder, clean, baseline=True, lsoa_borough=boroughs)
        result["baseline"] = base
        result["lsoa_ratio_to_baseline"] = (
            round(result["pct_correct_lsoa"] / base["pct_correct_lsoa"], 4)
            if base["pct_correct_lsoa"] else None)
    if as_json:
        app.emit_json(result)
        return
    rows = [["geocoder", result["n"], result["pct_correct_lsoa"],
             result["pct_correct_borough"], result["pct_within_250m"],
             result["pct_unresolved"]]]
    if baseline:
        b = result["baseline"]
        rows.append(["baseline", b["n"], b["pct_correct_lsoa"], b["pct_correct_borough"],
                     b["pct_within_250m"], b["pct_unresolved"]])
    app.emit_table(f"Geocoder on {labelled_path.name}",
                   ["method", "n", "% LSOA", "% borough", "% within 250 m",
                    "% unresolved"], rows)
    high = result["high_confidence"]
    app.info(f"Confidence >= {high['threshold']}: {high['n']:,} answers, "
             f"{high['pct_correct_lsoa']}% with the right LSOA.")
    _reliability(app, result["reliability"])
    if baseline:
        app.info(f"LSOA accuracy relative to the baseline: {result['lsoa_ratio_to_baseline']}")


@click.command(name="calibrate-geocoder")
@_labelled_option
@json_option
@pass_app
def calibrate_geocoder(app: AppContext, labelled_path: Path, as_json: bool) -> None:
    """Fit the geocoder's confidence to labelled descriptions and store it.

    Fits a logistic calibration of the match evidence to whether the LSOA was right. The
    stored calibration is used from then on in this workspace. Evaluate on a different
    labelled set from the one you calibrate on.
    """
    import numpy as np

    from vrhub.geography.labelled import read_labelled
    from vrhub.places import calibration as cal
    from vrhub.places.calibration import reliability_table
    from vrhub.places.geocoder import Geocoder

    warehouse = app.warehouse()
    frame = read_labelled(labelled_path)
    geocoder = Geocoder.build(warehouse, app.progress)
    result, features = geocoder.geocode_with_features(
        frame["description"].tolist(), frame["site_code"].tolist())
    answered = result["unresolved_reason"].isna().to_numpy()
    correct = (result["lsoa21_code"].astype(object).to_numpy()
               == frame["lsoa_code"].astype(object).to_numpy())
    if answered.sum() < 50 or correct[answered].all() or not correct[answered].any():
        raise UserError(
            f"the labelled file gives {int(answered.sum())} answers, "
            f"{int(correct[answered].sum())} of them right: too few, or no mix of right "
            "and wrong, to fit a calibration",
            hint="use a labelled set of at least a few hundred realistic descriptions")
    fitted = cal.fit(features[answered], correct[answered], fitted_on=labelled_path.name)
    cal.store(warehouse, fitted, labelled_file=labelled_path.name, n=int(answered.sum()))
    after = fitted.predict(features[answered])
    out = {"labelled_file": labelled_path.name, "n_answers": int(answered.sum()),
           "calibration": fitted.to_json(),
           "reliability_before": reliability_table(
               result["confidence"].to_numpy(float)[answered], correct[answered]),
           "reliability_after": reliability_table(after, correct[answered]),
           "mean_correct": float(np.mean(correct[answered]))}
    if as_json:
        app.emit_json(out)
        return
    app.info(f"Calibration fitted on {out['n_answers']:,} answers and stored.")
    _reliability(app, reliability_table(after, correct[answered]))


def _evaluate_styles(app: AppContext, warehouse: Warehouse, geocoder: Any, frame: Any,
                     name: str, styles_text: str, calibrate_text: str | None, seed: int,
                     boroughs: dict[str, str], as_json: bool) -> None:
    from vrhub.places import style_evaluation as se

    styles = se.parse_styles(styles_text, se.HELD_OUT_STYLES)
    calibrate_on = se.parse_styles(calibrate_text, se.TUNING_STYLES)
    clean = frame
    if "clean_description" in frame.columns:  # a noisy set made from clean strings
        clean = frame.assign(description=frame["clean_description"])
    from vrhub.storage.queries import areas as area_queries

    areas = area_queries.lsoa_names(warehouse)
    report = se.evaluate_styles(geocoder, se.with_context(geocoder, clean, areas),
                                styles=styles, calibrate_on=calibrate_on, seed=seed,
                                lsoa_borough=boroughs)
    report = {"labelled_file": name, **report}
    if as_json:
        app.emit_json(report)
        return
    base = report["baseline_clean"]
    app.info(f"Exact-name baseline on the clean strings: {base['pct_correct_lsoa']}% right "
             f"LSOA; confidence fitted on: {', '.join(calibrate_on) or 'the workspace'}.")
    rows = []
    for style, v in report["styles"].items():
        high = v["high_confidence"]
        rows.append([style, v["role"].replace("_", " "), v["n"], v["pct_correct_lsoa"],
                     v["lsoa_ratio_to_baseline"], v["pct_unresolved"], high["n"],
                     "-" if high["share_correct"] is None
                     else f"{100 * high['share_correct']:.1f}",
                     "yes" if v["meets_targets"] else "NO"])
    app.emit_table(f"Geocoder per noise style on {name} (seed {seed})",
                   ["style", "role", "n", "% LSOA", "ratio to baseline", "% unresolved",
                    "conf >= 0.8", "% right at >= 0.8", "meets targets"], rows)
    held = report["held_out"]
    app.info(f"Held-out styles: lowest ratio {held['min_lsoa_ratio_to_baseline']}, lowest "
             f"share right at >= 0.8 {held['min_high_confidence_precision']}; all meet the "
             f"targets: {'yes' if held['all_meet_targets'] else 'no'}.")


def _lsoa_boroughs(warehouse: Warehouse) -> dict[str, str]:
    from vrhub.storage.queries import areas as area_queries

    return area_queries.lsoa_boroughs(warehouse)


def _report(app: AppContext, title: str, counts: dict[str, int], as_json: bool) -> None:
    if as_json:
        app.emit_json(counts)
        return
    app.emit_table(title, ["what", "count"], [[k.replace("_", " "), v]
                                              for k, v in counts.items()])


def _reliability(app: AppContext, rows: list[dict[str, Any]]) -> None:
    app.emit_table("Reliability by confidence band",
                   ["confidence", "answers", "mean confidence", "share right"],
                   [[r["band"], r["n"], r["mean_confidence"], r["share_correct"]]
                    for r in rows])


subcommands: list[click.Command] = [gazetteer, evaluate_geocoder, calibrate_geocoder]
