"""A polite HTTP client for official open-data servers.

- a token-bucket rate limiter (data.police.uk allows 15 requests a second);
- retries with exponential back-off on HTTP 429 and 503 and on dropped connections,
  honouring the server's ``Retry-After``;
- timeouts on every request;
- one clear :class:`~vrhub.errors.NetworkError` when the server cannot be reached at all.

Time is read and slept through a :class:`Clock`, so the limiter and the back-off are tested
on a fake clock without waiting.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from vrhub import __version__
from vrhub.errors import NetworkError, NotFound, RateLimited

USER_AGENT = f"vrhub/{__version__} (+https://github.com/vrhub)"
RETRY_STATUSES = frozenset({429, 503})
OFFLINE_HINT = (
    "vrhub fetch needs internet access; to work offline, download the files elsewhere and "
    "use `vrhub load`"
)


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class TokenBucket:
    """At most ``rate`` requests per second on average, with bursts of up to ``burst``.

    With ``burst=1`` requests are spaced ``1/rate`` seconds apart, so no one-second window
    ever holds more than ``rate`` requests.
    """

    rate: float = 15.0
    burst: int = 1
    clock: Clock = field(default_factory=SystemClock)
    _tokens: float = field(init=False)
    _stamp: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._tokens = float(self.burst)

    def acquire(self) -> None:
        """Take one token, sleeping until one is available."""
        now = self.clock.monotonic()
        if self._stamp is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens < 1:
            wait = (1 - self._tokens) / self.rate
            self.clock.sleep(wait)
            self._stamp = self.clock.monotonic()
            self._tokens = 1.0
        self._tokens -= 1


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay in seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def network_error(url: str, exc: Exception) -> NetworkError:
    reason = str(exc) or type(exc).__name__
    return NetworkError(f"could not reach {host_of(url)}: {reason}; {OFFLINE_HINT}")


class HttpClient:
    """GET/POST/stream with rate limiting, retries and clear errors.

    ``transport`` lets tests plug in an ``httpx.MockTransport``; ``clock`` a fake clock.
    """

    def __init__(
        self,
        *,
        rate: float = 15.0,
        burst: int = 1,
        retries: int = 5,
        backoff: float = 0.5,
        max_wait: float = 120.0,
        timeout: float = 30.0,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.limiter = TokenBucket(rate=rate, burst=burst, clock=self.clock)
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.requests_made = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- waiting ------------------------------------------------------------------------
    def wait_before_retry(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Sleep before retry ``attempt`` (0-based): the server's Retry-After if it gave one,
        else exponential back-off; capped at ``max_wait``. Returns the seconds slept."""
        delay = self.backoff * (2**attempt)
        if response is not None:
            hinted = retry_after_seconds(response.headers.get("Retry-After"))
            if hinted is not None:
                delay = hinted
        delay = min(delay, self.max_wait)
        self.clock.sleep(delay)
        return delay

    # -- requests -----------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """One request with retries; the body is read. Raises NetworkError, NotFound or
        RateLimited; statuses in ``ok_statuses`` are returned instead of raised."""
        for attempt in range(self.retries + 1):
            self.limiter.acquire()
            self.requests_made += 1
            try:
                response = self._client.request(method, url, params=params, data=data,
                                                headers=headers)
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                raise network_error(url, exc) from None
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if attempt >= self.retries:
                    raise network_error(url, exc) from None
                self.wait_before_retry(attempt)
                continue
            if response.status_code in retry_statuses and attempt < self.retries:
                self.wait_before_retry(attempt, response)
                continue
            if response.status_code in ok_statuses:
                return response
            raise_for_status(response, url)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None) -> Any:
        response = self.request("GET", url, params=params)
        try:
            return response.json()
        except ValueError:
            raise NetworkError(
                f"{host_of(url)} answered {url} with something that is not JSON",
                hint="check the base URL setting (e.g. VRHUB_POLICE_API_URL)",
            ) from None

    @contextmanager
    def stream(self, url: str, *, headers: Mapping[str, str] | None = None
               ) -> Iterator[httpx.Response]:
        """A streamed GET (for downloads), retried on 429/503 before any byte is read.
        Errors while reading the body are the caller's to handle (to resume)."""
        for attempt in range(self.retries + 1):
            self.limiter.acquire()
            self.requests_made += 1
            try:
                request = self._client.build_request("GET", url, headers=headers)
                response = self._client.send(request, stream=True)
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                raise network_error(url, exc) from None
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if attempt >= self.retries:
                    raise network_error(url, exc) from None
                self.wait_before_retry(attempt)
                continue
            try:
                if response.status_code in RETRY_STATUSES and attempt < self.retries:
                    self.wait_before_retry(attempt, response)
                    continue
                if response.status_code != 416:
                    raise_for_status(response, url)
                yield response
                return
            finally:
                response.close()
        raise AssertionError("unreachable")  # pragma: no cover


def raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 404:
        raise NotFound(
            f"{host_of(url)} has no file at {url} (HTTP 404)",
            hint="check the address; published files sometimes move when they are refreshed",
        )
    if status == 429:
        raise RateLimited(
            f"{host_of(url)} is still refusing requests as too frequent (HTTP 429) after "
            "several retries",
            hint="wait a few minutes and run the command again",
        )
    raise NetworkError(
        f"{host_of(url)} answered HTTP {status} for {url}",
        hint="the server may be busy or the address wrong; try again later",
    )
