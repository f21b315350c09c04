"""The /oruk/ feed, checked as the ORUK validator checks a live feed: every endpoint the
validator knows, first, middle and last page of every list, every id found in a list
fetched and checked, all against the profile's own schemas in
../shared/standards/oruk-uk-3.0 (validator-schemas/, formats checked)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.async_support import run_alone
from tests.directory_support import (
    errors_of,
    list_errors,
    populate,
    response_schema,
    validator_api,
)

LISTS = {"/services": "/services/{id}", "/organizations": "/organizations/{id}",
         "/taxonomies": "/taxonomies/{id}", "/taxonomy_terms": "/taxonomy_terms/{id}",
         "/service_at_locations": "/service_at_locations/{id}"}


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, list[dict[str, Any]]]:
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    home = tmp_path_factory.mktemp("oruk") / "home"
    app = create_app(Settings.load({}, home=home, environment="test",
                                   oruk_rate_limit=1_000_000))
    records = populate(app, 260)
    return app, records


@pytest.fixture
def client(feed: tuple[FastAPI, list[dict[str, Any]]]) -> TestClient:
    return TestClient(feed[0])


def test_the_validator_knows_every_endpoint_we_serve() -> None:
    paths = set(validator_api()["paths"])
    assert {"/", *LISTS, *LISTS.values()} <= paths


def test_api_details_match_their_schema(client: TestClient) -> None:
    response = client.get("/oruk/")
    assert response.status_code == 200
    body = response.json()
    assert errors_of("api_details.json", body) == []
    assert body["version"] == "HSDS 3.0"
    assert body["openapi_url"].endswith("/oruk/openapi.json")
    described = client.get("/oruk/openapi.json").json()
    assert {"/oruk/services", "/oruk/services/{service_id}"} <= set(described["paths"])


@pytest.mark.parametrize("path", list(LISTS))
def test_first_middle_and_last_page_and_every_id_validate(client: TestClient,
                                                           path: str) -> None:
    first = client.get(f"/oruk{path}?per_page=50")
    assert first.status_code == 200, first.text
    body = first.json()
    total_pages = body["total_pages"]
    pages = sorted({1, max(1, total_pages // 2), total_pages})
    by_id_schema, _ = response_schema(LISTS[path])
    problems: list[str] = []
    checked_ids = 0
    for number in pages:
        answer = client.get(f"/oruk{path}?per_page=50&page={number}").json()
        assert answer["page_number"] == number
        assert answer["first_page"] is (number == 1)
        assert answer["last_page"] is (number == total_pages)
        problems += [f"page {number}: {p}" for p in list_errors(path, answer)]
        for item in answer["contents"]:
            one = client.get(f"/oruk{path}/{item['id']}")
            assert one.status_code == 200, (path, item["id"])
            checked_ids += 1
            if by_id_schema:
                problems += [f"{item['id']}: {p}" for p in errors_of(by_id_schema, one.json())]
    assert problems == []
    assert checked_ids > 0


def test_paging_counts_add_up(client: TestClient,
                              feed: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    records = feed[1]
    body = client.get("/oruk/services?per_page=50").json()
    assert body["total_items"] == len(records) == 260
    assert body["total_pages"] == 6
    last = client.get("/oruk/services?per_page=50&page=6").json()
    assert last["size"] == 10 and last["last_page"] is True
    beyond = client.get("/oruk/services?per_page=50&page=7").json()
    assert beyond["empty"] is True and beyond["contents"] == []
    seen = set()
    for number in range(1, 7):
        seen |= {s["id"] for s in client.get(
            f"/oruk/services?per_page=50&page={number}").json()["contents"]}
    assert seen == {r["id"] for r in records}


def test_a_full_service_carries_what_was_saved(
        client: TestClient, feed: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    record = feed[1][0]
    body = client.get(f"/oruk/services/{record['id']}").json()
    assert body["name"] == record["name"]
    assert body["minimum_age"] == record["minimum_age"]
    assert [s["byday"] for s in body["schedules"]] == [s["byday"] for s in
                                                      record["schedules"]]
    location = body["service_at_locations"][0]["location"]
    sent = record["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == sent["addresses"][0]["postal_code"]
    # placed from the postcode directory: within a metre or so of the sent coordinates
    assert location["latitude"] == pytest.approx(sent["latitude"], abs=2e-5)
    assert location["longitude"] == pytest.approx(sent["longitude"], abs=2e-5)
    assert {a["taxonomy_term"]["id"] for a in body["attributes"]} == {
        a["taxonomy_term"]["id"] for a in record["attributes"]}
    assert body["service_capacity"][0]["maximum"] == record["service_capacity"][0]["maximum"]


def test_filters_agree_with_a_direct_reading_of_the_records(
        client: TestClient, feed: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    records = feed[1]
    term = records[0]["attributes"][0]["taxonomy_term"]["id"]
    expected = {r["id"] for r in records if term in {a["taxonomy_term"]["id"]
                                                    for a in r["attributes"]}}
    got = client.get(f"/oruk/services?taxonomy_term_id={term}&per_page=500").json()
    assert {s["id"] for s in got["contents"]} == expected
    teen = {r["id"] for r in records if r["minimum_age"] <= 16 <= r["maximum_age"]}
    got = client.get("/oruk/services?minimum_age=16&maximum_age=16&per_page=500").json()
    assert {s["id"] for s in got["contents"]} == teen
    org = records[5]["organization"]["id"]
    got = client.get(f"/oruk/services?organization_id={org}&per_page=500").json()
    assert {s["id"] for s in got["contents"]} == {r["id"] for r in records
                                                  if r["organization"]["id"] == org}
    monday = {r["id"] for r in records if any("MO" in s["byday"].split(",")
                                              for s in r["schedules"])}
    got = client.get("/oruk/services?day=MO&per_page=500").json()
    assert {s["id"] for s in got["contents"]} == monday


def test_postcode_proximity_orders_by_distance(
        client: TestClient, feed: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    import numpy as np

    from vrhub.geography.bng import to_bng

    records = feed[1]
    place = records[3]["service_at_locations"][0]["location"]
    postcode = place["addresses"][0]["postal_code"]
    got = client.get("/oruk/services", params={"postcode": postcode, "proximity": "2500",
                                               "per_page": "500"}).json()
    # independent distances from the records' own latitude and longitude
    x0, y0 = to_bng([place["longitude"]], [place["latitude"]])
    distance = {}
    for r in records:
        loc = r["service_at_locations"][0]["location"]
        x, y = to_bng([loc["longitude"]], [loc["latitude"]])
        distance[r["id"]] = float(np.hypot(x[0] - x0[0], y[0] - y0[0]))
    near = {i for i, d in distance.items() if d <= 2500 - 2}
    ids = [s["id"] for s in got["contents"]]
    assert near <= set(ids)
    assert all(distance[i] <= 2500 + 2 for i in ids)
    ordered = [distance[i] for i in ids]
    assert ordered == sorted(ordered) or max(
        abs(a - b) for a, b in zip(ordered, sorted(ordered), strict=True)) < 2


def test_ndjson_streams_every_match_without_pages(
        client: TestClient, feed: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    response = client.get("/oruk/services?format=ndjson")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    assert len(lines) == len(feed[1])
    assert errors_of("service.json", lines[0]) == []


def test_open_to_any_origin_without_credentials(client: TestClient) -> None:
    for url in ("/oruk/", "/oruk/services", "/oruk/services/not-an-id",
                "/oruk/services?page=zero"):
        response = client.get(url, headers={"Origin": "https://example.org"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        assert "set-cookie" not in response.headers
    preflight = client.options("/oruk/services", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("query", "message"), [
    ("page=zero", "page 'zero' is not a whole number"),
    ("per_page=5000", "per_page 5000 is outside 1 to 500"),
    ("postcode=NOT A POSTCODE", "'NOT A POSTCODE' is not a UK postcode"),
    ("postcode=ZZ9 9ZZ", "postcode 'ZZ9 9ZZ' is not in the postcode directory"),
    ("proximity=100", "proximity needs a postcode"),
    ("day=someday", "day 'someday' is not a day of the week"),
    ("start_time=4pm", "start_time '4pm' is not a time of day"),
    ("minimum_age=old", "minimum_age 'old' is not an age in years"),
    ("modified_after=yesterday", "modified_after 'yesterday' is not a date and time"),
    ("format=xml", "format 'xml' is not offered"),
])
def test_bad_filters_are_refused_with_the_json_error_shape(client: TestClient, query: str,
                                                           message: str) -> None:
    response = client.get(f"/oruk/services?{query}", headers={"Accept": "text/html"})
    # a malformed code is 422 everywhere in vrhub; other bad filters 400
    assert response.status_code == (422 if "is not a UK postcode" in message else 400)
    error = response.json()["error"]
    assert message in error["message"]
    assert error["hint"]


def test_unknown_ids_are_404_in_the_json_error_shape(client: TestClient) -> None:
    for path in LISTS.values():
        response = client.get("/oruk" + path.replace("{id}",
                                                     "00000000-0000-4000-8000-000000000000"))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_the_feed_is_throttled_per_client(tmp_path: Any) -> None:
    """A request a minute with bursts of ten: the eleventh is refused however slowly the
    machine answers (a token comes back only after a minute)."""
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test",
                                   oruk_rate_limit=1))
    client = TestClient(app)
    statuses = [client.get("/oruk/").status_code for _ in range(13)]
    assert statuses == [200] * 10 + [429] * 3
    refused = client.get("/oruk/")
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["access-control-allow-origin"] == "*"
    assert client.get("/healthz").status_code == 200  # only the feed is throttled


def test_with_redis_the_throttle_counts_every_process_together(tmp_path: Any) -> None:
    """Two app processes behind one address (two apps on one workspace and one Redis):
    10 requests in a burst between them, not 10 each (a request a minute, so no token
    comes back during the test)."""
    import os

    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    redis_url = os.environ.get("VRHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = Settings.load({}, home=tmp_path / "home", environment="test",
                             oruk_rate_limit=1, redis_url=redis_url)
    apps = [create_app(settings), create_app(settings)]
    store = apps[0].state.shared_store
    try:
        with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
            statuses = [(one if k % 2 else two).get("/oruk/").status_code for k in range(16)]
            assert statuses == [200] * 10 + [429] * 6
            assert one.get("/oruk/").status_code == two.get("/oruk/").status_code == 429
            assert one.get("/healthz").status_code == 200
    finally:
        for key in store.client.scan_iter(store.prefix + "*"):
            store.client.delete(key)
        for app in apps:
            app.state.access.close()


def test_without_redis_answering_each_process_throttles_on_its_own(
        caplog: pytest.LogCaptureFixture) -> None:

    from vrhub.shared_store import SharedStore
    from vrhub.web.open_feed import OpenFeed

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    gone = SharedStore(client=None, prefix="vrhub:test:", url="redis://127.0.0.1:1/0")
    feed = OpenFeed(app, rate_per_minute=60, shared=gone)

    async def asks() -> list[float | None]:
        return [await feed.wait("198.51.100.7") for _ in range(13)]

    with caplog.at_level("WARNING", logger="vrhub.web.open_feed"):
        waits = run_alone(asks())
    assert waits[:12] == [None] * 12 and waits[12] is not None and waits[12] > 0
    warnings = [r.getMessage() for r in caplog.records if r.name == "vrhub.web.open_feed"]
    assert len(warnings) == 1 and "each process throttles on its own" in warnings[0]


def test_a_page_asked_again_is_served_as_rendered_until_the_directory_changes(
        tmp_path: Any) -> None:
    from tests.directory_support import app_directory, save_records
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    app = create_app(Settings.load({}, home=tmp_path / "home", environment="test",
                                   oruk_rate_limit=1_000_000))
    records = populate(app, 20, seed=3)
    client = TestClient(app)
    index = app_directory(app).index()
    searched: list[Any] = []
    search = index.search
    index.search = lambda query: (searched.append(query), search(query))[1]  # type: ignore[method-assign]
    path = "/oruk/services?search=zebracrossing&per_page=5"
    first = client.get(path)
    assert first.json()["total_items"] == 0
    assert client.get(path).content == first.content
    assert len(searched) == 1  # the second answer was the page as rendered
    assert client.get(path + "&page=2").json()["page_number"] == 2  # another page: searched
    assert len(searched) == 2
    renamed = {**records[0], "name": "Zebracrossing youth club"}
    save_records(app_directory(app), [renamed])  # the directory changes: a new index
    after = client.get(path).json()
    assert after["total_items"] == 1 and after["contents"][0]["name"] == renamed["name"]
    assert list_errors("/services", after) == []  # still the profile's page
    app.state.access.close()


def test_one_service_by_its_id_and_formats_not_offered(
        feed: tuple[FastAPI, list[dict[str, Any]]], client: TestClient) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import oruk

    record = feed[1][7]
    one = client.get(path_of(oruk, oruk.service, service_id=record["id"]))
    assert one.status_code == 200
    assert (one.json()["id"], one.json()["name"]) == (record["id"], record["name"])
    bad = client.get(path_of(oruk, oruk.services), params={"format": "xml"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "format 'xml' is not offered"
    lines = client.get(path_of(oruk, oruk.services), params={"format": "ndjson"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    paged = client.get(path_of(oruk, oruk.services)).json()
    assert len([line for line in lines.text.splitlines() if line]) == paged["total_items"]
