"""A small, seeded, London-like synthetic geography for demos and tests.

Six invented boroughs laid out on real British National Grid coordinates in inner London,
each split into four wards, each ward into six LSOAs (2021) - 144 LSOAs in all. Every code
is a valid GSS code (so the value types and loaders accept it) but obviously synthetic:
boroughs ``E0999xxxx``, wards ``E0599xxxx``, LSOAs ``E0199xxxx``; no real area has them.
The LSOA 2011 layer differs from 2021 in a few places so that the ONS change types all
occur: ``S`` (one 2011 LSOA split in two), ``M`` (two merged into one) and ``X`` (redrawn).

Everything is written out in the formats the real publishers use (zipped shapefile,
GeoJSON, GeoJSON.gz, ONS lookup CSVs with a byte-order mark, Nomis census tables, IoD files,
the NHS site list), so the demo runs through the same loaders as real data.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import box

from vrhub.standards.study_area import StudyArea

BNG = 27700
ORIGIN = (523_000.0, 173_000.0)  # south-west corner: Battersea / Clapham
BOROUGH_SIZE = 3_000.0
BOROUGH_NAMES = ("Alderbury", "Brackenwood", "Cedarfield", "Dunmere", "Elmstead Vale",
                 "Foxhollow")
WARD_WORDS = ("North", "South", "East", "West")
STREET_FIRST = ("Acorn", "Beacon", "Birch", "Canal", "Chapel", "Clover", "Copper", "Dock",
                "Fern", "Foundry", "Granary", "Hazel", "Heron", "Juniper", "Kiln", "Larch",
                "Linden", "Maple", "Mill", "Orchard", "Osier", "Quarry", "Rowan", "Saffron",
                "Sorrel", "Tanner", "Thistle", "Weaver", "Willow", "Yarrow")
STREET_KIND = ("Road", "Street", "Lane", "Way", "Close", "Grove", "Place", "Walk", "Terrace",
               "Mews")
#: Synthetic ED sites: (site code, site name, borough index, position in borough 0..1)
SITES = (
    ("ZZ901", "Alderbury General Hospital ED", 0, (0.5, 0.6)),
    ("ZZ902", "Cedarfield Royal Infirmary ED", 2, (0.4, 0.5)),
    ("ZZ903", "Elmstead Vale Urgent Treatment Centre", 4, (0.6, 0.4)),
)
LOOKUP_COLUMNS_11_21 = ("LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD",
                        "LAD22NM", "LAD22NMW", "ObjectId")
WARD_LOOKUP_COLUMNS = ("LSOA21CD", "LSOA21NM", "LSOA21NMW", "WD24CD", "WD24NM", "WD24NMW",
                       "LAD24CD", "LAD24NM", "LAD24NMW", "ObjectId")
CENSUS_BANDS = ("Aged 4 years and under", "Aged 5 to 9 years", "Aged 10 to 14 years",
                "Aged 15 to 19 years", "Aged 20 to 24 years", "Aged 25 to 29 years",
                "Aged 30 to 34 years", "Aged 35 to 39 years", "Aged 40 to 44 years",
                "Aged 45 to 49 years", "Aged 50 to 54 years", "Aged 55 to 59 years",
                "Aged 60 to 64 years", "Aged 65 to 69 years", "Aged 70 to 74 years",
                "Aged 75 to 79 years", "Aged 80 to 84 years", "Aged 85 years and over")
CENSUS_SHARES = np.array([6, 5, 5, 5, 7, 10, 11, 10, 8, 7, 6, 5, 4, 3, 3, 2, 2, 1], float)
MYE_BANDS = ("0-15", "16-29", "30-44", "45-64", "65+")
ENGLAND_LSOAS_2011 = 32_844
ENGLAND_LSOAS_2021 = 33_755


def study_area() -> StudyArea:
    """The synthetic boroughs as the demo's study area."""
    return StudyArea("custom", "Synthetic London (demo)",
                     tuple(f"E0999{b + 1:04d}" for b in range(len(BOROUGH_NAMES))))


