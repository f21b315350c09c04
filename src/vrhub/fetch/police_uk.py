"""data.police.uk: which months are published, street-level crimes through the API, and
the monthly archive.

API methods used (https://data.police.uk/docs/):

- ``GET {api}/crimes-street-dates`` -> ``[{"date": "2024-01", "stop-and-search":
  [force ids]}, ...]``: the published months (newest first) and, per month, the forces with
  stop-and-search data. A month that is not listed is refused before anything else is
  asked.
- ``GET {api}/forces`` -> ``[{"id": "city-of-london", "name": "City of London Police"}]``.
- ``GET {api}/crime-categories?date=YYYY-MM`` -> ``[{"url": "burglary", "name":
  "Burglary"}]``: the category slugs the API returns and the names the CSV files use.
- ``GET {api}/{force}/neighbourhoods`` -> ``[{"id": ..., "name": ...}]`` and
  ``GET {api}/{force}/{neighbourhood}/boundary`` -> ``[{"latitude": "51.5",
  "longitude": "-0.09"}, ...]``: a force's area, one neighbourhood at a time.
- ``POST {api}/crimes-street/all-crime`` with form fields ``poly=lat,lng:lat,lng:...`` and
  ``date`` -> crimes in that polygon (POST because boundaries exceed the 4,094-character
  GET limit). An area with more than 10,000 crimes is answered with HTTP 503; vrhub then
  splits the polygon into quarters and asks again.
- ``GET {api}/crimes-no-location?category=all-crime&force=...&date=...`` -> crimes that
  could not be mapped.

The crimes are written as a police.uk street CSV (the same 12 columns as the archive's
``YYYY-MM-<force>-street.csv``) that ``vrhub load police`` reads. The API does not give
LSOA codes, so those columns are empty. A polygon query returns every crime mapped inside
it, including any recorded by British Transport Police there; the archive files are split
by the force that recorded the crime, and a crime mapped into a gap between published
neighbourhood boundaries is missed here; prefer ``vrhub fetch police-archive`` for
complete, authoritative months.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from vrhub.errors import NetworkError, UserError
from vrhub.fetch.download import DownloadResult, Manifest, download
from vrhub.fetch.http import HttpClient
from vrhub.progress import SILENT, Progress
from vrhub.standards.months import ISO_MONTH

FORCE_RE = re.compile(r"^[a-z0-9-]+$")
CSV_COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
MAX_SPLIT_DEPTH = 5


def check_month(month: str) -> str:
    if not ISO_MONTH.fullmatch(month or ""):
        raise UserError(f"{month!r} is not a month", hint="write months as YYYY-MM, e.g. 2024-01")
    return month


@dataclass(frozen=True)
class Availability:
    """Published months, newest first, with the forces that have stop-and-search data."""

    months: tuple[str, ...]
    stop_and_search: dict[str, tuple[str, ...]]

    def require(self, month: str) -> None:
        check_month(month)
        if month in self.months:
            return
        if not self.months:
            raise UserError("data.police.uk lists no published months at all",
                            hint="try again later")
        raise UserError(
            f"data.police.uk has not published {month}: the published months run from "
            f"{self.months[-1]} to {self.months[0]}",
            hint=f"choose a month in that range (the newest is {self.months[0]}); run "
            "`vrhub fetch police-dates` to list them",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "months": list(self.months),
            "stop_and_search_forces": {m: list(f) for m, f in self.stop_and_search.items()},
        }


def _api(api_url: str, path: str) -> str:
    return f"{api_url.rstrip('/')}/{path.lstrip('/')}"


def _expect_list(payload: Any, what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise NetworkError(f"data.police.uk answered {what} with an unexpected shape "
                           f"({type(payload).__name__}, expected a list)")
    return payload


def availability(client: HttpClient, api_url: str) -> Availability:
    payload = _expect_list(client.get_json(_api(api_url, "crimes-street-dates")),
                           "crimes-street-dates")
    months: list[str] = []
    sas: dict[str, tuple[str, ...]] = {}
    for item in payload:
        if isinstance(item, dict) and isinstance(item.get("date"), str):
            months.append(item["date"])
            sas[item["date"]] = tuple(item.get("stop-and-search") or ())
    months.sort(reverse=True)
    return Availability(tuple(months), sas)


def forces(client: HttpClient, api_url: str) -> dict[str, str]:
    payload = _expect_list(client.get_json(_api(api_url, "forces")), "forces")
    return {str(f["id"]): str(f.get("name") or f["id"]) for f in payload if isinstance(f, dict)}


def crime_categories(client: HttpClient, api_url: str, month: str) -> dict[str, str]:
    payload = _expect_list(
        client.get_json(_api(api_url, "crime-categories"), params={"date": month}),
        "crime-categories",
    )
    return {str(c["url"]): str(c["name"]) for c in payload if isinstance(c, dict)}


def _poly_param(shape: Polygon) -> str:
    coords = list(shape.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lng:.6f}" for lng, lat in coords)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _quarters(shape: Polygon) -> list[Polygon]:
    minx, miny, maxx, maxy = shape.bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    out: list[Polygon] = []
    for cell in (box(minx, miny, midx, midy), box(midx, miny, maxx, midy),
                 box(minx, midy, midx, maxy), box(midx, midy, maxx, maxy)):
        out.extend(_polygons(shape.intersection(cell)))
    return out


def _crimes_in(client: HttpClient, api_url: str, shape: Polygon, month: str,
               depth: int = 0) -> list[dict[str, Any]]:
    url = _api(api_url, "crimes-street/all-crime")
    response = client.request("POST", url, data={"poly": _poly_param(shape), "date": month},
                              retry_statuses=frozenset({429}), ok_statuses=frozenset({503}))
    if response.status_code == 503:
        if depth >= MAX_SPLIT_DEPTH:
            raise NetworkError(
                "data.police.uk keeps answering HTTP 503 for a small area; it may be down",
                hint="try again later, or use `vrhub fetch police-archive`",
            )
        crimes: list[dict[str, Any]] = []
        for quarter in _quarters(shape):
            crimes.extend(_crimes_in(client, api_url, quarter, month, depth + 1))
        return crimes
    try:
        payload = response.json()
    except ValueError:
        raise NetworkError("data.police.uk answered crimes-street with something that is "
                           "not JSON") from None
    return [c for c in _expect_list(payload, "crimes-street") if isinstance(c, dict)]


@dataclass(frozen=True)
class ApiMonth:
    force: str
    force_name: str
    month: str
    rows: list[dict[str, str]]
    neighbourhoods: int
    located: int
    without_location: int


def fetch_force_month(client: HttpClient, api_url: str, force: str, month: str, *,
                      progress: Progress = SILENT) -> ApiMonth:
    """All street-level crimes (and crimes without a location) of ``force`` in ``month``,
    as police.uk CSV rows. The month must be listed by crimes-street-dates."""
    check_month(month)
    if not FORCE_RE.match(force or ""):
        raise UserError(f"{force!r} is not a police force id",
                        hint="use ids such as metropolitan or city-of-london")
    availability(client, api_url).require(month)
    known = forces(client, api_url)
    if force not in known:
        london = [f for f in ("metropolitan", "city-of-london", "btp") if f in known]
        raise UserError(
            f"data.police.uk has no force {force!r}",
            hint="London's forces are " + ", ".join(london or ["metropolitan",
                                                             "city-of-london"]),
        )
    names = crime_categories(client, api_url, month)
    hoods = _expect_list(client.get_json(_api(api_url, f"{force}/neighbourhoods")),
                         "neighbourhoods")
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    with progress.task(f"Fetching {force} {month} by neighbourhood", total=len(hoods)) as task:
        for hood in hoods:
            points = _expect_list(
                client.get_json(_api(api_url, f"{force}/{hood['id']}/boundary")), "boundary")
            ring = [(float(p["longitude"]), float(p["latitude"])) for p in points]
            if len(ring) >= 3:
                shape = Polygon(ring)
                if not shape.is_valid:
                    shape = shape.buffer(0)
                for part in _polygons(shape):
                    for crime in _crimes_in(client, api_url, part, month):
                        key = str(crime.get("id") or crime.get("persistent_id") or "")
                        if key and key in seen:
                            continue
                        seen.add(key)
                        rows.append(_row(crime, known[force], names, month))
            task.advance()
    located = len(rows)
    nolocation = _expect_list(
        client.get_json(_api(api_url, "crimes-no-location"),
                        params={"category": "all-crime", "force": force, "date": month}),
        "crimes-no-location",
    )
    rows.extend(_row(c, known[force], names, month) for c in nolocation if isinstance(c, dict))
    return ApiMonth(force, known[force], month, rows, len(hoods), located, len(nolocation))


def _row(crime: dict[str, Any], force_name: str, names: dict[str, str],
         month: str) -> dict[str, str]:
    location = crime.get("location")
    location = location if isinstance(location, dict) else {}
    street = location.get("street")
    street = street if isinstance(street, dict) else {}
    outcome = crime.get("outcome_status")
    outcome = outcome if isinstance(outcome, dict) else {}
    slug = str(crime.get("category") or "")
    return {
        "Crime ID": str(crime.get("persistent_id") or ""),
        "Month": str(crime.get("month") or month),
        "Reported by": force_name,
        "Falls within": force_name,
        "Longitude": str(location.get("longitude") or ""),
        "Latitude": str(location.get("latitude") or ""),
        "Location": str(street.get("name") or "") if location else "No Location",
        "LSOA code": "",
        "LSOA name": "",
        "Crime type": names.get(slug, slug.replace("-", " ").capitalize()),
        "Last outcome category": str(outcome.get("category") or ""),
        "Context": str(crime.get("context") or ""),
    }


def write_street_csv(rows: Iterable[dict[str, str]], path: Path) -> Path:
    """Write rows as a police.uk street CSV (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path


def street_csv_path(downloads: Path, force: str, month: str) -> Path:
    return downloads / "police-uk" / force / f"{month}-{force}-street.csv"


def download_archive(client: HttpClient, api_url: str, archive_url: str, month: str,
                     downloads: Path, *, expected_sha256: str | None = None,
                     progress: Progress = SILENT) -> DownloadResult:
    """Download the monthly archive ``{archive_url}/YYYY-MM.zip`` (all forces; street,
    outcomes and stop-and-search files for the 36 months up to that month)."""
    check_month(month)
    availability(client, api_url).require(month)
    url = f"{archive_url.rstrip('/')}/{month}.zip"
    dest = downloads / "police-uk" / "archive" / f"{month}.zip"
    return download(client, url, dest, manifest=Manifest(downloads),
                    expected_sha256=expected_sha256, source="police-uk-archive",
                    progress=progress)
