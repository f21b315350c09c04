"""Importing another organisation's Open Referral UK feed into the directory.

``vrhub directory import URL|FILE`` calls :func:`import_feed`:

1. **Read.** A URL is paged through (``/services?page=N``, following ``total_pages``); list
   items that are not fully nested are fetched one by one from ``/services/{id}`` (a few
   at a time). A file may hold a list page, a JSON array, one service, or one service per
   line (NDJSON). Every request has a timeout and is tried three times; a page that still
   cannot be read, or that is not an ORUK list, stops the import with a message naming the
   page, and **nothing is written**.
2. **Validate.** Each record is checked against the ORUK models
   (:mod:`vrhub.standards.oruk`); a record that fails is quarantined with the reasons
   (never silently dropped), as is a second record with an id already read.
3. **Merge.** A record this feed gave before (same feed id) updates it when its content
   changed and is left alone when not; a record whose id, or whose name and postcode,
   already belong to a listing kept elsewhere (a provider's own, or another feed's) is
   linked to it (provenance) without overwriting it; anything else is added, keeping the
   feed's UUID. Records this feed gave before and no longer lists are marked inactive.
4. **Record.** The import (counts and the feed's quality score,
   :mod:`vrhub.pathways.feed_quality`), every quarantined record and each record's
   provenance (feed, the feed's id, a hash of what it said, first and last seen) are
   written in the same transaction as the records. Importing the same feed again changes
   nothing but the last-seen times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import orjson

from vrhub import collector
from vrhub.errors import InputError, Location, NetworkError, UserError
from vrhub.fetch.http import HttpClient
from vrhub.pathways import feed_quality
from vrhub.pathways.directory import Directory
from vrhub.standards import oruk
from vrhub.storage import directory as store
from vrhub.storage import directory_imports as bookkeeping
from vrhub.storage import directory_reads as reads
from vrhub.storage.appdb.base import utc_now

PAGE_SIZE = 500
MAX_PAGES = 100_000
DETAIL_WORKERS = 8
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BATCH = 1000


class FeedError(UserError):
    """A feed that cannot be read (page unreachable, not JSON, not an ORUK list)."""

    exit_code = 12
    http_status = 502
    code = "feed_unreadable"


@dataclass
class RawRecord:
    page: int | None
    position: int
    data: Any


@dataclass
class ImportResult:
    import_id: int
    source: str
    pages: int
    records_read: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    withdrawn: int = 0
    quarantined: int = 0
    quality: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "import_id", "source", "pages", "records_read", "created", "updated",
            "unchanged", "merged", "withdrawn", "quarantined", "quality", "notes",
            "quarantine")}


# -- reading -----------------------------------------------------------------------------------
def services_url(url: str) -> str:
    """The feed's ``/services`` endpoint: ``url`` itself when it names it, else under it."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path = f"{path}/services"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class FeedReader:
    """Pages through an ORUK feed's services; see the module docstring."""

    def __init__(self, url: str, *, timeout: float, retries: int = 2, backoff: float = 0.5,
                 transport: httpx.BaseTransport | None = None, page_size: int = PAGE_SIZE
                 ) -> None:
        self.url = services_url(url)
        self.page_size = page_size
        self._local = threading.local()
        self._factory: Callable[[], HttpClient] = lambda: HttpClient(
            rate=200.0, burst=50, retries=retries, backoff=backoff, timeout=timeout,
            transport=transport)
        self._clients: list[HttpClient] = []
        self._lock = threading.Lock()
        self.pages_read = 0

    def _client(self) -> HttpClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def _get(self, url: str, what: str) -> Any:
        try:
            response = self._client().request("GET", url, retry_statuses=RETRY_STATUSES,
                                              headers={"Accept": "application/json"})
        except NetworkError as exc:
            raise FeedError(f"{what} could not be read: {exc.message}",
                            hint="check the address; if the feed is slow, raise "
                            "VRHUB_DIRECTORY_IMPORT_TIMEOUT_SECONDS") from None
        except UserError as exc:
            raise FeedError(f"{what} could not be read: {exc.message}",
                            hint="check the feed's address") from None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            pass  # not strict JSON: the standard library also reads NaN and Infinity
        try:
            return response.json()
        except ValueError:
            start = response.text[:60].strip().replace("\n", " ")
            raise FeedError(f"{what} is not JSON: it starts {start!r}",
                            hint="give the address of an Open Referral UK feed (its "
                            "/services endpoint or the API's root)") from None

    def records(self) -> Iterator[RawRecord]:
        number = 1
        total_pages: int | None = None
        while number <= MAX_PAGES:
            query = urlencode({"page": number, "per_page": self.page_size})
            what = f"page {number} of {self.url}"
            body = self._get(f"{self.url}?{query}", what)
            contents = _contents(body, what)
            self.pages_read += 1
            shallow = [(i, r) for i, r in enumerate(contents)
                       if isinstance(r, dict) and not oruk.is_nested(r)
                       and isinstance(r.get("id"), str)]
            details = self._details([r["id"] for _, r in shallow])
            for i, record in enumerate(contents):
                if isinstance(record, dict) and isinstance(record.get("id"), str) and \
                        record["id"] in details:
                    record = details[record["id"]]
                yield RawRecord(number, i + 1, record)
            if isinstance(body, dict):
                total_pages = _int(body.get("total_pages"), total_pages)
            if not contents or (isinstance(body, dict) and body.get("last_page") is True) \
                    or (total_pages is not None and number >= total_pages) \
                    or isinstance(body, list):
                return
            number += 1
        raise FeedError(f"{self.url} lists more than {MAX_PAGES} pages",
                        hint="check that the feed honours the page parameter")

    def _details(self, ids: list[str]) -> dict[str, Any]:
        """Fully nested records for list items that were not (``/services/{id}``); an
        item whose record cannot be read keeps its list form and is noted."""
        if not ids:
            return {}
        out: dict[str, Any] = {}

        def one(service_id: str) -> tuple[str, Any]:
            try:
                return service_id, self._get(f"{self.url}/{service_id}",
                                             f"service {service_id}")
            except FeedError as exc:
                return service_id, {"__unreadable__": exc.message}

        with ThreadPoolExecutor(max_workers=DETAIL_WORKERS) as pool:
            for service_id, record in pool.map(one, ids):
                out[service_id] = record
        return out