@dataclass
class SyntheticGeography:
    """The synthetic areas (GeoDataFrames in EPSG:27700) and their attributes."""

    boroughs: gpd.GeoDataFrame  # code, name
    wards: gpd.GeoDataFrame  # code, name, borough_code, borough_name
    lsoa21: gpd.GeoDataFrame  # code, name, ward_code, borough_code, borough_name, population,
    #                           imd_decile, hotspot
    lsoa11: gpd.GeoDataFrame  # code, name, borough_code, borough_name, population
    changes: pd.DataFrame  # lsoa11_code, lsoa21_code, change
    sites: pd.DataFrame  # site_code, site_name, ..., easting, northing
    streets: pd.DataFrame  # lsoa21_code, street, easting, northing


def build_geography(seed: int = 2024) -> SyntheticGeography:
    """Build the synthetic geography. The same ``seed`` gives the same areas and figures."""
    rng = np.random.default_rng(seed)
    boroughs, wards, cells = [], [], []
    ward_n = lsoa_n = 0
    for b, name in enumerate(BOROUGH_NAMES):
        bx = ORIGIN[0] + (b % 3) * BOROUGH_SIZE
        by = ORIGIN[1] + (b // 3) * BOROUGH_SIZE
        bcode = f"E0999{b + 1:04d}"
        boroughs.append({"code": bcode, "name": name,
                         "geometry": box(bx, by, bx + BOROUGH_SIZE, by + BOROUGH_SIZE)})
        for w in range(4):
            ward_n += 1
            wx, wy = bx + (w % 2) * 1500.0, by + (w // 2) * 1500.0
            wcode = f"E0599{ward_n:04d}"
            wname = f"{name} {WARD_WORDS[w]}"
            wards.append({"code": wcode, "name": wname, "borough_code": bcode,
                          "borough_name": name, "geometry": box(wx, wy, wx + 1500, wy + 1500)})
            msoa = w + 1
            for k in range(6):
                lsoa_n += 1
                cx, cy = wx + (k % 2) * 750.0, wy + (k // 2) * 500.0
                cells.append({
                    "code": f"E0199{lsoa_n:04d}", "name": f"{name} {msoa:03d}{'ABCDEF'[k]}",
                    "ward_code": wcode, "borough_code": bcode, "borough_name": name,
                    "geometry": box(cx, cy, cx + 750, cy + 500),
                })
    lsoa21 = gpd.GeoDataFrame(cells, crs=BNG)
    n = len(lsoa21)
    centre = np.array([ORIGIN[0] + 4500, ORIGIN[1] + 3000])
    xy = np.column_stack([lsoa21.geometry.centroid.x, lsoa21.geometry.centroid.y])
    distance = np.hypot(*(xy - centre).T) / 5000
    lsoa21["population"] = rng.integers(1200, 2300, n)
    deprivation = 1 - distance + rng.normal(0, 0.25, n)
    lsoa21["imd_decile"] = (pd.qcut(-deprivation, 10, labels=False) + 1).astype(int)
    hotspot = np.zeros(n, bool)
    hotspot[np.argsort(-deprivation)[:6]] = True
    lsoa21["hotspot"] = hotspot
    lsoa11, changes = _lsoa2011(lsoa21, rng)
    sites = _sites(boroughs)
    streets = _streets(lsoa21, rng)
    return SyntheticGeography(gpd.GeoDataFrame(boroughs, crs=BNG),
                              gpd.GeoDataFrame(wards, crs=BNG), lsoa21, lsoa11, changes,
                              sites, streets)


def _lsoa2011(lsoa21: gpd.GeoDataFrame, rng: np.random.Generator
              ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The 2011 layer: mostly unchanged; in each borough's first ward cells A+B were one
    2011 LSOA (S), cell C was two (M); in the last borough cells E+F were redrawn (X)."""
    rows: list[dict[str, object]] = []
    pairs: list[tuple[str, str, str]] = []
    extra = 0
    by_code = lsoa21.set_index("code")
    ward_firsts = lsoa21.groupby("ward_code")["code"].apply(list)
    special: set[str] = set()

    def add(code: str, name: str, geom: shapely.Geometry, borough: str, pop: float) -> None:
        bname = str(by_code.loc[by_code["borough_code"] == borough, "borough_name"].iloc[0])
        rows.append({"code": code, "name": name, "borough_code": borough,
                     "borough_name": bname, "geometry": geom, "population": int(pop)})

    for ward_code, codes in ward_firsts.items():
        ward_index = int(str(ward_code)[-4:])
        if ward_index % 4 == 1:  # S: A+B were one; M: C was two
            a, b, c = codes[0], codes[1], codes[2]
            extra += 1
            parent = f"E0198{extra:04d}"
            geom = shapely.union(by_code.loc[a, "geometry"], by_code.loc[b, "geometry"])
            pop = (by_code.loc[a, "population"] + by_code.loc[b, "population"]) * 0.95
            add(parent, str(by_code.loc[a, "name"])[:-1] + "X", geom,
                str(by_code.loc[a, "borough_code"]), pop)
            pairs += [(parent, a, "S"), (parent, b, "S")]
            cell = by_code.loc[c, "geometry"]
            x0, y0, x1, y1 = cell.bounds
            for half in (0, 1):
                extra += 1
                code = f"E0198{extra:04d}"
                geom = box(x0 + half * (x1 - x0) / 2, y0, x0 + (half + 1) * (x1 - x0) / 2, y1)
                add(code, str(by_code.loc[c, "name"]) + "LR"[half], geom,
                    str(by_code.loc[c, "borough_code"]),
                    by_code.loc[c, "population"] * rng.uniform(0.42, 0.52))
                pairs.append((code, c, "M"))
            special |= {a, b, c}
        if ward_index == 24:  # X: E and F redrawn at another line
            e, f = codes[4], codes[5]
            ex0, ey0, ex1, ey1 = by_code.loc[e, "geometry"].bounds
            _, _, fx1, _ = by_code.loc[f, "geometry"].bounds
            cut = ex1 + 250
            for part, (lo, hi) in enumerate(((ex0, cut), (cut, fx1))):
                extra += 1
                code = f"E0198{extra:04d}"
                add(code, str(by_code.loc[e, "name"]) + "XY"[part], box(lo, ey0, hi, ey1),
                    str(by_code.loc[e, "borough_code"]), 1500 + 300 * part)
            first, second = f"E0198{extra - 1:04d}", f"E0198{extra:04d}"
            pairs += [(first, e, "X"), (first, f, "X"), (second, f, "X")]
            special |= {e, f}
    for code, row in by_code.iterrows():
        if code in special:
            continue
        add(str(code), str(row["name"]), row["geometry"], str(row["borough_code"]),
            row["population"] * rng.uniform(0.9, 1.0))
        pairs.append((str(code), str(code), "U"))
    lsoa11 = gpd.GeoDataFrame(rows, crs=BNG).sort_values("code").reset_index(drop=True)
    changes = pd.DataFrame(pairs, columns=["lsoa11_code", "lsoa21_code", "change"])
    return lsoa11, changes.sort_values(["lsoa11_code", "lsoa21_code"]).reset_index(drop=True)


def _sites(boroughs: list[dict[str, object]]) -> pd.DataFrame:
    out = []
    for code, name, b, (fx, fy) in SITES:
        x0, y0, x1, y1 = boroughs[b]["geometry"].bounds  # type: ignore[attr-defined]
        out.append({"icb_code": "QZZ", "icb": "NHS Synthetic London Integrated Care Board",
                    "provider_code": "ZZ9", "provider": "Synthetic Hospitals NHS Trust",
                    "site_code": code, "site": name,
                    "easting": round(x0 + fx * (x1 - x0)), "northing": round(y0 + fy * (y1 - y0))})
    return pd.DataFrame(out)


def _streets(lsoa21: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    names = [f"{a} {b}" for a in STREET_FIRST for b in STREET_KIND]
    order = rng.permutation(len(names))
    rows, used = [], 0
    for code, geom in zip(lsoa21["code"], lsoa21.geometry, strict=True):
        x0, y0, x1, y1 = geom.bounds
        for _ in range(int(rng.integers(2, 5))):
            rows.append({"lsoa21_code": code, "street": names[order[used % len(names)]],
                         "easting": rng.uniform(x0 + 20, x1 - 20),
                         "northing": rng.uniform(y0 + 20, y1 - 20)})
            used += 1
    return pd.DataFrame(rows)


# -- writing in the published formats --------------------------------------------------
def _csv(path: Path, header: tuple[str, ...] | list[str], rows: list[list[object]], *,
         bom: bool = False, quote_all: bool = False, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n",
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    data = (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def _write_zipped_shapefile(frame: gpd.GeoDataFrame, path: Path, layer: str) -> Path:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{layer}.shp"
        pyogrio.write_dataframe(frame, shp, driver="ESRI Shapefile")
        dbf = shp.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[1:4] = bytes([124, 1, 1])  # fixed 'last update' date: identical bytes every run
        dbf.write_bytes(bytes(raw))
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                part = shp.with_suffix(suffix)
                if part.exists():
                    info = zipfile.ZipInfo(part.name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, part.read_bytes())
    return path


def _write_geojson(frame: gpd.GeoDataFrame, path: Path, *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_crs(4326).to_json(drop_id=True)
    data = text.encode("utf-8")
    if gz:
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def write_geography(geo: SyntheticGeography, folder: Path) -> dict[str, list[Path]]:
    """Write boundaries, lookups, population, IoD and ED site files under ``folder`` in
    the published formats. Returns the paths per loader source."""
    folder = Path(folder)
    lsoa21 = geo.lsoa21
    out: dict[str, list[Path]] = {}
    lsoa21_shape = gpd.GeoDataFrame({
        "LSOA21CD": lsoa21["code"], "LSOA21NM": lsoa21["name"],
        "LAD22CD": lsoa21["borough_code"], "LAD22NM": lsoa21["borough_name"],
    }, geometry=lsoa21.geometry, crs=BNG)
    lsoa11_json = gpd.GeoDataFrame({
        "LSOA11CD": geo.lsoa11["code"], "LSOA11NM": geo.lsoa11["name"],
        "LAD11CD": geo.lsoa11["borough_code"], "LAD11NM": geo.lsoa11["borough_name"],
    }, geometry=geo.lsoa11.geometry, crs=BNG)
    wards_json = gpd.GeoDataFrame({
        "WD22CD": geo.wards["code"], "WD22NM": geo.wards["name"],
        "LAD22CD": geo.wards["borough_code"], "LAD22NM": geo.wards["borough_name"],
    }, geometry=geo.wards.geometry, crs=BNG)
    boroughs_json = gpd.GeoDataFrame({
        "GSS_CODE": geo.boroughs["code"], "NAME": geo.boroughs["name"],
    }, geometry=geo.boroughs.geometry, crs=BNG)
    b = folder / "boundaries"
    out["boundaries"] = [
        _write_zipped_shapefile(lsoa21_shape, b / "synthetic-2021-lsoa.zip",
                                "synthetic-2021-lsoa"),
        _write_geojson(lsoa11_json, b / "synthetic_lsoa_2011.geojson"),
        _write_geojson(wards_json, b / "synthetic_wards.json.gz", gz=True),
        _write_geojson(boroughs_json, b / "synthetic_boroughs.geojson"),
    ]
    names21 = lsoa21.set_index("code")
    names11 = geo.lsoa11.set_index("code")
    changes = [
        [r.lsoa11_code, names11.loc[r.lsoa11_code, "name"], r.lsoa21_code,
         names21.loc[r.lsoa21_code, "name"], r.change, names21.loc[r.lsoa21_code,
                                                                  "borough_code"],
         names21.loc[r.lsoa21_code, "borough_name"], "", i + 1]
        for i, r in enumerate(geo.changes.itertuples())
    ]
    ward_names = geo.wards.set_index("code")["name"]
    ward_rows = [
        [r.code, r.name, "", r.ward_code, ward_names[r.ward_code], "", r.borough_code,
         r.borough_name, "", i + 1] for i, r in enumerate(lsoa21.itertuples())
    ]
    lk = folder / "lookups"
    out["lsoa-lookup"] = [_csv(lk / "lsoa11_lsoa21.csv", LOOKUP_COLUMNS_11_21, changes,
                               bom=True)]
    out["ward-lookup"] = [_csv(lk / "lsoa_to_ward.csv", WARD_LOOKUP_COLUMNS, ward_rows,
                               bom=True)]
    out["population"] = _write_population(geo, folder / "population")
    out["imd"] = _write_imd(geo, folder)
    site_rows: list[list[object]] = [
        [s.icb_code, s.icb, s.provider_code, s.provider, s.site_code, s.site, s.easting,
         s.northing] for s in geo.sites.itertuples()]
    out["ed-sites"] = [_csv(folder / "nhs" / "site_xy.csv",
                            ["icb_code", "icb", "provider_code", "provider", "site_code",
                             "site", "easting", "northing"], site_rows, quote_all=True)]
    return out


def _write_population(geo: SyntheticGeography, folder: Path) -> list[Path]:
    rng = np.random.default_rng(7)
    census = []
    density = []
    for r in geo.lsoa21.itertuples():
        bands = rng.multinomial(int(r.population), CENSUS_SHARES / CENSUS_SHARES.sum())
        census.append([2021, r.name, r.code, int(r.population), *map(int, bands)])
        density.append([2021, r.name, r.code, round(r.population / (r.geometry.area / 1e6), 1)])
    mye = []
    for r in geo.lsoa11.itertuples():
        total = int(r.population)
        bands = rng.multinomial(total, [0.2, 0.22, 0.26, 0.21, 0.11])
        males = rng.binomial(bands, 0.49)
        females = bands - males
        mye.append([r.code, r.name, r.code[:3] + "02" + r.code[5:], r.name[:-1],
                    r.borough_code, r.borough_name, total, *map(int, bands),
                    int(males.sum()), *map(int, males), int(females.sum()), *map(int, females)])
    mye_header = ["LSOA11CD", "LSOA11NM", "MSOA11CD", "MSOA11NM", "LAD11CD", "LAD11NM"]
    for sex in ("Persons", "Males", "Females"):
        mye_header += [f"{sex}_All-Ages", *(f"{sex}_{b}" for b in MYE_BANDS)]
    return [
        _csv(folder / "census2021-ts007a-lsoa.csv",
             ["date", "geography", "geography code", "Age: Total",
              *(f"Age: {b}" for b in CENSUS_BANDS)], census),
        _csv(folder / "census2021-ts006-lsoa.csv",
             ["date", "geography", "geography code",
              "Population Density: Persons per square kilometre; measures: Value"], density,
             quote_all=True),
        _csv(folder / "london-mid2020-pop.csv", mye_header, mye),
    ]


def _rank_in_decile(deciles: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    width = total / 10
    return np.floor((deciles - 1) * width + rng.uniform(0, width, len(deciles))).astype(int) + 1


def _write_imd(geo: SyntheticGeography, folder: Path) -> list[Path]:
    rng = np.random.default_rng(11)
    decile21 = geo.lsoa21.set_index("code")["imd_decile"]
    first21 = geo.changes.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]
    l11 = geo.lsoa11
    decile11 = np.clip(first21.reindex(l11["code"]).map(decile21).to_numpy()
                       + rng.integers(-1, 2, len(l11)), 1, 10)
    rank11 = _rank_in_decile(decile11, ENGLAND_LSOAS_2011, rng)
    rows19 = [[c, n, b, bn, f"{r:,}", d] for c, n, b, bn, r, d in
              zip(l11["code"], l11["name"], l11["borough_code"], l11["borough_name"], rank11,
                  decile11, strict=True)]
    domains = ("Income", "Employment", "Crime", "Health Deprivation and Disability")
    file2_header = ["LSOA code (2011)", "LSOA name (2011)",
                    "Local Authority District code (2019)",
                    "Local Authority District name (2019)",
                    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
                    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% "
                    "of LSOAs)"]
    domain_cells = []
    for name in domains:
        file2_header += [f"{name} Rank (where 1 is most deprived)",
                         f"{name} Decile (where 1 is most deprived 10% of LSOAs)"]
        decile = np.clip(decile11 + rng.integers(-2, 3, len(l11)), 1, 10)
        domain_cells.append((_rank_in_decile(decile, ENGLAND_LSOAS_2011, rng), decile))
    rows_file2 = [
        [*row[:4], rank11[i], decile11[i],
         *(v for rank, dec in domain_cells for v in (rank[i], dec[i]))]
        for i, row in enumerate(rows19)
    ]
    rank21 = _rank_in_decile(geo.lsoa21["imd_decile"].to_numpy(), ENGLAND_LSOAS_2021, rng)
    rows25 = [[c, r, d] for c, r, d in zip(geo.lsoa21["code"], rank21,
                                           geo.lsoa21["imd_decile"], strict=True)]
    return [
        _csv(folder / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
             ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Local Authority District name (2019)",
              "Index of Multiple Deprivation (IMD) Rank",
              "Index of Multiple Deprivation (IMD) Decile"], rows19, bom=True),
        _csv(folder / "imd2019" / "File_2_-_IoD2019_Domains_of_Deprivation.csv",
             file2_header, rows_file2, bom=True),
        _csv(folder / "imd2025" / "England-IMD-2025.csv", ["lsoa21cd", "imd_rank", "imd_dec"],
             rows25),
    ]
