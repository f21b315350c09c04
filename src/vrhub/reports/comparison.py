"""Borough figures beside London's and beside a group of similar boroughs.

Similar boroughs are found once for all boroughs, from two traits that shape how much
violence an area records: deprivation (the population-weighted mean of its LSOAs' national
IMD 2025 ranks, 1 = most deprived; ranks are published for every LSOA, scores not always)
and size (residents, on a log scale). Both are standardised across the boroughs (z-scores)
and each borough's group is the ``SIMILAR_GROUP_SIZE`` nearest others by Euclidean
distance (ties by code). A comparison gives, per category, the rate per 1,000 residents of
the borough, of its group (the group's offences over the group's residents) and of London
(all boroughs' offences over all residents), and the borough's rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vrhub.errors import UserError
from vrhub.storage.names import area_names
from vrhub.storage.series import lsoa_imd, lsoa_lookup, monthly_counts, population_by_area
from vrhub.storage.warehouse import Warehouse

SIMILAR_GROUP_SIZE = 5


@dataclass(frozen=True)
class Groups:
    """Borough traits (``code``, ``name``, ``population``, ``imd_rank``) and each
    borough's similar boroughs (codes, nearest first)."""

    traits: pd.DataFrame
    similar: dict[str, list[str]]

    def names(self, codes: list[str]) -> list[str]:
        by_code = dict(zip(self.traits["code"], self.traits["name"], strict=True))
        return [str(by_code.get(c, c)) for c in codes]


def borough_traits(wh: Warehouse) -> pd.DataFrame:
    """Residents and population-weighted mean national IMD 2025 rank per borough."""
    population, _notes = population_by_area(wh, "lsoa")
    imd = lsoa_imd(wh)
    lookup = lsoa_lookup(wh, "borough")
    frame = lookup.merge(population.rename(columns={"area_code": "lsoa_code"}),
                         on="lsoa_code").merge(imd, on="lsoa_code", how="left")
    frame["weighted"] = frame["imd_rank"] * frame["population"]
    frame["scored"] = np.where(frame["imd_rank"].notna(), frame["population"], 0)
    out = frame.groupby("area_code", as_index=False).agg(
        population=("population", "sum"), weighted=("weighted", "sum"),
        scored=("scored", "sum"))
    out["imd_rank"] = np.where(out["scored"] > 0, out["weighted"] / out["scored"], np.nan)
    names = area_names(wh, "borough")
    out = out.rename(columns={"area_code": "code"}).merge(
        names[["code", "name"]], on="code", how="left")
    out["name"] = out["name"].fillna(out["code"])
    return out[["code", "name", "population", "imd_rank"]].sort_values("code").reset_index(
        drop=True)


def similar_groups(traits: pd.DataFrame, size: int = SIMILAR_GROUP_SIZE) -> dict[str, list[str]]:
    """Each borough's ``size`` nearest boroughs by standardised deprivation and log size."""
    known = traits.dropna(subset=["imd_rank"]).query("population > 0")
    if len(known) < 2:
        return {}
    features = np.column_stack([known["imd_rank"].to_numpy(float),
                                np.log(known["population"].to_numpy(float))])
    spread = features.std(axis=0)
    spread[spread == 0] = 1.0
    z = (features - features.mean(axis=0)) / spread
    codes = known["code"].astype(str).tolist()
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    groups = {}
    for i, code in enumerate(codes):
        order = sorted((float(distance[i, j]), codes[j]) for j in range(len(codes)) if j != i)
        groups[code] = [c for _d, c in order[:size]]
    return groups


def groups(wh: Warehouse) -> Groups:
    traits = borough_traits(wh)
    return Groups(traits, similar_groups(traits))


def compare(wh: Warehouse, borough: str, categories: list[str], start: str, end: str,
            found: Groups | None = None) -> dict[str, Any]:
    """The borough against its similar boroughs and London, per category, over the months
    ``start`` to ``end``: rates per 1,000 residents, counts and the borough's rank."""
    found = found or groups(wh)
    similar = found.similar.get(borough, [])
    population = dict(zip(found.traits["code"], found.traits["population"].astype(float),
                          strict=True))
    rows = []
    for category in categories:
        data = monthly_counts(wh, source="mps", level="borough", categories=[category],
                              period=(start, end)).data
        if not len(data):
            continue
        counts = data.groupby("area_code")["count"].sum()
        counts = counts[[c in population for c in counts.index]]
        if borough not in counts.index:
            continue
        rates = {c: counts[c] / population[c] * 1000 for c in counts.index
                 if population.get(c)}
        group = [c for c in similar if c in counts.index]
        ranked = sorted(rates, key=lambda c: -rates[c])
        rows.append({
            "category": category,
            "count": int(counts[borough]),
            "rate": round(rates[borough], 2) if borough in rates else None,
            "similar_rate": round(float(counts[group].sum()) / sum(population[c] for c in group)
                                  * 1000, 2) if group else None,
            "london_rate": round(float(counts.sum()) / sum(population[c] for c in counts.index)
                                 * 1000, 2),
            "london_count_mean": round(float(counts.mean()), 1),
            "rank": ranked.index(borough) + 1 if borough in rates else None,
            "of": len(ranked),
        })
    if not rows and not similar:
        raise UserError("no borough figures to compare for these months",
                        hint="load the MPS recorded-crime and population tables")
    return {"borough": borough, "similar": similar, "similar_names": found.names(similar),
            "rows": rows, "start": start, "end": end}


def compare_system(wh: Warehouse, boroughs: list[str], categories: list[str], start: str,
                   end: str) -> dict[str, Any]:
    """A set of boroughs (an ICB's system) against London, per category, over ``start`` to
    ``end``: each borough's count and rate, the system's rate (its offences over its
    residents) and London's."""
    traits = borough_traits(wh)
    population = dict(zip(traits["code"], traits["population"].astype(float), strict=True))
    names = dict(zip(traits["code"], traits["name"], strict=True))
    members = [b for b in boroughs if population.get(b)]
    rows = []
    for category in categories:
        data = monthly_counts(wh, source="mps", level="borough", categories=[category],
                              period=(start, end)).data
        if not len(data):
            continue
        counts = data.groupby("area_code")["count"].sum()
        counts = counts[[c in population for c in counts.index]]
        inside = [b for b in members if b in counts.index]
        if not inside:
            continue
        rows.append({
            "category": category,
            "system_count": int(counts[inside].sum()),
            "system_rate": round(float(counts[inside].sum())
                                 / sum(population[b] for b in inside) * 1000, 2),
            "london_rate": round(float(counts.sum())
                                 / sum(population[c] for c in counts.index) * 1000, 2),
            "boroughs": [{"code": b, "name": str(names.get(b, b)), "count": int(counts[b]),
                          "rate": round(float(counts[b]) / population[b] * 1000, 2)}
                         for b in sorted(inside, key=lambda b: str(names.get(b, b)))],
        })
    return {"rows": rows, "start": start, "end": end}
