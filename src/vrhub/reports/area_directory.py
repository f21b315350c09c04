"""The areas of the study area and how they nest: ICB -> borough (district) -> ward -> LSOA,
with names for every code, and the ED sites with the borough and ICB they serve.

The districts are those the workspace's lookup holds (London by default, any set of
districts elsewhere); nothing here assumes 33 London boroughs. An ICB's districts come
from the ONS code list (:mod:`vrhub.standards.icb`) where it covers them, otherwise from
the ED sites lying in each district (the ICB most of them belong to).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vrhub.standards.icb import ICB_OF_DISTRICT, LONDON_ICBS, short_name
from vrhub.storage import catalogue
from vrhub.storage.warehouse import Warehouse


@dataclass(frozen=True)
class ICB:
    code: str
    name: str
    short_name: str
    boroughs: tuple[str, ...]
    sites: tuple[str, ...]
    membership: str  # "ONS lookup" or "ED sites"


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    icb_code: str | None
    borough_code: str | None


@dataclass
class AreaDirectory:
    boroughs: dict[str, str] = field(default_factory=dict)  # code -> name, by name
    sites: dict[str, Site] = field(default_factory=dict)
    icbs: dict[str, ICB] = field(default_factory=dict)

    # -- names ------------------------------------------------------------------------------
    def borough_name(self, code: str) -> str:
        return self.boroughs.get(code, code)

    def site_name(self, code: str) -> str:
        site = self.sites.get(code)
        return site.name if site else code

    def borough_label(self, code: str) -> str:
        """'Hackney (E09000012)' or the code when the workspace has no name for it."""
        name = self.boroughs.get(code)
        return f"{name} ({code})" if name else code

    def site_label(self, code: str) -> str:
        site = self.sites.get(code)
        return f"{site.name} ({code})" if site and site.name != code else code

    # -- nesting ----------------------------------------------------------------------------
    def icb_of(self, borough: str) -> ICB | None:
        for icb in self.icbs.values():
            if borough in icb.boroughs:
                return icb
        return None

    def find_borough(self, text: str) -> str | None:
        """The borough code for a code or a name (any case); None when unknown."""
        key = text.strip()
        if key.upper() in self.boroughs:
            return key.upper()
        wanted = _fold(key)
        for code, name in self.boroughs.items():
            if _fold(name) == wanted:
                return code
        return None

    def find_icb(self, text: str) -> str | None:
        key = text.strip().upper()
        if key in self.icbs:
            return key
        wanted = _fold(text)
        for icb in self.icbs.values():
            if wanted in (_fold(icb.name), _fold(icb.short_name)):
                return icb.code
        return None


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("&", "and").replace("-", " ").split())


def build(wh: Warehouse | None) -> AreaDirectory:
    """The directory of what the warehouse holds (empty before anything is loaded)."""
    boroughs = dict(catalogue.boroughs(wh))
    site_rows = catalogue.ed_sites(wh)
    located = _site_boroughs(wh, site_rows)
    sites = {str(r["site_code"]): Site(str(r["site_code"]), str(r["site_name"] or
                                                                r["site_code"]),
                                       r["icb_code"], located.get(str(r["site_code"])))
             for r in site_rows}
    icb_names: dict[str, str] = {m.code: m.name for m in LONDON_ICBS}
    for r in site_rows:
        if r["icb_code"] and r["icb_name"]:
            icb_names.setdefault(str(r["icb_code"]), str(r["icb_name"]))
    members: dict[str, list[str]] = {}
    how: dict[str, str] = {}
    by_sites: dict[str, Counter[str]] = {}
    for site in sites.values():
        if site.borough_code and site.icb_code:
            by_sites.setdefault(site.borough_code, Counter())[site.icb_code] += 1
    for code in boroughs:
        icb = ICB_OF_DISTRICT.get(code)
        method = "ONS lookup"
        if icb is None and code in by_sites:
            icb, method = by_sites[code].most_common(1)[0][0], "ED sites"
        if icb is not None:
            members.setdefault(icb, []).append(code)
            how[icb] = method if how.get(icb, method) == method else "ONS lookup and ED sites"
    icbs = {}
    for code in sorted(members, key=lambda c: short_name(icb_names.get(c) or c)):
        name = icb_names.get(code) or code
        icbs[code] = ICB(code, name, short_name(name),
                         tuple(sorted(members[code], key=lambda b: boroughs[b])),
                         tuple(sorted(s.code for s in sites.values() if s.icb_code == code)),
                         how[code])
    return AreaDirectory(boroughs, sites, icbs)


def _site_boroughs(wh: Warehouse | None, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The borough each ED site lies in (by its easting and northing)."""
    placed = [r for r in rows if r["easting"] is not None and r["northing"] is not None]
    if wh is None or not placed or not wh.has_table("area_boundary"):
        return {}
    from vrhub.places.placement import locate

    located = locate(wh, np.array([float(r["easting"]) for r in placed]),
                     np.array([float(r["northing"]) for r in placed]))
    out = {}
    for r, borough in zip(placed, located["borough_code"], strict=True):
        if isinstance(borough, str) and borough:
            out[str(r["site_code"])] = borough
    return out
