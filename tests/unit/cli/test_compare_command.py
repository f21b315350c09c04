"""``vrhub compare ed-police`` on the dashboard's workspace: ED assaults of current
submissions and MPS violence with injury per borough, counted here from the tables, and the
ratio's exact interval worked out from the beta distribution; disclosure control rounds the
ED counts; an LSOA-level disclosed comparison is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import beta

from tests.conftest import Runner
from tests.warehouse_sql import query
from vrhub.cli import compare as compare_command
from vrhub.errors import DisclosureError
from vrhub.storage.warehouse import Warehouse

PERIOD = ("2024-10", "2025-09")  # the latest 12 complete months of ED data in the workspace


def counted(home: Path) -> dict[str, tuple[int, int]]:
    """(ED assaults of current submissions, MPS violence with injury) per borough over
    :data:`PERIOD`, read straight from the tables."""
    with Warehouse(home / "warehouse.duckdb", read_only=True) as wh:
        ed = query(
            wh, "SELECT a.borough_code, count(*) AS n FROM istv_assault a JOIN istv_submission s "
                "USING (submission_id) WHERE s.status = 'current' AND a.borough_code IS NOT NULL "
                "AND strftime(a.assault_at, '%Y-%m') BETWEEN ? AND ? GROUP BY 1", list(PERIOD))
        police = query(
            wh, "SELECT area_code, sum(count) AS n FROM mps_crime_count WHERE level = 'borough' "
                "AND minor_category = 'VIOLENCE WITH INJURY' AND month BETWEEN ? AND ? "
                "GROUP BY 1", list(PERIOD))
    eds = dict(zip(ed["borough_code"], ed["n"], strict=True))
    return {code: (int(eds.get(code, 0)), int(n))
            for code, n in zip(police["area_code"], police["n"], strict=True)}


def exact_interval(ed: int, police: int) -> tuple[float, float]:
    """The exact 95% interval of ed/police given their sum (Clopper-Pearson on the share)."""
    low = beta.ppf(0.025, ed, police + 1)
    high = beta.ppf(0.975, ed + 1, police)
    return low / (1 - low), high / (1 - high)


def compared(run: Runner, folder: Path, *args: str) -> tuple[dict, dict[str, dict]]:
    """The JSON summary of ``vrhub compare ed-police ARGS`` and its rows (from its CSV)."""
    output = folder / "compare.csv"
    code, out, err = run("compare", "ed-police", *args, "-o", output, "--json")
    assert code == 0, err
    frame = pd.read_csv(output, dtype={"area_code": str})
    frame = frame.astype(object).where(frame.notna(), None)
    return json.loads(out), {r["area_code"]: r for r in frame.to_dict("records")}


def test_ed_assaults_beside_police_violence_per_borough(run: Runner, workspace: Path,
                                                        tmp_path: Path) -> None:
    assert "ed-police" in compare_command.command.commands
    expected = counted(workspace)
    report, rows = compared(run, tmp_path, "--no-disclose")
    assert report["parameters"]["period"] == list(PERIOD)
    assert {code: (r["ed_count"], r["police_count"]) for code, r in rows.items()} == expected
    for code, (ed, police) in expected.items():
        assert rows[code]["ratio"] == pytest.approx(ed / police)
        low, high = exact_interval(ed, police)
        assert rows[code]["ratio_lower"] == pytest.approx(low, rel=1e-6)
        assert rows[code]["ratio_upper"] == pytest.approx(high, rel=1e-6)
    ed_total = sum(e for e, _ in expected.values())
    police_total = sum(p for _, p in expected.values())
    code, _, err = run("compare", "ed-police", "--no-disclose")
    assert code == 0, err
    assert (f"all areas: {ed_total:,} ED assaults, {police_total:,} police-recorded; "
            f"ratio {ed_total / police_total:.2f}") in err


def test_disclosed_counts_are_rounded_to_five(run: Runner, workspace: Path,
                                             tmp_path: Path) -> None:
    expected = counted(workspace)
    _, rows = compared(run, tmp_path)
    for code, (ed, _) in expected.items():
        assert rows[code]["ed_count"] == (None if 1 <= ed <= 7 else 5 * round(ed / 5))
    code, _, err = run("compare", "ed-police", "--level", "lsoa")
    assert code == DisclosureError.exit_code
    assert "areas smaller than a ward (OA, LSOA, MSOA) are not allowed" in err
    assert "pass --no-disclose" in err
