"""``vrhub deprivation`` on the dashboard's workspace: the map's four groups and the
concentration's Gini and top share worked out here from the MPS counts, the Census
population and IMD 2025 of each borough; a malformed --deciles refused with its example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Runner
from tests.warehouse_sql import query
from vrhub.cli import deprivation as deprivation_command
from vrhub.errors import UserError
from vrhub.storage.warehouse import Warehouse

WINDOW = ("2024-10", "2025-09")  # the latest 12 months of MPS counts in the workspace


def borough_figures(home: Path) -> dict[str, tuple[int, float]]:
    """Per borough: violence with injury over :data:`WINDOW`, and the share of its
    residents living in LSOAs of IMD 2025 deciles 1-3."""
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        violence = query(
            wh, "SELECT area_code, sum(count) AS n FROM mps_crime_count WHERE level = 'borough' "
                "AND minor_category = 'VIOLENCE WITH INJURY' AND month BETWEEN ? AND ? "
                "GROUP BY 1", list(WINDOW))
        deprived = query(
            wh, "SELECT l.borough_code, sum(p.count) FILTER (WHERE i.imd_decile <= 3) "
                "/ sum(p.count) AS share FROM area_lookup l JOIN population p ON p.lsoa_code = "
                "l.lsoa21_code AND p.source = 'census2021' AND p.lsoa_vintage = '2021' AND "
                "p.sex = 'persons' AND p.age_band = 'all' JOIN imd i ON i.lsoa_code = "
                "l.lsoa21_code AND i.edition = '2025' GROUP BY 1")
    shares = dict(zip(deprived["borough_code"], deprived["share"], strict=True))
    return {code: (int(n), float(shares[code]))
            for code, n in zip(violence["area_code"], violence["n"], strict=True)}


def test_the_map_sorts_boroughs_into_four_groups(run: Runner, workspace: Path) -> None:
    assert set(deprivation_command.command.commands) == {"map", "correlation",
                                                        "concentration"}
    figures = borough_figures(workspace)
    threshold = 450
    code, out, err = run("deprivation", "map", "--level", "borough", "--rule", "extent",
                         "--deciles", "1,2,3", "--min-vwi", threshold, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["summary"]["window"] == list(WINDOW)
    total = sum(n for n, _ in figures.values())
    expected: dict[str, list[int]] = {"both": [], "violence only": [],
                                      "deprivation only": [], "neither": []}
    for n, share in figures.values():
        high, poor = n > threshold, share >= 0.5
        group = ("both" if high and poor else "violence only" if high
                 else "deprivation only" if poor else "neither")
        expected[group].append(n)
    assert expected["both"], "the workspace would not show the group that matters"
    groups = report["summary"]["groups"]
    for name, counts in expected.items():
        assert groups[name]["areas"] == len(counts), name
        assert groups[name]["events"] == sum(counts), name
        assert groups[name]["share_of_events"] == pytest.approx(sum(counts) / total)


def test_concentration_gini_and_top_share(run: Runner, workspace: Path) -> None:
    counts = sorted((n for n, _ in borough_figures(workspace).values()), reverse=True)
    mean = sum(counts) / len(counts)
    gini = (sum(abs(a - b) for a in counts for b in counts)
            / (2 * len(counts) ** 2 * mean))
    top = sum(counts[:3]) / sum(counts)
    code, out, err = run("deprivation", "concentration", "--level", "borough", "--top", "50",
                         "--json")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    assert summary["gini"] == pytest.approx(gini)
    assert (summary["top_areas"], summary["top_share"]) == (3, pytest.approx(top))
    code, out, err = run("deprivation", "concentration", "--level", "borough", "--top", "50")
    assert code == 0, err
    assert (f"{top:.1%} of events in the top 50% of areas (3 of {len(counts)}); "
            f"Gini {gini:.3f}") in err


def test_malformed_deciles_are_refused(run: Runner, workspace: Path) -> None:
    code, _, err = run("deprivation", "map", "--deciles", "1,x")
    assert code == UserError.exit_code
    assert "--deciles must be a comma-separated list of 1-10; found '1,x'" in err
    assert "for example --deciles 1,2" in err
