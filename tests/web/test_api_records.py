"""Record-level API: scoped search, object-level checks, exports — each audited once."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import query_arrow
from tests.web.conftest import ADMIN
from vrhub.access import audit
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.warehouse import Warehouse

CAMDEN, HACKNEY = "E09000007", "E09000012"


@pytest.fixture
def police_rows(app: FastAPI) -> None:
    rows = []
    for i, borough in enumerate([CAMDEN] * 3 + [HACKNEY] * 2):
        rows.append({"file_id": "f" * 64, "row_number": i + 1, "crime_id": f"c{i}",
                     "month": "2024-01", "force": "metropolitan",
                     "series": "metropolitan-street", "crime_id_duplicate": False,
                     "crime_type": "Violence and sexual offences",
                     "location": "=HYPERLINK(\"http://x\")" if i == 0 else "On or near X Road",
                     "easting": 528000.0 + i, "northing": 184000.0,
                     "lsoa21_code": "E01000907", "borough_code": borough})
    frame = pd.DataFrame(rows)
    with Warehouse(app.state.workspace.ensure().warehouse_path) as wh:
        wh.ensure_tables([POLICE_STREET])
        keep = [c for c in frame.columns if c in POLICE_STREET.column_names]
        wh.insert(POLICE_STREET, frame[keep])


def token_for(app: FastAPI, email: str) -> dict[str, str]:
    plaintext, _ = app.state.access.tokens.create(ADMIN, email, "tests")
    return {"Authorization": f"Bearer {plaintext}"}


def audit_count(app: FastAPI) -> int:
    with app.state.access.sessions() as session:
        return len(audit.query(session, limit=100_000))


def test_borough_analyst_sees_only_their_borough(
    app: FastAPI, make_user: Callable[..., str], police_rows: None
) -> None:
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    headers = token_for(app, "camden@example.org")
    client = TestClient(app)
    before = audit_count(app)
    body = client.get("/api/v1/records/police", headers=headers).json()
    assert body["total"] == 3
    assert {r["borough_code"] for r in body["records"]} == {CAMDEN}
    assert audit_count(app) == before + 1
    # pages: in a stable order, each with the total; past the end, no rows but the total
    pages = [client.get("/api/v1/records/police", params={"limit": 2, "offset": offset},
                        headers=headers).json() for offset in (0, 2, 4)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert [len(p["records"]) for p in pages] == [2, 1, 0]
    assert pages[0]["next"] and pages[1]["next"] is None
    ids = [r["record_id"] for p in pages for r in p["records"]]
    assert ids == [r["record_id"] for r in body["records"]] and len(set(ids)) == 3
    assert audit_count(app) == before + 4


def test_repeated_searches_are_each_checked_and_audited_and_see_new_data(
    app: FastAPI, make_user: Callable[..., str], police_rows: None
) -> None:
    """A page may be served from memory, but never without its policy check and audit
    event, never outside the scope it was made for, and never after the data changed."""
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    make_user("pan@example.org", "pan_london_analyst")
    camden, pan = token_for(app, "camden@example.org"), token_for(app, "pan@example.org")
    client = TestClient(app)
    before = audit_count(app)
    first = client.get("/api/v1/records/police", headers=camden)
    again = client.get("/api/v1/records/police", headers=camden)
    assert again.content == first.content and first.json()["total"] == 3
    assert again.headers["cache-control"] == "no-store" and "etag" not in again.headers
    assert audit_count(app) == before + 2
    everything = client.get("/api/v1/records/police", headers=pan).json()
    assert everything["total"] == 5  # same query, wider scope: its own answer
    assert client.get("/api/v1/records/police", headers=camden).json()["total"] == 3
    app.state.access.identity.set_disabled(ADMIN, "camden@example.org", True)
    assert client.get("/api/v1/records/police", headers=camden).status_code == 401
    app.state.access.identity.set_disabled(ADMIN, "camden@example.org", False)
    from vrhub.web.data import writing_warehouse

    with writing_warehouse(app.state) as wh:  # new rows arrive while the app runs
        wh.insert(POLICE_STREET, query_arrow(
            wh, "SELECT * REPLACE (row_number + 100 AS row_number, crime_id || 'n' AS crime_id) "
                "FROM police_street "
                "WHERE borough_code = ?", [CAMDEN]))
    assert client.get("/api/v1/records/police", headers=camden).json()["total"] == 6


def test_cross_borough_search_is_denied_and_audited(
    app: FastAPI, make_user: Callable[..., str], police_rows: None
) -> None:
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    headers = token_for(app, "camden@example.org")
    client = TestClient(app)
    before = audit_count(app)
    response = client.get("/api/v1/records/police", params={"borough": HACKNEY},
                          headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert audit_count(app) == before + 1
    with app.state.access.sessions() as session:
        last = audit.query(session, limit=1)[0]  # newest first
    assert last.outcome == "denied" and last.actor_email == "camden@example.org"


def test_object_level_check_on_one_record(
    app: FastAPI, make_user: Callable[..., str], police_rows: None
) -> None:
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    make_user("london@example.org", "pan_london_analyst")
    client = TestClient(app)
    everything = client.get("/api/v1/records/police",
                            headers=token_for(app, "london@example.org")).json()["records"]
    hackney_id = next(r["record_id"] for r in everything if r["borough_code"] == HACKNEY)
    camden = token_for(app, "camden@example.org")
    assert client.get(f"/api/v1/records/police/{hackney_id}", headers=camden).status_code == 403
    camden_id = next(r["record_id"] for r in everything if r["borough_code"] == CAMDEN)
    ok = client.get(f"/api/v1/records/police/{camden_id}", headers=camden)
    assert ok.status_code == 200 and ok.json()["record"]["borough_code"] == CAMDEN


def test_public_cannot_read_records(app: FastAPI, police_rows: None) -> None:
    response = TestClient(app).get("/api/v1/records/police")
    assert response.status_code == 403


def test_xlsx_export_neutralises_formulas(
    app: FastAPI, make_user: Callable[..., str], police_rows: None, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    response = TestClient(app).get("/api/v1/exports/police", params={"format": "xlsx"},
                                   headers=token_for(app, "camden@example.org"))
    assert response.status_code == 200
    path = tmp_path / "x.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path)["data"]
    header = [c.value for c in sheet[1]]
    locations = [row[header.index("location")] for row in sheet.iter_rows(min_row=2,
                                                                           values_only=True)]
    assert len(locations) == 3
    assert all(not str(v).startswith("=") for v in locations)
    assert "'=HYPERLINK" in "".join(map(str, locations))


def read_export(content: bytes, fmt: str, tmp_path: Path) -> pd.DataFrame:
    """An export's rows, read back with the format's own reader."""
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(content), dtype=str)
    if fmt == "geojson":
        features = json.loads(content)["features"]
        return pd.DataFrame([f["properties"] for f in features])
    if fmt == "parquet":
        return pd.read_parquet(io.BytesIO(content))
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(content)
    return pd.DataFrame(gpd.read_file(path).drop(columns="geometry"))


@pytest.mark.parametrize("fmt", ["csv", "gpkg", "geojson", "parquet"])
def test_exports_in_every_format_stay_in_scope(
    app: FastAPI, make_user: Callable[..., str], police_rows: None, fmt: str, tmp_path: Path
) -> None:
    make_user("hackney@example.org", "borough_analyst", boroughs=(HACKNEY,))
    response = TestClient(app).get("/api/v1/exports/police", params={"format": fmt},
                                   headers=token_for(app, "hackney@example.org"))
    assert response.status_code == 200
    rows = read_export(response.content, fmt, tmp_path)
    # Hackney's two records, every one of them in Hackney
    assert len(rows) == 2
    assert list(rows["borough_code"].astype(str)) == [HACKNEY, HACKNEY]
    assert sorted(rows["crime_id"].astype(str)) == ["c3", "c4"]


def test_searches_and_exports_state_the_months_they_cover(
    app: FastAPI, make_user: Callable[..., str], tmp_path: Path
) -> None:
    """A record search is a lookup: without months it covers every month held, and says
    which; with months it covers those. The export's metadata states the same."""
    rows = pd.DataFrame([
        {"file_id": "e" * 64, "row_number": i + 1, "crime_id": f"m{i}", "month": month,
         "force": "metropolitan", "series": "metropolitan-street",
         "crime_id_duplicate": False, "crime_type": "Robbery",
         "location": "On or near X Road", "easting": 528000.0, "northing": 184000.0,
         "lsoa21_code": "E01000907", "borough_code": CAMDEN}
        for i, month in enumerate(["2023-11", "2024-01", "2024-02"])])
    with Warehouse(app.state.workspace.ensure().warehouse_path) as wh:
        wh.ensure_tables([POLICE_STREET])
        wh.insert(POLICE_STREET, rows[[c for c in rows.columns
                                       if c in POLICE_STREET.column_names]])
    make_user("camden@example.org", "borough_analyst", boroughs=(CAMDEN,))
    headers = token_for(app, "camden@example.org")
    client = TestClient(app)
    every = client.get("/api/v1/records/police", headers=headers).json()
    assert every["total"] == 3
    assert every["period"] == {"from": "2023-11", "to": "2024-02", "every_month": True}
    some = client.get("/api/v1/records/police", params={"from": "2024-01"},
                      headers=headers).json()
    assert some["total"] == 2
    assert some["period"] == {"from": "2024-01", "to": "2024-02", "every_month": False}
    response = client.get("/api/v1/exports/police", params={"format": "parquet",
                                                             "to": "2023-12"},
                          headers=headers)
    assert response.status_code == 200
    path = tmp_path / "export.parquet"
    path.write_bytes(response.content)
    import pyarrow.parquet as pq

    metadata = json.loads(pq.read_schema(path).metadata[b"vrhub"])
    assert metadata["parameters"]["period"] == {"from": "2023-11", "to": "2023-12",
                                                "every_month": False}
    assert len(pd.read_parquet(path)) == 1
