"""``vrhub demo``: a workspace from the synthetic data (offline) or from the real open data."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path

import pytest

import vrhub.demo
from vrhub.cli import demo as demo_command
from vrhub.cli.main import main
from vrhub.demo import DemoResult, StepResult


def _json(out: str) -> dict:  # type: ignore[type-arg]
    return json.loads(out[out.index("{"):])


@pytest.mark.slow
def test_synthetic_demo_loads_every_source_and_is_idempotent(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("demo", "--no-serve", "--json")
    assert code == 0, err
    result = _json(out)
    assert result["synthetic"] is True
    steps = {s["source"]: s for s in result["steps"]}
    assert set(steps) >= {"ward-lookup", "population", "lsoa-lookup", "boundaries",
                          "ed-sites", "imd", "mps", "police", "istv"}
    for source, step in steps.items():
        assert step["skipped"] is None, source
        assert step["rows_loaded"] > 0, source
        if source != "istv":  # ISTV submissions hold deliberately messy rows
            assert step["rows_quarantined"] == 0, source
    # a year of synthetic ED assaults for every synthetic ED site, so the dashboard has ED data
    assert steps["istv"]["files"] == 3 * 12
    for table in ("area_boundary", "area_lookup", "lsoa_change", "population", "imd", "imd_domain",
                  "mps_crime_count", "ed_site", "police_street", "istv_submission",
                  "istv_assault"):
        assert result["tables"][table] > 0, table
    assert (home / "demo-data" / "boundaries" / "synthetic-2021-lsoa.zip").exists()
    # every synthetic code is obviously synthetic
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    codes = {r[0][:5] for r in con.execute("SELECT DISTINCT code FROM area_boundary").fetchall()}
    con.close()
    assert codes <= {"E0199", "E0198", "E0599", "E0999"}

    code, out, err = run("demo", "--no-serve", "--json")
    assert code == 0, err
    again = _json(out)
    assert again["tables"] == result["tables"]
    assert all(s["files_unchanged"] == s["files"] for s in again["steps"])


def _fake_build(calls: list[dict]):  # type: ignore[no-untyped-def,type-arg]
    def build(warehouse, home, *, data_dir=None, seed=2024, progress=None):  # type: ignore[no-untyped-def]
        calls.append({"home": home, "data_dir": data_dir})
        return DemoResult(home=home, data_dir=data_dir or home / "demo-data",
                          synthetic=data_dir is None,
                          steps=[StepResult("x", "mps", files=1, rows_read=2, rows_loaded=2)],
                          tables={"mps_crime_count": 2})
    return build


def test_demo_defaults_to_a_vrhub_demo_folder_and_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict] = []  # type: ignore[type-arg]
    served: list[int | None] = []
    monkeypatch.setattr(vrhub.demo, "build_demo", _fake_build(calls))
    monkeypatch.setattr("vrhub.cli.serve.run_server",
                        lambda app, host=None, port=None: served.append(port))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--port", "8123"], {}) == 0
    assert Path("vrhub-demo") == demo_command.DEFAULT_DEMO_HOME
    assert calls[0]["home"] == (tmp_path / "vrhub-demo").resolve()
    out, err = capsys.readouterr()
    assert f"using {tmp_path / 'vrhub-demo'} for the demo" in err
    assert "Demo workspace" in out and "Rows per table" in out
    assert "mps_crime_count" in out  # the table of rows the build reported
    assert served == [8123]


def test_demo_refuses_a_missing_data_folder(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("demo", "--no-serve", "--data-dir", tmp_path / "nope")
    assert code != 0
    assert "nope" in err and "How to fix" in err


def _data_rows(path: Path) -> int:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return sum(1 for _ in csv.reader(io.StringIO(raw.decode("utf-8-sig")))) - 1


def _subset(shared: Path, target: Path) -> Path:
    """A data folder of links to part of the real data: every reference source, the current
    MPS ward and borough tables and three months of City of London street files."""
    target.mkdir(parents=True)
    for folder in ("boundaries", "lookups", "population", "nhs", "imd2025"):
        (target / folder).symlink_to(shared / folder)
    mps = target / "london-datastore" / "mps-recorded-crime"
    mps.mkdir(parents=True)
    for name in ("recorded-crime-ward.csv.gz", "recorded-crime-borough.csv.gz"):
        (mps / name).symlink_to(shared / "london-datastore" / "mps-recorded-crime" / name)
    city = target / "police-uk" / "city-of-london"
    city.mkdir(parents=True)
    for month in ("2024-01", "2024-02", "2024-03"):
        name = f"{month}-city-of-london-street.csv.gz"
        (city / name).symlink_to(shared / "police-uk" / "city-of-london" / name)
    return target


def _check_real_demo(result: dict, data: Path) -> None:  # type: ignore[type-arg]
    steps = {s["source"]: s for s in result["steps"]}
    mps = sorted((data / "london-datastore" / "mps-recorded-crime").glob(
        "recorded-crime-*.csv.gz"))
    assert steps["mps"]["rows_read"] == steps["mps"]["rows_loaded"] == sum(
        _data_rows(p) for p in mps)
    lookups = data / "lookups"
    assert steps["lsoa-lookup"]["rows_loaded"] == _data_rows(lookups / "lsoa11_lsoa21.csv.gz")
    assert steps["ward-lookup"]["rows_loaded"] == _data_rows(lookups / "lsoa_to_ward.csv.gz")
    assert steps["ed-sites"]["rows_loaded"] == _data_rows(data / "nhs" / "site_xy.csv.gz")
    population = sorted((data / "population").glob("*.csv.gz"))
    assert steps["population"]["rows_loaded"] == sum(_data_rows(p) for p in population)
    imd = [p for p in sorted((data / "imd2025").glob("*.csv.gz"))]
    assert steps["imd"]["rows_loaded"] >= sum(_data_rows(p) for p in imd)
    uk_districts = len(json.loads(gzip.decompress(
        (data / "boundaries" / "uk-lad-may2023-buc.geojson.gz").read_bytes()))["features"])
    assert result["tables"]["area_boundary"] == 4835 + 4994 + 704 + 33 + uk_districts
    police = sorted((data / "police-uk").rglob("*-street.csv.gz"))
    assert steps["police"]["rows_read"] == sum(_data_rows(p) for p in police)
    for source, step in steps.items():
        if source not in ("police", "stop-search", "istv"):
            assert step["rows_quarantined"] == 0, source
    # every real London ED gets synthetic months, written into the workspace
    sites = _data_rows(data / "nhs" / "site_xy.csv.gz")
    assert steps["istv"]["files"] == sites * 3
    assert "SYNTHETIC" in steps["istv"]["name"]


@pytest.mark.slow
def test_real_data_demo_counts_equal_the_files(run, shared_data: Path,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    data = _subset(shared_data, tmp_path / "data")
    code, out, err = run("demo", "--no-serve", "--json", "--data-dir", data)
    assert code == 0, err
    _check_real_demo(_json(out), data)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("VRHUB_FULL_DEMO"),
                    reason="the whole real data set takes minutes; set VRHUB_FULL_DEMO=1")
def test_full_real_data_demo(run, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("demo", "--no-serve", "--json", "--data-dir", shared_data)
    assert code == 0, err
    _check_real_demo(_json(out), shared_data)


def test_demo_creates_sign_in_accounts_for_each_partner_role(run, home) -> None:  # type: ignore[no-untyped-def]
    import json

    code, out, _ = run("demo", "--no-serve", "--json")
    assert code == 0
    body = json.loads(out)
    roles = {a["role"] for a in body["accounts"]}
    assert roles == {"pan_london_analyst", "borough_analyst", "icb_analyst", "ed_data_lead",
                     # the referral pathway and the opportunities directory
                     "case_worker", "team_lead", "provider", "directory_curator",
                     # the outcomes year
                     "programme_lead"}
    assert body["outcomes"]["programmes"] == 20 and body["outcomes"]["returns"] == 80
    assert (home / "demo-accounts.txt").stat().st_mode & 0o077 == 0
    again = json.loads(run("demo", "--no-serve", "--json")[1])
    assert again["password"] == body["password"]  # idempotent: same accounts, same phrase
