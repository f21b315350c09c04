"""Postcodes: the value type, and a postcode's point through vrhub's own geography.

:class:`Postcode` parses what people type ('sw1a 1aa', 'SW1A1AA', ' SW1A  1AA ') into the
canonical form ('SW1A 1AA') and refuses anything that is not shaped like a UK postcode,
with the value in the message. :class:`PostcodeLookup` turns a postcode (or a postcode
district such as 'SW9') into its centroid in British National Grid and WGS84 and the
borough it lies in, from the ONS Postcode Directory imported into the gazetteer
(``gazetteer_postcode``). Looked-up postcodes are kept in a small in-process cache.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from vrhub.errors import CodeError
from vrhub.geography.bng import to_wgs84

# Outward code (area, district) and inward code (sector, unit): the shapes the Royal Mail
# uses, e.g. M1 1AE, B33 8TH, CR2 6XH, DN55 1PT, W1A 0AX, EC1A 1BB.
_FULL = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})")
_OUTWARD = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?")


class Postcode(str):
    """A full UK postcode in canonical form ('SW1A 1AA')."""

    def __new__(cls, value: object) -> Postcode:
        text = re.sub(r"\s+", "", str(value or "")).upper()
        match = _FULL.fullmatch(text)
        if not match:
            raise CodeError(
                f"{value!r} is not a UK postcode",
                hint="give a full postcode such as 'SE1 7EH' (letters, digits, a space, "
                "then a digit and two letters)",
            )
        return super().__new__(cls, f"{match.group(1)} {match.group(2)}")

    @property
    def compact(self) -> str:
        """Without the space, as the gazetteer stores it ('SW1A1AA')."""
        return self.replace(" ", "")

    @property
    def outward(self) -> str:
        return self.split(" ")[0]

    @classmethod
    def is_valid(cls, value: object) -> bool:
        try:
            cls(value)
        except CodeError:
            return False
        return True


def parse_place_query(value: str) -> tuple[str, str]:
    """('postcode', 'SW1A 1AA') or ('district', 'SW9') for what someone typed as where;
    CodeError when it is neither."""
    text = re.sub(r"\s+", "", value or "").upper()
    if _FULL.fullmatch(text):
        return "postcode", str(Postcode(text))
    if _OUTWARD.fullmatch(text):
        return "district", text
    raise CodeError(
        f"{value!r} is not a UK postcode",
        hint="give a full postcode such as 'SE1 7EH', or the first half such as 'SE1'",
    )


@dataclass(frozen=True)
class Place:
    """A postcode's (or district's) centroid and the areas it lies in."""

    postcode: str
    easting: float
    northing: float
    latitude: float
    longitude: float
    borough_code: str | None
    ward_code: str | None = None
    lsoa21_code: str | None = None
    precision: str = "postcode"  # or "district"


class PostcodeSource(Protocol):
    """Where centroids come from (the warehouse's ``gazetteer_postcode`` table)."""

    def postcode(self, compact: str) -> tuple[float, float, str | None, str | None,
                                               str | None] | None: ...

    def postcodes(self, compacts: list[str]) -> dict[str, tuple[float, float, str | None,
                                                                 str | None, str | None]]: ...

    def district(self, outward: str) -> tuple[float, float, str | None] | None: ...

    def in_memory(self) -> bool:
        """Whether :meth:`postcode` answers from memory now (no query, no waiting)."""
        ...


def place_from(postcode: str, easting: float, northing: float, borough: str | None, *,
               ward: str | None = None, lsoa: str | None = None,
               precision: str = "postcode") -> Place:
    lon, lat = to_wgs84([easting], [northing])
    return Place(postcode, round(float(easting), 1), round(float(northing), 1),
                 round(float(lat[0]), 6), round(float(lon[0]), 6), borough, ward, lsoa,
                 precision)


class PostcodeLookup:
    """Postcode -> :class:`Place`, cached (at most ``size`` entries, least recently used
    first out). ``None`` for a well-formed postcode the directory does not hold."""

    def __init__(self, source: PostcodeSource, size: int = 4096) -> None:
        self.source = source
        self.size = size
        self._cache: OrderedDict[str, Place | None] = OrderedDict()
        self._lock = threading.Lock()

    def places(self, postcodes: list[str]) -> dict[str, Place]:
        """Full postcodes (canonical form) -> places, for many at once (those found)."""
        wanted = sorted({str(Postcode(p)) for p in postcodes})
        out: dict[str, Place] = {}
        missing = []
        with self._lock:
            for code in wanted:
                if code in self._cache:
                    if self._cache[code] is not None:
                        out[code] = self._cache[code]  # type: ignore[assignment]
                else:
                    missing.append(code)
        if missing:
            rows = self.source.postcodes([m.replace(" ", "") for m in missing])
            found = {}
            for code in missing:
                row = rows.get(code.replace(" ", ""))
                found[code] = None if row is None else place_from(
                    code, row[0], row[1], row[4], ward=row[3], lsoa=row[2])
            with self._lock:
                for code, place in found.items():
                    self._cache[code] = place
                    if place is not None:
                        out[code] = place
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return out

    def known(self, value: str) -> bool:
        """Whether :meth:`place` can answer ``value`` from memory (asked before, a full
        postcode while the source holds the directory in memory, or not a postcode at
        all), without asking the source's database."""
        try:
            kind, text = parse_place_query(value)
        except CodeError:
            return True  # refused without a look-up
        with self._lock:
            if text in self._cache:
                return True
        return kind == "postcode" and self.source.in_memory()

    def place(self, value: str) -> Place | None:
        kind, text = parse_place_query(value)
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        found: Place | None = None
        if kind == "postcode":
            row = self.source.postcode(text.replace(" ", ""))
            if row is not None:
                found = place_from(text, row[0], row[1], row[4], ward=row[3], lsoa=row[2])
        else:
            district = self.source.district(text)
            if district is not None:
                found = place_from(text, district[0], district[1], district[2],
                                   precision="district")
        with self._lock:
            self._cache[text] = found
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found
