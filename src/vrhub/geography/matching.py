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
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from vrhub.geography.gazetteer import Gazetteer
from vrhub.geography.text import STREET_TYPES, ParsedDescription

FUZZY_CUTOFF = 75.0
"""Lowest similarity (0-100, rapidfuzz ratio) accepted for a misspelt word."""

OTHER_TYPE_SCORE = 70.0
"""Score of a street found under another street type ('Alexandra Avenue' for 'Alexandra
Road'): the description named a street the gazetteer does not hold."""

RIVAL_MARGIN = 5.0
"""Corrections of a misspelt word within this similarity (0-100) of the closest one are
rival readings: their names' points are candidates too."""

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
    "london", "uk", "flats", "block", "nr", "somewhere", "party",
})
"""Words that, on their own, say nothing about which street (shops, qualifiers)."""

KIND_RANK = {"street": 4, "landmark": 3, "station": 2, "ed_site": 2, "place": 2, "area": 1}
"""Which recognised name is the place itself: a street beats a kind of place ('petrol
station', 'supermarket'), which beats a station or hospital, which beats a ward or
borough. The others narrow down the first."""

WEAK_RANK = 3
"""Below this rank a name is only used when nothing better was found by similarity."""


@dataclass
class Match:
    """What a description matched: the candidate points and how they were found."""

    method: str
    score: float
    points: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    area_codes: list[str] = field(default_factory=list)
    context_points: np.ndarray | None = None
    point: tuple[float, float, str | None, str | None, str | None] | None = None
    unexplained: int = 0
    """Words of the description that are neither part of a recognised name nor shop,
    qualifier or filler words: something named that the gazetteer does not know."""


@dataclass(frozen=True)
class _Hit:
    segment: int
    start: int
    end: int
    names: tuple[int, ...]
    exact: bool
    kind: str
    score: float = 100.0
    full: bool = False  # the rest of its part is only shop or filler words

    @property
    def rank(self) -> tuple[int, int, int, int, float]:
        """A name that is a whole part of the description beats one embedded in a longer
        unrecognised run ('water' in 'Canada Water (LU Station)'); then streets beat
        kinds of place, stations and areas; then longer, exact, closer matches win."""
        return (int(self.full), KIND_RANK.get(self.kind, 2), self.end - self.start,
                int(self.exact), self.score)


