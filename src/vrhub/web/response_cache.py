"""Heavy aggregate responses, computed once per question and per state of the data.

An aggregate (counts, trends, hotspots, near-repeat) is a pure function of the request's
path and query, the caller's scope and what the warehouse holds. So its JSON body is kept
in memory under that key (least recently used first out, bounded in bytes) and served
again until the warehouse changes; the same key, hashed, is the response's ``ETag``, so a
client that already holds the body gets ``304 Not Modified``.

Access is always checked (and audited) by the endpoint *before* it asks this cache, so a
cached body is only ever served to a caller who may see it, and the key holds the caller's
scope, so it is only ever served within the scope it was computed for. Pages of
record-level search results are kept here too (:func:`memory_cached_response`), but only
in this process's memory: they are sent with ``Cache-Control: no-store`` and no ``ETag``,
and every request still goes through the policy check and writes its audit event.

When several processes serve one address and Redis is configured (``VRHUB_REDIS_URL``),
aggregate answers are kept there too, so one process's answer serves them all
(:class:`SharedResponseCache`); record-level and private answers stay in each process.

When many clients ask the same new question at once, one of them computes the answer and
the others wait for it, rather than all computing it side by side. When many ask new
questions at once, only a few answers are computed at a time (:class:`Flights`,
``VRHUB_ANSWER_THREADS``, three a processor by default): the rest wait their turn, so the
first asked are answered first instead of all sharing the processors and all finishing
late. A kept body of 1 kB or more is also kept gzip-compressed (once), and sent so to
clients that accept it.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from vrhub.settings import three_a_processor
from vrhub.shared_store import SharedStore
from vrhub.web.data import data_version

log = logging.getLogger("vrhub.web")

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
JSON = "application/json"


COMPRESS_FROM = 1024  # bytes: smaller bodies are sent as they are


@dataclass(frozen=True)
class Cached:
    etag: str
    body: bytes
    media_type: str
    compressed: bytes | None = None  # gzip of body, made once when the answer is kept

    @classmethod
    def of(cls, etag: str, value: Any, media_type: str) -> Cached:
        """``value`` as JSON: a response model by its own serialiser (a quarter of the
        time of dumping it to Python values first and encoding those), anything else
        JSON-ready with :func:`json.dumps`. Either way compact, UTF-8, never ``NaN``."""
        if isinstance(value, BaseModel):
            return cls.of_bytes(etag, value.__pydantic_serializer__.to_json(value),
                                media_type)
        return cls.of_bytes(etag, json.dumps(value, ensure_ascii=False, allow_nan=False,
                                             separators=(",", ":")).encode(), media_type)

    @classmethod
    def of_bytes(cls, etag: str, body: bytes, media_type: str) -> Cached:
        compressed = (gzip.compress(body, compresslevel=6, mtime=0)
                      if len(body) >= COMPRESS_FROM else None)
        return cls(etag, body, media_type, compressed)

    def size(self) -> int:
        return len(self.body) + len(self.compressed or b"")

    def response(self, request: Request, headers: dict[str, str]) -> Response:
        """The body, gzip-compressed when it was worth compressing and the client accepts
        it (that form has its own ETag)."""
        if self.compressed is None:
            return Response(self.body, media_type=self.media_type, headers=headers)
        headers = {**headers, "vary": "Accept-Encoding"}
        if not accepts_gzip(request):
            return Response(self.body, media_type=self.media_type, headers=headers)
        if "etag" in headers:
            headers["etag"] = gzip_etag(headers["etag"])
        return Response(self.compressed, media_type=self.media_type,
                        headers={**headers, "content-encoding": "gzip"})


def accepts_gzip(request: Request) -> bool:
    accepted = request.headers.get("accept-encoding", "")
    return any(part.split(";")[0].strip() == "gzip" for part in accepted.split(","))


def gzip_etag(etag: str) -> str:
    return etag[:-1] + '-gz"'


class ResponseCache:
    """A thread-safe, byte-bounded LRU of response bodies with one builder per key."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Cached] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._builders: dict[str, threading.Lock] = {}

    def get(self, key: str) -> Cached | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def get_or_build(self, key: str, build: Callable[[], Cached]) -> Cached:
        entry = self.get(key)
        if entry is not None:
            return entry
        with self._lock:
            builder = self._builders.setdefault(key, threading.Lock())
        with builder:
            entry = self.get(key)  # built by another request while this one waited
            if entry is not None:
                return entry
            try:
                entry = build()
                self._put(key, entry)
            finally:  # kept (or failed) before the next asker can take a new builder
                with self._lock:
                    self._builders.pop(key, None)
            return entry

    def _put(self, key: str, entry: Cached) -> None:
        size = entry.size()
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old.size()
            self._entries[key] = entry
            self._size += size
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= evicted.size()


