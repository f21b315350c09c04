"""Form posts carry the session's CSRF token (hidden field or header); reads and bearer-token
calls need none; a missing or wrong token is refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from tests.async_support import run_alone
from vrhub.errors import PermissionDenied
from vrhub.web.csrf import FIELD, HEADER, SESSION_KEY, csrf_token, require_csrf

FORM = "application/x-www-form-urlencoded"


def request(method: str, session: dict[str, Any], *, headers: dict[str, str] | None = None,
            form: dict[str, str] | None = None) -> Request:
    body = urlencode(form or {}).encode()
    sent = {**({"content-type": FORM} if form is not None else {}), **(headers or {})}
    scope = {"type": "http", "method": method, "path": "/", "query_string": b"",
             "headers": [(k.encode(), v.encode()) for k, v in sent.items()],
             "session": session}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def test_a_session_keeps_one_unguessable_token() -> None:
    session: dict[str, Any] = {}
    token = csrf_token(request("GET", session))
    assert session[SESSION_KEY] == token and len(token) >= 40
    assert csrf_token(request("GET", session)) == token
    assert csrf_token(request("GET", {})) != token


def test_a_post_with_the_token_in_the_form_or_the_header_passes() -> None:
    session = {SESSION_KEY: "t0ken-of-this-session"}
    run_alone(require_csrf(request("POST", session, form={FIELD: "t0ken-of-this-session"})))
    run_alone(require_csrf(request("POST", session,
                                   headers={HEADER: "t0ken-of-this-session"})))


@pytest.mark.parametrize(("session", "form"), [
    ({SESSION_KEY: "t0ken-of-this-session"}, {FIELD: "t0ken-of-another"}),
    ({SESSION_KEY: "t0ken-of-this-session"}, {"name": "no token"}),
    ({}, {FIELD: "anything"}),  # a session that never had a form
])
def test_a_post_without_the_sessions_token_is_refused(session: dict[str, Any],
                                                     form: dict[str, str]) -> None:
    with pytest.raises(PermissionDenied, match="did not come from this site"):
        run_alone(require_csrf(request("POST", session, form=form)))


def test_reads_and_bearer_token_calls_need_no_token() -> None:
    run_alone(require_csrf(request("GET", {})))
    run_alone(require_csrf(request("HEAD", {})))
    run_alone(require_csrf(request("POST", {}, headers={"authorization": "Bearer abc"})))
    with pytest.raises(PermissionDenied):
        run_alone(require_csrf(request("POST", {}, headers={"authorization": "Basic abc"})))
