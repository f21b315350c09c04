"""Names accepted wherever codes are: a borough, ward, LSOA, category or ED site typed by a
person, turned into the code the data uses, or refused with "did you mean".

* **Areas**: a GSS code (any case) is taken as given; otherwise the name of an area of
  that level, case-insensitive (``Hackney``, ``city of london``). A ward name that more
  than one borough has (``Abbey``) is refused with the choices; ``Abbey, Merton`` or
  ``Abbey (Merton)`` picks one. ``London`` or ``all`` means no area filter for a borough.
* **Categories**: a police.uk crime type, an MPS minor or major category, or an ISTV
  assault-method code or label, case-insensitive, from what the warehouse holds (when the
  source holds nothing yet the name is passed on unchanged, for the loader's own message).
* **ED sites**: an ODS code or the hospital's name.

A name that matches nothing is a :class:`~vrhub.errors.UserError` naming what was typed,
the closest names (:mod:`vrhub.suggest`) and how to list them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vrhub.errors import UserError
from vrhub.storage import names as stored
from vrhub.storage.warehouse import Warehouse
from vrhub.suggest import did_you_mean

if TYPE_CHECKING:  # the records module brings the access policy and its database models
    from vrhub.storage.records import Filters

GSS_CODE = re.compile(r"[EWSN]\d{8}", re.IGNORECASE)
ODS_CODE = re.compile(r"[A-Z0-9]{3,5}\d{0,2}", re.IGNORECASE)
WHOLE_AREA = {"london", "all", "everywhere"}
LEVEL_WORDS = {"borough": "borough", "ward": "ward", "lsoa": "LSOA"}
SOURCE_WORDS = {"police": "police.uk crime type", "mps": "MPS category",
                "istv": "ED assault method"}
_QUALIFIED = re.compile(r"\s*(?P<name>.+?)\s*(?:,\s*(?P<b1>[^,()]+)|\((?P<b2>[^()]+)\))\s*")


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str | None


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("&", "and")).strip().casefold()


def resolve_area(warehouse: Warehouse, level: str, text: str) -> Area:
    """The area of ``level`` that ``text`` (a GSS code or a name) names."""
    typed = text.strip()
    if GSS_CODE.fullmatch(typed):
        return Area(level, typed.upper(), None)
    known = stored.area_names(warehouse, level)
    if known.empty:
        raise UserError(f"{typed!r} is not a {LEVEL_WORDS[level]} code, and no "
                        f"{LEVEL_WORDS[level]} names are loaded to look it up",
                        hint="give the GSS code, or load the boundaries and lookups first "
                        "(vrhub load boundaries ..., vrhub load ward-lookup ...)")
    names = known["name"].astype(str).map(_key)
    hits = known[names == _key(typed)]
    if hits.empty and (m := _QUALIFIED.fullmatch(typed)) and level != "borough":
        borough = _key(m["b1"] or m["b2"] or "")
        hits = known[(names == _key(m["name"]))
                     & (known["borough_name"].astype(str).map(_key) == borough)]
    if len(hits) == 1:
        row = hits.iloc[0]
        return Area(level, str(row["code"]), str(row["name"]))
    if len(hits) > 1:
        hits = hits.sort_values(["borough_name", "code"])
        choices = "; ".join(f"{r.name}, {r.borough_name} ({r.code})"
                            for r in hits.itertuples())
        raise UserError(f"more than one {LEVEL_WORDS[level]} is called {typed!r}: {choices}",
                        hint=f"give the code, or the name with its borough, e.g. "
                        f"'{hits.iloc[0]['name']}, {hits.iloc[0]['borough_name']}'")
    raise UserError(f"no {LEVEL_WORDS[level]} called {typed!r}."
                    + did_you_mean(typed, known["name"].astype(str)),
                    hint=f"give the {LEVEL_WORDS[level]}'s GSS code or its name as "
                    "published")


def resolve_borough(warehouse: Warehouse, text: str | None) -> str | None:
    """A borough GSS code from a code or name; None for nothing, 'London' or 'all'."""
    if text is None or not text.strip() or _key(text) in WHOLE_AREA:
        return None
    return resolve_area(warehouse, "borough", text).code


def resolve_areas(warehouse: Warehouse, level: str, values: Iterable[str]) -> list[str]:
    """Codes for ``values`` at ``level``, where a borough (code or name) also stands for
    every area of the level inside it (as the series queries read a borough code)."""
    out: list[str] = []
    for text in values:
        try:
            out.append(resolve_area(warehouse, level, text).code)
        except UserError as first:
            if level == "borough":
                raise
            try:
                out.append(resolve_area(warehouse, "borough", text).code)
            except UserError:
                raise first from None
    return out


def category_names(warehouse: Warehouse, source: str) -> dict[str, str]:
    """The categories of ``source`` the warehouse holds, by their folded spelling (ISTV:
    codes, and the labels of the code list in force, mapped to codes)."""
    if source == "police":
        return {_key(c): c for c in stored.police_crime_types(warehouse)}
    if source == "mps":
        return {_key(c): c for c in stored.mps_categories(warehouse)}
    if source == "istv":
        codes = stored.assault_methods(warehouse)
        found = {_key(c): c for c in codes}
        if codes:
            from vrhub.ingest.istv.submission import active_codes

            for item in active_codes(warehouse)["assault_method"].codes:
                found.setdefault(_key(item.label), item.code)
        return found
    raise UserError(f"unknown source {source!r}", hint="use police, mps or istv")


def resolve_categories(warehouse: Warehouse, source: str,
                       values: Sequence[str]) -> list[str]:
    """The categories named by ``values`` in the spelling the data uses."""
    if not values:
        return []
    known = category_names(warehouse, source)
    if not known:
        return list(values)
    out = []
    for text in values:
        found = known.get(_key(text))
        if found is None:
            shown = sorted(set(known.values()))
            raise UserError(
                f"no {SOURCE_WORDS[source]} called {text!r}."
                + did_you_mean(text, shown),
                hint="use one of " + ", ".join(shown) if len(shown) <= 16 else
                f"the {len(shown)} categories include {_examples(shown)}")
        out.append(found)
    return out


def resolve_site(warehouse: Warehouse, text: str) -> str:
    """An ED site's ODS code from its code or its name."""
    typed = text.strip()
    sites = stored.ed_sites(warehouse)
    if sites.empty:
        return typed.upper()
    codes = {str(c).upper(): str(c) for c in sites["site_code"]}
    if typed.upper() in codes:
        return codes[typed.upper()]
    by_name = sites[sites["site_name"].astype(str).map(_key) == _key(typed)]
    if len(by_name) == 1:
        return str(by_name.iloc[0]["site_code"])
    if len(by_name) > 1:
        raise UserError(f"more than one ED site is called {typed!r}: "
                        + ", ".join(map(str, by_name["site_code"])),
                        hint="give the site's ODS code")
    if ODS_CODE.fullmatch(typed) and not any(ch.islower() for ch in typed):
        raise UserError(f"no ED site with the code {typed!r} is loaded."
                        + did_you_mean(typed, codes.values()),
                        hint="vrhub istv receipts lists the sites that have submitted; "
                        "load ED sites with vrhub load ed-sites")
    raise UserError(f"no ED site called {typed!r}."
                    + did_you_mean(typed, sites["site_name"].astype(str)),
                    hint="give the site's ODS code (e.g. R1H12) or its name")


