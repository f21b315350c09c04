"""Which errors are answered with a page: a browser asking for HTML outside the API and
the open feed; every other caller keeps the JSON error shape."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from vrhub.web.page_errors import TITLES, wants_html


def request(method: str, path: str, accept: str | None) -> Request:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return Request({"type": "http", "method": method, "path": path, "query_string": b"",
                    "headers": headers})


@pytest.mark.parametrize(("method", "path", "accept", "page"), [
    ("GET", "/boroughs", "text/html,application/xhtml+xml;q=0.9", True),
    ("POST", "/upload", "text/html", True),
    ("GET", "/boroughs", "*/*", True),           # a link followed by a plain client
    ("GET", "/boroughs", None, True),
    ("POST", "/upload", "*/*", False),           # a script posting: JSON
    ("GET", "/boroughs", "application/json", False),
    ("GET", "/api/v1/records/police", "text/html", False),
    ("GET", "/oruk/services", "text/html", False),
])
def test_pages_for_browsers_json_for_the_api_and_scripts(method: str, path: str,
                                                         accept: str | None,
                                                         page: bool) -> None:
    assert wants_html(request(method, path, accept)) is page


def test_every_refusal_a_page_can_show_has_a_title() -> None:
    assert {400, 401, 403, 404, 413, 429, 503} <= set(TITLES)
    assert TITLES[404] == TITLES[405] == "Page not found"
