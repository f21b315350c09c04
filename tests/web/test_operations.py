"""What an operator relies on: liveness and readiness, Prometheus metrics behind a token,
an access log of route templates with request ids, JSON logs with timestamps, and
forwarded client addresses taken only from trusted proxies."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import ADMIN, PASSWORD, csrf_from
from vrhub.access import audit
from vrhub.logs import configure
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate
from vrhub.web.app import create_app

TOKEN = "scrape-" + "k" * 40


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings.load({}, home=tmp_path / "home", environment="test", **extra)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_healthz_is_liveness_and_readyz_checks_both_stores(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    client = TestClient(app)
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"app_database": "ok", "warehouse": "ok"}


def test_readyz_fails_while_another_process_holds_the_warehouse(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.home.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(settings.home / "warehouse.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        client = TestClient(create_app(settings))
        ready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive all the same
    finally:
        holder.communicate("", timeout=30)
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["app_database"] == "ok"
    assert checks["warehouse"].startswith(f"the warehouse {settings.home / 'warehouse.duckdb'} "
                                          "is in use by another process")


def test_readyz_fails_when_the_app_database_falls_behind(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path))
    with sqlite3.connect(tmp_path / "home" / "app.db") as con:
        con.execute("UPDATE alembic_version SET version_num = '0001'")
    ready = TestClient(app).get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["app_database"] == (
        f"schema revision 0001, needs {migrate.head()}: run `vrhub db upgrade`")


def test_metrics_need_the_token_and_count_requests_audit_uploads_and_cache(
        tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, metrics_token=TOKEN, max_upload_bytes=2048))
    client = TestClient(app)
    assert create_app(_settings(tmp_path / "off")).state.settings.metrics_token is None
    assert TestClient(create_app(_settings(tmp_path / "off"))).get("/metrics").status_code == 404
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401

    for _ in range(3):
        client.get("/healthz")
    client.get("/api/v1/records/police")  # anonymous: refused and audited
    app.state.access.identity.create_user(ADMIN, "ed@example.org", role="ed_data_lead",
                                          organisation="RJ1", sites=("RJ122",),
                                          password=PASSWORD)
    client.post("/api/v1/istv/submissions", files={"file": ("big.csv", b"x" * 4096)})
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    samples = _samples(scraped.text)
    key = ("vrhub_http_requests_total",
           (("method", "GET"), ("route", "/healthz"), ("status", "200")))
    assert samples[key] == 3
    assert samples[("vrhub_http_request_duration_seconds_count",
                    (("method", "GET"), ("route", "/healthz")))] == 3
    assert samples[("vrhub_upload_refusals_total", (("status", "413"),))] == 1
    with app.state.access.sessions() as session:
        written = audit.query(session, limit=1000)
    by_outcome: dict[str, int] = {}
    for event in written:
        by_outcome[event.outcome] = by_outcome.get(event.outcome, 0) + 1
    for outcome, count in by_outcome.items():
        assert samples[("vrhub_audit_events_written_total", (("outcome", outcome),))] == count
    assert by_outcome  # the refusal (and the account's creation) were written
    assert not any("/api/v1/records/police?" in str(labels) for _, labels in samples)


def test_access_log_names_route_templates_and_request_ids(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(create_app(_settings(tmp_path)))
    request_id = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
    with caplog.at_level("INFO", logger="vrhub.access"):
        answer = client.get("/api/v1/records/police?q=SECRET-VALUE",
                            headers={"X-Request-ID": request_id})
        other = client.get("/no/such/page?token=abc")
    assert answer.headers["x-request-id"] == request_id
    assert len(other.headers["x-request-id"]) == 32 or "-" in other.headers["x-request-id"]
    lines = [r for r in caplog.records if r.name == "vrhub.access"]
    assert [(r.method, r.route, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/api/v1/records/{dataset}", 403), ("GET", "(unmatched)", 404)]
    assert all("SECRET-VALUE" not in r.getMessage() and "abc" not in r.getMessage()
               for r in lines)


def test_open_feed_answers_are_logged_at_debug_and_its_refusals_at_info(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(create_app(_settings(tmp_path)))
    with caplog.at_level("DEBUG", logger="vrhub.access"):
        assert client.get("/oruk/").status_code == 200
        assert client.get("/oruk/services?page=first").status_code == 400
        assert client.get("/healthz").status_code == 200
    lines = [(r.levelname, r.route, r.status)  # type: ignore[attr-defined]
             for r in caplog.records if r.name == "vrhub.access"]
    assert lines == [("DEBUG", "/oruk/", 200), ("INFO", "/oruk/services", 400),
                     ("INFO", "/healthz", 200)]


def test_json_logs_carry_time_level_and_request_id(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(tmp_path, log_format="json", log_file="logs/vrhub.log",
                         log_level="INFO")
    configure(settings)
    try:
        client = TestClient(create_app(settings))
        client.get("/healthz", headers={"X-Request-ID": "0d4c8f5e-1111-4222-8333-944455556666"})
    finally:
        configure(_settings(tmp_path))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
             if line.startswith("{")]
    access = [entry for entry in lines if entry["logger"] == "vrhub.access"]
    assert access and access[0]["route"] == "/healthz" and access[0]["status"] == 200
    assert access[0]["request_id"] == "0d4c8f5e-1111-4222-8333-944455556666"
    assert access[0]["level"] == "INFO" and access[0]["time"].startswith("20")
    log_file = settings.home / "logs" / "vrhub.log"
    assert log_file.stat().st_mode & 0o077 == 0  # owner-only
    assert json.loads(log_file.read_text().splitlines()[-1])["route"] == "/healthz"


def test_log_level_is_honoured(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    configure(_settings(tmp_path, log_level="WARNING"))
    try:
        assert logging.getLogger().level == logging.WARNING
        assert not logging.getLogger("vrhub.access").isEnabledFor(logging.INFO)
    finally:
        configure(_settings(tmp_path))
    assert logging.getLogger().level == logging.INFO


# -- trusted proxies, through the real server ---------------------------------------------
@pytest.fixture
def serve() -> Iterator[object]:
    import uvicorn

    from vrhub.cli.serve import server_config

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(settings: Settings) -> tuple[str, object]:
        app = create_app(settings)
        config = server_config(settings, app, host="127.0.0.1", port=0)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}", app

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def _failed_sign_in(base: str, email: str, forwarded_for: str) -> None:
    with httpx.Client(base_url=base) as client:
        token = csrf_from(client.get("/sign-in").text)
        answer = client.post("/sign-in", data={"email": email, "password": "wrong",
                                               "csrf_token": token, "next": "/"},
                             headers={"X-Forwarded-For": forwarded_for},
                             follow_redirects=False)
        assert answer.status_code == 400


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_addresses_only_from_trusted_proxies(tmp_path: Path, serve,  # type: ignore[no-untyped-def]
                                                       trusted: bool) -> None:
    extra = {"trusted_proxies": "127.0.0.1"} if trusted else {}
    base, app = serve(_settings(tmp_path, login_rate_limit=2, **extra))
    for _ in range(3):
        _failed_sign_in(base, "first@example.org", "203.0.113.7")
    _failed_sign_in(base, "second@example.org", "198.51.100.9")
    with app.state.access.sessions() as session:  # type: ignore[attr-defined]
        events = [(e.actor_email, e.client, e.detail)
                  for e in reversed(audit.query(session, action="sign_in", limit=100))]
    if trusted:  # each real client is seen, and has a rate limit of its own
        assert events == [
            ("first@example.org", "203.0.113.7", "no such account (1 in a row)"),
            ("first@example.org", "203.0.113.7", "no such account (2 in a row)"),
            ("first@example.org", "203.0.113.7", "rate limited"),
            ("second@example.org", "198.51.100.9", "no such account (1 in a row)")]
    else:  # a forwarded header from an untrusted peer is ignored: one address, one limit
        assert events == [
            ("first@example.org", "127.0.0.1", "no such account (1 in a row)"),
            ("first@example.org", "127.0.0.1", "no such account (2 in a row)"),
            ("first@example.org", "127.0.0.1", "rate limited"),
            ("second@example.org", "127.0.0.1", "rate limited")]


def test_metrics_route_is_off_without_a_token_and_audits_a_wrong_one(tmp_path: Path) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import operations

    url = path_of(operations, operations.metrics)
    off = TestClient(create_app(_settings(tmp_path / "off"))).get(url)
    assert off.status_code == 404
    assert "VRHUB_METRICS_TOKEN is not set" in off.json()["error"]["message"]
    app = create_app(_settings(tmp_path, metrics_token=TOKEN))
    client = TestClient(app)

    def audited() -> int:
        with app.state.access.sessions() as session:
            return len(audit.query(session, limit=1_000_000))

    before = audited()
    wrong = client.get(url, headers={"authorization": "Bearer not-" + TOKEN})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert wrong.json()["error"]["code"] == "authentication_required"
    assert audited() == before + 1
    right = client.get(url, headers={"authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert any(name.startswith("vrhub") for name, _ in _samples(right.text))
    health = client.get(path_of(operations, operations.healthz)).json()
    from vrhub import __version__
    assert health == {"status": "ok", "version": __version__}
