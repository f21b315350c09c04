"""Searching the directory: an index kept in memory, answered with array operations.

The index is built from the stored directory (:func:`vrhub.storage.directory_reads.
index_rows`) and holds, per service, its status, ages, cost, organisation, last change,
terms, the points of its places (British National Grid), its weekly opening hours and
the boroughs it serves; and an inverted index of the words of its name, description,
organisation and categories. A query is a handful of boolean masks over these arrays;
distances are computed for every place at once and the nearest place of each service
kept. Each service's list-item JSON is rendered once, when the index is built.

The same query serves the ORUK API (``/oruk/services``), the public search page and
curators' lists, so a result is computed one way everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import unicodedata
from bisect import bisect_left
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from vrhub.standards.oruk import WEEKDAYS
from vrhub.storage.directory_reads import DirectoryRows

_WORD = re.compile(r"[a-z0-9]+")
STATUS_CODES = {"active": 0, "inactive": 1, "defunct": 2, "temporarily closed": 3}


def words(text: str | None) -> list[str]:
    """Lower-case words of ``text`` with accents removed ('Café' -> 'cafe')."""
    if not text:
        return []
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(plain)


def minutes(value: str | None) -> int | None:
    """'09:30' -> 570; None for anything that is not a time of day."""
    if not value:
        return None
    parts = value.split(":")
    try:
        hours, mins = int(parts[0]), int(parts[1][:2]) if len(parts) > 1 else 0
    except ValueError:
        return None
    if 0 <= hours <= 24 and 0 <= mins < 60:
        return hours * 60 + mins
    return None


@dataclass(frozen=True)
class SearchQuery:
    """What is asked. Every filter is optional; all given filters must hold."""

    text: str | None = None
    term_ids: tuple[str, ...] = ()
    taxonomy_id: str | None = None
    organisation_id: str | None = None
    modified_after: dt.datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: str | None = None  # MO..SU
    start_time: int | None = None  # minutes after midnight
    end_time: int | None = None
    centre: tuple[float, float] | None = None  # easting, northing
    centre_borough: str | None = None
    proximity: float | None = None  # metres from centre
    borough: str | None = None  # located in or serving this borough
    free_only: bool = False
    statuses: tuple[str, ...] | None = None  # None: any status
    owner_code: str | None = None


@dataclass(frozen=True)
class Hit:
    position: int
    service_id: str
    distance: float | None
    place: int | None  # position of the nearest place in DirectoryIndex.place_*


@dataclass
class DirectoryIndex:
    """The directory in arrays (see the module docstring). Build with :func:`build`."""

    version: int
    ids: list[str]
    names: list[str]
    status: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    free: np.ndarray
    modified: np.ndarray  # datetime64[us]
    organisation: np.ndarray  # object: organisation id
    owner: np.ndarray  # object: owner code or None
    reviewed: np.ndarray  # datetime64[us], NaT when never reviewed
    created: np.ndarray
    position: dict[str, int]
    vocabulary: list[str]
    postings: list[np.ndarray]
    term_services: dict[str, np.ndarray]
    taxonomy_services: dict[str, np.ndarray]
    children: dict[str, list[str]]
    place_ids: list[str]
    place_service: np.ndarray
    place_location: list[str]
    place_x: np.ndarray
    place_y: np.ndarray
    place_borough: np.ndarray
    place_postcode: list[str | None]
    place_name: list[str | None]
    schedule_service: np.ndarray
    schedule_days: np.ndarray  # bit i set: open on WEEKDAYS[i]
    schedule_opens: np.ndarray  # minutes, -1 unknown
    schedule_closes: np.ndarray
    area_borough: dict[str, np.ndarray]
    items: list[bytes] = field(default_factory=list)  # list-item JSON per service
    _pages: OrderedDict[Hashable, bytes] = field(default_factory=OrderedDict, repr=False,
                                                 compare=False)
    _pages_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                        compare=False)

    #: rendered pages kept per index (the most recently asked first to stay)
    PAGES_KEPT: ClassVar[int] = 256

    def __len__(self) -> int:
        return len(self.ids)

    def page(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The rendered page ``key`` (a query and its paging), rendered by ``render`` the
        first time it is asked of this index. The index is rebuilt when the directory
        changes, and its pages go with it: a page is never older than the index."""
        with self._pages_lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        body = render()
        with self._pages_lock:
            self._pages[key] = body
            while len(self._pages) > self.PAGES_KEPT:
                self._pages.popitem(last=False)
        return body

    # -- querying ------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> Found:
        """Matching services: nearest first when a centre is given, else by name."""
        n = len(self.ids)
        mask = np.ones(n, dtype=bool)
        if query.statuses is not None:
            codes = [STATUS_CODES[s] for s in query.statuses if s in STATUS_CODES]
            mask &= np.isin(self.status, codes)
        if query.free_only:
            mask &= self.free
        if query.organisation_id:
            mask &= self.organisation == query.organisation_id
        if query.owner_code is not None:
            mask &= self.owner == query.owner_code
        if query.modified_after is not None:
            mask &= self.modified >= np.datetime64(query.modified_after.replace(tzinfo=None),
                                                   "us")
        if query.minimum_age is not None:  # the service takes someone this old or older
            mask &= np.isnan(self.max_age) | (self.max_age >= query.minimum_age)
        if query.maximum_age is not None:
            mask &= np.isnan(self.min_age) | (self.min_age <= query.maximum_age)
        if query.term_ids:
            mask &= self._any_term(query.term_ids)
        if query.taxonomy_id:
            mask &= self._select(self.taxonomy_services.get(query.taxonomy_id))
        if query.text:
            for word in words(query.text):
                mask &= self._word(word)
        if query.day or query.start_time is not None or query.end_time is not None:
            mask &= self._open(query.day, query.start_time, query.end_time)
        if query.borough:
            mask &= self._in_borough(query.borough)
        if query.centre is not None and query.proximity is None and query.centre_borough:
            mask &= self._serves(query.centre_borough) | ~self._has_areas()
        chosen = np.flatnonzero(mask)
        if query.centre is None:
            return Found(self, chosen, None, None)
        distance, place = self._nearest(query.centre, mask, query.proximity)
        near = distance[chosen]
        if query.proximity is not None:
            keep = near <= query.proximity
            chosen, near = chosen[keep], near[keep]
        far = np.where(np.isnan(near), np.inf, near)
        order = np.lexsort((chosen, far))
        return Found(self, chosen[order], distance, place)

    def _select(self, positions: np.ndarray | None) -> np.ndarray:
        out = np.zeros(len(self.ids), dtype=bool)
        if positions is not None and len(positions):
            out[positions] = True
        return out

    def _any_term(self, term_ids: Sequence[str]) -> np.ndarray:
        wanted: set[str] = set()
        stack = list(term_ids)
        while stack:  # a term stands for its narrower terms too
            term = stack.pop()
            if term not in wanted:
                wanted.add(term)
                stack.extend(self.children.get(term, ()))
        parts = [self.term_services[t] for t in wanted if t in self.term_services]
        return self._select(np.unique(np.concatenate(parts)) if parts else None)

    def _word(self, word: str) -> np.ndarray:
        """Services with a word starting with ``word``."""
        out = np.zeros(len(self.ids), dtype=bool)
        for k in range(bisect_left(self.vocabulary, word), len(self.vocabulary)):
            if not self.vocabulary[k].startswith(word):
                break
            out[self.postings[k]] = True
        return out

    def _open(self, day: str | None, start: int | None, end: int | None) -> np.ndarray:
        rows = np.ones(len(self.schedule_service), dtype=bool)
        if day:
            bit = 1 << WEEKDAYS.index(day)
            rows &= (self.schedule_days & bit) != 0
        if start is not None:  # still open after the start
            rows &= (self.schedule_closes < 0) | (self.schedule_closes > start)
        if end is not None:  # opens before the end
            rows &= (self.schedule_opens < 0) | (self.schedule_opens < end)
        return self._select(np.unique(self.schedule_service[rows]))

    def _in_borough(self, borough: str) -> np.ndarray:
        located = np.unique(self.place_service[self.place_borough == borough])
        return self._select(located) | self._serves(borough)

    def _serves(self, borough: str) -> np.ndarray:
        return self._select(self.area_borough.get(borough))

    def _has_areas(self) -> np.ndarray:
        parts = list(self.area_borough.values())
        return self._select(np.unique(np.concatenate(parts)) if parts else None)

    def _nearest(self, centre: tuple[float, float], mask: np.ndarray,
                 within: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distance from ``centre`` to the nearest place of each service in ``mask`` (NaN
        for services without a located place, those outside the mask and, when ``within``
        is given, those with no place that near)."""
        n = len(self.ids)
        best = np.full(n, np.nan)
        place = np.full(n, -1, dtype=np.int64)
        if len(self.place_x):
            candidates = np.flatnonzero(mask[self.place_service] & ~np.isnan(self.place_x))
            if len(candidates):
                d = np.hypot(self.place_x[candidates] - centre[0],
                             self.place_y[candidates] - centre[1])
                if within is not None:  # only places that near need ordering
                    near = d <= within
                    candidates, d = candidates[near], d[near]
                order = np.lexsort((candidates, d))
                svc = self.place_service[candidates[order]]
                # the first occurrence of each service in distance order is its nearest
                first_svc, first_at = np.unique(svc, return_index=True)
                best[first_svc] = d[order[first_at]]
                place[first_svc] = candidates[order[first_at]]
        return best, place

    def page_json(self, hits: Sequence[Hit]) -> list[bytes]:
        return [self.items[h.position] for h in hits]


@dataclass
class Found:
    """The services a search found, in order; hits are made only for what is shown."""

    index: DirectoryIndex
    positions: np.ndarray
    distance: np.ndarray | None
    place: np.ndarray | None

    def __len__(self) -> int:
        return len(self.positions)

    def hits(self, start: int = 0, stop: int | None = None) -> list[Hit]:
        out = []
        for i in self.positions[start:stop].tolist():
            d = None if self.distance is None or np.isnan(self.distance[i]) else float(
                self.distance[i])
            p = None if self.place is None or self.place[i] < 0 else int(self.place[i])
            out.append(Hit(i, self.index.ids[i], d, p))
        return out

    def page(self, offset: int, limit: int) -> list[Hit]:
        return self.hits(offset, offset + limit)

    def json(self, offset: int = 0, limit: int | None = None) -> list[bytes]:
        stop = None if limit is None else offset + limit
        items = self.index.items
        return [items[i] for i in self.positions[offset:stop].tolist()]


def build(version: int, rows: DirectoryRows, items: dict[str, dict[str, Any]]) -> DirectoryIndex:
    """An index of ``rows``; ``items`` are the services' list-item records by id."""
    services = rows.services
    ids = [str(r[0]) for r in services]
    position = {sid: i for i, sid in enumerate(ids)}

    def nan(value: object) -> float:
        return np.nan if value is None else float(value)  # type: ignore[arg-type]

    def when(value: object) -> Any:
        return np.datetime64(value, "us") if isinstance(value, dt.datetime) else \
            np.datetime64("NaT")

    status = np.array([STATUS_CODES.get(str(r[3]), 1) for r in services], dtype=np.int8)
    min_age = np.array([nan(r[6]) for r in services], dtype=float)
    max_age = np.array([nan(r[7]) for r in services], dtype=float)
    free = np.array([bool(r[8]) for r in services], dtype=bool)
    modified = np.array([when(r[9]) for r in services], dtype="datetime64[us]")
    reviewed = np.array([when(r[10]) for r in services], dtype="datetime64[us]")
    created = np.array([when(r[12]) for r in services], dtype="datetime64[us]")
    organisation = np.array([r[4] for r in services], dtype=object)
    owner = np.array([r[11] for r in services], dtype=object)

    tokens: dict[str, set[int]] = defaultdict(set)
    term_services: dict[str, list[int]] = defaultdict(list)
    taxonomy_services: dict[str, list[int]] = defaultdict(list)
    for sid, term_id, taxonomy_id, term_name, term_code in rows.terms:
        i = position.get(sid)
        if i is None:
            continue
        term_services[str(term_id)].append(i)
        if taxonomy_id:
            taxonomy_services[str(taxonomy_id)].append(i)
        for word in words(f"{term_name} {term_code or ''}"):
            tokens[word].add(i)
    for i, r in enumerate(services):
        for word in words(f"{r[1]} {r[2]} {r[5]}"):
            tokens[word].add(i)
    vocabulary = sorted(tokens)
    postings = [np.array(sorted(tokens[w]), dtype=np.int64) for w in vocabulary]
    children: dict[str, list[str]] = defaultdict(list)
    for term_id, parent_id, _taxonomy in rows.term_tree:
        if parent_id:
            children[str(parent_id)].append(str(term_id))

    places = [p for p in rows.places if p[1] in position]
    place_service = np.array([position[p[1]] for p in places], dtype=np.int64)
    place_x = np.array([nan(p[4]) if p[3] != "virtual" else np.nan for p in places], float)
    place_y = np.array([nan(p[5]) if p[3] != "virtual" else np.nan for p in places], float)
    place_borough = np.array([p[6] for p in places], dtype=object)

    schedules = [s for s in rows.schedules if s[0] in position]
    schedule_days = np.array([_day_bits(s[1]) for s in schedules], dtype=np.int64)
    schedule_opens = np.array([_or_minus(minutes(s[2])) for s in schedules], dtype=np.int64)
    schedule_closes = np.array([_or_minus(minutes(s[3])) for s in schedules], dtype=np.int64)
    area: dict[str, list[int]] = defaultdict(list)
    for sid, borough in rows.areas:
        if sid in position:
            area[str(borough)].append(position[sid])

    def arrays(groups: dict[str, list[int]]) -> dict[str, np.ndarray]:
        return {k: np.array(sorted(set(v)), dtype=np.int64) for k, v in groups.items()}

    index = DirectoryIndex(
        version=version, ids=ids, names=[str(r[1]) for r in services], status=status,
        min_age=min_age, max_age=max_age, free=free, modified=modified,
        organisation=organisation, owner=owner, reviewed=reviewed, created=created,
        position=position, vocabulary=vocabulary, postings=postings,
        term_services=arrays(term_services), taxonomy_services=arrays(taxonomy_services),
        children=dict(children), place_ids=[str(p[0]) for p in places],
        place_service=place_service, place_location=[str(p[2]) for p in places],
        place_x=place_x, place_y=place_y, place_borough=place_borough,
        place_postcode=[p[7] for p in places], place_name=[p[8] for p in places],
        schedule_service=np.array([position[s[0]] for s in schedules], dtype=np.int64),
        schedule_days=schedule_days, schedule_opens=schedule_opens,
        schedule_closes=schedule_closes, area_borough=arrays(area))
    index.items = [json.dumps(items[sid], ensure_ascii=False, separators=(",", ":"))
                   .encode() if sid in items else b"{}" for sid in ids]
    return index


def _day_bits(byday: str | None) -> int:
    bits = 0
    for part in (byday or "").upper().split(","):
        day = part.strip()[-2:]
        if day in WEEKDAYS:
            bits |= 1 << WEEKDAYS.index(day)
    return bits


def _or_minus(value: int | None) -> int:
    return -1 if value is None else value


def empty(version: int = 0) -> DirectoryIndex:
    return build(version, DirectoryRows(), {})
