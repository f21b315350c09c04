"""Labelled location descriptions for evaluating and calibrating the geocoder.

A labelled set is a CSV with columns ``description``, ``lsoa_code`` (LSOA 2021),
``longitude``, ``latitude`` and optionally ``site_code`` (the treating ED). Here they are
made from real police.uk street-level crime: the location string of a crime ("On or near
Alexandra Road") is the description, and the crime's LSOA and coordinates are the truth.
The treating ED is drawn at random from the three ED sites nearest the point, as a patient
injured there would most likely attend one of them.

:func:`add_noise` turns clean strings into what ED reception staff type: misspellings,
abbreviations ('Rd', 'St'), 'outside' / 'near' / 'opp' in front, a shop or a nearby
station in front, the ward or borough after a comma, the street type left out. All of it
is seeded, so a set can be regenerated exactly.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from vrhub.errors import InputError, Location
from vrhub.geography.text import STREET_TYPES, strip_police_prefix

LABELLED_COLUMNS = ("description", "lsoa_code", "longitude", "latitude")

SHOPS = (
    "Tesco", "Tesco Express", "Sainsbury's", "Sainsburys Local", "McDonalds", "KFC",
    "Costa", "Greggs", "the chicken shop", "Co-op", "Lidl", "the off licence",
    "the bookies", "Boots", "Starbucks", "Subway", "the pub", "the kebab shop",
    "Ladbrokes", "the corner shop",
)
PREFIXES = ("outside", "near", "opp", "o/s", "nr", "opposite", "by", "at", "outside of",
            "on", "in")
SHORT_TYPES = {
    "Road": ("Rd", "rd", "RD", "Rd."), "Street": ("St", "st", "St."), "Avenue": ("Ave", "Av"),
    "Lane": ("Ln", "La"), "Close": ("Cl",), "Crescent": ("Cres",), "Drive": ("Dr",),
    "Gardens": ("Gdns",), "Grove": ("Gr", "Gro"), "Place": ("Pl",), "Square": ("Sq",),
    "Terrace": ("Terr", "Ter"), "Park": ("Pk",), "Station": ("Stn", "stn"),
    "House": ("Hse",), "Court": ("Ct",), "Parade": ("Pde",), "Saint": ("St",),
}


# -- reading police.uk files ----------------------------------------------------------------
def read_police(paths: Iterable[Path]) -> pd.DataFrame:
    """police.uk street-level crime rows with a location and coordinates.

    Returns columns location, longitude, latitude, easting, northing, lsoa_code, month,
    force. Files may be gzip-compressed."""
    from vrhub.geography.bng import to_bng

    frames = []
    for path in paths:
        raw = Path(path).read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        needed = {"Location", "Longitude", "Latitude", "LSOA code", "Month"}
        if not needed <= set(frame.columns):
            missing = sorted(needed - set(frame.columns))
            raise InputError(
                f"not a police.uk street-level file: columns {missing} are missing",
                Location(path.name, column=missing[0]),
                hint="pass YYYY-MM-<force>-street.csv files from data.police.uk")
        frames.append(pd.DataFrame({
            "location": frame["Location"],
            "longitude": pd.to_numeric(frame["Longitude"], errors="coerce"),
            "latitude": pd.to_numeric(frame["Latitude"], errors="coerce"),
            "lsoa_code": frame["LSOA code"],
            "month": frame["Month"],
            "force": frame.get("Reported by", pd.Series("", index=frame.index)),
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["location", "longitude", "latitude", "lsoa_code", "month", "force"])
    out = out[out["location"].str.len().gt(0) & out["longitude"].notna()
              & out["latitude"].notna()].reset_index(drop=True)
    e, n = to_bng(out["longitude"].to_numpy(float), out["latitude"].to_numpy(float))
    out["easting"] = np.round(np.asarray(e, float), 1)
    out["northing"] = np.round(np.asarray(n, float), 1)
    return out


def read_lsoa_lookup(path: Path) -> pd.DataFrame:
    """The ONS LSOA 2021 -> ward -> local authority best-fit lookup, London rows only:
    columns lsoa21_code, ward_code, ward_name, borough_code, borough_name."""
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    frame = frame[frame["LAD24CD"].str.startswith("E09")]
    return pd.DataFrame({
        "lsoa21_code": frame["LSOA21CD"], "ward_code": frame["WD24CD"],
        "ward_name": frame["WD24NM"], "borough_code": frame["LAD24CD"],
        "borough_name": frame["LAD24NM"],
    }).reset_index(drop=True)


# -- labelled sets --------------------------------------------------------------------------
def sample_clean(
    police: pd.DataFrame,
    lookup: pd.DataFrame,
    ed_sites: pd.DataFrame,
    *,
    n: int,
    seed: int,
) -> pd.DataFrame:
    """``n`` crimes drawn at random (so busy places appear as often as they are recorded)
    from rows with a London LSOA 2021 code, with a treating ED drawn from the three ED
    sites nearest each point. Columns: description (the police.uk location without
    'On or near'), lsoa_code, longitude, latitude, site_code, easting, northing, ward_name,
    borough_name."""
    rng = np.random.default_rng(seed)
    london = police.merge(lookup, left_on="lsoa_code", right_on="lsoa21_code", how="inner")
    london = london[~london["location"].str.lower().str.contains("no location")]
    if not len(london):
        return pd.DataFrame(columns=[*LABELLED_COLUMNS, "site_code"])
    take = rng.choice(len(london), size=min(n, len(london)), replace=False)
    rows = london.iloc[np.sort(take)].reset_index(drop=True)
    ex = ed_sites["easting"].to_numpy(float)
    ny = ed_sites["northing"].to_numpy(float)
    d = np.hypot(rows["easting"].to_numpy(float)[:, None] - ex[None, :],
                 rows["northing"].to_numpy(float)[:, None] - ny[None, :])
    nearest3 = np.argsort(d, axis=1)[:, :3]
    pick = nearest3[np.arange(len(rows)), rng.integers(0, 3, size=len(rows))]
    return pd.DataFrame({
        "description": rows["location"].map(strip_police_prefix),
        "lsoa_code": rows["lsoa_code"],
        "longitude": rows["longitude"],
        "latitude": rows["latitude"],
        "site_code": ed_sites["site_code"].to_numpy()[pick],
        "easting": rows["easting"],
        "northing": rows["northing"],
        "ward_name": rows["ward_name"],
        "borough_name": rows["borough_name"],
    })


def add_noise(clean: pd.DataFrame, *, seed: int,
              stations: pd.DataFrame | None = None) -> pd.DataFrame:
    """A noisy copy of a clean labelled set: each description gets one to three of the
    distortions described in the module docstring. ``stations`` (columns name, easting,
    northing) supplies station names for 'near X station' (only stations within 800 m of
    the true point are used)."""
    rng = np.random.default_rng(seed)
    out = clean.copy()
    st_xy = None
    if stations is not None and len(stations):
        st_xy = np.column_stack([stations["easting"].to_numpy(float),
                                 stations["northing"].to_numpy(float)])
    texts = []
    kinds = []
    for row in clean.itertuples(index=False):
        text = str(row.description)
        applied = []
        ops = rng.choice(["typo", "abbreviate", "prefix", "shop", "area", "drop_type",
                          "station", "case"],
                         size=int(rng.integers(1, 4)), replace=False)
        if "drop_type" in ops:
            words = text.split()
            if len(words) > 1 and words[-1].lower() in STREET_TYPES:
                text = " ".join(words[:-1])
                applied.append("drop_type")
        if "abbreviate" in ops:
            words = text.split()
            shortened = [str(rng.choice(SHORT_TYPES[w])) if w in SHORT_TYPES
                         and rng.random() < 0.8 else w for w in words]
            if shortened != words:
                text = " ".join(shortened)
                applied.append("abbreviate")
        if "typo" in ops:
            text, done = _typo(text, rng)
            if done:
                applied.append("typo")
        if "case" in ops:
            text = text.lower() if rng.random() < 0.5 else text.upper()
            applied.append("case")
        if "area" in ops:
            area = row.ward_name if rng.random() < 0.6 else row.borough_name
            if isinstance(area, str) and area:
                sep = ", " if rng.random() < 0.7 else " "
                text = f"{text}{sep}{area}"
                applied.append("area")
        if "station" in ops and st_xy is not None:
            d = np.hypot(st_xy[:, 0] - row.easting, st_xy[:, 1] - row.northing)
            near = np.flatnonzero(d < 800)
            if len(near):
                name = str(stations["name"].iloc[int(rng.choice(near))])  # type: ignore[index]
                station = name if rng.random() < 0.5 else name.replace("Station", "stn")
                text = f"nr {station}, {text}" if rng.random() < 0.5 else f"{text} by {station}"
                applied.append("station")
        if "shop" in ops:
            shop = str(rng.choice(SHOPS))
            text = f"outside {shop}, {text}" if rng.random() < 0.6 else f"{shop} {text}"
            applied.append("shop")
        if "prefix" in ops and "shop" not in applied:
            text = f"{rng.choice(PREFIXES)} {text}"
            applied.append("prefix")
        texts.append(text)
        kinds.append("+".join(applied) or "none")
    out["clean_description"] = clean["description"]
    out["description"] = texts
    out["noise"] = kinds
    return out


def _typo(text: str, rng: np.random.Generator) -> tuple[str, bool]:
    words = text.split()
    usable = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()
              and w.lower() not in STREET_TYPES]
    if not usable:
        return text, False
    i = int(rng.choice(usable))
    w = words[i]
    pos = int(rng.integers(1, len(w) - 1))
    kind = rng.integers(0, 4)
    letters = "abcdefghijklmnopqrstuvwxyz"
    if kind == 0:  # delete
        w = w[:pos] + w[pos + 1:]
    elif kind == 1:  # swap neighbours
        w = w[:pos] + w[pos + 1] + w[pos] + w[pos + 2:]
    elif kind == 2:  # substitute
        w = w[:pos] + str(rng.choice(list(letters))) + w[pos + 1:]
    else:  # insert
        w = w[:pos] + str(rng.choice(list(letters))) + w[pos:]
    words[i] = w
    return " ".join(words), True


def read_labelled(path: Path) -> pd.DataFrame:
    """Read and check a labelled CSV (see the module docstring for its columns)."""
    frame = pd.read_csv(path, dtype={"description": str, "lsoa_code": str,
                                     "site_code": str}, keep_default_na=False,
                        na_values={"longitude": [""], "latitude": [""]})
    missing = [c for c in LABELLED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"the labelled file has no {missing[0]!r} column",
            Location(path.name, column=missing[0]),
            hint="a labelled file needs the columns description, lsoa_code, longitude, "
            "latitude and optionally site_code (the treating ED)")
    for col in ("longitude", "latitude"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].astype(str).str.strip().ne("")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{col} is not a number",
                Location(path.name, row=row + 1, column=col, value=frame[col].iloc[row]),
                hint="write decimal degrees (WGS84), e.g. -0.1276")
        frame[col] = values
    if "site_code" not in frame.columns:
        frame["site_code"] = None
    frame["site_code"] = frame["site_code"].replace("", None)
    return frame
