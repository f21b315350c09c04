"""Seeded synthetic police data on the synthetic geography: police.uk street files and
MPS-style wide recorded-crime tables.

Street files follow the data.police.uk download exactly: ``YYYY-MM/YYYY-MM-metropolitan-
street.csv`` with the 12 published columns, crimes snapped to street points ('On or near
<street>'), anti-social behaviour without a Crime ID or outcome, and the awkward rows real
files have: a few crimes with no location (blank coordinates and LSOA) and, rarely,
coordinates of zero. Crime concentrates in a handful of hotspot LSOAs. Rows are in the
published order: by LSOA name, rows without a location last.

The MPS tables (LSOA, ward, borough) are built from one set of monthly counts, so the
levels add up, and open with a near-empty stub month as the real current tables do.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from vrhub.standards.months import month_span, shift
from vrhub.synthetic.geography import SyntheticGeography, _csv

FORCE = "Metropolitan Police Service"
STREET_COLUMNS = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                  "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                  "Context")
#: police.uk crime types with their approximate share of London street records.
CRIME_TYPES: dict[str, float] = {
    "Anti-social behaviour": 0.18, "Bicycle theft": 0.02, "Burglary": 0.06,
    "Criminal damage and arson": 0.06, "Drugs": 0.03, "Other crime": 0.02,
    "Other theft": 0.14, "Possession of weapons": 0.01, "Public order": 0.06,
    "Robbery": 0.03, "Shoplifting": 0.06, "Theft from the person": 0.05,
    "Vehicle crime": 0.08, "Violence and sexual offences": 0.20,
}
OUTCOMES = ("Investigation complete; no suspect identified", "Under investigation",
            "Unable to prosecute suspect", "Status update unavailable",
            "Awaiting court outcome", "Offender given a caution", "Local resolution",
            "Further investigation is not in the public interest")
#: MPS major -> minor categories, with each minor category's share of recorded crime.
MPS_CATEGORIES: dict[tuple[str, str], float] = {
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"): 0.09,
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITHOUT INJURY"): 0.12,
    ("VIOLENCE AGAINST THE PERSON", "STALKING AND HARASSMENT"): 0.08,
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"): 0.0005,
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"): 0.04,
    ("ROBBERY", "ROBBERY OF BUSINESS PROPERTY"): 0.004,
    ("BURGLARY", "BURGLARY - RESIDENTIAL"): 0.05,
    ("BURGLARY", "BURGLARY BUSINESS AND COMMUNITY"): 0.02,
    ("THEFT", "OTHER THEFT"): 0.14,
    ("THEFT", "THEFT FROM THE PERSON"): 0.06,
    ("THEFT", "SHOPLIFTING"): 0.07,
    ("THEFT", "BICYCLE THEFT"): 0.02,
    ("VEHICLE OFFENCES", "THEFT FROM A VEHICLE"): 0.05,
    ("VEHICLE OFFENCES", "THEFT OR UNAUTH TAKING OF A MOTOR VEH"): 0.03,
    ("ARSON AND CRIMINAL DAMAGE", "CRIMINAL DAMAGE"): 0.05,
    ("ARSON AND CRIMINAL DAMAGE", "ARSON"): 0.003,
    ("DRUG OFFENCES", "POSSESSION OF DRUGS"): 0.03,
    ("DRUG OFFENCES", "TRAFFICKING OF DRUGS"): 0.005,
    ("POSSESSION OF WEAPONS", "POSSESSION OF WEAPONS"): 0.006,
    ("PUBLIC ORDER OFFENCES", "PUBLIC FEAR ALARM OR DISTRESS"): 0.04,
    ("MISCELLANEOUS CRIMES AGAINST SOCIETY", "MISC CRIMES AGAINST SOCIETY"): 0.01,
}


def months_between(first: str, count: int) -> list[str]:
    """``count`` consecutive months from ``first`` (YYYY-MM)."""
    return month_span(first, shift(first, count - 1)) if count > 0 else []


def _rates(geo: SyntheticGeography, per_lsoa: float, rng: np.random.Generator) -> np.ndarray:
    base = rng.gamma(4.0, per_lsoa / 4.0, len(geo.lsoa21))
    base *= 1 + (10 - geo.lsoa21["imd_decile"].to_numpy()) * 0.08
    base[geo.lsoa21["hotspot"].to_numpy()] *= 5
    return base


def write_street_files(geo: SyntheticGeography, folder: Path, months: list[str], *,
                       seed: int = 2024, per_lsoa: float = 4.0) -> list[Path]:
    """Write one police.uk street file per month under ``folder/YYYY-MM/``."""
    rng = np.random.default_rng(seed)
    to_wgs84 = Transformer.from_crs(27700, 4326, always_xy=True)
    rates = _rates(geo, per_lsoa, rng)
    codes = geo.lsoa21["code"].to_numpy()
    names = geo.lsoa21["name"].to_numpy()
    position = {code: i for i, code in enumerate(codes)}
    streets = geo.streets.assign(
        order=geo.streets["lsoa21_code"].map(position)).sort_values("order", kind="stable")
    per = np.bincount(streets["order"].to_numpy(), minlength=len(codes))
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    lon_all, lat_all = to_wgs84.transform(streets["easting"].to_numpy(),
                                          streets["northing"].to_numpy())
    street_names = streets["street"].to_numpy()
    types = list(CRIME_TYPES)
    shares = np.array(list(CRIME_TYPES.values()))
    shares /= shares.sum()
    paths = []
    for m, month in enumerate(months):
        season = 1 + 0.1 * np.sin(2 * np.pi * (int(month[5:]) - 4) / 12)
        counts = rng.poisson(rates * season)
        area = np.repeat(np.arange(len(codes)), counts)
        spot = starts[area] + (rng.random(len(area)) * per[area]).astype(int)
        kinds = rng.choice(len(types), len(area), p=shares)
        outcome_pick = rng.integers(0, len(OUTCOMES), len(area))
        rows: list[list[object]] = []
        for i, (a, s, k) in enumerate(zip(area, spot, kinds, strict=True)):
            crime = types[k]
            asb = crime == "Anti-social behaviour"
            crime_id = "" if asb else hashlib.sha256(f"{seed}/{month}/{i}".encode()).hexdigest()
            outcome = "" if asb else OUTCOMES[outcome_pick[i]]
            rows.append([crime_id, month, FORCE, FORCE, f"{lon_all[s]:.6f}",
                         f"{lat_all[s]:.6f}", f"On or near {street_names[s]}", codes[a],
                         names[a], crime, outcome, ""])
        for _ in range(int(rng.integers(1, 4))):  # crimes with no location
            crime = types[int(rng.choice(len(types), p=shares))]
            asb = crime == "Anti-social behaviour"
            crime_id = "" if asb else hashlib.sha256(
                f"{seed}/{month}/nl{len(rows)}".encode()).hexdigest()
            rows.append([crime_id, month, FORCE, FORCE, "", "", "No Location", "", "", crime,
                         "" if asb else OUTCOMES[0], ""])
        if m % 6 == 5:  # the rare row with zero coordinates
            rows.append([hashlib.sha256(f"{seed}/{month}/z".encode()).hexdigest(), month,
                         FORCE, FORCE, "0.000000", "0.000000", "On or near Unknown Street", "",
                         "", "Other theft", OUTCOMES[0], ""])
        # as police.uk orders a file: by LSOA name (so by district), rows without a
        # location last; within an LSOA in no particular order
        shuffled = rng.permutation(len(rows))
        order = sorted(shuffled, key=lambda i: (rows[i][8] == "", rows[i][8]))
        paths.append(_csv(folder / month / f"{month}-metropolitan-street.csv", STREET_COLUMNS,
                          [rows[i] for i in order]))
    return paths


def mps_counts(geo: SyntheticGeography, months: list[str], *, seed: int = 2024,
               per_lsoa: float = 12.0) -> pd.DataFrame:
    """Monthly recorded-crime counts per LSOA 2021 and MPS category (long)."""
    rng = np.random.default_rng(seed + 1)
    rates = _rates(geo, per_lsoa, rng)
    cats = list(MPS_CATEGORIES)
    shares = np.array(list(MPS_CATEGORIES.values()))
    shares /= shares.sum()
    lam = rates[:, None, None] * shares[None, :, None] * np.ones(len(months))[None, None, :]
    counts = rng.poisson(lam)
    counts[:, :, 0] = 0  # the stub month: a handful of offences only
    stub = rng.choice(counts.shape[0] * counts.shape[1], 6, replace=False)
    first = counts[:, :, 0]
    first.flat[stub] = 1
    counts[:, :, 0] = first
    idx = pd.MultiIndex.from_product([geo.lsoa21["code"], range(len(cats)), months],
                                     names=["lsoa", "cat", "month"])
    long = pd.DataFrame({"count": counts.reshape(-1)}, index=idx).reset_index()
    long["major"] = [cats[c][0] for c in long["cat"]]
    long["minor"] = [cats[c][1] for c in long["cat"]]
    return long


def write_mps_tables(geo: SyntheticGeography, folder: Path, months: list[str], *,
                     seed: int = 2024) -> list[Path]:
    """Write the LSOA, ward and borough MPS tables (wide, YYYYMM columns; the first month
    is a stub). Categories with no offences anywhere in an area are left out, as the MPS
    does."""
    long = mps_counts(geo, months, seed=seed)
    attrs = geo.lsoa21.set_index("code")[["name", "ward_code", "borough_code", "borough_name"]]
    long = long.join(attrs, on="lsoa")
    ward_names = geo.wards.set_index("code")["name"]
    long["ward_name"] = long["ward_code"].map(ward_names)
    columns = [m.replace("-", "") for m in months]

    def wide(keys: list[str]) -> pd.DataFrame:
        table = long.pivot_table(index=keys, columns="month", values="count", aggfunc="sum",
                                 fill_value=0).reset_index()
        table.columns = [str(c).replace("-", "") for c in table.columns]
        return table[table[columns].sum(axis=1) > 0]

    lsoa = wide(["lsoa", "name", "borough_code", "major", "minor"])
    ward = wide(["major", "minor", "ward_name", "ward_code", "borough_name"])
    borough = wide(["major", "minor", "borough_name"])
    out = folder / "london-datastore" / "mps-recorded-crime"
    return [
        _csv(out / "recorded-crime-lsoa.csv",
             ["lsoa_code", "lsoa_name", "borough", "major_category", "minor_category",
              *columns], lsoa.to_numpy().tolist()),
        _csv(out / "recorded-crime-ward.csv",
             ["majortext", "minortext", "wardname", "wardcode", "lookup_boroughname",
              *columns], ward.to_numpy().tolist()),
        _csv(out / "recorded-crime-borough.csv",
             ["majortext", "minortext", "boroughname", *columns], borough.to_numpy().tolist()),
    ]
