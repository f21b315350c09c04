"""Two `vrhub serve` processes behind one deployment (one PostgreSQL app database, one
Redis, one workspace) act as one: a sign-out in one ends the session in the other, and a
sign-in rate limit and the lockout of an unknown address hold across both."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vrhub.access.principal import console_administrator
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "plum kettle orbit lantern 42"
REDIS = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def two_servers(tmp_path: Path, postgres_url: str) -> Iterator[tuple[str, str, Settings]]:
    home = tmp_path / "home"
    home.mkdir()
    migrate.upgrade(postgres_url)
    env = {**os.environ, "VRHUB_HOME": str(home), "VRHUB_ENVIRONMENT": "test",
           "VRHUB_DATABASE_URL": postgres_url, "VRHUB_REDIS_URL": REDIS,
           "VRHUB_SECRET_KEY": "k" * 8 + os.urandom(24).hex(),
           "VRHUB_LOGIN_RATE_LIMIT": "3", "VRHUB_LOGIN_MAX_FAILURES": "2"}
    settings = Settings.load(env)
    from vrhub.access.services import AccessServices

    services = AccessServices.from_settings(settings)
    try:
        services.identity.create_user(console_administrator("tests"), "lead@vru.example",
                                      role="pan_london_analyst", organisation="VRU",
                                      password=PASSWORD)
    finally:
        services.close()
    processes, bases = [], []
    try:
        for _ in range(2):
            port = _free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "vrhub", "serve", "--port", str(port)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 480  # two processes starting on a busy machine
        for base, process in zip(bases, processes, strict=True):
            while True:
                assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the web app did not start"
                try:
                    if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
        yield bases[0], bases[1], settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def _sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = _csrf(client.get("/sign-in").text)
    return client.post("/sign-in", data={"email": email, "password": password,
                                         "csrf_token": token, "next": "/account"})


def test_a_sign_out_in_one_process_ends_the_session_in_the_other(
        two_servers: tuple[str, str, Settings]) -> None:
    first, second, _ = two_servers
    with httpx.Client(base_url=first, timeout=60) as one, \
            httpx.Client(base_url=second, timeout=60) as other:
        assert _sign_in(one, "lead@vru.example", PASSWORD).status_code == 303
        other.cookies = one.cookies  # the same browser, sent to the other process
        account = other.get("/account")
        assert account.status_code == 200
        assert "lead@vru.example" in account.text
        signed_out = one.post("/sign-out", data={"csrf_token": _csrf(one.get("/account").text)})
        assert signed_out.status_code == 303
        other.cookies = one.cookies
        again = other.get("/account")
        assert again.status_code in (302, 303, 401), again.status_code
        assert "/sign-in" in again.headers.get("location", "/sign-in")


def test_sign_in_limits_hold_across_both_processes(
        two_servers: tuple[str, str, Settings]) -> None:
    first, second, settings = two_servers
    answers = []
    with httpx.Client(base_url=first, timeout=60) as one, \
            httpx.Client(base_url=second, timeout=60) as other:
        # an address with no account: two failures in a row, one in each process, lock it;
        # and this client's rate limit (3 a minute) counts its attempts in both processes
        for client in (one, other, one, other):
            answers.append(_sign_in(client, "nobody@vru.example", "wrong").text)
    from vrhub.access import audit
    from vrhub.access.services import AccessServices

    services = AccessServices.from_settings(settings)
    try:
        with services.sessions() as session:
            details = [(e.actor_email, e.detail)
                       for e in reversed(audit.query(session, action="sign_in", limit=100))]
    finally:
        services.close()
    assert details == [
        ("nobody@vru.example", "no such account (1 in a row)"),
        ("nobody@vru.example", "no such account (2 in a row); locked"),
        ("nobody@vru.example", "no such account (locked)"),
        ("nobody@vru.example", "rate limited"),
    ]
    assert "too many sign-in attempts" in answers[-1].lower()


POLICE = Path(__file__).resolve().parents[3] / "shared" / "data" / "police-uk" / "city-of-london"


def _police_total(base: str, headers: dict[str, str]) -> tuple[int, str]:
    """A process's police record total and the last month its answer says it covers."""
    answer = httpx.get(f"{base}/api/v1/records/police", params={"limit": 1},
                       headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"]), answer.json()["period"]["to"]


def test_a_load_lands_while_both_processes_serve(
        two_servers: tuple[str, str, Settings]) -> None:
    """`vrhub load` while both processes read the warehouse: it writes a copy and swaps it
    in; both answer from the new data at their next request, and every request made
    meanwhile is answered."""
    import threading

    from vrhub.access.services import AccessServices

    first, second, settings = two_servers
    services = AccessServices.from_settings(settings)
    try:
        token, _ = services.tokens.create(console_administrator("tests"), "lead@vru.example",
                                          "tests")
    finally:
        services.close()
    headers = {"Authorization": f"Bearer {token}"}
    database = str(settings.resolved_database_url)
    files = sorted(POLICE.glob("*-street.csv.gz"))[:2]
    for base in (first, second):  # each opens the warehouse and keeps it open
        assert httpx.get(f"{base}/readyz", timeout=60).status_code == 200
    answers: list[int] = []
    totals: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            for base in (first, second):
                answers.append(httpx.get(f"{base}/api/v1/records/police",
                                         params={"limit": 1}, headers=headers,
                                         timeout=60).status_code)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        for n, file in enumerate(files):
            loaded = subprocess.run(
                [sys.executable, "-m", "vrhub", "--home", str(settings.home), "load",
                 "police", str(file)], capture_output=True, text=True, timeout=600)
            assert loaded.returncode == 0, loaded.stderr
            # what a new process reads from the warehouse now (each crime counted once)
            direct = subprocess.run(
                [sys.executable, "-m", "vrhub", "--home", str(settings.home), "records",
                 "search", "police", "--json", "--limit", "1"], capture_output=True,
                text=True, timeout=600, env={**os.environ, "VRHUB_TOKEN": token,
                                             "VRHUB_DATABASE_URL": database})
            assert direct.returncode == 0, direct.stderr
            total = json.loads(direct.stdout)["total"]
            assert total > (0 if n == 0 else totals[-1])
            totals.append(total)
            # the total, and the months the answer states (kept while a warehouse is
            # open): both from the warehouse swapped in
            month = file.name[:7]
            assert [_police_total(first, headers), _police_total(second, headers)] == \
                [(total, month), (total, month)]
    finally:
        stop.set()
        asking.join(timeout=120)
    assert answers and set(answers) == {200}
    assert not (Path(settings.home) / "warehouse.duckdb.next").exists()
