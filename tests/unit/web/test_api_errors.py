"""One JSON error shape for the whole API: refusals with their message, hint and status,
invalid requests with each problem, a store that cannot be reached as 503 without its
details, and anything unexpected as 500 without the exception's text. The shapes are the
ones the API's OpenAPI description promises (:mod:`vrhub.web.api_models`)."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vrhub.errors import Conflict, OperationalError, PermissionDenied
from vrhub.settings import Settings
from vrhub.web.api_models import ERROR_RESPONSES, ErrorResponse, RecordPage
from vrhub.web.errors import UNAVAILABLE, error_body, install_error_handlers

SECRET_PATH = "/srv/vrhub/secret-folder/warehouse.duckdb"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = FastAPI()
    app.state.settings = Settings.load({}, home=tmp_path, environment="test")
    install_error_handlers(app)

    @app.get("/refused")
    def refused() -> None:
        raise PermissionDenied("camden@example.org may not read Hackney's records",
                               hint="ask for Hackney in your scope")

    @app.get("/conflict")
    def conflict() -> None:
        raise Conflict("there is already a token called 'scripts'")

    @app.get("/store")
    def store() -> None:
        raise OperationalError(f"cannot open {SECRET_PATH}", hint="check the disk")

    @app.get("/disk")
    def disk() -> None:
        raise PermissionError(errno.EACCES, "Permission denied", SECRET_PATH)

    @app.get("/bug")
    def bug() -> None:
        raise KeyError("internal detail 42")

    @app.get("/months")
    def months(limit: int) -> int:
        return limit

    return TestClient(app, raise_server_exceptions=False)


def test_a_refusal_keeps_its_message_hint_and_status(client: TestClient) -> None:
    response = client.get("/refused")
    assert response.status_code == 403
    body = response.json()
    assert body == {"error": {"code": "forbidden",
                              "message": "camden@example.org may not read Hackney's records",
                              "hint": "ask for Hackney in your scope"}}
    ErrorResponse.model_validate(body)  # the documented shape
    conflict = client.get("/conflict")
    assert (conflict.status_code, conflict.json()["error"]["code"]) == (409, "conflict")
    assert {403, 404, 422} <= set(ERROR_RESPONSES)


def test_an_invalid_request_names_each_problem(client: TestClient) -> None:
    response = client.get("/months?limit=many")
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    assert [d["location"] for d in body["error"]["details"]] == ["query.limit"]
    missing = client.get("/months").json()["error"]["details"]
    assert missing[0]["location"] == "query.limit" and missing[0]["problem"]
    unknown = client.get("/nowhere")
    assert (unknown.status_code, unknown.json()) == (
        404, error_body("not_found", "Not Found"))
    wrong = client.post("/refused")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (405, "method_not_allowed")


def test_stores_that_fail_answer_503_without_their_details(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    for path in ("/store", "/disk"):
        with caplog.at_level(logging.ERROR, logger="vrhub.web"):
            response = client.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["message"] == UNAVAILABLE
        assert SECRET_PATH not in response.text
    # the operator finds the cause in the log
    assert any(SECRET_PATH in r.getMessage() for r in caplog.records)


def test_anything_unexpected_is_500_without_its_text(client: TestClient,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="vrhub.web"):
        response = client.get("/bug")
    assert (response.status_code, response.json()) == (500, error_body(
        "internal_error", "something went wrong on our side"))
    assert "internal detail" not in response.text
    assert [r.getMessage() for r in caplog.records] == ["unhandled KeyError on GET /bug"]


def test_a_record_page_describes_its_scope_and_period() -> None:
    page = RecordPage(total=3, limit=2, offset=0, next="/api/v1/records?offset=2",
                      dataset="istv", scope={"boroughs": ["E09000007"]},
                      period={"from": "2024-01", "to": "2024-12"}, records=[{}, {}])
    assert page.model_dump()["next"] == "/api/v1/records?offset=2"
    with pytest.raises(ValueError, match="dataset"):
        RecordPage(total=0, limit=1, offset=0, next=None, dataset="hospital", scope={},
                   period={}, records=[])
