"""One access-log line and one metrics observation per request, naming the route template
and never the values sent; the open feed's answers at DEBUG; refused uploads counted."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vrhub.metrics import Metrics
from vrhub.web.access_log import UNMATCHED, AccessLog


async def item(request: Request) -> Response:
    return PlainTextResponse("ok")


async def feed(request: Request) -> Response:
    return PlainTextResponse("busy", status_code=429 if "slow" in request.query_params
                             else 200)


async def upload(request: Request) -> Response:
    return PlainTextResponse("refused", status_code=413)


async def broken(request: Request) -> Response:
    raise RuntimeError("boom")


def client_and_metrics() -> tuple[TestClient, Metrics]:
    metrics = Metrics()
    app = Starlette(routes=[Route("/items/{item_id}", item), Route("/oruk/services", feed),
                            Route("/upload", upload, methods=["POST"]),
                            Route("/broken", broken)])
    return TestClient(AccessLog(app, metrics), raise_server_exceptions=False), metrics


def counted(metrics: Metrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = metrics.exposition()[0].decode()
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == name}


def test_a_line_names_the_route_template_and_never_the_values(
        caplog: pytest.LogCaptureFixture) -> None:
    client, metrics = client_and_metrics()
    with caplog.at_level(logging.INFO, logger="vrhub.access"):
        client.get("/items/4242?name=Ann.Smith")
        client.get("/nowhere")
    lines = [r.getMessage() for r in caplog.records if r.name == "vrhub.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /items/{item_id} 200 ") and "principal=-" in lines[0]
    assert lines[1].startswith(f"GET {UNMATCHED} 404 ")
    assert not any("4242" in line or "Ann" in line for line in lines)
    assert caplog.records[0].route == "/items/{item_id}"  # type: ignore[attr-defined]
    requests = counted(metrics, "vrhub_http_requests_total")
    assert requests[(("method", "GET"), ("route", "/items/{item_id}"), ("status", "200"))] == 1
    assert requests[(("method", "GET"), ("route", UNMATCHED), ("status", "404"))] == 1


def test_the_open_feeds_answers_are_logged_at_debug_and_its_refusals_at_info(
        caplog: pytest.LogCaptureFixture) -> None:
    client, metrics = client_and_metrics()
    with caplog.at_level(logging.INFO, logger="vrhub.access"):
        client.get("/oruk/services")
        client.get("/oruk/services?slow=1")
    assert [r.getMessage().split(" ")[:3] for r in caplog.records] == [
        ["GET", "/oruk/services", "429"]]
    requests = counted(metrics, "vrhub_http_requests_total")
    assert requests[(("method", "GET"), ("route", "/oruk/services"), ("status", "200"))] == 1


def test_refused_uploads_and_failures_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    client, metrics = client_and_metrics()
    client.post("/upload", files={"file": ("a.csv", b"x")})
    client.post("/upload", json={"not": "a file"})
    with caplog.at_level(logging.INFO, logger="vrhub.access"):
        assert client.get("/broken").status_code == 500
    assert counted(metrics, "vrhub_upload_refusals_total") == {(("status", "413"),): 1}
    assert caplog.records[-1].getMessage().startswith("GET /broken 500 ")
