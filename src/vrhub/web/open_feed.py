"""The open directory feed's rules, applied to every response under ``/oruk/``.

- Open to any web page: ``Access-Control-Allow-Origin: *`` on every answer (errors too),
  preflight ``OPTIONS`` answered here, and never ``Allow-Credentials``: the feed uses no
  cookies or tokens, so a browser has nothing to send.
- Throttled: each client address may make ``settings.oruk_rate_limit`` requests a minute
  (a token bucket, so short bursts are fine); beyond that 429 with ``Retry-After`` and
  the one JSON error shape. With ``VRHUB_REDIS_URL`` set the buckets are kept in Redis
  (:class:`vrhub.access.shared_limits.RedisTokenBuckets`), so every process behind the
  address counts together; should Redis not answer, each process throttles on its own
  meanwhile (and says so in the log, at most once a minute).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vrhub.access.shared_limits import RedisTokenBuckets
from vrhub.errors import OperationalError
from vrhub.shared_store import SharedStore
from vrhub.web.errors import error_body

log = logging.getLogger(__name__)

PREFIX = "/oruk"
CORS = [(b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
        (b"access-control-allow-headers", b"Accept, Content-Type"),
        (b"access-control-max-age", b"86400")]


class TokenBuckets:
    """Per key, ``rate`` requests a minute with bursts of up to ``burst``."""

    def __init__(self, rate: int, burst: int | None = None) -> None:
        self.rate = rate / 60.0
        self.burst = float(burst if burst is not None else max(10, rate // 5))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float | None:
        """None when allowed, else seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if now - v[1] < 120}
            return None


class OpenFeed:
    """ASGI middleware: CORS and throttling for ``/oruk/``."""

    def __init__(self, app: ASGIApp, rate_per_minute: int,
                 shared: SharedStore | None = None) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_minute)
        self.shared = (RedisTokenBuckets(shared, "oruk", rate_per_minute, self.buckets.burst)
                       if shared is not None else None)
        self._warned = -math.inf

    async def wait(self, key: str) -> float | None:
        """None when ``key`` may ask now, else seconds to wait."""
        if self.shared is not None:
            try:
                return await self.shared.take(key)
            except OperationalError as exc:
                now = time.monotonic()
                if now - self._warned >= 60:
                    self._warned = now
                    log.warning("the directory feed's shared throttle is unavailable; "
                                "each process throttles on its own: %s", exc.message)
        return self.buckets.take(key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await _answer(send, 204, b"", CORS)
            return
        client = scope.get("client")
        wait = await self.wait(client[0] if client else "unknown")
        if wait is not None:
            body = json.dumps(error_body(
                "rate_limited", "too many requests to the directory feed from this address",
                hint=f"wait {max(1, round(wait))} seconds; for bulk use, page through with "
                "per_page up to 500 or ask for format=ndjson")).encode()
            await _answer(send, 429, body, [*CORS, (b"retry-after",
                                                    str(max(1, round(wait))).encode()),
                                            (b"content-type", b"application/json")])
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", [])
                           if not h[0].startswith(b"access-control-")]
                message = {**message, "headers": [*headers, *CORS]}
            await send(message)

        await self.app(scope, receive, with_cors)


async def _answer(send: Send, status: int, body: bytes,
                  headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