class SharedResponseCache:
    """Aggregate answers kept in Redis as well (``VRHUB_REDIS_URL``), so that what one
    process computed the others serve: this process's memory is asked first, then Redis,
    then the answer is built (one builder per key in this process) and kept in both, in
    Redis for :attr:`KEEP_SECONDS` (the key holds the warehouse's state, so a kept answer
    is never stale). Redis out of reach only costs a computation: the answer is built and
    kept here. Record-level answers never come here (:func:`memory_cached_response`)."""

    KEEP_SECONDS = 3600

    def __init__(self, store: SharedStore, local: ResponseCache) -> None:
        self.store = store
        self.local = local

    def get(self, key: str) -> Cached | None:
        """From this process's memory only (no trip to Redis on the event loop)."""
        return self.local.get(key)

    def get_or_build(self, key: str, build: Callable[[], Cached]) -> Cached:
        def fetched_or_built() -> Cached:
            found = self._fetch(key)
            if found is not None:
                return found
            made = build()
            self._keep(key, made)
            return made

        return self.local.get_or_build(key, fetched_or_built)

    def _fetch(self, key: str) -> Cached | None:
        import redis

        try:
            etag, body, media, compressed = self.store.client.hmget(
                self.store.key("answer", key), ["e", "b", "m", "c"])
        except redis.RedisError as exc:
            log.warning("shared answer cache not read: %s", type(exc).__name__)
            return None
        if body is None or etag is None or media is None:
            return None
        return Cached(etag.decode(), body, media.decode(), compressed or None)

    def _keep(self, key: str, entry: Cached) -> None:
        import redis

        name = self.store.key("answer", key)
        try:
            with self.store.client.pipeline() as pipe:
                pipe.hset(name, mapping={"e": entry.etag, "b": entry.body,
                                         "m": entry.media_type,
                                         "c": entry.compressed or b""})
                pipe.expire(name, self.KEEP_SECONDS)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("shared answer cache not written: %s", type(exc).__name__)


def cache_of(request: Request) -> ResponseCache:
    """This process's cache (in memory only: for private and record-level answers)."""
    state = request.app.state
    cache = getattr(state, "response_cache", None)
    if cache is None:
        cache = state.response_cache = ResponseCache()
    return cache


def shared_cache_of(request: Request) -> ResponseCache | SharedResponseCache:
    """The cache of aggregate answers: shared through Redis when one is configured."""
    state = request.app.state
    store: SharedStore | None = getattr(state, "shared_store", None)
    if store is None:
        return cache_of(request)
    shared = getattr(state, "shared_response_cache", None)
    if shared is None:
        shared = state.shared_response_cache = SharedResponseCache(store, cache_of(request))
    return shared


def response_key(request: Request, scope: dict[str, Any] | None) -> str:
    """What the answer depends on: path, query, the caller's scope, the warehouse state.

    The query is taken as sent (the same parameters in another order make another key,
    which costs a second computation, never a wrong answer)."""
    digest = hashlib.sha256(request.scope["path"].encode())
    digest.update(b"?" + request.scope["query_string"] + b"\0")
    digest.update(json.dumps(scope, default=str, sort_keys=True).encode() + b"\0")
    digest.update(data_version(request).encode())
    return digest.hexdigest()[:32]


def not_modified(request: Request, etag: str, cache_control: str) -> Response | None:
    """``304`` when the client's ``If-None-Match`` already names ``etag`` (or the ETag of
    its gzip-compressed form)."""
    given = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",")}
    for tag in (etag, gzip_etag(etag)):
        if tag in tags or given.strip() == "*":
            return Response(status_code=304, headers={"etag": tag,
                                                      "cache-control": cache_control})
    return None


