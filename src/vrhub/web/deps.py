"""Who is asking: the principal behind each request, resolved in one place.

Order: an ``Authorization: Bearer <token>`` header (API tokens for scripts), else the signed
session cookie of a browser sign-in, else the public principal (aggregates only). The
cookie carries only a random session key; the session must still be live in the database
(:mod:`vrhub.access.browser_sessions`: signing out, a password change, disabling or a change
of role or scope ends it), and account state (disabled, role, boroughs) is checked on every
request (through the accounts' version number, :mod:`vrhub.access.principal_cache`), so a
change by an administrator takes effect at once.
"""

from __future__ import annotations

from fastapi import Request

from vrhub.access.principal import PUBLIC, Principal
from vrhub.access.services import AccessServices
from vrhub.errors import AuthenticationRequired
from vrhub.web.refusals import note_credential

SESSION_KEY = "sid"


def access(request: Request) -> AccessServices:
    services: AccessServices = request.app.state.access
    return services


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the principal of this request (public when anonymous)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = _resolve(request)
    request.state.principal = principal
    return principal


def _resolve(request: Request) -> Principal:
    services = access(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        shown = header[7:].strip()
        note_credential(request, "bearer token " + (
            shown[:12] if shown.startswith("vrh_") else "(not a vrhub token)"))
        return services.tokens.authenticate(header[7:], channel="api",
                                            client=client_address(request))
    key = request.session.get(SESSION_KEY)
    if not key:  # no sign-in (a cookie carrying only an e-mail signs nobody in)
        return PUBLIC
    note_credential(request, "session cookie")
    channel = "api" if request.url.path.startswith("/api/") else "web"
    principal = services.browser_sessions.principal(str(key), channel=channel,
                                                    client=client_address(request))
    if principal is None:
        note_credential(request, "session cookie of an ended session")
        request.session.clear()
        return PUBLIC
    return principal


def signed_in(request: Request) -> Principal:
    """FastAPI dependency: a signed-in principal, or 401 (pages redirect to sign-in)."""
    principal = current_principal(request)
    if principal.is_public:
        raise AuthenticationRequired("sign in to see this", hint="go to /sign-in")
    return principal


def start_session(request: Request, principal: Principal, *, method: str = "password") -> None:
    """After a successful sign-in (or a password change): a fresh session, live in the
    database, with a new CSRF token, for this account."""
    key = access(request).browser_sessions.start(
        principal, client=client_address(request),
        user_agent=request.headers.get("user-agent", ""), method=method)
    request.session.clear()
    request.session[SESSION_KEY] = key


def session_key(request: Request) -> str | None:
    key = request.session.get(SESSION_KEY)
    return str(key) if key else None


def end_session(request: Request) -> None:
    """Sign out: the session ends in the database (a copy of the cookie no longer works)
    and the cookie is cleared."""
    key = session_key(request)
    if key:
        principal = current_principal(request)
        access(request).browser_sessions.end(key, principal)
    request.session.clear()
