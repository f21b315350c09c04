"""Real-browser tests: Playwright drives Debian's Chromium against a live vrhub server.

- The server runs in a thread on 127.0.0.1 with its own workspace.
- Every request the page makes to another origin fails the test (no CDN, no tiles).
- ``tests.browser.support`` has ``axe_check`` (axe-core, WCAG 2.2 AA tags) and
  ``screenshot`` (saved to test-artifacts/screenshots/).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import AXE

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("VRHUB_CHROMIUM", "/usr/bin/chromium")


def _require_browser() -> None:
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing:
        message = f"browser tests need {', '.join(missing)} (install chromium; run npm ci)"
        if os.environ.get("VRHUB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server_factory() -> Iterator[Callable[[Any], LiveServer]]:
    servers: list[LiveServer] = []

    def start(app: Any) -> LiveServer:
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def page_factory(browser: Any) -> Iterator[Callable[[str], Any]]:
    """A new page whose requests to any origin but ``base_url`` fail the test."""
    contexts: list[Any] = []
    outside: list[str] = []

    def make(base_url: str) -> Any:
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        contexts.append(context)

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith(base_url) or url.startswith(("data:", "blob:", "about:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", guard)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert not outside, f"the page requested other origins: {outside}"
