"""Sign-in, sign-out and the account page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vrhub.access.oidc import PendingLogin
from vrhub.access.principal import Principal
from vrhub.access.roles import ROLE_ACTIONS, TOKEN_SCOPES
from vrhub.access.services import TOKEN_VARIABLE
from vrhub.access.tokens import MAX_LIFETIME_DAYS, TokenView
from vrhub.errors import AuthenticationRequired, RateLimited, UserError
from vrhub.web.csrf import require_csrf
from vrhub.web.data import area_directory
from vrhub.web.deps import (
    access,
    client_address,
    current_principal,
    end_session,
    session_key,
    start_session,
)
from vrhub.web.navigation import render_page
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
            start_session(request, principal, method=f"single sign-on ({provider})")
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


def _account(request: Request, principal: Principal, *, status_code: int = 200,
             message: str | None = None, errors: dict[str, str] | None = None,
             new_token: tuple[str, TokenView] | None = None,
             form: dict[str, Any] | None = None) -> HTMLResponse:
    """The account page: who you are (boroughs and sites by name), your password, and
    your API tokens (made, listed and revoked here; a new token is shown once)."""
    directory = area_directory(request)
    tokens = access(request).tokens.list(principal, principal.email)
    sessions = access(request).browser_sessions.list(principal, session_key(request))
    possible = sorted(a.value for a in TOKEN_SCOPES & ROLE_ACTIONS[principal.role])
    return render_page(
        request, "pages/account.html", principal, status_code=status_code,
        page_title="Your account", message=message, errors=errors or {},
        boroughs=[directory.borough_label(b) for b in sorted(
            principal.boroughs, key=directory.borough_name)],
        sites=[directory.site_label(s) for s in sorted(principal.sites,
                                                        key=directory.site_name)],
        icbs=[f"{directory.icbs[c].name} ({c})" if c in directory.icbs else c
              for c in sorted(principal.icbs)],
        tokens=tokens, sessions=sessions, scopes=possible, scope_labels=SCOPE_LABELS,
        new_token=new_token,
        form=form or {"name": "", "days": "", "scopes": possible},
        default_days=request.app.state.settings.token_lifetime_days,
        max_days=MAX_LIFETIME_DAYS, api_base=str(request.base_url).rstrip("/"),
        token_variable=TOKEN_VARIABLE)


SCOPE_LABELS = {
    "read_records": "Read records (one record at a time)",
    "search_records": "Search records",
    "export_records": "Export records",
    "read_aggregates": "Read counts, trends and hotspots",
    "upload_istv": "Upload ED (ISTV) submissions",
    "read_istv_submission": "Read ED submissions and receipts",
    "read_quality": "Read data quality reports",
    "read_audit": "Read the audit trail",
}


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request,
                 principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    if principal.is_public:  # audited, and a browser is sent to sign in
        raise AuthenticationRequired("sign in to see your account", hint="go to /sign-in")
    return _account(request, principal)


@router.post("/account/password", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def change_password(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if principal.is_public:  # audited, and a browser is sent to sign in
        raise AuthenticationRequired("sign in to see your account", hint="go to /sign-in")
    try:
        access(request).identity.change_password(principal, current, new)
    except UserError as exc:
        return _account(request, principal, status_code=400,
                        errors={"new": str(exc.message[0].upper() + exc.message[1:])})
    # the change ended every session of the account, this one too: this browser carries on
    # in a new one, and any copy of the old cookie is refused
    start_session(request, principal)
    return _account(request, principal, message="Your password has been changed. You are "
                    "signed out everywhere else.")


@router.post("/account/tokens", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
async def create_token(request: Request,
                       principal: Annotated[Principal, Depends(current_principal)],
                       ) -> Response:
    """Make an API token for yourself; it is shown once, on the page this returns."""
    if principal.is_public:  # audited, and a browser is sent to sign in
        raise AuthenticationRequired("sign in to see your account", hint="go to /sign-in")
    form = await request.form()
    name = str(form.get("name") or "").strip()[:100]
    days_text = str(form.get("days") or "").strip()
    scopes = [str(s) for s in form.getlist("scopes")]
    errors: dict[str, str] = {}
    if not name:
        errors["token-name"] = "Enter what the token is for, for example 'weekly report'"
    days: int | None = None
    if days_text:
        if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_LIFETIME_DAYS:
            errors["token-days"] = (f"Enter a number of days from 1 to {MAX_LIFETIME_DAYS}, "
                                    "or leave it empty for the default")
        else:
            days = int(days_text)
    if not scopes:
        errors["token-scopes"] = "Choose at least one thing the token may do"
    kept = {"name": name, "days": days_text, "scopes": scopes}
    if errors:
        return await run_in_threadpool(_account, request, principal, status_code=400,
                                       errors=errors, form=kept)

    def make() -> Response:
        try:
            created = access(request).tokens.create(principal, principal.email, name,
                                                    scopes=scopes, lifetime_days=days)
        except UserError as exc:
            return _account(request, principal, status_code=400, form=kept,
                            errors={"token-scopes": exc.message[0].upper() + exc.message[1:]})
        return _account(request, principal, new_token=created)

    return await run_in_threadpool(make)


@router.post("/account/tokens/{prefix}/revoke", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def revoke_token(request: Request, prefix: str,
                 principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    if principal.is_public:  # audited, and a browser is sent to sign in
        raise AuthenticationRequired("sign in to see your account", hint="go to /sign-in")
    view = access(request).tokens.revoke(principal, principal.email, prefix)
    return _account(request, principal,
                    message=f"Token {view.prefix} ({view.name}) is revoked: it no longer "
                            "works.")


@router.post("/account/sessions/{session_id}/end", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def end_own_session(request: Request, session_id: int,
                    principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    """End one of your own sessions (another browser, a lost phone)."""
    if principal.is_public:  # audited, and a browser is sent to sign in
        raise AuthenticationRequired("sign in to see your account", hint="go to /sign-in")
    access(request).browser_sessions.revoke(principal, session_id)
    if not any(s.current for s in access(request).browser_sessions.list(
            principal, session_key(request))):
        request.session.clear()  # that was this browser's own session
        return RedirectResponse("/", status_code=303)
    return _account(request, principal, message="That session has ended: it is signed out.")
