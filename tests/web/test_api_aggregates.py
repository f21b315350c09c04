"""Counts and trends by area: who may ask, ED scope, disclosure, pagination, caching."""

from __future__ import annotations

import pytest

from tests.warehouse_sql import execute, query_arrow, scalar
from tests.web.test_access_matrix import CAMDEN, HACKNEY, World
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.storage.warehouse import Warehouse


def _last_twelve_complete(latest: str) -> tuple[str, str]:
    """The latest 12 complete months ending no later than ``latest`` (YYYY-MM), worked out
    here from the calendar, not by vrhub."""
    import datetime as dt

    today = dt.date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    end = min(f"{year:04d}-{month:02d}", latest)
    y, m = int(end[:4]), int(end[5:])
    y, m = (y - 1, m + 1) if m < 12 else (y, 1)
    return f"{y:04d}-{m:02d}", end


def test_police_counts_default_to_the_latest_12_complete_months_and_paginate(
        world: World) -> None:
    headers = world.headers["camden"]
    first = world.client.get("/api/v1/counts", params={"source": "police", "limit": 10},
                             headers=headers)
    assert first.status_code == 200
    body = first.json()
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        start, end = _last_twelve_complete(scalar(wh, "SELECT max(month) FROM police_street"))
        in_period = "WHERE month BETWEEN ? AND ?"
        groups = scalar(wh, "SELECT count(*) FROM (SELECT DISTINCT borough_code, crime_type, "
                            f"month FROM police_street {in_period})", [start, end])
        total = scalar(wh, f"SELECT count(*) FROM police_street {in_period}", [start, end])
        everything = scalar(wh, "SELECT count(*) FROM police_street")
        first_month = scalar(wh, "SELECT min(month) FROM police_street")
    assert everything > total > 0  # the data holds more than the default period
    assert body["period"]["preset"] == "latest"
    assert (body["period"]["from"], body["period"]["to"], body["period"]["months"]) == (
        start, end, 12)
    assert body["total"] == groups and len(body["rows"]) == 10
    assert {r["month"] for r in body["rows"]} <= {f"{end[:4]}-{m:02d}" for m in range(1, 13)} | {
        f"{start[:4]}-{m:02d}" for m in range(1, 13)}
    assert body["next"] and "offset=10" in body["next"]

    def every_row(params: dict[str, str]) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        offset = 0
        while True:
            page = world.client.get("/api/v1/counts", params={
                "source": "police", "limit": 200, "offset": offset, **params},
                headers=headers).json()
            rows += page["rows"]
            if not page["next"]:
                return rows
            offset += 200

    assert sum(r["count"] for r in every_row({})) == total  # open data: exact counts
    # explicit months still work: the whole span is every row
    whole = every_row({"from": first_month, "to": "2099-12"})
    assert sum(r["count"] for r in whole) == everything


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
        execute(wh, "INSERT INTO provenance (file_id, source, file_name, sha256, "
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
        wh.insert(POLICE_STREET, query_arrow(
            wh, "SELECT * REPLACE ('extra-' || file_id AS file_id, 'extra-' || crime_id AS "
                "crime_id) FROM police_street WHERE month = (SELECT max(month) FROM "
                "police_street) LIMIT 3"))  # new crimes (a Crime ID seen before
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


def _sql_total(world: World, start: str, end: str, crime_type: str | None = None) -> int:
    with Warehouse(world.home / "warehouse.duckdb", read_only=True) as wh:
        sql = "SELECT count(*) FROM police_street WHERE month BETWEEN ? AND ?"
        params = [start, end]
        if crime_type:
            sql += " AND crime_type = ?"
            params.append(crime_type)
        return int(scalar(wh, sql, params))


@pytest.mark.parametrize(("params", "months"), [
    ({"period": "financial-year", "year": "2023"}, ("2023-04", "2024-03")),
    ({"period": "financial-year", "year": "2023/24"}, ("2023-04", "2024-03")),
    ({"period": "calendar-year", "year": "2023"}, ("2023-01", "2023-12")),
    ({"period": "rolling-12", "to": "2024-06"}, ("2023-07", "2024-06")),
    ({"to": "June 2024"}, ("2023-07", "2024-06")),
    ({"period": "custom", "from": "2023-02", "to": "2023-04"}, ("2023-02", "2023-04")),
])
def test_presets_choose_the_months_they_name(world: World, params: dict[str, str],
                                             months: tuple[str, str]) -> None:
    body = world.client.get("/api/v1/counts", params={
        "source": "police", "limit": 5000, **params}, headers=world.headers["pan"]).json()
    assert (body["period"]["from"], body["period"]["to"]) == months
    assert {r["month"] for r in body["rows"]} <= {m for m in _months(*months)}
    assert sum(r["count"] for r in body["rows"]) == _sql_total(world, *months)


def _months(start: str, end: str) -> list[str]:
    y, m = int(start[:4]), int(start[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_financial_year_is_stated_in_the_trends_answer(world: World) -> None:
    body = world.client.get("/api/v1/trends", params={
        "source": "police", "period": "financial-year", "year": "2023", "limit": 1000},
        headers=world.headers["pan"]).json()
    assert body["period"]["title"] == "Financial year 2023/24"
    assert body["period"]["statement"] == ("Financial year 2023/24 (April 2023 to March "
                                           "2024)")
    assert {r["month"] for r in body["series"]} == set(_months("2023-04", "2024-03"))
    (current_to,) = {r["current_to"] for r in body["year_on_year"]}
    assert current_to == "2024-03"


def test_categories_by_any_spelling_and_did_you_mean(world: World) -> None:
    headers = world.headers["pan"]
    body = world.client.get("/api/v1/counts", params={
        "source": "police", "category": "burglary", "limit": 5000}, headers=headers).json()
    assert {r["category"] for r in body["rows"]} == {"Burglary"}
    start, end = body["period"]["from"], body["period"]["to"]
    assert sum(r["count"] for r in body["rows"]) == _sql_total(world, start, end, "Burglary")
    wrong = world.client.get("/api/v1/counts", params={"source": "police",
                                                       "category": "Burglery"},
                             headers=headers)
    assert wrong.status_code == 400
    assert "did you mean" in wrong.json()["error"]["message"].lower()
    assert "Burglary" in wrong.json()["error"]["message"]


@pytest.mark.parametrize(("query", "message"), [
    ("period=fortnight", "is not a period"),
    ("period=financial-year&from=2024-01", "takes no 'from' or 'to'"),
    ("year=2024", "needs the period financial-year or calendar-year"),
    ("period=custom&from=2024-01", "needs both 'from' and 'to'"),
    ("period=calendar-year&year=24", "is not a year"),
    ("from=2024-05&to=2024-01", "before it starts"),
])
def test_bad_periods_say_what_to_do(world: World, query: str, message: str) -> None:
    response = world.client.get(f"/api/v1/counts?source=police&{query}",
                                headers=world.headers["pan"])
    assert response.status_code == 422, response.text  # an invalid month or period
    assert response.json()["error"]["code"] == "invalid_month"
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["hint"]