def record_filters(warehouse: Warehouse, dataset: str, filters: Filters) -> Filters:
    """Record-search ``filters`` with the names in them turned into codes (boroughs,
    wards, LSOAs, ED sites and categories are accepted by name as well as by code)."""
    source = {"police": "police", "istv": "istv"}.get(dataset)
    return replace(
        filters,
        boroughs=[resolve_area(warehouse, "borough", b).code for b in filters.boroughs],
        wards=[resolve_area(warehouse, "ward", w).code for w in filters.wards],
        lsoas=[resolve_area(warehouse, "lsoa", x).code for x in filters.lsoas],
        sites=[_site_or_code(warehouse, s) for s in filters.sites],
        categories=(resolve_categories(warehouse, source, list(filters.categories))
                    if source else list(filters.categories)))


def _site_or_code(warehouse: Warehouse, text: str) -> str:
    """A site named by ``text``; a code not loaded is kept as given (the access policy
    then decides, and audits, whether the caller may ask for it)."""
    typed = text.strip()
    if ODS_CODE.fullmatch(typed) and not any(ch.islower() for ch in typed):
        known = set(stored.ed_sites(warehouse)["site_code"].astype(str).str.upper())
        if typed.upper() not in known:
            return typed.upper()
    return resolve_site(warehouse, typed)


def _examples(values: Iterable[object], n: int = 3) -> str:
    shown = sorted({str(v) for v in values})[:n]
    return ", ".join(shown)
