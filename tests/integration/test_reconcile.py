"""``vrhub reconcile`` and the quality page's reconciliation, on the real Met burglary
points (2022-2024) and the real MPS borough tables in ../shared/data. The expected figures
are computed here with pandas straight from the CSV files, independently of the loaders and
of the SQL behind the command."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, sign_in
from vrhub.access.principal import console_administrator
from vrhub.cli.main import main
from vrhub.settings import Settings

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BURGLARY = DATA / "police-uk" / "metropolitan" / "burglary"
MPS = DATA / "london-datastore" / "mps-recorded-crime"
MPS_FILES = (MPS / "recorded-crime-borough-historical.csv.gz",
             MPS / "recorded-crime-borough.csv.gz")
NOT_BOROUGHS = ("Unknown", "London Heathrow and London City Airports")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not DATA.exists():
        pytest.skip("../shared/data is not present")
    home = tmp_path_factory.mktemp("reconcile") / "home"
    home.mkdir()
    env = {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
    assert main(["load", "police", str(BURGLARY)], env) == 0
    assert main(["load", "mps", *map(str, MPS_FILES)], env) == 0
    return home


@cache
def _police_files() -> pd.DataFrame:
    frames = []
    for path in sorted(BURGLARY.glob("*.csv.gz")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["file"] = path.name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _police() -> pd.DataFrame:
    rows = _police_files()
    return rows[rows["Reported by"] == "Metropolitan Police Service"].copy()


@cache
def _mps() -> pd.DataFrame:
    parts = []
    for path in MPS_FILES:
        wide = pd.read_csv(path, dtype=str)
        wide = wide[wide["majortext"] == "BURGLARY"]
        months = [c for c in wide.columns if c.isdigit()]
        long = wide.melt(id_vars=["boroughname"], value_vars=months, var_name="yyyymm",
                         value_name="n")
        long["n"] = long["n"].astype(int)
        long["month"] = long["yyyymm"].str[:4] + "-" + long["yyyymm"].str[4:]
        parts.append(long)
    return pd.concat(parts).groupby(["boroughname", "month"], as_index=False)["n"].sum()


@cache
def _expected(count: str) -> dict[str, object]:
    police = _police()
    mps = _mps()
    located = police[police["LSOA name"] != ""].copy()
    located["borough"] = located["LSOA name"].map(lambda s: re.sub(r" \d{3}[A-Z]$", "", s))
    if count == "crimes":
        located = located[~located.duplicated(["file", "Crime ID"])]
    points = located.groupby(["borough", "Month"]).size()
    months = sorted(set(police["Month"]) & set(mps["month"]))
    boroughs = mps[~mps["boroughname"].isin(NOT_BOROUGHS)]
    boroughs = boroughs[boroughs["month"].isin(months)]
    cells = {(b, m): (int(points.get((b, m), 0)), int(n))
             for b, m, n in boroughs.itertuples(index=False)}
    ratios = sorted(Fraction(p, n) for p, n in cells.values())
    half = len(ratios) // 2
    median = (ratios[half - 1] + ratios[half]) / 2 if len(ratios) % 2 == 0 else ratios[half]
    within = {band: sum(abs(r - 1) <= Fraction(band, 100) for r in ratios) / len(ratios)
              for band in (5, 10)}
    unattributed = mps[mps["boroughname"].isin(NOT_BOROUGHS) & mps["month"].isin(months)]
    all_rows = _police()
    return {
        "cells": len(cells), "median": float(median), "within5": within[5],
        "within10": within[10],
        "outside": {k for k, (p, n) in cells.items() if abs(Fraction(p, n) - 1) > Fraction(1, 10)},
        "police": sum(p for p, _ in cells.values()), "mps": sum(n for _, n in cells.values()),
        "no_location": int((all_rows["LSOA name"] == "").sum()),
        "city_lsoa": int(all_rows["LSOA name"].str.startswith("City of London").sum()),
        "repeated": int(all_rows.duplicated(["file", "Crime ID"]).sum()),
        "unattributed": int(unattributed["n"].sum()),
        "months": (months[0], months[-1]),
    }


def _reconcile(home: Path, capsys: pytest.CaptureFixture[str], *args: str
               ) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["reconcile", *args], {"VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"})
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("count", ["points", "crimes"])
def test_reconcile_equals_an_independent_count(workspace: Path, count: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    expected = _expected(count)
    code, out, _err = _reconcile(workspace, capsys, "--count", count, "--json")
    assert code == 0
    data = json.loads(out)
    (burglary,) = data["summary"]
    assert burglary["category"] == "Burglary" and burglary["mps_majors"] == ["BURGLARY"]
    assert burglary["cells"] == expected["cells"]
    assert burglary["median_ratio"] == pytest.approx(expected["median"], abs=1e-12)
    assert burglary["within_5pct"] == pytest.approx(expected["within5"], abs=1e-12)
    assert burglary["within_10pct"] == pytest.approx(expected["within10"], abs=1e-12)
    assert (burglary["police"], burglary["mps"]) == (expected["police"], expected["mps"])
    assert (burglary["first_month"], burglary["last_month"]) == expected["months"]
    listed = {(r["borough_name"], r["month"]) for r in data["outside"]}
    assert listed == expected["outside"]
    assert burglary["outside"] == len(expected["outside"])
    causes = {c["cause"]: c["figure"] for c in data["causes"]}
    assert causes["no_location"] == expected["no_location"]
    assert causes["city_lsoa"] == expected["city_lsoa"]
    assert causes["repeated_id"] == expected["repeated"]
    assert causes["mps_unattributed"] == expected["unattributed"]
    assert causes["snapping"] is None  # no boundaries loaded: named as not measured
    assert causes["other_force"] == int((_police_files()["Reported by"]
                                         == "City of London Police").sum())


def test_reconcile_tables_and_refusals(workspace: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    expected = _expected("points")
    code, out, _err = _reconcile(workspace, capsys, "--all")
    assert code == 0
    line = next(s for s in out.splitlines() if s.startswith("Burglary  BURGLARY"))
    assert f"{expected['median']:.3f}" in line
    assert f"{100 * float(expected['within5']):.1f}%" in line
    for borough, month in expected["outside"]:
        assert re.search(rf"Burglary\s+{re.escape(borough)}\s+{month}\s", out)
    assert "no_location" in out and "City of London" in out and "recording" in out
    code, _out, err = _reconcile(workspace, capsys, "--category", "Burglery")
    assert code == 2 and "Burglary" in err
    code, out, _err = _reconcile(workspace, capsys, "--from", "2024-03", "--to", "2024-05",
                                 "--json")
    window = json.loads(out)["summary"][0]
    assert (window["first_month"], window["last_month"], window["cells"]) == (
        "2024-03", "2024-05", 3 * 32)
    code, _out, err = _reconcile(workspace, capsys, "--from", "2024-05", "--to", "2024-03")
    assert code == 2 and "after it ends" in err
    # No Met robbery points are loaded: nothing to compare, and the note says why.
    code, out, err = _reconcile(workspace, capsys, "--category", "Robbery", "--json")
    assert code == 0 and json.loads(out)["summary"] == []
    assert any("no police.uk rows" in n for n in json.loads(out)["notes"])


def test_quality_page_shows_the_reconciliation(workspace: Path) -> None:
    from vrhub.web.app import create_app

    expected = _expected("points")
    app = create_app(Settings.load({}, home=workspace, environment="test"))
    app.state.access.identity.create_user(
        console_administrator("tests"), "pan@example.org", role="pan_london_analyst",
        organisation="TEST", password=PASSWORD)
    client = TestClient(app)
    sign_in(client, "pan@example.org")
    html = client.get("/quality", headers={"accept": "text/html"}).text
    assert "police.uk against the MPS published counts" in html
    row = re.search(r'<th scope="row" class="govuk-table__header">Burglary</th>(.*?)</tr>',
                    html, re.S)
    assert row is not None
    cells = re.findall(r'numeric">([^<]*)</td>', row.group(1))
    assert cells == [f"{expected['cells']:,}", f"{expected['median']:.3f}",
                     f"{100 * float(expected['within5']):.1f}%",
                     f"{100 * float(expected['within10']):.1f}%",
                     f"{len(expected['outside']):,}"]
    assert f"({len(expected['outside'])})" in html
    assert f"{expected['no_location']:,}" in html
