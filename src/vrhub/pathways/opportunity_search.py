"""The public search: what a young person, a parent or a professional asks, and what they
see back.

The question (:class:`PublicSearch`) is turned into the directory's own search
(:class:`vrhub.pathways.search.SearchQuery`: active listings only), so the page, the ORUK
feed and the API find the same things. Answers are shaped for reading on a phone:
distance in kilometres, sessions in words ("Mondays and Wednesdays, 4pm to 6pm, term
time"), ages, cost, a short summary, and a small map of the page's results around the
postcode drawn on the server (no JavaScript, no map tiles, nothing fetched from
elsewhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from vrhub.errors import CodeError, UserError
from vrhub.pathways import oruk_publish
from vrhub.pathways.directory import Directory
from vrhub.pathways.referral_figures import ListingFigures
from vrhub.pathways.search import SearchQuery
from vrhub.standards.opportunity_taxonomy import YOUTH_OPPORTUNITIES
from vrhub.storage import directory_reads as reads
from vrhub.storage.appdb.directory_models import DirectoryService

PER_PAGE = 20
DISTANCES = (("1000", "Within 1 km"), ("2000", "Within 2 km"), ("5000", "Within 5 km"),
             ("10000", "Within 10 km"), ("", "Any distance"))
DAYS = (("MO", "Monday"), ("TU", "Tuesday"), ("WE", "Wednesday"), ("TH", "Thursday"),
        ("FR", "Friday"), ("SA", "Saturday"), ("SU", "Sunday"))
TIMES = (("", "Any time"), ("morning", "Morning (before 12)"),
         ("afternoon", "Afternoon (12 to 5pm)"), ("evening", "Evening (after 5pm)"))
TIME_SPANS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 17 * 60),
              "evening": (17 * 60, 24 * 60)}
DAY_WORDS = dict(DAYS)


@dataclass
class PublicSearch:
    """The public search form, as typed."""

    q: str = ""
    type: str = ""
    where: str = ""
    borough: str = ""
    distance: str = "5000"
    day: str = ""
    time: str = ""
    age: str = ""
    free: bool = False
    page: int = 1

    @property
    def asked(self) -> bool:
        return any([self.q, self.type, self.where, self.borough, self.day, self.time,
                    self.age, self.free])

    def url(self, page: int) -> str:
        params = {k: v for k, v in (("q", self.q), ("type", self.type),
                                    ("where", self.where), ("borough", self.borough),
                                    ("distance", self.distance), ("day", self.day),
                                    ("time", self.time), ("age", self.age),
                                    ("free", "1" if self.free else "")) if v}
        params["page"] = str(page)
        return "/opportunities?" + urlencode(params) + "#results"


class SearchProblem(UserError):
    """A search field that cannot be used; ``field`` names it for the form."""

    http_status = 400
    code = "invalid_search"

    def __init__(self, field_name: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field_name


@dataclass
class ResultItem:
    id: str
    name: str
    organisation: str
    distance: str | None
    area: str | None
    ages: str | None
    cost: str
    when: str | None
    summary: str
    tags: list[str]


@dataclass
class Results:
    total: int
    items: list[ResultItem]
    first_number: int
    place: str | None
    previous: str | None
    next: str | None
    map: dict[str, Any] | None = None
    borough_names: dict[str, str] = field(default_factory=dict)


def query_of(directory: Directory, form: PublicSearch) -> tuple[SearchQuery, str | None]:
    """The directory search for ``form``, and the place it is around (for the page)."""
    place = None
    if form.where.strip():
        try:
            place = oruk_publish.locate(directory, form.where)
        except CodeError:
            raise SearchProblem("where", f"{form.where.strip()!r} is not a postcode",
                                hint="enter a postcode like SE1 7EH, or its first half "
                                "like SE1") from None
        except oruk_publish.PlaceNotFound:
            raise SearchProblem("where", f"we could not find {form.where.strip().upper()}",
                                hint="check the postcode, or choose a borough") from None
    age = None
    if form.age.strip():
        try:
            age = float(form.age)
        except ValueError:
            raise SearchProblem("age", "age must be a number, like 16") from None
        if not 0 <= age <= 130:
            raise SearchProblem("age", "age must be a number, like 16")
    terms: tuple[str, ...] = ()
    if form.type:
        try:
            YOUTH_OPPORTUNITIES.term(form.type)
        except KeyError:
            raise SearchProblem("type", "choose a type from the list") from None
        terms = (YOUTH_OPPORTUNITIES.term_id(form.type),)
    day = form.day if form.day in DAY_WORDS else None
    span = TIME_SPANS.get(form.time)
    proximity = float(form.distance) if (place and form.distance.isdigit()) else None
    query = SearchQuery(
        text=form.q.strip() or None, term_ids=terms, minimum_age=age, maximum_age=age,
        day=day, start_time=span[0] if span else None, end_time=span[1] if span else None,
        centre=(place.easting, place.northing) if place else None,
        centre_borough=place.borough_code if place else None, proximity=proximity,
        borough=form.borough or None if not place else None, free_only=form.free,
        statuses=("active",))
    return query, place.postcode if place else None


def search(directory: Directory, form: PublicSearch,
           figures: dict[str, ListingFigures] | None = None) -> Results:
    query, place = query_of(directory, form)
    index = directory.index()
    found_all = index.search(query)
    page = max(1, form.page)
    start = (page - 1) * PER_PAGE
    chosen = found_all.page(start, PER_PAGE)
    with directory.sessions() as session:
        found = {s.id: s for s in reads.services(session, [h.service_id for h in chosen])}
    items = []
    markers = []
    for number, hit in enumerate(chosen, start=start + 1):
        service = found.get(hit.service_id)
        if service is None:
            continue
        items.append(ResultItem(
            id=service.id, name=service.name, organisation=service.organisation.name,
            distance=_km(hit.distance) if hit.distance is not None else None,
            area=_area(service), ages=ages_text(service), cost=cost_text(service),
            when=sessions_text(service, short=True), summary=_summary(service.description),
            tags=[link.term.name for link in service.term_links
                  if link.term.taxonomy_id == YOUTH_OPPORTUNITIES.id]))
        if hit.place is not None and query.centre is not None:
            markers.append((number, float(index.place_x[hit.place]),
                            float(index.place_y[hit.place])))
    return Results(
        total=len(found_all), items=items, first_number=start + 1, place=place,
        previous=form.url(page - 1) if page > 1 else None,
        next=form.url(page + 1) if start + PER_PAGE < len(found_all) else None,
        map=_map(query.centre, markers) if query.centre and markers else None)


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _area(service: DirectoryService) -> str | None:
    for sal in service.at_locations:
        if sal.location.location_type == "virtual":
            return "Online"
    return None


def _summary(text: str, limit: int = 220) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def ages_text(service: DirectoryService) -> str | None:
    lo, hi = service.minimum_age, service.maximum_age
    if lo is None and hi is None:
        return None
    if lo is None:
        return f"up to {hi:g}"
    if hi is None:
        return f"{lo:g} and over"
    return f"{lo:g} to {hi:g}"


def cost_text(service: DirectoryService) -> str:
    paid = [c for c in service.cost_options if (c.amount or 0) > 0]
    if not paid:
        return "Free"
    c = paid[0]
    return f"£{c.amount:.2f} {c.amount_description or c.option or ''}".strip()


def _clock(value: str | None) -> str | None:
    if not value:
        return None
    hours, _, mins = value.partition(":")
    h = int(hours)
    suffix = "am" if h < 12 else "pm"
    h12 = h % 12 or 12
    return f"{h12}{suffix}" if mins in ("00", "") else f"{h12}:{mins}{suffix}"


def sessions_text(service: DirectoryService, *, short: bool = False) -> str | None:
    parts = []
    for s in service.schedules:
        days = [DAY_WORDS[d] + "s" for d in (s.byday or "").split(",") if d in DAY_WORDS]
        if not days:
            if s.description:
                parts.append(s.description)
            continue
        text = (" and ".join([", ".join(days[:-1]), days[-1]]) if len(days) > 1
                else days[0])
        opens, closes = _clock(s.opens_at), _clock(s.closes_at)
        if opens and closes:
            text += f", {opens} to {closes}"
        if s.term_time_only:
            text += " (term time)"
        parts.append(text)
    if not parts:
        return None
    return "; ".join(parts[:2]) + ("; …" if short and len(parts) > 2 else "") if short \
        else "; ".join(parts)


def _map(centre: tuple[float, float], markers: list[tuple[int, float, float]]
         ) -> dict[str, Any]:
    """An SVG sketch: the search centre in the middle, results by their real offsets."""
    size, middle = 320, 160
    far = max(math.hypot(x - centre[0], y - centre[1]) for _, x, y in markers) or 500.0
    step = next((s for s in (250, 500, 1000, 2000, 5000, 10000, 20000) if far / s <= 4),
                50000)
    radius = step * math.ceil(far / step)
    scale = (middle - 16) / radius
    rings = [{"r": round(k * step * scale, 1),
              "label": f"{k * step / 1000:g} km"} for k in range(1, int(radius // step) + 1)]
    return {"size": size, "centre": middle, "rings": rings,
            "ring_label": f"{step / 1000:g} km",
            "markers": [{"number": n, "x": round(middle + (x - centre[0]) * scale, 1),
                         "y": round(middle - (y - centre[1]) * scale, 1)}
                        for n, x, y in markers]}


def categories() -> list[dict[str, Any]]:
    groups = []
    for term in YOUTH_OPPORTUNITIES.terms:
        if term.parent is None:
            groups.append({"code": term.code, "name": term.name, "terms": [
                t for t in YOUTH_OPPORTUNITIES.terms if t.parent == term.code]})
    return groups


def detail(directory: Directory, service_id: str,
           figures: ListingFigures | None = None) -> dict[str, Any] | None:
    """One listing for its public page (None when there is none or it is not active)."""
    with directory.sessions() as session:
        service = reads.service(session, service_id.strip().lower())
        if service is None or service.status in ("defunct", "inactive"):
            return None
        places, online = [], False
        for sal in service.at_locations:
            loc = sal.location
            if loc.location_type == "virtual":
                online = True
                continue
            places.append({"name": loc.name, "address": [x for x in (
                loc.address_1, loc.address_2, loc.city, loc.postcode) if x],
                "accessibility": "; ".join(a.description or "" for a in loc.accessibility
                                           if a.description)})
        capacity = service.capacities[0] if service.capacities else None
        return {
            "id": service.id, "name": service.name,
            "organisation": service.organisation.name, "status": service.status,
            "alert": service.alert,
            "description": [p for p in (service.description or "").split("\n\n") if p],
            "ages": ages_text(service), "eligibility": service.eligibility_description,
            "cost": cost_text(service),
            "sessions": (sessions_text(service) or "").split("; ") if service.schedules
            else [],
            "places": places, "online": online,
            "languages": ", ".join(x.name for x in service.languages if x.name),
            "places_left": (f"{capacity.available} of {capacity.maximum} places free"
                            if capacity and capacity.available is not None and
                            capacity.maximum else None),
            "figures": figures.sentences() if figures else [],
            "phones": [c.phone for c in service.contacts if c.phone],
            "email": service.email or next((c.email for c in service.contacts if c.email),
                                           None),
            "url": service.url,
            "tags": [link.term.name for link in service.term_links],
            "reviewed": service.reviewed_at.strftime("%-d %B %Y") if service.reviewed_at
            else None,
            "updated": service.last_modified.strftime("%-d %B %Y"),
        }
