"""``vrhub serve --workers 2``: two worker processes answer on one address."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_two_workers_answer_on_one_address(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    port = _free_port()
    env = {**os.environ, "VRHUB_ENVIRONMENT": "test"}
    env.pop("VRHUB_HOME", None)
    server = subprocess.Popen([sys.executable, "-m", "vrhub", "--home", str(home), "serve",
                               "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        serving: set[int] = set()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            while True:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the workers did not start"
                try:
                    answer = client.get("/oruk/")
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            assert answer.json()["version"] == "HSDS 3.0"
            # the workers are the spawned processes (the supervisor also starts a
            # resource tracker, which is not one)
            # (the first worker may answer before the second has started)
            while True:
                serving = {w for w in _children(server.pid)
                           if b"spawn_main" in Path(f"/proc/{w}/cmdline").read_bytes()}
                if len(serving) >= 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert len(serving) == 2
            # the workspace the command was given reached both workers
            for _ in range(20):
                assert client.get("/oruk/services?per_page=1").json()["total_items"] == 0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_running(w) for w in serving):  # the workers stop with the supervisor
        assert time.monotonic() < deadline, "a worker outlived vrhub serve"
        time.sleep(0.2)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
