"""Every response carries the security headers and a caching rule; a body over the upload
limit is refused with 413 whether it declares its length or not; the image sources of the
content security policy follow the configured tiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vrhub.settings import Settings
from vrhub.web.security import SecurityHeaders, content_security_policy

LIMIT = 2000


async def page(request: Request) -> Response:
    return PlainTextResponse("page")


async def cached(request: Request) -> Response:
    return PlainTextResponse("figures", headers={"cache-control": "public, max-age=60",
                                                 "x-frame-options": "SAMEORIGIN"})


async def upload(request: Request) -> Response:
    return PlainTextResponse(f"{len(await request.body())} bytes")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = Starlette(routes=[Route("/page", page), Route("/static/app.css", page),
                            Route("/figures", cached),
                            Route("/upload", upload, methods=["POST"])])
    settings = Settings.load({}, home=tmp_path, max_upload_bytes=LIMIT)
    with TestClient(SecurityHeaders(app, settings)) as test_client:
        yield test_client


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    response = client.get("/page")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["strict-transport-security"].startswith("max-age=63072000")
    assert response.headers["cache-control"] == "no-store"


def test_static_assets_are_cached_and_a_route_may_set_its_own_caching(
        client: TestClient) -> None:
    assert client.get("/static/app.css").headers["cache-control"] == "public, max-age=86400"
    figures = client.get("/figures")
    assert figures.headers["cache-control"] == "public, max-age=60"
    # a route cannot weaken the security headers
    assert figures.headers.get_list("x-frame-options") == ["DENY"]


def test_a_body_over_the_limit_is_refused_declared_or_streamed(client: TestClient) -> None:
    assert client.post("/upload", content=b"x" * LIMIT).text == f"{LIMIT} bytes"
    declared = client.post("/upload", content=b"x" * (LIMIT + 1))
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"
    assert declared.headers["x-frame-options"] == "DENY"

    def chunks() -> Iterator[bytes]:  # no content-length: counted as it arrives
        for _ in range(3):
            yield b"x" * 800

    streamed = client.post("/upload", content=chunks())
    assert streamed.status_code == 413


def test_images_may_come_from_the_configured_tile_server_only(tmp_path: Path) -> None:
    def images(**settings: object) -> str:
        policy = content_security_policy(Settings.load({}, home=tmp_path, **settings))
        return next(p for p in policy.split("; ") if p.startswith("img-src"))

    assert images(tile_url=None) == "img-src 'self' data:"
    assert images(tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png") == \
        "img-src 'self' data: https://*.tile.example.org"
    assert images(tile_url="https://tiles.example.org/{z}/{x}/{y}.png") == \
        "img-src 'self' data: https://tiles.example.org"
