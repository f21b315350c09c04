"""How commands read the values people type: band edges (vrhub.cli.nearrepeat), criterion
scores (vrhub.cli.plans), months (vrhub.cli.records) and ratio cells (vrhub.cli.reconcile)."""

from __future__ import annotations

import math

import click
import pytest

from vrhub.cli import nearrepeat, plans, reconcile, records


def test_band_edges_read_numbers_and_infinity_and_refuse_words() -> None:
    assert nearrepeat._bands("0, 100,,400,inf", "--distance-bands") == [0.0, 100.0, 400.0,
                                                                        math.inf]
    assert nearrepeat._bands("0,7,Infinity", "--time-bands")[-1] == math.inf
    with pytest.raises(click.BadParameter, match="'0,near' is not a comma-separated list"):
        nearrepeat._bands("0,near", "--distance-bands")


def test_knox_ratio_cells_mark_significance_and_missing_ratios() -> None:
    assert nearrepeat._ratio_cell(1.234, 0.01) == "1.23 *"
    assert nearrepeat._ratio_cell(1.234, 0.05) == "1.23"  # 0.05 is not below 0.05
    assert nearrepeat._ratio_cell(float("nan"), 0.01) == "-"


def test_bad_band_edges_stop_the_command_with_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("nearrepeat", "--source", "police", "--distance-bands", "0,near",
                       "--time-bands", "0,7")
    assert code == 2
    assert "'0,near' is not a comma-separated list of numbers" in err


def test_scores_are_criterion_equals_value() -> None:
    assert plans._pairs(("use_of_data=3", " evaluation =4", "summary=a=b"), "--score") == {
        "use_of_data": "3", "evaluation": "4", "summary": "a=b"}
    with pytest.raises(click.BadParameter, match="'use_of_data' is not CRITERION=VALUE"):
        plans._pairs(("use_of_data",), "--score")
    with pytest.raises(click.BadParameter, match="'=3' is not CRITERION=VALUE"):
        plans._pairs(("=3",), "--score")


def test_record_months_are_written_year_dash_month() -> None:
    assert records._month("2024-10", "--from") == "2024-10"
    assert records._month(None, "--from") is None
    for wrong in ("2024-13", "October 2024", "2024-1"):
        with pytest.raises(click.BadParameter, match=f"'{wrong}' is not a month"):
            records._month(wrong, "--to")


def test_reconciliation_cells() -> None:
    assert reconcile._ratio(1.23456) == "1.235"
    assert reconcile._ratio(None) == "-"
    assert reconcile._share(0.125) == "12.5%"
    assert reconcile._share(0.5) == "50.0%"
    assert reconcile._share(None) == "-"
