"""ISTV over the API: an ED data lead uploads for their own site and reads the receipt;
other sites and other roles are refused and audited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import query
from tests.web.test_api_records import audit_count, token_for
from vrhub.storage.warehouse import Warehouse
from vrhub.synthetic.istv import write_month

SITE, OTHER = "RAL01", "RJ122"


@pytest.fixture
def ed_sites(app: FastAPI, shared_data: Path) -> None:
    """Load the real London ED sites through the ed-sites loader."""
    from vrhub.cli.main import main

    code = main(["load", "ed-sites", str(shared_data / "nhs" / "site_xy.csv.gz")],
                {"VRHUB_HOME": str(app.state.workspace.home)})
    assert code == 0


@pytest.fixture
def extract(tmp_path: Path, app: FastAPI, ed_sites: None) -> Path:
    with Warehouse(app.state.workspace.warehouse_path) as wh:
        sites = query(wh, "SELECT site_code FROM ed_site")["site_code"].tolist()
    assert SITE in sites and OTHER in sites
    return write_month(tmp_path / "ral01.csv", SITE, "2024-03", seed=3, n=40)


def test_ed_lead_uploads_and_reads_the_receipt(
    app: FastAPI, make_user: Callable[..., str], extract: Path
) -> None:
    make_user("lead@ral.example", "ed_data_lead", sites=(SITE,))
    headers = token_for(app, "lead@ral.example")
    client = TestClient(app)
    with extract.open("rb") as handle:
        response = client.post("/api/v1/istv/submissions", headers=headers,
                               data={"site": SITE, "period": "2024-03"},
                               files={"file": (extract.name, handle, "text/csv")})
    assert response.status_code == 201, response.text
    (receipt,) = response.json()["receipts"]
    assert receipt["rows_read"] == 40
    assert receipt["rows_accepted"] + receipt["rows_quarantined"] == 40
    listed = client.get("/api/v1/istv/submissions", headers=headers).json()["submissions"]
    assert [s["site_code"] for s in listed] == [SITE]
    one = client.get(f"/api/v1/istv/submissions/{receipt['submission_id']}", headers=headers)
    assert one.status_code == 200 and one.json()["receipt"]["rows_read"] == 40


def test_upload_for_another_site_is_refused_and_audited(
    app: FastAPI, make_user: Callable[..., str], extract: Path
) -> None:
    make_user("lead@other.example", "ed_data_lead", sites=(OTHER,))
    headers = token_for(app, "lead@other.example")
    before = audit_count(app)
    with extract.open("rb") as handle:
        response = TestClient(app).post(
            "/api/v1/istv/submissions", headers=headers, data={"site": SITE},
            files={"file": (extract.name, handle, "text/csv")})
    assert response.status_code == 403
    assert audit_count(app) == before + 1
    with Warehouse(app.state.workspace.warehouse_path) as wh:
        assert not wh.has_table("istv_submission") or wh.count("istv_submission") == 0


def test_borough_analyst_cannot_read_a_receipt(
    app: FastAPI, make_user: Callable[..., str], extract: Path
) -> None:
    make_user("lead@ral.example", "ed_data_lead", sites=(SITE,))
    make_user("camden@example.org", "borough_analyst", boroughs=("E09000007",))
    client = TestClient(app)
    with extract.open("rb") as handle:
        receipt = client.post("/api/v1/istv/submissions",
                              headers=token_for(app, "lead@ral.example"),
                              data={"site": SITE},
                              files={"file": (extract.name, handle, "text/csv")}
                              ).json()["receipts"][0]
    response = client.get(f"/api/v1/istv/submissions/{receipt['submission_id']}",
                          headers=token_for(app, "camden@example.org"))
    assert response.status_code == 403


def test_sources_lists_loaded_files(app: FastAPI, ed_sites: None) -> None:
    body = TestClient(app).get("/api/v1/sources").json()
    ed = next(s for s in body["sources"] if s["source"] == "ed-sites")
    assert ed["rows_loaded"] == len(pd.read_csv(
        Path(__file__).resolve().parents[3] / "shared/data/nhs/site_xy.csv.gz"))


def test_a_refused_file_is_a_422_with_the_reason_and_its_receipt(
    app: FastAPI, make_user: Callable[..., str], ed_sites: None, tmp_path: Path
) -> None:
    make_user("lead@ral.example", "ed_data_lead", sites=(SITE,))
    headers = token_for(app, "lead@ral.example")
    bad = tmp_path / "notes.csv"
    bad.write_text("these are my notes\nnot an extract\n")
    client = TestClient(app)
    with bad.open("rb") as handle:
        response = client.post("/api/v1/istv/submissions", headers=headers,
                               data={"site": SITE, "period": "2024-03"},
                               files={"file": (bad.name, handle, "text/csv")})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["code"] == "file_rejected"
    assert body["error"]["rule"] == "file:no_headings"
    assert body["error"]["message"].startswith("file notes.csv: no heading row found")
    assert "data-dictionary headings" in body["error"]["hint"]
    (receipt,) = body["receipts"]
    assert receipt["status"] == "rejected" and receipt["rows_accepted"] == 0
    assert receipt["errors"][0]["rule"] == "file:no_headings"


def test_a_file_over_the_upload_limit_is_a_422_naming_the_setting(
    web_settings: Any, make_user: Callable[..., str], ed_sites: None, extract: Path,
    app: FastAPI,
) -> None:
    from vrhub.web.app import create_app

    small = create_app(web_settings.model_copy(update={"upload_max_file_bytes": 1024}))
    small.state.access = app.state.access
    make_user("lead@ral.example", "ed_data_lead", sites=(SITE,))
    headers = token_for(app, "lead@ral.example")
    with extract.open("rb") as handle:
        response = TestClient(small).post(
            "/api/v1/istv/submissions", headers=headers, data={"site": SITE},
            files={"file": (extract.name, handle, "text/csv")})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert "the file is larger than the upload limit of 1,024 bytes" in error["message"]
    assert "VRHUB_UPLOAD_MAX_FILE_BYTES (now 1024)" in error["hint"]
