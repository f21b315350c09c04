"""The synthetic ISTV generator: realistic shape, seeded, and a month for every London ED
site loads with a receipt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.integration.test_istv_load import load_ed_sites, query
from vrhub.synthetic.istv import generate, write_month


def test_generator_is_seeded_and_shaped_like_ed_data() -> None:
    a = generate("RJ122", "2024-01", seed=7, n=4000, site_name="St Thomas' Hospital",
                 icb_code="QKK")
    b = generate("RJ122", "2024-01", seed=7, n=4000, site_name="St Thomas' Hospital",
                 icb_code="QKK")
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate("RJ122", "2024-01", seed=8, n=4000))
    # every record: assault before arrival, arrival within the month
    assert (a["assault_at"] <= a["arrival_at"]).all()
    assert a["arrival_at"].min() >= pd.Timestamp("2024-01-01")
    assert a["arrival_at"].max() < pd.Timestamp("2024-02-01")
    # Friday and Saturday nights (20:00-04:00) carry far more than their share of the week
    at = a["assault_at"]
    night_of = np.where(at.dt.hour < 6, (at.dt.weekday - 1) % 7, at.dt.weekday)
    weekend_night = np.isin(night_of, [4, 5]) & ((at.dt.hour >= 20) | (at.dt.hour < 4))
    hours_in_month = 31 * 24
    weekend_night_hours = 9 * 8  # 2024-01 has 4 Fridays, 4 Saturdays (+ Jan 5..27), ~8 h each
    assert weekend_night.mean() > 2.0 * weekend_night_hours / hours_in_month
    by_hour = at.dt.hour.value_counts()
    assert by_hour[23] > 3 * by_hour[7]
    # method and location-type mix
    methods = a["assault_method"].value_counts(normalize=True)
    assert methods.index[0] == "body_part" and 0.45 < methods["body_part"] < 0.65
    assert methods["knife_sharp"] > methods["bottle_glass"] > methods.get("firearm", 0)
    places = a["location_type"].value_counts(normalize=True)
    assert places.index[0] == "street_public" and places.index[1] == "home"
    # reception-style descriptions: abbreviations, local places, 'home'
    text = " ".join(a["location_description"].str.lower())
    assert "o/s " in text and " nr " in text and "home" in text
    assert "peckham" in text or "brixton" in text
    assert (a["location_description"] == "").any()  # some left blank


def test_small_sites_get_fewer_records() -> None:
    big = [len(generate("RYJ01", f"2024-{m:02d}", 1, site_name="St Mary's Hospital"))
           for m in range(1, 7)]
    small = [len(generate("RYX02", f"2024-{m:02d}", 1, site_name="Soho Walk in Centre"))
             for m in range(1, 7)]
    assert min(big) > max(small)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "xml"])
def test_every_format_round_trips(home: Path, shared_data: Path, run: Any, tmp_path: Path,
                                  fmt: str) -> None:
    load_ed_sites(home, shared_data)
    path = write_month(tmp_path, "RJ122", "2024-03", seed=5, n=40, fmt=fmt,  # type: ignore[arg-type]
                       site_name="St Thomas' Hospital", icb_code="QKK")
    code, out, err = run("load", "istv", path, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rows_read"] == 40 and report["rows_loaded"] == 40
    expected = generate("RJ122", "2024-03", 5, 40, site_name="St Thomas' Hospital",
                        icb_code="QKK")
    stored = query(home, "SELECT * FROM istv_assault ORDER BY source_row")
    assert stored["assault_method"].tolist() == expected["assault_method"].tolist()
    assert stored["location_type"].tolist() == expected["location_type"].tolist()
    assert stored["arrival_at"].tolist() == expected["arrival_at"].tolist()


@pytest.mark.slow
def test_a_month_for_every_london_ed_loads_with_receipts(home: Path, shared_data: Path,
                                                         run: Any, tmp_path: Path) -> None:
    load_ed_sites(home, shared_data)
    sites = pd.read_csv(shared_data / "nhs" / "site_xy.csv.gz", dtype=str)
    out_dir = tmp_path / "istv-2024-01"
    code, out, err = run("istv", "synthesize", "--month", "2024-01", "--out", out_dir,
                         "--json")
    assert code == 0, err
    files = json.loads(out)["files"]
    assert len(files) == len(sites) == 58
    code, out, err = run("load", "istv", out_dir, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["files"]) == 58
    assert report["rows_quarantined"] == 0
    code, out, err = run("istv", "receipts", "--json")
    receipts = json.loads(out)["receipts"]
    assert sorted(r["site_code"] for r in receipts) == sorted(sites["site_code"])
    assert [r for r in receipts if r["status"] != "current"] == []
    assert all(r["rows_read"] == r["rows_accepted"] for r in receipts)
    assert sum(r["rows_read"] > 0 for r in receipts) >= 55  # a small UTC may have a nil month
    total = query(home, "SELECT count(*) AS n FROM istv_assault_current")["n"][0]
    assert total == report["rows_loaded"] == sum(r["rows_accepted"] for r in receipts)
    # one receipt in full
    code, out, err = run("istv", "receipt", receipts[0]["submission_id"], "--json")
    receipt = json.loads(out)
    assert receipt["codelist_version"] == "vrhub-istv-default-1"
    assert receipt["period_start"] == "2024-01-01" and receipt["period_end"] == "2024-01-31"
    # the quality report covers every site for the month
    code, out, err = run("quality", "--source", "istv", "--json")
    assert code == 0, err
    months = json.loads(out)["sources"]["istv"]["site_months"]
    assert len(months) == 58
    weighted = sum(m["records"] * (m["completeness_pct"]["assault_method"] or 0)
                   for m in months) / sum(m["records"] for m in months)
    assert 85 < weighted < 95  # about 10% of synthetic methods are 'not known'


def test_quality_flags_an_unusual_month_and_late_submission(home: Path, shared_data: Path,
                                                            run: Any, tmp_path: Path) -> None:
    load_ed_sites(home, shared_data)
    for month, n in (("2023-09", 60), ("2023-10", 64), ("2023-11", 58), ("2023-12", 62),
                     ("2024-01", 200)):
        write_month(tmp_path / "in", "RJ122", month, seed=1, n=n, site_name="St Thomas'",
                    icb_code="QKK")
    code, out, err = run("load", "istv", tmp_path / "in")
    assert code == 0, err
    code, out, err = run("quality", "--source", "istv", "--json")
    data = json.loads(out)["sources"]["istv"]
    by_month = {m["month"]: m for m in data["site_months"]}
    assert by_month["2024-01"]["volume_flag"] == "high"
    assert {m["volume_flag"] for k, m in by_month.items() if k != "2024-01"} == {None}
    assert by_month["2023-09"]["late"] is True  # received long after the month ended
    assert by_month["2024-01"]["records"] == 200
    code, out, err = run("quality", "--source", "istv")
    assert code == 0 and "per ED site and month" in out
