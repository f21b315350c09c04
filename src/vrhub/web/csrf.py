"""CSRF protection for form posts: a per-session token, sent back in a hidden field.

API clients authenticating with a bearer token are not exposed to CSRF (browsers never
attach bearer tokens on their own), so :func:`require_csrf` checks only cookie sessions.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from vrhub.errors import PermissionDenied

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return str(token)


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for state-changing form endpoints."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise PermissionDenied(
            "the form has expired or did not come from this site",
            hint="reload the page and submit the form again",
        )