def _contents(body: Any, what: str) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("contents"), list):
        return list(body["contents"])
    keys = ", ".join(list(body)[:6]) if isinstance(body, dict) else type(body).__name__
    raise FeedError(f"{what} is not an ORUK list of services: no 'contents' list "
                    f"(found {keys})", hint="give the address of an Open Referral UK feed")


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def read_file(path: Path) -> list[RawRecord]:
    """Records of a JSON file (a list page, an array or one service) or NDJSON file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", Location(str(path)),
                         hint="give an ORUK feed's URL or a JSON file saved from one") from None
    except UnicodeDecodeError:
        raise InputError("not a text file (it is not UTF-8)", Location(path.name),
                         hint="give a JSON or NDJSON file of ORUK services") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as whole:
        records = []
        for row, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(RawRecord(None, row, json.loads(line)))
            except json.JSONDecodeError:
                raise InputError(f"not JSON ({whole.msg} at line {whole.lineno}) and not "
                                 f"one JSON record per line (line {row} is not JSON)",
                                 Location(path.name, row=row, value=line[:40]),
                                 hint="give a JSON or NDJSON file of ORUK services"
                                 ) from None
        return records
    if isinstance(body, dict) and "contents" not in body and "id" in body:
        return [RawRecord(None, 1, body)]
    return [RawRecord(None, i + 1, r) for i, r in enumerate(_contents(body, path.name))]


# -- merging -----------------------------------------------------------------------------------
def content_hash(record: Any) -> str:
    """SHA-256 of ``record`` as compact JSON with sorted keys (UTF-8)."""
    try:
        text = orjson.dumps(record, option=orjson.OPT_SORT_KEYS, default=str)
    except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits
        text = json.dumps(record, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str).encode()
    return hashlib.sha256(text).hexdigest()


def name_key(service: oruk.Service) -> tuple[str, str] | None:
    """(normalised name, postcode) of a service's first located address, if any."""
    for sal in service.service_at_locations:
        for address in (sal.location.addresses if sal.location else []):
            if address.postal_code:
                return (" ".join(service.name.lower().split()),
                        address.postal_code.replace(" ", "").upper())
    return None


def import_feed(directory: Directory, source: str, *, timeout: float = 20.0,
                name: str | None = None, transport: httpx.BaseTransport | None = None,
                backoff: float = 0.5) -> ImportResult:
    """Import the ORUK feed at ``source`` (a URL or a file); see the module docstring."""
    is_url = urlsplit(source).scheme in ("http", "https")
    key = services_url(source) if is_url else str(Path(source).resolve())
    with collector.paused():  # a feed's records hold no reference cycles
        return _import(directory, source, key, is_url, name=name or key, timeout=timeout,
                       transport=transport, backoff=backoff)


def _import(directory: Directory, source: str, key: str, is_url: bool, *, name: str,
            timeout: float, transport: httpx.BaseTransport | None, backoff: float
            ) -> ImportResult:
    if is_url:
        reader = FeedReader(source, timeout=timeout, transport=transport, backoff=backoff)
        try:
            raw = list(reader.records())
        finally:
            reader.close()
        pages = reader.pages_read
    else:
        raw = read_file(Path(source))
        pages = 1
    return _merge(directory, key, name, raw, pages)


