"""Counts and trends by area: who may ask, ED scope, disclosure, pagination, caching."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.test_access_matrix import CAMDEN, HACKNEY, World, build_world
from vrhub.settings import Settings
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.warehouse import Warehouse


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    home.mkdir()
    w = build_world(Settings.load({}, home=home, environment="test"))
    yield w
    w.app.state.access.close()


def test_police_counts_match_the_table_and_paginate(world: World) -> None:
    headers = world.headers["camden"]
    first = world.client.get("/api/v1/counts", params={"source": "police", "limit": 10},
                             headers=headers)
    assert first.status_code == 200
    body = first.json()
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        groups = wh.scalar("SELECT count(*) FROM (SELECT DISTINCT borough_code, crime_type, "
                           "month FROM police_street)")
        total = wh.scalar("SELECT count(*) FROM police_street")
    assert body["total"] == groups and len(body["rows"]) == 10
    assert body["next"] and "offset=10" in body["next"]
    rows = []
    offset = 0
    while True:
        page = world.client.get("/api/v1/counts", params={"source": "police", "limit": 200,
                                                          "offset": offset},
                                headers=headers).json()
        rows += page["rows"]
        if not page["next"]:
            break
        offset += 200
    assert sum(r["count"] for r in rows) == total  # police data is open: exact counts


def test_public_is_pointed_at_published_outputs(world: World) -> None:
    before = world.audit_count()
    response = world.client.get("/api/v1/counts?source=police")
    assert response.status_code == 403
    assert "/api/v1/public" in response.json()["error"]["hint"]
    assert world.audit_count() == before + 1


def test_istv_counts_are_exact_inside_the_scope_disclosed_outside_and_audited(
        world: World) -> None:
    before = world.audit_count()
    body = world.client.get("/api/v1/counts?source=istv",
                            headers=world.headers["camden"]).json()
    assert world.audit_count() == before + 1
    assert {r["area_code"] for r in body["rows"]} == {CAMDEN}
    assert body["scope"]["boroughs"] == [CAMDEN] and body["detail"] == "exact"
    # two assaults per month at each site (seeded): exact inside the scope
    assert [r["count"] for r in body["rows"]] == [2] * 12 and body["disclosure"] is None
    pan = world.client.get("/api/v1/counts?source=istv",
                           headers=world.headers["pan"]).json()
    assert {r["area_code"] for r in pan["rows"]} == {CAMDEN, HACKNEY}
    assert pan["detail"] == "exact" and sum(r["count"] for r in pan["rows"]) == 48
    before = world.audit_count()
    other = world.client.get(f"/api/v1/counts?source=istv&area={HACKNEY}",
                             headers=world.headers["camden"])
    assert other.status_code == 200 and world.audit_count() == before + 1
    # outside the scope: disclosure-controlled, so every monthly 2 is suppressed
    assert other.json()["detail"] == "disclosed"
    assert [r["count"] for r in other.json()["rows"]] == [None] * 12
    assert other.json()["disclosure"]["suppressed_cells"] == 12
    fine = world.client.get(f"/api/v1/counts?source=istv&level=lsoa&area={HACKNEY}",
                            headers=world.headers["camden"])
    assert fine.status_code == 403
    assert "finer than a ward" in fine.json()["error"]["message"]


def test_etag_and_304(world: World) -> None:
    headers = world.headers["pan"]
    first = world.client.get("/api/v1/counts?source=police&level=borough", headers=headers)
    assert first.headers["cache-control"] == "private, max-age=300"
    etag = first.headers["etag"]
    again = world.client.get("/api/v1/counts?source=police&level=borough",
                             headers={**headers, "if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    other = world.client.get("/api/v1/counts?source=police&level=ward", headers=headers)
    assert other.headers["etag"] != etag


def test_kept_answers_are_sent_compressed_to_clients_that_accept_it(world: World) -> None:
    import gzip

    headers = world.headers["pan"]
    url = "/api/v1/counts?source=police&level=borough&limit=5000"
    plain = world.client.get(url, headers={**headers, "accept-encoding": "identity"})
    packed = world.client.get(url, headers={**headers, "accept-encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding" == plain.headers["vary"]
    assert packed.content == plain.content  # the client unpacks it: the same JSON
    assert packed.headers["etag"] != plain.headers["etag"]
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert gzip.decompress(gzip.compress(plain.content)) == packed.content
    for etag in (plain.headers["etag"], packed.headers["etag"]):
        again = world.client.get(url, headers={**headers, "if-none-match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag


def test_etag_changes_when_the_warehouse_changes(world: World) -> None:
    headers = world.headers["pan"]
    etag = world.client.get("/api/v1/counts", headers=headers).headers["etag"]
    from vrhub.standards.provenance import PROVENANCE
    from vrhub.web.data import writing_warehouse

    with writing_warehouse(world.app.state) as wh:  # as an upload writes while it runs
        wh.ensure_tables([PROVENANCE])
        wh.con.execute("INSERT INTO provenance (file_id, source, file_name, sha256, "
                       "rows_read, rows_loaded, rows_quarantined, status, loaded_at, "
                       "vrhub_version) VALUES ('x', 'police', 'f.csv', 'x', 1, 1, 0, "
                       "'loaded', now(), 'test')")
    assert world.client.get("/api/v1/counts", headers=headers).headers["etag"] != etag


def test_answers_are_computed_once_per_question_scope_and_data(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from vrhub.storage import series

    computed: list[str] = []
    real = series.monthly_counts

    def counting(*args: object, **kwargs: object) -> object:
        computed.append(str(kwargs.get("source")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(series, "monthly_counts", counting)
    url = "/api/v1/counts?source=police&level=borough&limit=5000"
    first = world.client.get(url, headers=world.headers["pan"])
    for who in ("pan", "camden", "pan"):  # police counts are the same for every analyst
        again = world.client.get(url, headers=world.headers[who])
        assert again.status_code == 200 and again.content == first.content
    assert computed == ["police"]
    # ED counts depend on the caller's scope: one answer per scope, never shared
    camden = world.client.get("/api/v1/counts?source=istv", headers=world.headers["camden"])
    pan = world.client.get("/api/v1/counts?source=istv", headers=world.headers["pan"])
    assert camden.json()["scope"] != pan.json()["scope"]
    assert computed == ["police", "istv", "istv"]
    # new data: a new answer, with the new rows in it
    total = sum(r["count"] for r in first.json()["rows"])
    from vrhub.web.data import writing_warehouse

    with writing_warehouse(world.app.state) as wh:  # as an upload writes while it runs
        wh.insert(POLICE_STREET, wh.query_arrow(
            "SELECT * REPLACE ('extra-' || file_id AS file_id, 'extra-' || crime_id AS "
            "crime_id) FROM police_street LIMIT 3"))  # new crimes (a Crime ID seen before
        # counts once)
    changed = world.client.get(url, headers=world.headers["pan"])
    assert changed.headers["etag"] != first.headers["etag"]
    assert sum(r["count"] for r in changed.json()["rows"]) == total + 3
    assert computed == ["police", "istv", "istv", "police"]


def test_trends_give_rolling_totals_and_year_on_year(world: World) -> None:
    body = world.client.get("/api/v1/trends", params={
        "source": "police", "area": CAMDEN, "category": "Burglary", "limit": 100},
        headers=world.headers["camden"]).json()
    series = body["series"]
    assert {r["area_code"] for r in series} == {CAMDEN}
    last = series[-1]
    assert last["month"] == "2024-12" and last["rolling_complete"]
    total_2024 = sum(r["count"] for r in series if r["month"].startswith("2024"))
    assert last["rolling_total"] == total_2024
    (yoy,) = body["year_on_year"]
    assert yoy["current"] == total_2024
    assert yoy["ratio_lower"] <= yoy["rate_ratio"] <= yoy["ratio_upper"]


def test_bad_parameters_use_the_error_shape(world: World) -> None:
    headers = world.headers["pan"]
    for query in ("source=nope", "from=2024-13", "area=hackney", "from=2024-05&to=2024-01"):
        response = world.client.get(f"/api/v1/counts?{query}", headers=headers)
        assert response.status_code in (400, 422), query
        assert response.json()["error"]["message"], query
