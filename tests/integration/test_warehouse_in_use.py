"""While the web app runs (a real `vrhub serve` holding the warehouse), commands that only
read it work, a command that writes lands beside it (written to a copy swapped in) and the
app answers from it at once, and uploads through the running app are still stored and
seen by both."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vrhub.synthetic.istv import write_month

SITE = "RAL01"
PASSWORD = "plum kettle orbit lantern 42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _token(home: Path) -> str:
    from vrhub.access.principal import console_administrator
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    app = create_app(Settings.load({}, home=home, environment="test"))
    admin = console_administrator("tests")
    app.state.access.identity.create_user(admin, "lead@ral.example", role="ed_data_lead",
                                          organisation="RAL", sites=(SITE,),
                                          password=PASSWORD)
    token, _ = app.state.access.tokens.create(admin, "lead@ral.example", "tests")
    app.state.access.close()
    return str(token)


@pytest.fixture
def server(run: Any, home: Path, shared_data: Path, tmp_path: Path
           ) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    code, _, err = run("load", "ed-sites", shared_data / "nhs" / "site_xy.csv.gz")
    assert code == 0, err
    march = write_month(tmp_path / "march.csv", SITE, "2024-03", seed=3, n=40)
    code, _, err = run("istv", "submit", march, "--site", SITE, "--period", "2024-03")
    assert code == 0, err
    token = _token(home)
    port = _free_port()
    env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test"}
    process = subprocess.Popen([sys.executable, "-m", "vrhub", "serve", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}",
                          headers={"Authorization": f"Bearer {token}"}, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the web app did not start"
            assert process.poll() is None, "the web app stopped"
            time.sleep(0.5)
        yield client, process
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=30)


def _listed(client: httpx.Client) -> list[str]:
    response = client.get("/api/v1/istv/submissions")
    assert response.status_code == 200, response.text
    return sorted(s["period_start"] for s in response.json()["submissions"])


def test_reads_work_and_a_load_lands_while_the_web_app_runs(
        server: tuple[httpx.Client, subprocess.Popen[bytes]], run: Any, home: Path,
        tmp_path: Path) -> None:
    client, process = server
    assert _listed(client) == ["2024-03-01"]  # the web app now holds the warehouse

    code, out, err = run("istv", "receipts", "--json")
    assert code == 0, err
    assert [r["site_code"] for r in json.loads(out)["receipts"]] == [SITE]
    code, out, err = run("warehouse", "status")
    assert code == 0, err
    assert "up to date" in out

    # a write from the command line while the app serves: it lands, and the app sees it
    before = (home / "warehouse.duckdb").stat().st_ino
    may = write_month(tmp_path / "may.csv", SITE, "2024-05", seed=7, n=20)
    code, _, err = run("istv", "submit", may, "--site", SITE, "--period", "2024-05")
    assert code == 0, err
    assert (home / "warehouse.duckdb").stat().st_ino != before  # swapped in whole
    assert not (home / "warehouse.duckdb.next").exists()
    assert _listed(client) == ["2024-03-01", "2024-05-01"]
    assert process.poll() is None

    # the running app still takes an upload, and both it and the command see it
    april = write_month(tmp_path / "april.csv", SITE, "2024-04", seed=5, n=30)
    with april.open("rb") as handle:
        response = client.post("/api/v1/istv/submissions",
                               data={"site": SITE, "period": "2024-04"},
                               files={"file": (april.name, handle, "text/csv")})
    assert response.status_code == 201, response.text
    assert _listed(client) == ["2024-03-01", "2024-04-01", "2024-05-01"]
    code, out, err = run("istv", "receipts", "--json")
    assert code == 0, err
    assert sorted(r["period_start"][:10] for r in json.loads(out)["receipts"]) == [
        "2024-03-01", "2024-04-01", "2024-05-01"]
