"""Sign-in, sign-out and the account page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.oidc import PendingLogin
from vrhub.access.principal import Principal
from vrhub.errors import AuthenticationRequired, RateLimited, UserError
from vrhub.web.csrf import require_csrf
from vrhub.web.deps import access, client_address, current_principal, end_session, start_session
from vrhub.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the overview."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


PENDING_SSO = "sso_pending"
NEXT_AFTER_SSO = "sso_next"


def _providers(request: Request) -> list[tuple[str, str]]:
    return [(p.name, p.label or p.name) for p in access(request).oidc.providers.values()]


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "pages/sign_in.html", page_title="Sign in",
                  next=_safe_next(next), errors={}, email="", providers=_providers(request))


@router.get("/sign-in/sso/{provider}")
def sso_begin(request: Request, provider: str, next: str | None = None) -> Response:
    """Send the browser to the organisation's identity provider (PKCE, state, nonce)."""
    redirect_uri = str(request.url_for("sso_callback", provider=provider))
    url, pending = access(request).oidc.begin_login(provider, redirect_uri)
    request.session[PENDING_SSO] = pending.to_dict()
    request.session[NEXT_AFTER_SSO] = _safe_next(next)
    return RedirectResponse(url, status_code=303)


@router.get("/sign-in/sso/{provider}/callback", name="sso_callback")
def sso_callback(request: Request, provider: str, code: str = "", state: str = "",
                 error: str | None = None) -> Response:
    """The identity provider's answer: validated, mapped to a role, one audit event."""
    raw = request.session.pop(PENDING_SSO, None)
    target = _safe_next(request.session.pop(NEXT_AFTER_SSO, "/"))
    problem = None
    if error:
        problem = "Your organisation's sign-in service did not sign you in"
    elif not isinstance(raw, dict) or raw.get("provider") != provider:
        problem = "This sign-in was not started in this browser: start again"
    else:
        try:
            principal = access(request).oidc.complete_login(
                PendingLogin.from_dict(raw), code=code, state=state,
                client=client_address(request), channel="web")
        except UserError as exc:
            problem = exc.message[0].upper() + exc.message[1:]
        else:
            start_session(request, principal)
            return RedirectResponse(target, status_code=303)
    return render(request, "pages/sign_in.html", status_code=400, page_title="Sign in",
                  next=target, errors={"sso": problem}, email="",
                  providers=_providers(request))


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105
    if not errors:
        try:
            principal = access(request).identity.sign_in(
                email, password, client=client_address(request), channel="web"
            )
        except (AuthenticationRequired, RateLimited) as exc:
            errors["password"] = str(exc.message[0].upper() + exc.message[1:])
        else:
            start_session(request, principal)
            return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "pages/sign_in.html", status_code=400, page_title="Sign in",
                  next=_safe_next(next), errors=errors, email=email,
                  providers=_providers(request))


@router.post("/sign-out", dependencies=[Depends(require_csrf)])
def sign_out(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request,
                 principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    if principal.is_public:
        return RedirectResponse("/sign-in?next=/account", status_code=303)
    return render(request, "pages/account.html", page_title="Your account",
                  principal=principal, message=None, errors={})


@router.post("/account/password", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def change_password(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if principal.is_public:
        return RedirectResponse("/sign-in?next=/account", status_code=303)
    try:
        access(request).identity.change_password(principal, current, new)
    except UserError as exc:
        return render(request, "pages/account.html", status_code=400,
                      page_title="Your account", principal=principal, message=None,
                      errors={"new": str(exc.message[0].upper() + exc.message[1:])})
    return render(request, "pages/account.html", page_title="Your account",
                  principal=principal, message="Your password has been changed.", errors={})
