"""What several processes share through Redis behaves as the in-process versions do.

Needs the Redis at 127.0.0.1:6379 (as on CI); each test uses a deployment prefix of its
own, so tests never see each other's keys."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest

from tests.async_support import run_alone
from vrhub.access.ratelimit import SlidingWindowLimiter
from vrhub.access.shared_limits import RedisUnknownAddresses, RedisWindowLimiter
from vrhub.errors import OperationalError
from vrhub.shared_store import SharedStore, connect
from vrhub.web.response_cache import Cached, ResponseCache, SharedResponseCache

REDIS = os.environ.get("VRHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def store() -> SharedStore:
    found = connect(REDIS, f"postgresql://test/{uuid.uuid4().hex}")
    yield found  # type: ignore[misc]
    for key in found.client.scan_iter(found.prefix + "*"):
        found.client.delete(key)
    found.close()


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now


def test_the_shared_window_limits_as_the_in_memory_one(store: SharedStore) -> None:
    clock = Clock()
    window = dt.timedelta(seconds=60)
    ours = RedisWindowLimiter(store, "account", 3, window, clock)
    other_process = RedisWindowLimiter(store, "account", 3, window, clock)
    reference = SlidingWindowLimiter(3, window, clock)
    steps = [0, 1, 2, 3, 30, 59, 60, 61, 62, 125]
    for second in steps:
        clock.now = dt.datetime(2026, 3, 1, 9, 0, 0) + dt.timedelta(seconds=second)
        limiter = ours if second % 2 else other_process  # alternate the processes
        assert limiter.hit("a@b.example") == reference.hit("a@b.example"), second
    assert ours.hit("someone.else@b.example") is None


def test_unknown_addresses_lock_after_failures_in_a_row(store: SharedStore) -> None:
    unknown = RedisUnknownAddresses(store, max_failures=2, lockout=dt.timedelta(minutes=15))
    start = dt.datetime(2026, 3, 1, 9, 0, 0)
    assert unknown.failure("x@y.example", start) == (None, "no such account (1 in a row)")
    until, detail = unknown.failure("x@y.example", start + dt.timedelta(seconds=1))
    assert detail == "no such account (2 in a row); locked"
    assert until == start + dt.timedelta(seconds=1, minutes=15)
    assert unknown.failure("x@y.example", start + dt.timedelta(minutes=5)) == (
        until, "no such account (locked)")
    after = start + dt.timedelta(minutes=16)
    assert unknown.failure("x@y.example", after) == (None, "no such account (1 in a row)")


def test_an_answer_built_by_one_process_is_served_by_another(store: SharedStore) -> None:
    built = []

    def build() -> Cached:
        built.append(1)
        return Cached.of('"k1"', {"count": 42, "text": "x" * 2000}, "application/json")

    first = SharedResponseCache(store, ResponseCache())
    second = SharedResponseCache(store, ResponseCache())  # another process's memory
    one = first.get_or_build("k1", build)
    assert second.get("k1") is None  # not in that process's memory yet
    two = second.get_or_build("k1", build)
    assert built == [1]
    assert (two.etag, two.body, two.media_type, two.compressed) == (
        one.etag, one.body, one.media_type, one.compressed)
    assert two.compressed is not None  # the gzip form travels too


def test_an_unreachable_redis_is_named() -> None:
    with pytest.raises(OperationalError, match="VRHUB_REDIS_URL"):
        connect("redis://127.0.0.1:1/0", "postgresql://test/x")


def test_the_shared_token_buckets_throttle_as_the_in_memory_ones(store: SharedStore) -> None:

    from vrhub.access.shared_limits import RedisTokenBuckets
    from vrhub.web.open_feed import TokenBuckets

    reference = TokenBuckets(60)  # a request a second, bursts of 12
    ours = RedisTokenBuckets(store, "oruk", 60, reference.burst)
    other_process = RedisTokenBuckets(store, "oruk", 60, reference.burst)
    start = 1_800_000_000.0

    async def steps() -> list[tuple[bool, bool, float | None, float | None]]:
        out = []
        for k, second in enumerate([0.0] * 14 + [0.5, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 40.0]):
            limiter = ours if k % 2 else other_process  # alternate the processes
            shared = await limiter.take("198.51.100.7", start + second)
            local = reference.take("198.51.100.7", start + second)
            out.append((shared is None, local is None, shared, local))
        return out

    found = run_alone(steps())
    assert [a for a, _b, _s, _l in found] == [b for _a, b, _s, _l in found]
    # 12 at once; one at 1 s; two at 3 s (two seconds refilled); one after 37 s
    assert [a for a, _b, _s, _l in found].count(True) == 12 + 1 + 2 + 1
    for _a, _b, shared, local in found:
        assert (shared is None) == (local is None)
        if shared is not None and local is not None:
            assert shared == pytest.approx(local, abs=1e-6)
    assert run_alone(ours.take("203.0.113.9", start)) is None  # another address


def test_an_unreachable_shared_bucket_is_an_operational_error() -> None:

    from vrhub.access.shared_limits import RedisTokenBuckets

    gone = SharedStore(client=None, prefix="vrhub:test:", url="redis://127.0.0.1:1/0")
    buckets = RedisTokenBuckets(gone, "oruk", 60, 12)
    with pytest.raises(OperationalError, match="shared store"):
        run_alone(buckets.take("198.51.100.7"))
