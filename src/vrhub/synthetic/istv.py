"""Synthetic ISTV submissions for the demo and tests, seeded and reproducible.

A month of assault records for one ED site looks like the real thing in the ways analyses
and loaders care about:

* **when**: assaults concentrate on Friday and Saturday nights (22:00-03:00 peaks, the small
  hours counting as the night before), with a quieter daytime and weekday profile; arrival
  follows the assault by minutes to hours (log-normal), occasionally days (late arrivals);
  about 5% have no assault time;
* **how and where**: a method mix led by body parts (punch/kick), then knives and sharp
  objects, blunt instruments, bottles/glass, rare firearms; location types led by street or
  public place and home, then licensed premises and public transport;
* **descriptions** written the way reception staff write them: local streets, stations and
  venues near the site with abbreviations (``o/s``, ``nr``, ``stn``, ``rd``), typos, odd
  capitals, and ``home``/``at home``/``pt wouldnt say`` for the rest.

Volumes depend on the site: Type 1 EDs see tens to low hundreds of assaults a month; urgent
treatment centres and walk-in sites a handful. No record describes a real person.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from vrhub.standards.months import shift

Format = Literal["csv", "xlsx", "xml"]

METHODS = {"body_part": 0.55, "knife_sharp": 0.14, "blunt_instrument": 0.08,
           "bottle_glass": 0.06, "firearm": 0.005, "other": 0.065, "unknown": 0.10}
METHOD_LABELS = {"body_part": ["Body part", "body part", "Punch/kick", "fist"],
                 "knife_sharp": ["Knife or sharp object", "knife", "Sharp object"],
                 "blunt_instrument": ["Blunt instrument", "blunt object"],
                 "bottle_glass": ["Bottle or glass", "bottle"],
                 "firearm": ["Firearm"], "other": ["Other"],
                 "unknown": ["Not known", "unknown"]}
OTHER_METHODS = ["dog bite", "pushed down stairs", "hit by car door", "acid thrown",
                 "strangled", "thrown object", "bike lock", "pepper spray", "scalded"]
LOCATIONS = {"street_public": 0.38, "home": 0.22, "licensed_premises": 0.12,
             "public_transport": 0.06, "education": 0.03, "workplace": 0.05, "other": 0.05,
             "unknown": 0.09}
LOCATION_LABELS = {"street_public": ["Street or public place", "Street", "public place"],
                   "home": ["Home", "home"], "licensed_premises": ["Licensed premises", "Pub"],
                   "public_transport": ["Public transport", "bus"],
                   "education": ["Educational establishment", "School"],
                   "workplace": ["Workplace", "work"], "other": ["Other"],
                   "unknown": ["Not known", "unknown"]}

# Hour-of-day weights (0-23) for assaults, and weekday weights (Mon=0).
HOUR_WEIGHTS = np.array([7.0, 6.5, 5.5, 4.0, 2.5, 1.5, 1.0, 1.0, 1.2, 1.5, 1.8, 2.0, 2.3,
                         2.5, 2.8, 3.2, 3.6, 3.9, 4.2, 4.6, 5.2, 6.0, 6.8, 7.2])
WEEKDAY_WEIGHTS = np.array([0.85, 0.8, 0.85, 0.95, 1.2, 1.55, 1.3])
NIGHT_BOOST = 1.8  # Friday and Saturday nights, 20:00 to 04:00 next morning

PLACES: dict[str, dict[str, list[str]]] = {
    "QMF": {  # North East London
        "streets": ["Whitechapel Rd", "Mile End Road", "Commercial St", "Mare Street",
                    "Kingsland High St", "Romford Rd", "High St North", "Ilford High Road",
                    "South Street Romford", "Hoe Street", "Barking Rd", "Roman Rd"],
        "stations": ["Stratford", "Whitechapel", "Mile End", "Hackney Central", "Ilford",
                     "Romford", "Walthamstow Central", "Barking", "Dalston Junction"],
        "areas": ["Stratford", "Hackney", "Bethnal Green", "Ilford", "Romford", "Leyton",
                  "Canning Town", "Dagenham"],
    },
    "QMJ": {  # North Central London
        "streets": ["Camden High St", "Holloway Rd", "Seven Sisters Road", "Kentish Town Rd",
                    "Tottenham High Road", "Green Lanes", "Euston Rd", "Upper St",
                    "Fore St Edmonton", "Church St Enfield"],
        "stations": ["Camden Town", "King's Cross", "Finsbury Park", "Seven Sisters",
                     "Archway", "Euston", "Wood Green", "Edmonton Green"],
        "areas": ["Camden", "Islington", "Tottenham", "Wood Green", "Edmonton", "Holloway",
                  "Archway", "Barnet"],
    },
    "QRV": {  # North West London
        "streets": ["Harrow Rd", "Edgware Road", "Uxbridge Rd", "Kilburn High Rd",
                    "Shepherds Bush Green", "King St Hammersmith", "Ealing Broadway",
                    "Station Rd Harrow", "Praed St", "Oxford Street", "Portobello Rd"],
        "stations": ["Paddington", "Shepherd's Bush", "Hammersmith", "Ealing Broadway",
                     "Harrow on the Hill", "Kilburn", "Uxbridge", "Wembley Park"],
        "areas": ["Harlesden", "Southall", "Hayes", "Acton", "Wembley", "Soho", "Brent",
                  "Hounslow"],
    },
    "QKK": {  # South East London
        "streets": ["Old Kent Rd", "Peckham High St", "Rye Lane", "Walworth Rd",
                    "Lewisham High St", "Powis St", "Brixton Rd", "Coldharbour Lane",
                    "Camberwell Church St", "Deptford High St", "Bromley High St"],
        "stations": ["Peckham Rye", "Brixton", "Lewisham", "Elephant & Castle",
                     "London Bridge", "Woolwich Arsenal", "Bromley South", "Waterloo"],
        "areas": ["Peckham", "Brixton", "Woolwich", "Lewisham", "Camberwell", "Deptford",
                  "Thamesmead", "Orpington"],
    },
    "QWE": {  # South West London
        "streets": ["Tooting High St", "Mitcham Rd", "London Rd Croydon", "North End Croydon",
                    "Clarence St Kingston", "Wandsworth High St", "Balham High Rd",
                    "Streatham High Rd", "Sutton High St"],
        "stations": ["Tooting Broadway", "East Croydon", "West Croydon", "Clapham Junction",
                     "Balham", "Kingston", "Sutton", "Wimbledon"],
        "areas": ["Tooting", "Croydon", "Thornton Heath", "Mitcham", "Kingston", "Sutton",
                  "Streatham", "Wimbledon"],
    },
}
_GENERIC = {"streets": ["High St", "Station Rd", "Church Rd", "London Rd", "Park Rd"],
            "stations": ["the station"], "areas": ["town centre"]}
VENUES = ["Wetherspoons", "the Red Lion", "Tesco Express", "McDonalds", "chicken shop",
          "KFC", "Sainsburys", "Co-op", "Lidl", "kebab shop", "the Crown", "nightclub",
          "bookies", "corner shop", "Boots"]


def _site_seed(seed: int, site: str, month: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}|{site}|{month}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def is_type1(site_name: str) -> bool:
    """Rough guess from the name: UTC/UCC/walk-in/health centres are not Type 1 EDs."""
    low = site_name.lower()
    minor = ("utc", "ucc", "urgent", "walk in", "walk-in", "health centre", "polyclinic",
             "memorial", "eye", "limited", "community", "moorfields", "teddington")
    return not any(word in low for word in minor)


def expected_volume(site_code: str, site_name: str) -> float:
    """Mean monthly assault attendances for a site (stable per site)."""
    h = int(hashlib.sha256(site_code.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return 40 + 110 * h if is_type1(site_name) else 3 + 12 * h


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, mon = (int(x) for x in month.split("-"))
    return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _assault_times(rng: np.random.Generator, start: dt.date, end: dt.date,
                   n: int) -> list[dt.datetime]:
    hours = pd.date_range(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=23),
                          freq="h")
    weekday = hours.weekday.to_numpy()
    hour = hours.hour.to_numpy()
    # The small hours belong to the night before: 01:00 Saturday is Friday night.
    night_of = np.where(hour < 6, (weekday - 1) % 7, weekday)
    weights = HOUR_WEIGHTS[hour] * WEEKDAY_WEIGHTS[night_of]
    boost = ((night_of == 4) | (night_of == 5)) & ((hour >= 20) | (hour < 4))
    weights = np.where(boost, weights * NIGHT_BOOST, weights)
    picks = rng.choice(len(hours), size=n, p=weights / weights.sum())
    minutes = rng.integers(0, 60, size=n)
    return [(hours[i] + pd.Timedelta(minutes=int(m))).to_pydatetime()
            for i, m in zip(picks, minutes, strict=True)]


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 5 or rng.random() > 0.12:
        return text
    i = int(rng.integers(1, len(text) - 2))
    kind = rng.integers(0, 3)
    if kind == 0:  # swap two letters
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 1:  # drop a letter
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]  # double a letter


def describe(rng: np.random.Generator, location_type: str, places: Mapping[str, list[str]]
             ) -> str:
    """A location description as reception staff write it."""
    def pick(key: str) -> str:
        values = places[key]
        return str(values[int(rng.integers(0, len(values)))])

    street, station, area = pick("streets"), pick("stations"), pick("areas")
    venue = VENUES[int(rng.integers(0, len(VENUES)))]
    options: dict[str, list[str]] = {
        "home": ["home", "at home", "Home", "own home", "pt's home", "friends house",
                 f"home - {area}", f"flat in {area}", "HOME ADDRESS", "ex partners flat"],
        "street_public": [f"o/s {venue} {street}", f"{street}", f"{street} nr {station} stn",
                          f"street in {area}", f"outside {station} station",
                          f"park nr {street}", f"corner of {street}", f"bus stop {street}",
                          f"{area} high st", f"opp {venue}, {street}"],
        "licensed_premises": [f"{venue} {street}", f"pub in {area}", f"club on {street}",
                              f"outside nightclub {area}", f"bar nr {station}"],
        "public_transport": [f"{station} stn", f"on bus nr {street}", f"tube - {station}",
                             f"platform at {station}", f"train to {station}"],
        "education": [f"school in {area}", f"outside school {street}",
                      f"{area} college"],
        "workplace": ["at work", f"work - {venue} {street}", f"shop on {street}",
                      f"workplace {area}"],
        "other": [f"{area}", "in a car", f"hostel {area}", "prison"],
        "unknown": ["unknown", "pt wouldnt say", "not known", "", "cant remember"],
    }
    text = options[location_type][int(rng.integers(0, len(options[location_type])))]
    text = _typo(rng, text)
    style = rng.random()
    if style < 0.15:
        text = text.lower()
    elif style < 0.22:
        text = text.upper()
    return text


def generate(site_code: str, month: str, seed: int, n: int | None = None, *,
             site_name: str = "", icb_code: str = "",
             places: Mapping[str, list[str]] | None = None) -> pd.DataFrame:
    """One month of synthetic assault records for a site.

    Columns: arrival_at, assault_at, assault_time_known, assault_method (code),
    method_label (as a site would write it), method_other_description, location_type (code),
    location_label, location_description. ``places`` (streets, stations, areas) overrides
    the built-in London place names, e.g. with a synthetic geography's own streets.
    """
    rng = _site_seed(seed, site_code, month)
    start, end = _month_bounds(month)
    if n is None:
        n = int(rng.poisson(expected_volume(site_code, site_name or site_code)))
    places = places or PLACES.get(icb_code, _GENERIC)
    assaults = _assault_times(rng, start, end, n)
    delay_hours = rng.lognormal(mean=0.0, sigma=0.9, size=n)
    late = rng.random(n)
    delay_hours = np.where(late < 0.03, delay_hours + 24 * rng.integers(1, 4, size=n),
                           delay_hours)
    delay_hours = np.where(late > 0.99, delay_hours + 24 * rng.integers(8, 15, size=n),
                           delay_hours)
    method_codes = rng.choice(list(METHODS), size=n, p=_p(METHODS))
    place_codes = rng.choice(list(LOCATIONS), size=n, p=_p(LOCATIONS))
    records: list[dict[str, Any]] = []
    for i in range(n):
        assault = assaults[i]
        arrival = assault + dt.timedelta(hours=float(delay_hours[i]))
        arrival = arrival.replace(second=0, microsecond=0)
        if arrival.date() > end:
            arrival = dt.datetime.combine(end, dt.time(23, 59))
            assault = min(assault, arrival - dt.timedelta(minutes=20))
        method, place = str(method_codes[i]), str(place_codes[i])
        labels, place_labels = METHOD_LABELS[method], LOCATION_LABELS[place]
        records.append({
            "arrival_at": arrival,
            "assault_at": assault,
            "assault_time_known": bool(rng.random() > 0.05),
            "assault_method": method,
            "method_label": labels[int(rng.integers(0, len(labels)))],
            "method_other_description": (
                OTHER_METHODS[int(rng.integers(0, len(OTHER_METHODS)))]
                if method == "other" and rng.random() > 0.1 else None),
            "location_type": place,
            "location_label": place_labels[int(rng.integers(0, len(place_labels)))],
            "location_description": describe(rng, place, places),
        })
    frame = pd.DataFrame(records, columns=[
        "arrival_at", "assault_at", "assault_time_known", "assault_method", "method_label",
        "method_other_description", "location_type", "location_label",
        "location_description"])
    return frame.sort_values("arrival_at", kind="stable").reset_index(drop=True)


def _p(weights: Mapping[str, float]) -> np.ndarray:
    values = np.array(list(weights.values()), dtype=float)
    return values / values.sum()


HEADINGS = ["Arrival Date", "Arrival Time", "Assault Date", "Assault Time", "Assault Method",
            "Assault Method Other Description", "Assault Location Type",
            "Assault Location Description"]


def _rows(frame: pd.DataFrame) -> list[list[Any]]:
    rows = []
    for r in frame.itertuples(index=False):
        rows.append([
            f"{r.arrival_at:%d/%m/%Y}", f"{r.arrival_at:%H:%M}",
            f"{r.assault_at:%d/%m/%Y}",
            f"{r.assault_at:%H:%M}" if r.assault_time_known else "",
            r.method_label, _text(r.method_other_description), r.location_label,
            _text(r.location_description),
        ])
    return rows


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def write_month(path: Path | str, site: str, month: str, seed: int, n: int | None = None,
                fmt: Format = "csv", *, site_name: str = "", icb_code: str = "",
                places: Mapping[str, list[str]] | None = None) -> Path:
    """Write one synthetic submission. ``path`` is a file, or a folder to write
    ``<site>_<month>.<fmt>`` into. Returns the file written."""
    target = Path(path)
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        target = target / f"{site}_{month}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    frame = generate(site, month, seed, n, site_name=site_name, icb_code=icb_code,
                     places=places)
    start, end = _month_bounds(month)
    header = [["Site code of treatment", site],
              ["Reporting period start date", f"{start:%d/%m/%Y}"],
              ["Reporting period end date", f"{end:%d/%m/%Y}"]]
    rows = _rows(frame)
    if fmt == "csv":
        import csv

        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerows(header)
            writer.writerow([])
            writer.writerow(HEADINGS)
            writer.writerows(rows)
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Header"
        for line in header:
            sheet.append(line)
        data = book.create_sheet("Assaults")
        data.append(HEADINGS)
        for row in rows:
            data.append(row)
        book.save(target)
    elif fmt == "xml":
        tags = ["ArrivalDate", "ArrivalTime", "AssaultDate", "AssaultTime", "AssaultMethod",
                "AssaultMethodOtherDescription", "AssaultLocationType",
                "AssaultLocationDescription"]
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<ISTVSubmission>", "  <Header>",
                 f"    <SiteCodeOfTreatment>{escape(site)}</SiteCodeOfTreatment>",
                 f"    <ReportingPeriodStartDate>{start}</ReportingPeriodStartDate>",
                 f"    <ReportingPeriodEndDate>{end}</ReportingPeriodEndDate>",
                 "  </Header>", "  <Assaults>"]
        for row in rows:
            cells = "".join(f"<{t}>{escape(v)}</{t}>" for t, v in zip(tags, row, strict=True))
            lines.append(f"    <Assault>{cells}</Assault>")
        lines += ["  </Assaults>", "</ISTVSubmission>", ""]
        target.write_text("\n".join(lines), encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}: choose csv, xlsx or xml")
    return target


# --- demo step -------------------------------------------------------------------------

#: Months of synthetic ISTV the demo writes: a year for the three synthetic sites; a quarter
#: for the real London EDs (about 60 sites, so a year would slow the demo for little gain).
DEMO_MONTHS_SYNTHETIC = 12
DEMO_MONTHS_REAL = 3
#: Folder (under the workspace's demo-data) for the synthetic months written for the REAL
#: London EDs: the name says they are synthetic, so nobody mistakes them for submissions.
REAL_SITES_FOLDER = "istv-synthetic-for-real-eds"


def _last_months(last: str, count: int) -> list[str]:
    year, month = (int(p) for p in last.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def _latest_police_month(folder: Path) -> str | None:
    """The latest YYYY-MM month named by a police.uk file under ``folder``, if any."""
    import re

    months = [m.group(1) for p in folder.rglob("*street.csv*")
              if (m := re.match(r"(\d{4}-\d{2})-", p.name))]
    return max(months) if months else None


def demo_files(ctx: Any) -> list[Path]:
    """The demo's ISTV step: write synthetic months for every ED site the demo loads.

    Synthetic mode: the synthetic sites (``ctx.written['ed-sites']``), for the last
    :data:`DEMO_MONTHS_SYNTHETIC` months of the synthetic police data. Real mode: the real
    London EDs of ``<data_dir>/nhs/site_xy.csv.gz`` for the :data:`DEMO_MONTHS_REAL` months
    up to the latest police.uk month, written to ``<work_dir>/`` :data:`REAL_SITES_FOLDER`
    (never into the data folder). Every record is synthetic: no real patient is described.
    """
    import pandas as pd

    from vrhub.synthetic import FIRST_MONTH, MONTHS

    places: dict[str, list[str]] | None = None
    if ctx.synthetic:
        places = _synthetic_places(ctx.written.get("police", []))
        site_files = list(ctx.written.get("ed-sites", []))
        out = Path(ctx.data_dir) / "istv"
        last = shift(FIRST_MONTH, MONTHS - 1)
        months = _last_months(last, DEMO_MONTHS_SYNTHETIC)
    else:
        site_files = [p for p in (Path(ctx.data_dir) / "nhs").glob("site_xy.csv*")]
        work = getattr(ctx, "work_dir", None)
        if not site_files or work is None:
            return []
        out = Path(work) / REAL_SITES_FOLDER
        last = _latest_police_month(Path(ctx.data_dir) / "police-uk") or "2024-12"
        months = _last_months(last, DEMO_MONTHS_REAL)
    if not site_files:
        return []
    sites = pd.concat([pd.read_csv(p, dtype=str) for p in site_files], ignore_index=True)
    written = []
    for _, site in sites.drop_duplicates("site_code").iterrows():
        for month in months:
            written.append(write_month(out, str(site["site_code"]), month, ctx.seed,
                                       site_name=str(site.get("site", "") or ""),
                                       icb_code=str(site.get("icb_code", "") or ""),
                                       places=places))
    return written


def _synthetic_places(police_files: Any) -> dict[str, list[str]] | None:
    """Street names of the synthetic police.uk files, so the demo's ED descriptions name
    streets the demo's gazetteer knows (as real ED descriptions name real streets)."""
    import pandas as pd

    streets: set[str] = set()
    for path in list(police_files)[:3]:
        frame = pd.read_csv(path, usecols=["Location"], dtype=str)
        streets.update(frame["Location"].dropna().str.replace(
            "On or near ", "", regex=False).str.strip())
    streets.discard("")
    if not streets:
        return None
    names = sorted(streets)
    return {"streets": names, "stations": [n.split()[0] for n in names[:6]],
            "areas": ["town centre"]}


def _demo_steps() -> tuple[Any, ...]:
    from vrhub.demo import DemoStep

    return (
        DemoStep("Synthetic ED assaults (ISTV) for the synthetic ED sites", "istv", demo_files,
                 modes=("synthetic",)),
        DemoStep("SYNTHETIC ED assaults (ISTV) for the real London EDs (not real submissions)",
                 "istv", demo_files, modes=("real",), optional=True),
    )


def __getattr__(name: str) -> Any:
    # DEMO_STEPS is built on first access, so importing this module does not import the demo.
    if name == "DEMO_STEPS":
        return _demo_steps()
    raise AttributeError(name)