class Matcher:
    """Looks descriptions up in a :class:`Gazetteer`."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.g = gazetteer
        self._vocab: list[str] | None = None
        self._vocab_set: frozenset[str] = frozenset()
        self._vocab_freq: dict[str, int] = {}
        self._corrections: dict[str, list[tuple[str, float]]] = {}
        self._blocks: dict[str, list[str]] = {}
        self._longest_from: dict[str, int] | None = None

    def _longest(self) -> dict[str, int]:
        """For each word, the most words of any name (or street core) starting with it:
        the exact look-up tries no run longer than that, instead of every run up to the
        longest name in the gazetteer."""
        if self._longest_from is None:
            longest: dict[str, int] = {}
            for name in [*self.g.names, *self.g.by_core]:
                words = name.split()
                if words and longest.get(words[0], 0) < len(words):
                    longest[words[0]] = len(words)
            self._longest_from = longest
        return self._longest_from

    # -- entry point --------------------------------------------------------------------
    def match(self, parsed: ParsedDescription) -> Match | None:
        g = self.g
        if parsed.postcode and parsed.postcode in g.postcodes:
            return Match(method="postcode", score=1.0, point=g.postcodes[parsed.postcode])
        hits = self._exact_hits(parsed.segments)
        primary = _primary(hits)
        whole = primary is not None and primary.exact and primary.full
        if parsed.intersection is not None and not whole:
            found = self._intersection(*parsed.intersection)
            if found is not None:
                return found
        weak = primary is None or KIND_RANK.get(primary.kind, 2) < WEAK_RANK
        if weak or self._unknown(parsed.segments):
            fuzzy = self._fuzzy_hit(parsed.segments, hits)
            if fuzzy is not None:
                hits.append(fuzzy)
                primary = _primary(hits)
        if primary is None:
            return None
        context = [h for h in hits if h is not primary and not _overlaps(h, primary)]
        # a ward or borough name narrows by area, even when it is also part of street
        # names ('Bromley' and 'Bromley Road'); other names narrow by distance
        area_codes = [c for h in context for c in (self.g.area_codes[i] for i in h.names)
                      if c]
        ctx_names = [i for h in context if not any(self.g.area_codes[j] for j in h.names)
                     for i in h.names]
        if primary.kind == "area":
            method = "area"
        elif primary.score == OTHER_TYPE_SCORE and not primary.exact:
            method = "other_street_type"
        elif primary.score < 100:
            method = "fuzzy"
        elif not primary.exact:
            method = "street_type_missing"
        else:
            method = "exact"
        covered = {(h.segment, i) for h in [primary, *context] for i in range(h.start, h.end)}
        unexplained = sum(1 for s, seg in enumerate(parsed.segments)
                          for i, tok in enumerate(seg)
                          if (s, i) not in covered and tok.isalpha() and len(tok) > 2
                          and tok not in NOISE_WORDS and tok not in STREET_TYPES)
        return Match(
            method=method,
            score=primary.score / 100.0,
            points=self._points(primary.names),
            area_codes=area_codes,
            context_points=self._points(ctx_names) if ctx_names else None,
            unexplained=unexplained,
        )

    # -- exact look-ups -----------------------------------------------------------------
    def _exact_hits(self, segments: list[list[str]]) -> list[_Hit]:
        g = self.g
        longest = self._longest()
        hits: list[_Hit] = []
        for s, seg in enumerate(segments):
            n = len(seg)
            noise = [t in NOISE_WORDS for t in seg]
            # quiet_before[i]: seg[:i] is all shop or filler words; quiet_after[i]: seg[i:]
            quiet_before = [True] * (n + 1)
            quiet_after = [True] * (n + 1)
            for i in range(n):
                quiet_before[i + 1] = quiet_before[i] and noise[i]
                quiet_after[n - i - 1] = quiet_after[n - i] and noise[n - i - 1]
            for length in range(min(n, g.max_name_tokens), 0, -1):
                for start in range(0, n - length + 1):
                    if longest.get(seg[start], 0) < length:
                        continue
                    key = " ".join(seg[start:start + length])
                    # 'alone': everything else in this part is a shop or filler word
                    alone = quiet_before[start] and quiet_after[start + length]
                    if length == 1 and not alone and (key in NOISE_WORDS
                                                      or key in STREET_TYPES):
                        continue  # 'The Avenue' is 'avenue'; only a whole part means it
                    idx = g.by_name.get(key)
                    cores = g.by_core.get(key)
                    if cores:
                        # 'Alexandra' may be any Alexandra Road, Avenue, ... or a place
                        # called just that: keep every reading, let the points decide
                        names = tuple(dict.fromkeys([*cores, *(() if idx is None else
                                                               (idx,))]))
                        typed = start + length < n and (
                            seg[start + length] in STREET_TYPES
                            or self._type_slip(seg[start + length]) is not None)
                        # 'Alexandra Road' not in the gazetteer, but 'Alexandra Avenue' is
                        kind = "area" if idx is not None and g.kinds[idx] == "area" \
                            else "street"
                        hits.append(_Hit(s, start, start + length, names, False, kind,
                                         score=OTHER_TYPE_SCORE if typed else 100.0,
                                         full=alone))
                    elif idx is not None:
                        hits.append(_Hit(s, start, start + length, (idx,), True,
                                         g.kinds[idx], full=alone))
        exact = [h for h in hits if h.exact]
        return [h for h in hits if not any(
            e is not h and e.segment == h.segment and e.start <= h.start and h.end <= e.end
            and e.end - e.start > h.end - h.start for e in exact)]

    def _points(self, names: list[int] | tuple[int, ...]) -> np.ndarray:
        g = self.g
        if len(names) == 1:
            return np.arange(g.offsets[names[0]], g.offsets[names[0] + 1])
        parts = [np.arange(g.offsets[i], g.offsets[i + 1]) for i in names]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    # -- intersections ------------------------------------------------------------------
    def _intersection(self, a: list[str], b: list[str]) -> Match | None:
        ha = self._best_for([a])
        hb = self._best_for([b])
        if (ha is None) != (hb is None):
            # one of the two streets is unknown: the place is somewhere on the other, and
            # the score says that only part of what was named was found
            one = ha if ha is not None else hb
            if one is None:
                return None
            found = (one.end - one.start) / max(len(a) + len(b), 1)
            return Match(method="intersection", score=one.score / 100.0 * found,
                         points=self._points(one.names))
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
            # no two points meet: the place is on one street or the other, so every point
            # of both is a candidate and the confidence carries the doubt
            return Match(method="intersection", score=min(ha.score, hb.score) / 100.0,
                         points=np.unique(np.concatenate([pa, pb])))
        meeting = np.unique(np.concatenate([pa[close], pb[nearest[close]]]))
        return Match(method="intersection", score=min(ha.score, hb.score) / 100.0,
                     points=meeting)

    def _best_for(self, segments: list[list[str]]) -> _Hit | None:
        hits = self._exact_hits(segments)
        primary = _primary(hits)
        if primary is None or KIND_RANK.get(primary.kind, 2) < WEAK_RANK:
            fuzzy = self._fuzzy_hit(segments, hits)
            if fuzzy is not None:
                return fuzzy
        return primary

    # -- similarity ---------------------------------------------------------------------
    def _fuzzy_hit(self, segments: list[list[str]], hits: list[_Hit]) -> _Hit | None:
        """Correct misspelt words against the gazetteer's vocabulary and look the
        corrected parts up again; the hit's score is the lowest similarity of the words
        it corrected.

        Street types one slip away are corrected first ('raod' -> 'road'), so that the
        word before them is known to be a street's name. A word with several close
        vocabulary words takes the closest one that makes a name with its neighbours
        ('conawy road': 'conway road', not 'conwy road')."""
        corrected: list[list[str]] = []
        scores: list[list[float]] = []
        changed = False
        for seg in segments:
            new_seg, new_scores = list(seg), [100.0] * len(seg)
            for i, tok in enumerate(seg):
                fix = self._type_slip(tok)
                if fix is not None:
                    new_seg[i], new_scores[i] = fix
                    changed = True
            options: dict[int, list[tuple[str, float]]] = {}
            for i, tok in enumerate(seg):
                if new_scores[i] < 100.0:
                    continue
                before_type = i + 1 < len(new_seg) and new_seg[i + 1] in STREET_TYPES
                found = self._candidates(tok, before_type=before_type)
                if found:
                    options[i] = found
                    new_seg[i], new_scores[i] = found[0]
                    changed = True
            for i, found in options.items():
                for word, score in found:
                    trial = [*new_seg[:i], word, *new_seg[i + 1:]]
                    if self._names_around(trial, i):
                        new_seg[i], new_scores[i] = word, score
                        break
            corrected.append(new_seg)
            scores.append(new_scores)
        if not changed:
            return None
        best: _Hit | None = None
        for hit in self._exact_hits(corrected):
            score = min(scores[hit.segment][hit.start:hit.end])
            if score >= 100.0:
                continue  # found without corrections: already among the exact hits
            candidate = _Hit(hit.segment, hit.start, hit.end, hit.names, hit.exact, hit.kind,
                             score, hit.full)
            if best is None or candidate.rank > best.rank:
                best = candidate
        if best is not None:
            best = self._with_rivals(best, segments[best.segment], corrected[best.segment],
                                     scores[best.segment])
        return best

    def _with_rivals(self, hit: _Hit, seg: list[str], corrected: list[str],
                     scores: list[float]) -> _Hit:
        """``hit`` with the names that other, almost as close corrections of its words
        spell ('brooe road': Brooke Road, and Broome Road too): which one was meant is not
        known, so the points of all of them are candidates and the confidence says so."""
        g = self.g
        names = list(hit.names)
        for i in range(hit.start, hit.end):
            if scores[i] >= 100.0:
                continue
            for word, score in self._candidates(seg[i], before_type=(
                    i + 1 < len(corrected) and corrected[i + 1] in STREET_TYPES)):
                if word == corrected[i] or score < scores[i] - RIVAL_MARGIN:
                    continue
                key = " ".join([*corrected[hit.start:i], word, *corrected[i + 1:hit.end]])
                idx = g.by_name.get(key)
                if idx is not None:
                    names.append(idx)
                names.extend(g.by_core.get(key, ()) if not hit.exact else ())
        if len(names) == len(hit.names):
            return hit
        return _Hit(hit.segment, hit.start, hit.end, tuple(dict.fromkeys(names)), hit.exact,
                    hit.kind, hit.score, hit.full)

    def _names_around(self, seg: list[str], i: int) -> bool:
        """Whether a run of two or more words of ``seg`` through word ``i`` is a name or a
        street's name without its type."""
        g = self.g
        for start in range(max(0, i - g.max_name_tokens + 1), i + 1):
            for end in range(max(i + 1, start + 2), min(len(seg), start + g.max_name_tokens)
                             + 1):
                key = " ".join(seg[start:end])
                if key in g.by_name or key in g.by_core:
                    return True
        return False

    def prepare(self) -> None:
        """Build the vocabulary and its similarity blocks now."""
        self._vocabulary()
        self._longest()

    def _unknown(self, segments: list[list[str]]) -> bool:
        """Whether any word could be a misspelling (not a gazetteer word, a shop or
        filler word)."""
        self._vocabulary()
        return any(len(t) >= 4 and t.isalpha() and t not in self._vocab_set
                   and t not in NOISE_WORDS for seg in segments for t in seg)

    def _correct(self, token: str, *, before_type: bool = False) -> tuple[str, float] | None:
        """The word an unknown ``token`` most likely was meant to be, with its similarity
        (0-100), or None (see :meth:`_candidates`)."""
        fix = self._type_slip(token)
        if fix is not None:
            return fix
        found = self._candidates(token, before_type=before_type)
        return found[0] if found else None

    def _type_slip(self, token: str) -> tuple[str, float] | None:
        """The street type an unknown ``token`` is one slip (Damerau-Levenshtein) away
        from ('raod', 'lanne', 'wlk', 'rad'), if exactly one."""
        self._vocabulary()
        if token in self._vocab_set or len(token) < 3 or not token.isalpha() \
                or token in NOISE_WORDS:
            return None
        close = [t for t in _FULL_TYPES if abs(len(t) - len(token)) <= 1
                 and DamerauLevenshtein.distance(token, t) <= 1]
        if len(close) != 1:  # none, or ambiguous ('wal': walk or way?)
            return None
        return close[0], float(fuzz.ratio(token, close[0]))

    def _candidates(self, token: str, *, before_type: bool = False
                    ) -> list[tuple[str, float]]:
        """Vocabulary words close to an unknown ``token``, closest first (similarity >=
        :data:`FUZZY_CUTOFF`; a transposed pair of letters counts as one slip); none if
        the token is known, too short, a shop or filler word.

        The words sharing a block key with the token are compared first; when none is
        close, every word of the vocabulary (a slip in the first letters and the last
        ones at once). Words of three letters are corrected only just before a street
        type ('Eae Road')."""
        self._vocabulary()
        shortest = 3 if before_type else 4
        if token in self._vocab_set or len(token) < shortest or token in NOISE_WORDS \
                or not token.isalpha():
            return []
        key = f"{token}|{int(before_type)}"
        cached = self._corrections.get(key)
        if cached is not None:
            return cached
        candidates: set[str] = set()
        for block in _block_keys(token):
            candidates.update(self._blocks.get(block, ()))
        found = _closest(token, list(candidates)) if candidates else []
        if not found:
            found = _closest(token, self._vocabulary())
        ranked = sorted(((score, self._vocab_freq[w], w) for w, score in found),
                        reverse=True)
        result = [(w, score) for score, _freq, w in ranked]
        self._corrections[key] = result
        return result

    def _vocabulary(self) -> list[str]:
        if self._vocab is None:
            freq: dict[str, int] = defaultdict(int)
            for name in self.g.names:
                for tok in set(name.split()):
                    freq[tok] += 1
            self._vocab = sorted(t for t in freq if len(t) >= 3 and t.isalpha())
            self._vocab_set = frozenset(freq)
            self._vocab_freq = dict(freq)
            blocks: dict[str, list[str]] = defaultdict(list)
            for word in self._vocab:
                for key in _block_keys(word):
                    blocks[key].append(word)
            self._blocks = dict(blocks)
        return self._vocab


