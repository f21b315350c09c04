"""Finding which gazetteer names a parsed description refers to.

A description such as "o/s tesco, alexandra rd, hornsey" holds a street, a shop and an
area. Every contiguous run of words in each comma-separated part is looked up; the best
street-like run becomes the *primary* name (its points are the candidates) and other
recognised, non-overlapping runs become *context* (a ward or borough, a station, a second
street). Exact names beat names whose street type was left out, and longer runs beat
shorter ones. When no run matches exactly, runs are compared by similarity with rapidfuzz
against names blocked by a shared word, a shared metaphone key or a shared first three
letters, so that a query scores a few hundred names, not every name in London.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process

from vrhub.geography.gazetteer import Gazetteer
from vrhub.geography.text import STREET_TYPES, ParsedDescription, core_of

FUZZY_CUTOFF = 82.0
"""Lowest similarity (0-100, rapidfuzz ratio) accepted for a misspelt name."""

INTERSECTION_METRES = 250.0
"""Two streets 'meet' where points of each lie within this distance."""

NOISE_WORDS = frozenset({
    "tesco", "express", "metro", "extra", "sainsburys", "local", "asda", "morrisons",
    "lidl", "aldi", "coop", "co", "op", "waitrose", "mcdonalds", "kfc", "burger", "king",
    "subway", "greggs", "costa", "starbucks", "pret", "boots", "primark", "argos", "pub",
    "bar", "club", "nightclub", "shop", "shops", "chicken", "kebab", "takeaway", "chippy",
    "off", "licence", "bookies", "betting", "ladbrokes", "william", "hill", "paddy", "power",
    "corals", "cafe", "restaurant", "bus", "stop", "outside", "opposite", "near", "by",
    "at", "in", "on", "inside", "behind", "front", "rear", "corner", "junction", "with",
    "london", "uk", "shopping", "centre", "car", "park", "area", "estate", "flats",
    "block", "nr", "somewhere", "street", "road", "public", "place", "house", "party",
})
"""Words that, on their own, say nothing about which street (shops, qualifiers)."""

KIND_RANK = {"street": 3, "station": 3, "landmark": 3, "ed_site": 3, "place": 2, "area": 1}


@dataclass
class Match:
    """What a description matched: the candidate points and how they were found."""

    method: str
    score: float
    points: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    area_codes: list[str] = field(default_factory=list)
    context_points: np.ndarray | None = None
    point: tuple[float, float, str | None, str | None, str | None] | None = None


@dataclass(frozen=True)
class _Hit:
    segment: int
    start: int
    end: int
    names: tuple[int, ...]
    exact: bool
    kind: str
    score: float = 100.0

    @property
    def rank(self) -> tuple[int, int, int, float]:
        return (KIND_RANK.get(self.kind, 2), int(self.exact), self.end - self.start,
                self.score)


class Matcher:
    """Looks descriptions up in a :class:`Gazetteer`."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.g = gazetteer
        self._blocks: dict[str, np.ndarray] | None = None
        self._cores: list[str] | None = None

    # -- entry point --------------------------------------------------------------------
    def match(self, parsed: ParsedDescription) -> Match | None:
        g = self.g
        if parsed.postcode and parsed.postcode in g.postcodes:
            return Match(method="postcode", score=1.0, point=g.postcodes[parsed.postcode])
        hits = self._exact_hits(parsed.segments)
        primary = _primary(hits)
        whole = primary is not None and primary.exact and primary.start == 0 and (
            primary.end == len(parsed.segments[primary.segment]))
        if parsed.intersection is not None and not whole:
            found = self._intersection(*parsed.intersection)
            if found is not None:
                return found
        if primary is None or KIND_RANK.get(primary.kind, 2) < 3:
            fuzzy = self._fuzzy_hit(parsed.segments, hits)
            if fuzzy is not None:
                hits.append(fuzzy)
                primary = _primary(hits)
        if primary is None:
            return None
        context = [h for h in hits if h is not primary and not _overlaps(h, primary)]
        area_codes = [c for h in context if h.kind == "area"
                      for c in (self.g.area_codes[i] for i in h.names) if c]
        ctx_names = [i for h in context if h.kind != "area" for i in h.names]
        if primary.kind == "area":
            method = "area"
        elif not primary.exact:
            method = "fuzzy" if primary.score < 100 else "street_type_missing"
        else:
            method = "exact"
        if method == "fuzzy" and primary.score >= 100:
            method = "street_type_missing"
        return Match(
            method=method,
            score=primary.score / 100.0,
            points=self._points(primary.names),
            area_codes=area_codes,
            context_points=self._points(ctx_names) if ctx_names else None,
        )

    # -- exact look-ups -----------------------------------------------------------------
    def _exact_hits(self, segments: list[list[str]]) -> list[_Hit]:
        g = self.g
        hits: list[_Hit] = []
        for s, seg in enumerate(segments):
            n = len(seg)
            for length in range(min(n, g.max_name_tokens), 0, -1):
                for start in range(0, n - length + 1):
                    key = " ".join(seg[start:start + length])
                    idx = g.by_name.get(key)
                    alone = length == n
                    if idx is not None:
                        if length == 1 and key in NOISE_WORDS and not alone:
                            continue
                        hits.append(_Hit(s, start, start + length, (idx,), True,
                                         g.kinds[idx]))
                        continue
                    cores = g.by_core.get(key)
                    if cores and not (length == 1 and key in NOISE_WORDS and not alone):
                        hits.append(_Hit(s, start, start + length, tuple(cores), False,
                                         "street", score=100.0))
        return hits

    def _points(self, names: list[int] | tuple[int, ...]) -> np.ndarray:
        g = self.g
        parts = [np.arange(g.offsets[i], g.offsets[i + 1]) for i in names]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    # -- intersections ------------------------------------------------------------------
    def _intersection(self, a: list[str], b: list[str]) -> Match | None:
        ha = self._best_for([a])
        hb = self._best_for([b])
        if ha is None or hb is None or set(ha.names) & set(hb.names):
            return None
        pa, pb = self._points(ha.names), self._points(hb.names)
        g = self.g
        from scipy.spatial import cKDTree

        tree = cKDTree(np.column_stack([g.easting[pb], g.northing[pb]]))
        dist, nearest = tree.query(np.column_stack([g.easting[pa], g.northing[pa]]), k=1,
                                   distance_upper_bound=INTERSECTION_METRES)
        close = np.isfinite(dist)
        if not close.any():
            return None
        meeting = np.unique(np.concatenate([pa[close], pb[nearest[close]]]))
        return Match(method="intersection", score=min(ha.score, hb.score) / 100.0,
                     points=meeting)

    def _best_for(self, segments: list[list[str]]) -> _Hit | None:
        hits = self._exact_hits(segments)
        primary = _primary(hits)
        if primary is None or KIND_RANK.get(primary.kind, 2) < 3:
            fuzzy = self._fuzzy_hit(segments, hits)
            if fuzzy is not None:
                return fuzzy
        return primary

    # -- similarity ---------------------------------------------------------------------
    def _fuzzy_hit(self, segments: list[list[str]], hits: list[_Hit]) -> _Hit | None:
        taken = {(h.segment, t) for h in hits for t in range(h.start, h.end)}
        best: _Hit | None = None
        for s, seg in enumerate(segments):
            for start, end in _candidate_spans(seg):
                if any((s, t) in taken for t in range(start, end)):
                    continue
                span = seg[start:end]
                found = self._similar(span)
                if found is None:
                    continue
                names, score, exact = found
                hit = _Hit(s, start, end, names, exact, self.g.kinds[names[0]], score)
                if best is None or (hit.score, hit.end - hit.start) > (
                        best.score, best.end - best.start):
                    best = hit
        return best

    def _similar(self, span: list[str]) -> tuple[tuple[int, ...], float, bool] | None:
        g = self.g
        blocks = self._block_index()
        keys = [k for tok in span if tok not in STREET_TYPES and len(tok) > 1
                for k in _block_keys(tok)]
        if not keys:
            return None
        arrays = [blocks[k] for k in keys if k in blocks]
        if not arrays:
            return None
        cands = np.unique(np.concatenate(arrays))
        query = " ".join(span)
        typed = span[-1] in STREET_TYPES
        if typed:
            choices = [g.names[i] for i in cands]
            found = process.extractOne(query, choices, scorer=fuzz.ratio,
                                       score_cutoff=FUZZY_CUTOFF)
            if found is None:
                return None
            return (int(cands[found[2]]),), float(found[1]), True
        cores = self._core_list()
        core_choices = [cores[i] or g.names[i] for i in cands]
        found = process.extractOne(query, core_choices, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_CUTOFF)
        if found is None:
            return None
        text = core_choices[found[2]]
        if text in g.by_core:
            return tuple(g.by_core[text]), float(found[1]), False
        return (int(cands[found[2]]),), float(found[1]), True

    def _core_list(self) -> list[str]:
        if self._cores is None:
            self._cores = [core_of(n) or "" if k == "street" else ""
                           for n, k in zip(self.g.names, self.g.kinds, strict=True)]
        return self._cores

    def _block_index(self) -> dict[str, np.ndarray]:
        if self._blocks is None:
            index: dict[str, list[int]] = defaultdict(list)
            for i, name in enumerate(self.g.names):
                for tok in set(name.split()):
                    if tok in STREET_TYPES or len(tok) < 2:
                        continue
                    for key in _block_keys(tok):
                        index[key].append(i)
            self._blocks = {k: np.unique(np.array(v, dtype=np.int64))
                            for k, v in index.items()}
        return self._blocks


def _block_keys(token: str) -> list[str]:
    keys = [f"w:{token}", f"p:{token[:3]}"]
    if len(token) >= 3 and token.isalpha():
        keys.append(f"m:{jellyfish.metaphone(token)}")
    return keys


def _candidate_spans(seg: list[str]) -> list[tuple[int, int]]:
    """Runs of words worth comparing by similarity: those ending in a street type first
    (up to four words), else runs of one to three words that are not shop or filler
    words."""
    spans: list[tuple[int, int]] = []
    for k, tok in enumerate(seg):
        if tok in STREET_TYPES and k > 0:
            for start in range(max(0, k - 3), k):
                spans.append((start, k + 1))
    useful = [t not in NOISE_WORDS and t not in STREET_TYPES for t in seg]
    for length in (3, 2, 1):
        for start in range(0, len(seg) - length + 1):
            if all(useful[start:start + length]):
                spans.append((start, start + length))
    return spans


def _primary(hits: list[_Hit]) -> _Hit | None:
    return max(hits, key=lambda h: h.rank) if hits else None


def _overlaps(a: _Hit, b: _Hit) -> bool:
    return a.segment == b.segment and a.start < b.end and b.start < a.end
