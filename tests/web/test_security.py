"""Security basics on every response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vrhub.secret_strength import new_secret_key
from vrhub.settings import Settings
from vrhub.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings.load({}, home=tmp_path, environment="test", max_upload_bytes=2048)
    return TestClient(create_app(settings))


def test_security_headers_on_pages(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    html = client.get("/").text
    assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_oversized_request_is_refused_with_the_json_error_shape(client: TestClient) -> None:
    response = client.post("/healthz", content=b"x" * 5000)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_an_oversized_body_sent_without_its_length_is_refused_as_too_large(
        client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no content-length to refuse it by
        for _ in range(4):
            yield b"email=a%40b.example&password=" + b"x" * 1000

    for path in ("/sign-in", "/api/v1/istv/submissions"):
        response = client.post(path, content=chunks(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_path_uses_the_json_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_production_cookies_are_secure_httponly_strict(tmp_path: Path) -> None:
    settings = Settings.load({}, home=tmp_path, environment="production",
                             secret_key=new_secret_key())
    app = create_app(settings)
    from starlette.middleware.sessions import SessionMiddleware

    session = next(m for m in app.user_middleware if m.cls is SessionMiddleware)
    assert session.kwargs["https_only"] is True
    assert session.kwargs["same_site"] == "strict"