_FULL_TYPES = tuple(sorted(t for t in STREET_TYPES if len(t) >= 3))


def _similarity(a: Sequence[Hashable], b: Sequence[Hashable], /, *,
                score_cutoff: float | None = None, **_: object) -> float:
    """0-100: rapidfuzz's ratio, or one minus the Damerau-Levenshtein distance over the
    longer length where that is higher (a transposition is one slip, not two)."""
    ratio = fuzz.ratio(a, b)
    damerau = 100.0 * (1.0 - DamerauLevenshtein.distance(a, b) / max(len(a), len(b), 1))
    score = max(ratio, damerau)
    return score if score_cutoff is None or score >= score_cutoff else 0.0


def _closest(token: str, words: list[str]) -> list[tuple[str, float]]:
    """The words of ``words`` within :data:`FUZZY_CUTOFF` of ``token`` by
    :func:`_similarity`, at most 8: rapidfuzz's ratio (in C) picks the 24 closest first,
    as one slip scores the same either way, and only those are scored again."""
    shortlist = process.extract(token, words, scorer=fuzz.ratio,
                                score_cutoff=FUZZY_CUTOFF - 10, limit=24)
    scored = [(w, _similarity(token, w)) for w, _score, _i in shortlist]
    kept = sorted(((w, score) for w, score in scored if score >= FUZZY_CUTOFF),
                  key=lambda ws: -ws[1])
    return kept[:8]


def _block_keys(word: str) -> tuple[str, ...]:
    """Keys under which a word is filed for similarity search: its first two letters,
    its last three and its metaphone code. One typo leaves at least one of them intact
    in almost every word of four letters or more."""
    return (f"p:{word[:2]}", f"s:{word[-3:]}", f"m:{jellyfish.metaphone(word)}")


def _primary(hits: list[_Hit]) -> _Hit | None:
    return max(hits, key=lambda h: h.rank) if hits else None


def _overlaps(a: _Hit, b: _Hit) -> bool:
    return a.segment == b.segment and a.start < b.end and b.start < a.end