def _merge(directory: Directory, key: str, name: str, raw: list[RawRecord], pages: int
           ) -> ImportResult:
    now = utc_now()
    quarantine: list[dict[str, Any]] = []
    with directory.sessions() as session, session.begin():
        feed = bookkeeping.ensure_feed(session, key, name)
        given = reads.provenance_of_feed(session, feed.id)
        origins = reads.service_origins(session)
        by_name = reads.service_keys(session)
        # a record this feed gave before, unchanged, and still kept as its import, is not
        # validated again: it was valid when it was stored
        kept = {ext: rid for ext, (rid, _h) in given.items()
                if origins.get(rid) == ("import", feed.id)}
        valid: list[tuple[RawRecord, oruk.Service | None, str, str]] = []
        seen: dict[str, RawRecord] = {}
        for item in raw:
            where = (f"page {item.page}, record {item.position}" if item.page is not None
                     else f"record {item.position}")
            data = item.data
            if isinstance(data, dict) and "__unreadable__" in data:
                quarantine.append(_q(item, data, f"{where}: {data['__unreadable__']}"))
                continue
            digest = content_hash(data)
            external = str(data.get("id", "")).strip().lower() if isinstance(data, dict) \
                else ""
            service: oruk.Service | None = None
            if not (external in kept and given[external][1] == digest):
                try:
                    service = oruk.validate_service(data)
                except ValueError as exc:
                    quarantine.append(_q(item, data, f"{where}: {exc}"))
                    continue
                external = service.id
            if external in seen:
                first = seen[external]
                quarantine.append(_q(item, data, f"{where}: id {external} was already read "
                                     f"at {'page ' + str(first.page) + ', ' if first.page else ''}"
                                     f"record {first.position}"))
                continue
            seen[external] = item
            valid.append((item, service, digest, external))
        quality = feed_quality.score([v[0].data for v in valid], invalid=len(quarantine))
        job = bookkeeping.start_import(session, feed.id, now)
        result = ImportResult(job.id, key, pages, len(raw), quality=quality.to_dict())
        writes: list[tuple[oruk.Service, store.Stewardship, tuple[str, ...]]] = []
        provenance: list[dict[str, Any]] = []
        listed: set[str] = set()
        for _item, service, digest, external in valid:
            if service is None:  # unchanged since this feed gave it
                result.unchanged += 1
                target = kept[external]
            else:
                found = _target(service, feed.id, given, origins, by_name)
                if found is None:  # new
                    result.created += 1
                    writes.append((service, _keeper(feed.id, service, now), ()))
                    target = service.id
                elif kept.get(external) == found:
                    result.updated += 1
                    writes.append((service.model_copy(update={"id": found}),
                                   _keeper(feed.id, service, now), ()))
                    target = found
                else:
                    result.merged += 1
                    target = found
                name_ = name_key(service)
                if name_ is not None:
                    by_name.setdefault(name_, (target, "import", feed.id))
                origins.setdefault(target, ("import", feed.id))
            listed.add(target)
            provenance.append({"record_id": target, "external_id": external,
                               "content_hash": digest})
        for start in range(0, len(writes), BATCH):
            notes = directory.save_many(session, writes[start:start + BATCH])
            for (service, _, _), record_notes in zip(writes[start:start + BATCH], notes,
                                                     strict=True):
                result.notes.extend(f"{service.name}: {n}" for n in record_notes)
        gone = [record_id for _ext, (record_id, _h) in given.items()
                if record_id not in listed and origins.get(record_id) == ("import", feed.id)]
        result.withdrawn = bookkeeping.withdraw(session, gone)
        if result.withdrawn:
            directory.changed(session)
        bookkeeping.record_provenance(session, feed.id, job.id, provenance, now)
        result.quarantined = len(quarantine)
        result.quarantine = quarantine
        bookkeeping.finish_import(session, job, result.to_dict(), quarantine)
    return result


def _target(service: oruk.Service, feed_id: int, given: dict[str, tuple[str, str]],
            origins: dict[str, tuple[str, int | None]],
            by_name: dict[tuple[str, str], tuple[str, str, int | None]]) -> str | None:
    """The stored record ``service`` is (None: new)."""
    if service.id in given and given[service.id][0] in origins:
        return given[service.id][0]
    if service.id in origins:
        return service.id
    key = name_key(service)
    if key is not None and key in by_name:
        return by_name[key][0]
    return None


def _keeper(feed_id: int, service: oruk.Service, now: dt.datetime) -> store.Stewardship:
    modified = None
    if service.last_modified:
        try:
            parsed = dt.datetime.fromisoformat(service.last_modified.replace("Z", "+00:00"))
            modified = parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo \
                else parsed
        except ValueError:
            modified = None
    return store.Stewardship(origin="import", feed_id=feed_id,
                             last_modified=min(modified, now) if modified else now)


def _q(item: RawRecord, data: Any, reason: str) -> dict[str, Any]:
    record_id = data.get("id") if isinstance(data, dict) else None
    name = data.get("name") if isinstance(data, dict) else None
    return {"page": item.page, "position": item.position,
            "record_id": str(record_id)[:200] if record_id is not None else None,
            "name": str(name)[:300] if name is not None else None, "reason": reason}


