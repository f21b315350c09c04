"""A borough's violence indicators in the Fingertips layout: every count disclosure-
controlled and every figure recomputed here from the count shown (so no figure gives a
count back), exact intervals checked against scipy, the comparison with London and the
trend following from those intervals; CSV, XLSX and JSON from the API."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scipy import stats

from tests.web.conftest import sign_in
from tests.web.pages_workspace import BOROUGH
from vrhub.access.audit import query
from vrhub.partnership.jsna_indicators import borough_indicators
from vrhub.storage.warehouse import Warehouse

MULTIPLIER = {"per 100,000": 100_000, "per 1,000": 1_000}


def _frame(app: FastAPI) -> pd.DataFrame:
    with Warehouse(app.state.workspace.warehouse_path, read_only=True) as wh:
        return borough_indicators(wh, BOROUGH)


def test_counts_values_and_intervals(demo_app: FastAPI) -> None:
    frame = _frame(demo_app)
    ours = frame[frame["area_code"] == BOROUGH]
    assert set(frame["area_code"]) == {BOROUGH, "E12000007"}
    assert {"HUB-ED-ASSAULT", "HUB-VWI"} <= set(ours["indicator_code"])
    shown = frame["count"].dropna().astype(int)
    assert ((shown == 0) | ((shown >= 10) & (shown % 5 == 0))).all()
    withheld = ours[ours["count"].isna()]
    assert len(withheld) > 0 and withheld["value"].isna().all()
    assert (withheld["recent_trend"] == "Withheld (small count)").all()
    rates = frame[frame["unit"].isin(MULTIPLIER) & frame["count"].notna()
                  & ~frame["indicator_code"].eq("HUB-ED-POLICE-RATIO")]
    assert len(rates) > 10
    for row in rates.itertuples():
        per = MULTIPLIER[row.unit] / row.denominator
        assert row.value == round(row.count * per, 2)
        low = stats.chi2.ppf(0.025, 2 * row.count) / 2 if row.count else 0.0
        high = stats.chi2.ppf(0.975, 2 * row.count + 2) / 2
        assert (row.lower_ci_95, row.upper_ci_95) == (round(low * per, 2), round(high * per, 2))


def test_comparisons_and_trends_follow_the_intervals(demo_app: FastAPI) -> None:
    frame = _frame(demo_app)
    ours = frame[(frame["area_code"] == BOROUGH) & frame["count"].notna()]
    for row in ours.itertuples():
        if row.compared_with_london == "Not compared":
            continue
        higher = row.london_value < row.lower_ci_95
        lower = row.london_value > row.upper_ci_95
        expected = "Higher" if higher else "Lower" if lower else "Similar"
        assert row.compared_with_london.startswith(expected), row
        if expected != "Similar":
            better = (expected == "Higher") == row.direction.startswith("higher")
            assert row.compared_with_london.endswith("(better)" if better else "(worse)")
    vwi = ours[ours["indicator_code"] == "HUB-VWI"].reset_index(drop=True)
    assert len(vwi) >= 2
    latest, before = vwi.iloc[0], vwi.iloc[1]
    x1, x2 = int(latest["count"]), int(before["count"])
    ci = stats.binomtest(x1, x1 + x2).proportion_ci(method="exact")
    scale = before["denominator"] / latest["denominator"]
    low, high = ci.low / (1 - ci.low) * scale, ci.high / (1 - ci.high) * scale
    expected = ("Increasing" if low > 1 else "Decreasing" if high < 1
                else "No significant change")
    assert latest["recent_trend"] == expected


def test_the_api_gives_the_same_rows_as_csv_xlsx_and_json(demo_app: FastAPI) -> None:
    frame = _frame(demo_app)
    with TestClient(demo_app) as client:
        sign_in(client, "pan@example.org")
        as_csv = client.get(f"/api/v1/jsna/{BOROUGH}", params={"format": "csv"})
        assert as_csv.status_code == 200
        assert as_csv.headers["content-type"].startswith("text/csv")
        back = pd.read_csv(io.BytesIO(as_csv.content), encoding="utf-8-sig")
        assert back["count"].fillna(-1).astype(int).tolist() == frame["count"].fillna(
            -1).astype(int).tolist()
        as_xlsx = client.get(f"/api/v1/jsna/{BOROUGH}", params={"format": "xlsx"})
        sheets = pd.read_excel(io.BytesIO(as_xlsx.content), sheet_name=None)
        assert set(sheets) == {"Indicators", "Method"}
        assert np.allclose(sheets["Indicators"]["value"].fillna(-1),
                           frame["value"].fillna(-1).astype(float))
        as_json = client.get(f"/api/v1/jsna/{BOROUGH}").json()
        assert len(as_json["rows"]) == len(frame)
        assert client.get("/api/v1/jsna/E09999999").status_code == 400
    with TestClient(demo_app) as public:  # the public sees no ED figures here
        rows = public.get(f"/api/v1/jsna/{BOROUGH}").json()["rows"]
        assert {r["indicator_code"] for r in rows} == {
            c for c in frame["indicator_code"] if not c.startswith("HUB-ED")}
    with demo_app.state.access.sessions() as session:
        reads = [(e.actor_email, e.outcome) for e in query(
            session, limit=1000, action="read_ed_figures") if e.resource == "ed_figures:api:jsna"]
    assert reads.count(("pan@example.org", "allowed")) == 3
    assert reads.count(("public", "denied")) == 1


def test_the_route_reads_the_borough_code_as_written_and_refuses_an_unknown_one(
        demo_app: FastAPI) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import api_jsna

    frame = _frame(demo_app)
    with TestClient(demo_app) as client:
        sign_in(client, "borough@example.org")
        lower = client.get(path_of(api_jsna, api_jsna.jsna_indicators,
                                   borough=BOROUGH.lower()))
        assert lower.status_code == 200
        assert lower.json()["borough"] == BOROUGH
        assert [r["indicator_code"] for r in lower.json()["rows"]] == frame[
            "indicator_code"].tolist()
        as_csv = client.get(path_of(api_jsna, api_jsna.jsna_indicators, borough=BOROUGH),
                            params={"format": "csv"})
        assert as_csv.headers["content-disposition"] == (
            f'attachment; filename="violence-indicators-{BOROUGH}.csv"')
        unknown = client.get(path_of(api_jsna, api_jsna.jsna_indicators,
                                     borough="E09999999"))
        assert unknown.status_code == 400
        assert unknown.json()["error"]["message"] == "'E09999999' is not a loaded borough"
        bad_format = client.get(path_of(api_jsna, api_jsna.jsna_indicators, borough=BOROUGH),
                                params={"format": "pdf"})
        assert bad_format.status_code == 422


def test_the_command_writes_the_rows_the_api_serves_and_refuses_an_unknown_borough(
        demo_app: FastAPI, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vrhub.cli import jsna as jsna_cli
    from vrhub.cli.main import main

    settings = demo_app.state.settings
    environ = {"VRHUB_HOME": str(settings.home), "VRHUB_ENVIRONMENT": "test"}
    target = tmp_path / "indicators.csv"
    code = main([jsna_cli.command.name, jsna_cli.export.name, "--borough", BOROUGH.lower(),
                 "--output", str(target)], environ)
    assert code == 0, capsys.readouterr().err
    told = capsys.readouterr().out
    written = pd.read_csv(target, encoding="utf-8-sig")
    # (asked before the app opens the warehouse in this process)
    code = main([jsna_cli.command.name, jsna_cli.export.name, "--borough", "E09999999"],
                environ)
    assert code == 2
    assert "'E09999999' is not a loaded borough" in capsys.readouterr().err
    with TestClient(demo_app) as client:
        sign_in(client, "pan@example.org")
        served = pd.read_csv(io.BytesIO(client.get(f"/api/v1/jsna/{BOROUGH}",
                                                   params={"format": "csv"}).content),
                             encoding="utf-8-sig")
    assert f"Wrote {len(served):,} rows to {target}." in told
    assert written["indicator_code"].tolist() == served["indicator_code"].tolist()
    assert written["count"].fillna(-1).tolist() == served["count"].fillna(-1).tolist()
