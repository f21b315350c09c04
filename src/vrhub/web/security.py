"""Security basics applied to every response: headers, request size limit, caching rules.

- Content-Security-Policy without 'unsafe-inline': scripts and styles come only from vrhub
  itself; images may also come from the configured tile server.
- HSTS, nosniff, frame-ancestors 'none' (and X-Frame-Options), a strict referrer policy.
- ``Cache-Control: no-store`` on every response except static assets and responses that set
  their own caching (public, pre-computed aggregates).
- Request bodies larger than ``settings.max_upload_bytes`` are refused with 413 before they
  are read whole.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vrhub.settings import Settings
from vrhub.web.errors import error_body


def content_security_policy(settings: Settings) -> str:
    img = ["'self'", "data:"]
    if settings.tile_url:
        parts = urlsplit(settings.tile_url.replace("{s}", "a"))
        if parts.scheme and parts.netloc:
            img.append(f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}")
    elif settings.basemap_file is not None:
        img.append("blob:")  # PMTiles tiles are drawn from blobs read out of the file
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding security headers and enforcing the body size limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_upload_bytes
        self.headers = [
            (b"content-security-policy", content_security_policy(settings).encode()),
            (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _too_large(send, self.headers)
            return
        path: str = scope.get("path", "")
        is_static = path.startswith("/static/")
        received = 0
        started = False  # the application has begun its response
        refused = False  # the 413 has been sent: nothing the application sends goes out

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # answered here, at once: the application may turn the exception into
                    # an answer of its own (a form parser's 400), which is then dropped
                    if not started and not refused:
                        refused = True
                        await _too_large(send, self.headers)
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] not in _OURS]
                headers.extend(self.headers)
                names = {h[0] for h in headers}
                if b"cache-control" not in names:
                    headers.append(
                        (b"cache-control",
                         b"public, max-age=86400" if is_static else b"no-store")
                    )
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if not refused:  # the response had begun before the body ran over
                raise


class _BodyTooLarge(Exception):
    pass


_OURS = {
    b"content-security-policy", b"strict-transport-security", b"x-content-type-options",
    b"x-frame-options", b"referrer-policy", b"permissions-policy", b"cross-origin-opener-policy",
}


async def _too_large(send: Send, headers: list[tuple[bytes, bytes]]) -> None:
    import json

    body = json.dumps(
        error_body("payload_too_large", "the request body is larger than this server accepts")
    ).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store"),
                    (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})
