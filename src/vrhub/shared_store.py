"""Redis, where several ``vrhub serve`` processes (or hosts) behind one address keep what
they must agree on: sign-in rate limits, the lockout of addresses that have no account,
the open directory feed's throttle (:mod:`vrhub.access.shared_limits`) and cached
aggregate answers
(:mod:`vrhub.web.response_cache`).

Configured by ``VRHUB_REDIS_URL`` (``redis://host:6379/0``; ``rediss://`` for TLS, with a
password in the URL when the server asks for one). Unset, each process keeps these in its
own memory, which is right for one process. Sessions need nothing here: they live in the
app database and every process checks them on every request.

Keys start with ``vrhub:`` and a fingerprint of the app database's address, so two
deployments may share one Redis without seeing each other's counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from vrhub.errors import OperationalError

TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class SharedStore:
    """A Redis client and the prefix of this deployment's keys."""

    client: Any  # redis.Redis
    prefix: str
    url: str = ""  # for a client of one's own (an asyncio one, on a web worker's loop)

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def close(self) -> None:
        self.client.close()


def connect(url: str, database_url: str) -> SharedStore:
    """The shared store at ``url`` (checked with a PING), for the deployment whose app
    database is ``database_url``."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                  socket_connect_timeout=TIMEOUT_SECONDS,
                                  health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise unreachable(exc) from None
    deployment = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return SharedStore(client, f"vrhub:{deployment}:", url)


def unreachable(exc: Exception) -> OperationalError:
    return OperationalError(f"the shared store (VRHUB_REDIS_URL) cannot be used: "
                            f"{type(exc).__name__}",
                            hint="check that Redis is running and that VRHUB_REDIS_URL "
                            "names it (redis://host:6379/0)")
