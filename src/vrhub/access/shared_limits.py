"""Limits kept in Redis, so that every process behind one address counts together.

The same rules as the in-memory ones (:class:`vrhub.access.ratelimit.SlidingWindowLimiter`,
the lockout of addresses with no account in :class:`vrhub.access.identity.Identity`, and
the open directory feed's token buckets, :class:`vrhub.web.open_feed.TokenBuckets`),
each step done atomically by a short Lua script on the server, with the time taken from
the caller's clock (so tests may set it). Used when ``VRHUB_REDIS_URL`` is set
(:mod:`vrhub.shared_store`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Any

from vrhub.access.ratelimit import Clock
from vrhub.shared_store import TIMEOUT_SECONDS, SharedStore, unreachable
from vrhub.storage.appdb.base import utc_now

_EPOCH = dt.datetime(1970, 1, 1)

# KEYS[1] sorted set of hits (score: time in ms); ARGV: now, window, limit, member
_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return window - (now - tonumber(oldest[2]))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return -1
"""

# KEYS[1] hash {f: failures in a row, u: locked until (ms)}; ARGV: now, most, lockout, ttl
# returns {failures counted, locked until, 1 if it was already locked}
_UNKNOWN = """
local now = tonumber(ARGV[1])
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local u = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
if u > now then return {f, u, 1} end
f = f + 1
local counted = f
u = 0
if f >= tonumber(ARGV[2]) then u = now + tonumber(ARGV[3]); f = 0 end
redis.call('HSET', KEYS[1], 'f', f, 'u', u)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {counted, u, 0}
"""


# KEYS[1] hash {t: tokens, l: last time (ms)}; ARGV: now (ms), tokens a ms, burst, ttl (ms)
# returns the milliseconds to wait (as text: Lua numbers come back as integers), -1 if
# allowed. A clock behind the last one seen (another process's) adds nothing.
_BUCKET = """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[3])
local last = tonumber(redis.call('HGET', KEYS[1], 'l') or ARGV[1])
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local wait = -1
if tokens < 1 then wait = (1 - tokens) / rate else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'l', tostring(math.max(now, last)))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return tostring(wait)
"""


def _ms(when: dt.datetime) -> int:
    naive = when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
    return int((naive - _EPOCH) / dt.timedelta(milliseconds=1))


class RedisWindowLimiter:
    """:class:`~vrhub.access.ratelimit.SlidingWindowLimiter` with its hits in Redis."""

    def __init__(self, store: SharedStore, name: str, limit: int, window: dt.timedelta,
                 clock: Clock = utc_now) -> None:
        self.store = store
        self.name = name
        self.limit = limit
        self.window = window
        self.clock = clock
        self._script = store.client.register_script(_WINDOW)

    def hit(self, key: str) -> dt.timedelta | None:
        """Record an attempt for ``key``. None when allowed, else how long to wait."""
        now = _ms(self.clock())
        window = int(self.window / dt.timedelta(milliseconds=1))
        wait = _run(self._script, [self.store.key("limit", self.name, key)],
                    [now, window, self.limit, f"{now}:{secrets.token_hex(6)}"])
        return None if int(wait) < 0 else dt.timedelta(milliseconds=int(wait))


class RedisUnknownAddresses:
    """Failures in a row, and locks, of addresses that have no account, in Redis."""

    def __init__(self, store: SharedStore, max_failures: int, lockout: dt.timedelta) -> None:
        self.store = store
        self.max_failures = max_failures
        self.lockout = lockout
        self._script = store.client.register_script(_UNKNOWN)

    def failure(self, address: str, now: dt.datetime) -> tuple[dt.datetime | None, str]:
        """Count a failure for ``address``; (locked until, audit detail)."""
        lockout = int(self.lockout / dt.timedelta(milliseconds=1))
        remembered = max(lockout, 24 * 3600 * 1000)
        counted, until, was_locked = (int(v) for v in _run(
            self._script, [self.store.key("unknown", address)],
            [_ms(now), self.max_failures, lockout, remembered]))
        locked = _EPOCH + dt.timedelta(milliseconds=until) if until else None
        if was_locked:
            return locked, "no such account (locked)"
        detail = f"no such account ({counted} in a row)"
        return locked, (detail + "; locked") if locked else detail


def _run(script: Any, keys: list[str], args: list[Any]) -> Any:
    import redis

    try:
        return script(keys=keys, args=args)
    except redis.RedisError as exc:
        raise unreachable(exc) from None


class RedisTokenBuckets:
    """Per key, ``rate_per_minute`` requests a minute with bursts of up to ``burst``, the
    buckets in Redis (the open directory feed's throttle when several processes serve it).
    Asked from a web worker's event loop, through an asyncio client of its own made on
    first use; ``clock`` gives seconds (wall-clock time, the same in every process)."""

    def __init__(self, store: SharedStore, name: str, rate_per_minute: int, burst: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.name = name
        self.rate_ms = rate_per_minute / 60_000.0
        self.burst = float(burst)
        self.clock = clock
        self.ttl_ms = int(self.burst / self.rate_ms) + 1_000
        self._script: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def take(self, key: str, now: float | None = None) -> float | None:
        """None when allowed, else seconds to wait. :class:`OperationalError` when Redis
        cannot be asked."""
        import redis
        from redis import asyncio as aioredis

        loop = asyncio.get_running_loop()
        if self._script is None or self._loop is not loop:  # a client is bound to its loop
            client = aioredis.Redis.from_url(self.store.url, socket_timeout=TIMEOUT_SECONDS,
                                             socket_connect_timeout=TIMEOUT_SECONDS)
            self._script, self._loop = client.register_script(_BUCKET), loop
        moment = self.clock() if now is None else now
        try:
            wait = await self._script(
                keys=[self.store.key("bucket", self.name, key)],
                args=[repr(moment * 1000.0), repr(self.rate_ms), repr(self.burst),
                      self.ttl_ms])
        except redis.RedisError as exc:
            raise unreachable(exc) from None
        found = float(wait)
        return None if found < 0 else found / 1000.0
