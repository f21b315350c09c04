"""Every refusal audited, whatever refused it.

Policy decisions audit themselves (their errors carry ``audited``). Everything else that
refuses a request (no, bad, revoked or expired credentials, an ended session, a failed
CSRF check, a page or form a role may not use, the metrics endpoint without its token)
is written here, once, by the error handlers: one ``request`` event, outcome ``denied``,
naming the route template (never the query, which may name a person), the error code and
the credential presented (a token's public prefix at most).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.errors import UserError
from vrhub.web.access_log import route_template

#: statuses that are refusals of the caller (not mistakes in the request)
REFUSALS = frozenset({401, 403})
CREDENTIAL = "credential"


def note_credential(request: Request, what: str) -> None:
    """Say what credential the request presented, for its refusal's event."""
    request.state.credential = what


def who(request: Request) -> Principal:
    """The principal the request was resolved to, else an anonymous caller from its
    address."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal
    channel = "api" if request.url.path.startswith("/api/") else "web"
    return Principal(email="(anonymous)", role=Role.PUBLIC, channel=channel,
                     client=request.client.host if request.client else None)


async def audit_refusal(request: Request, status: int, code: str, message: str) -> None:
    """One audit event for a refusal that no policy decision has audited."""
    if status not in REFUSALS or getattr(request.state, "refusal_audited", False):
        return
    request.state.refusal_audited = True
    credential = getattr(request.state, CREDENTIAL, None) or (
        "session cookie" if who(request).user_id is not None else "no credentials")
    resource = f"{request.method} {route_template(request.scope)}"[:200]
    await run_in_threadpool(request.app.state.access.policy.note_refusal, who(request),
                            resource, code=code, detail=f"{message} ({credential})")


async def audit_error(request: Request, exc: UserError) -> None:
    if getattr(exc, "audited", False):
        return
    await audit_refusal(request, exc.http_status, exc.code, exc.message)
