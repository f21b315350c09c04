"""Who is asking: the principal behind each request, resolved in one place.

Order: an ``Authorization: Bearer <token>`` header (API tokens for scripts), else the signed
session cookie of a browser sign-in, else the public principal (aggregates only). Account
state (disabled, role, boroughs) is checked on every request (through the accounts' version
number, :mod:`vrhub.access.principal_cache`), so a change by an administrator takes effect
at once.
"""

from __future__ import annotations

from fastapi import Request

from vrhub.access.principal import PUBLIC, Principal
from vrhub.access.services import AccessServices
from vrhub.errors import AuthenticationRequired

SESSION_USER = "user"


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
        return services.tokens.authenticate(header[7:], channel="api",
                                            client=client_address(request))
    email = request.session.get(SESSION_USER)
    if not email:
        return PUBLIC
    channel = "api" if request.url.path.startswith("/api/") else "web"
    principal = services.identity.session_principal(str(email), channel=channel,
                                                    client=client_address(request))
    if principal is None:
        request.session.clear()
        return PUBLIC
    return principal


def signed_in(request: Request) -> Principal:
    """FastAPI dependency: a signed-in principal, or 401 (pages redirect to sign-in)."""
    principal = current_principal(request)
    if principal.is_public:
        raise AuthenticationRequired("sign in to see this", hint="go to /sign-in")
    return principal


def start_session(request: Request, principal: Principal) -> None:
    """After a successful sign-in: a fresh session (new CSRF token) for this account."""
    request.session.clear()
    request.session[SESSION_USER] = principal.email


def end_session(request: Request) -> None:
    request.session.clear()
