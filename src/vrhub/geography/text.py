"""Normalising free-text location descriptions and gazetteer names so that they compare.

ED staff type locations quickly: "o/s Tesco, Alexandra Rd", "jct of High St / Church Rd",
"nr Brixton stn", "own address". Both the gazetteer names and the descriptions go through
the same functions here, so "St. John's Rd" and "saint johns road" become the same key.

Rules (applied to whole tokens only):

* words run together in capitals are split ("AlexandraRoad" -> "Alexandra Road",
  "StMarks" -> "St Marks"; "McDonalds" stays one word);
* lower case; apostrophes dropped ("john's" -> "johns"); other punctuation becomes a space,
  except commas and a dash between spaces ("Alexandra Road - Hornsey"), which separate
  the parts of a description;
* abbreviations are expanded: rd -> road, ave -> avenue, stn -> station, hse -> house,
  jct -> junction, o/s -> outside, opp -> opposite, nr -> near, ...;
* "st" is "saint" before a name ("St Pauls") and "street" after one ("High St");
* the filler words "the", "of" and "and" are dropped ("Elephant & Castle" ->
  "elephant castle"), so that they cannot make two spellings differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ABBREVIATIONS: dict[str, str] = {
    "rd": "road", "rds": "roads", "ave": "avenue", "av": "avenue", "avn": "avenue",
    "ln": "lane", "la": "lane", "cl": "close", "cres": "crescent", "cresc": "crescent",
    "cr": "crescent", "dr": "drive", "drv": "drive", "gdns": "gardens", "gdn": "gardens",
    "gds": "gardens", "gr": "grove", "gro": "grove", "grv": "grove", "pl": "place",
    "sq": "square", "ter": "terrace", "terr": "terrace", "tce": "terrace", "pk": "park",
    "pde": "parade", "hse": "house", "hs": "house", "stn": "station", "sta": "station",
    "jct": "junction", "jctn": "junction", "jnc": "junction", "junc": "junction",
    "jn": "junction", "nr": "near", "opp": "opposite", "oppo": "opposite", "os": "outside",
    "bldg": "building", "bldgs": "buildings", "ct": "court", "crt": "court",
    "hwy": "highway", "mkt": "market", "br": "bridge", "bdge": "bridge", "est": "estate",
    "mt": "mount", "rdbt": "roundabout", "rndbt": "roundabout", "wy": "way", "grn": "green",
    "hl": "hill", "hosp": "hospital", "sch": "school", "ch": "church", "gt": "great",
    "lwr": "lower", "upr": "upper", "uppr": "upper", "nth": "north", "sth": "south",
    "wk": "walk", "yd": "yard", "ms": "mews", "app": "approach", "appr": "approach",
    "emb": "embankment", "pkwy": "parkway", "cir": "circus", "cct": "circuit",
    "bway": "broadway", "blvd": "boulevard", "bvd": "boulevard", "ctr": "centre",
    "cntr": "centre", "center": "centre", "shopping": "shopping", "tesco's": "tesco",
    "mcds": "mcdonalds", "maccies": "mcdonalds", "ave.": "avenue", "pub": "pub",
    "u/g": "underground", "tube": "underground", "blk": "block",
}

STREET_TYPES = frozenset({
    "road", "street", "avenue", "lane", "close", "crescent", "drive", "gardens", "grove",
    "place", "square", "terrace", "park", "parade", "way", "walk", "hill", "rise", "row",
    "mews", "court", "yard", "gate", "green", "broadway", "highway", "approach", "vale",
    "view", "wharf", "embankment", "circus", "bridge", "market", "passage", "path",
    "alley", "boulevard", "parkway", "crossing", "roundabout", "end", "side", "wood",
    "common", "estate", "buildings", "cottages", "villas", "quay", "reach", "circle",
    "hollow", "mead", "field", "fields", "wynd", "croft", "chase", "grange", "dale",
    "heights", "rd", "st",
})
"""Words that end a street name: a description may leave them out ("Alexandra")."""

FILLER = frozenset({"the", "of", "and"})

SAINT_CONTEXT = frozenset({"upper", "lower", "great", "little", "old", "new", "north",
                           "south", "east", "west"})

QUALIFIER_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in sorted(
        [
            "on or near", "on near", "outside", "opposite", "near", "nearby", "by", "at",
            "in", "inside", "behind", "beside", "next to", "close to", "in front",
            "rear", "corner", "junction", "junction with", "just off", "off", "on",
            "along", "around", "walking along", "outside front", "bus stop",
            "bus stop outside", "bus stop near", "bus stop opposite", "somewhere near",
        ],
        key=lambda p: -len(p.split()),
    )
)
"""Leading words that say where relative to a place, not which place."""

_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
_POSTCODE_DISTRICT = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\b")
_HOME = re.compile(
    r"^(?:at |in |inside |outside |near )?(?:(?:his|her|their|my|own|pts?|patients?|"
    r"victims?|the|own private|private|family|partners?|mums?|mothers?|dads?|fathers?|"
    r"parents?|friends?|boyfriends?|girlfriends?|relatives?|home)\s+)*"
    r"(?:home|house|flat|address|residence|property|bedroom|room|dwelling|kitchen|"
    r"garden|hostel room)(?:\s+address)?$"
)
_HOME_ANYWHERE = re.compile(
    r"\b(?:own (?:home|address|house|flat|property)|home address|(?:at|in) (?:his|her|their|"
    r"my|own|the patients?|pts?) (?:home|house|flat|address|property|bedroom)|"
    r"residential address|private (?:address|residence|dwelling))\b"
)
_SPLIT_PUNCT = re.compile(r"[^a-z0-9,/&]+")
_INTERSECTION = re.compile(
    r"^(?:(?:at |on |by )?(?:the )?(?:junction|jct|jctn|jnc|junc|corner|crossroads?)"
    r"(?: of| with| between)? )?(?P<a>.+?)\s*(?: and | with | j/w | jw | x | / |/| junction"
    r"(?: with| of)? | jct(?: with)? | & )\s*(?P<b>.+)$"
)


def extract_postcode(text: str) -> str | None:
    """The first full UK postcode in ``text``, upper case without a space, or None."""
    match = _POSTCODE.search(text.upper())
    return f"{match.group(1)}{match.group(2)}" if match else None


def is_home(text: str) -> bool:
    """Whether a description says the assault happened at a home ('home', 'own address',
    'his flat') rather than at a place that can be geocoded."""
    lowered = re.sub(r"[^a-z ]+", " ", text.lower().replace("'", ""))
    lowered = " ".join(lowered.split())
    if not lowered:
        return False
    return bool(_HOME.match(lowered) or _HOME_ANYWHERE.search(lowered))


_CAMEL = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z])|(?<=\bSt)(?=[A-Z][a-z])")
_DASH_SEPARATOR = re.compile(r"\s+[-–—]+\s+")


def _raw_tokens(text: str) -> list[str]:
    text = _DASH_SEPARATOR.sub(" , ", _CAMEL.sub(" ", text))
    text = text.lower().replace("'", "").replace("’", "").replace("`", "")
    text = re.sub(r"\bo/s\b", " outside ", text)
    text = re.sub(r"\bj/w\b", " junction with ", text)
    text = re.sub(r"\bu/g\b", " underground ", text)
    text = text.replace("&", " and ")
    text = _SPLIT_PUNCT.sub(" ", text)
    text = text.replace(",", " , ").replace("/", " / ")
    return text.split()


def _expand(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == "st":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            prev = out[-1] if out else None
            name_follows = nxt is not None and nxt not in {",", "/"} and nxt not in FILLER
            starts = prev is None or prev in {",", "/"} or prev in SAINT_CONTEXT
            out.append("saint" if name_follows and starts else "street")
        elif tok == "saint":
            out.append("saint")
        else:
            out.append(ABBREVIATIONS.get(tok, tok))
    return out


def tokens(text: str) -> list[str]:
    """Normalised tokens of ``text``; commas and slashes are kept as their own tokens."""
    return [t for t in _expand(_raw_tokens(text)) if t not in FILLER]


def normalise_name(text: str) -> str:
    """The key of a gazetteer name or of one part of a description.

    >>> normalise_name("On or near St. John's Rd")
    'saint johns road'
    """
    toks = [t for t in tokens(strip_police_prefix(text)) if t not in {",", "/"}]
    return " ".join(toks)


def strip_police_prefix(text: str) -> str:
    """police.uk locations read 'On or near X'; the name is X."""
    stripped = text.strip()
    if stripped.lower().startswith("on or near "):
        return stripped[11:]
    return stripped


def core_of(name: str) -> str | None:
    """A normalised street name without its trailing street type, or None if it has none
    ('alexandra road' -> 'alexandra'; 'broadway' -> None)."""
    parts = name.split()
    if len(parts) > 1 and parts[-1] in STREET_TYPES:
        return " ".join(parts[:-1])
    return None


def strip_qualifiers(toks: list[str]) -> list[str]:
    """Drop leading words such as 'outside', 'opposite', 'on or near', 'bus stop near'."""
    changed = True
    while changed and toks:
        changed = False
        for phrase in QUALIFIER_PHRASES:
            n = len(phrase)
            if len(toks) > n and tuple(toks[:n]) == phrase:
                toks = toks[n:]
                changed = True
                break
    return toks


@dataclass
class ParsedDescription:
    """A description broken into what the geocoder looks up."""

    text: str
    postcode: str | None = None
    home: bool = False
    segments: list[list[str]] = field(default_factory=list)
    intersection: tuple[list[str], list[str]] | None = None

    @property
    def key(self) -> str:
        """Everything that decides the match, as one string (for caching)."""
        inter = ("|" + " ".join(self.intersection[0]) + "|" + " ".join(self.intersection[1])
                 if self.intersection else "")
        segs = " , ".join(" ".join(s) for s in self.segments)
        return f"{self.postcode or ''}#{segs}{inter}"


def parse(description: str) -> ParsedDescription:
    """Split a description into postcode, home flag, comma-separated parts and, for
    'junction of A and B' / 'A / B', the two streets of an intersection."""
    parsed = ParsedDescription(text=description)
    if is_home(description):
        parsed.home = True
        return parsed
    parsed.postcode = extract_postcode(description)
    text = description
    if parsed.postcode:
        text = _POSTCODE.sub(" ", text.upper()).lower()
    toks = tokens(strip_police_prefix(text))
    segments: list[list[str]] = [[]]
    for tok in toks:
        if tok == ",":
            segments.append([])
        elif tok != "/":
            segments[-1].append(tok)
    parsed.segments = [s for s in segments if s]
    parsed.intersection = _intersection(description if not parsed.postcode else text)
    return parsed


_INTERSECTION_CUES = (" and ", "&", "/", "junction", "jct", "jnc", "junc", "corner",
                      "crossroad", " with ", " x ")


def _intersection(text: str) -> tuple[list[str], list[str]] | None:
    if not any(cue in text.lower() for cue in _INTERSECTION_CUES):
        return None
    lowered = " ".join(_raw_tokens(text.replace(",", " "))).replace(" , ", " ")
    match = _INTERSECTION.match(lowered)
    if not match:
        return None
    a = strip_qualifiers([t for t in tokens(match.group("a")) if t not in {",", "/"}])
    b = strip_qualifiers([t for t in tokens(match.group("b")) if t not in {",", "/"}])
    explicit = bool(re.match(r"^(?:(?:at |on |by )?(?:the )?(?:junction|jct|jctn|jnc|junc|"
                             r"corner|crossroads?))", lowered)) or bool(
        re.search(r" (?:/|j/w|jw|junction|jct|x) ", f" {lowered} "))
    if not a or not b:
        return None
    if not explicit and not (a[-1] in STREET_TYPES and b[-1] in STREET_TYPES):
        return None
    return a, b