async def cached_response(request: Request, scope: dict[str, Any] | None,
                          build: Callable[[], Any], *, cache_control: str,
                          media_type: str = JSON) -> Response:
    """The response model or JSON-ready value ``build()`` returns, as a response computed
    at most once per key; ``304`` when the client already has it. A kept answer is served
    without leaving the event loop; ``build`` (which queries) runs in the thread pool."""
    key = response_key(request, scope)
    etag = f'"{key}"'
    unchanged = not_modified(request, etag, cache_control)
    if unchanged is not None:
        return unchanged

    def make() -> Cached:
        return Cached.of(etag, build(), media_type)

    entry = await _entry(request, key, make, shared_cache_of(request))
    return entry.response(request, {"etag": entry.etag, "cache-control": cache_control})


async def memory_cached_response(request: Request, scope: dict[str, Any] | None,
                                 build: Callable[[], Any]) -> Response:
    """Like :func:`cached_response` for record-level data: kept in memory only, sent with
    ``no-store`` (set by the security middleware) and without an ``ETag``."""
    key = "records:" + response_key(request, scope)

    def make() -> Cached:
        return Cached.of("", build(), JSON)

    entry = await _entry(request, key, make, cache_of(request))
    return entry.response(request, {})


async def _entry(request: Request, key: str, make: Callable[[], Cached],
                 cache: ResponseCache | SharedResponseCache) -> Cached:
    entry = cache.get(key)
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.cache_lookup(hit=entry is not None)
    if entry is None:
        entry = await _flights_of(request).build(key, cache, make)
    return entry


class Flights:
    """The answers being computed for requests on this process's event loop: one
    computation per key, and at most ``width`` at a time (by default three a processor,
    at least 4: :attr:`vrhub.settings.Settings.resolved_answer_threads`), each in a thread
    of its own, the rest queued first come, first served. Computing an answer is partly
    Python holding the interpreter lock and partly the warehouse's query, which runs
    without it: a few more than processors keep both busy, while forty side by side would
    each take many times as long, and so would every kept answer served meanwhile. The
    queue is kept on the event loop, apart from the thread pool, so new questions waiting
    their turn never hold the threads that kept answers, access checks and audit events
    need."""

    def __init__(self, width: int | None = None) -> None:
        self.width = max(1, width if width is not None else three_a_processor())
        self._turns: anyio.CapacityLimiter | None = None
        self._flying: dict[str, asyncio.Future[Cached]] = {}

    async def build(self, key: str, cache: ResponseCache | SharedResponseCache,
                    make: Callable[[], Cached]) -> Cached:
        while True:
            flying = self._flying.get(key)
            if flying is None:
                return await self._fly(key, cache, make)
            try:
                return await asyncio.shield(flying)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not flying.cancelled() or (task is not None and task.cancelling()):
                    raise
                # the request computing it went away before its turn came: ask again

    async def _fly(self, key: str, cache: ResponseCache | SharedResponseCache,
                   make: Callable[[], Cached]) -> Cached:
        done: asyncio.Future[Cached] = asyncio.get_running_loop().create_future()
        self._flying[key] = done
        try:
            if self._turns is None:
                self._turns = anyio.CapacityLimiter(self.width)
            entry = await anyio.to_thread.run_sync(cache.get_or_build, key, make,
                                                   limiter=self._turns)
        except asyncio.CancelledError:
            done.cancel()
            raise
        except BaseException as exc:
            done.set_exception(exc)
            done.exception()  # retrieved here: only waiters, if any, raise it again
            raise
        else:
            done.set_result(entry)
            return entry
        finally:
            self._flying.pop(key, None)


def _flights_of(request: Request) -> Flights:
    """This event loop's flights (a test client may serve an app from several loops)."""
    state = request.app.state
    by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Flights] | None = getattr(
        state, "response_flights", None)
    if by_loop is None:
        by_loop = state.response_flights = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    flights = by_loop.get(loop)
    if flights is None:
        settings = getattr(state, "settings", None)
        flights = by_loop[loop] = Flights(
            settings.resolved_answer_threads if settings is not None else None)
    return flights
