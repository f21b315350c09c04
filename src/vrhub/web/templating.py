"""Jinja2 templates for the server-rendered pages (GOV.UK Frontend markup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from vrhub import __version__
from vrhub.settings import Settings
from vrhub.standards.months import Month
from vrhub.web.csrf import csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"


BASEMAP_FILE_URL = "/maps/basemap.pmtiles"


def basemap_attributes(settings: Settings) -> dict[str, str]:
    """What every map draws under its layers: a tile URL, vrhub's own PMTiles file, or
    nothing (clean outlines)."""
    attribution = settings.tile_attribution or ""
    if settings.tile_url:
        return {"tile_url": settings.tile_url, "attribution": attribution}
    if settings.basemap_file is not None:
        return {"pmtiles": BASEMAP_FILE_URL, "attribution": attribution}
    return {}


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals["vrhub_version"] = __version__
    env.globals["csrf_token"] = csrf_token
    env.filters["thousands"] = lambda v: "" if v is None else f"{int(v):,}"
    env.filters["month_label"] = month_label
    env.filters["month_short"] = month_short
    env.filters["long_date"] = long_date
    return templates


def month_label(value: object) -> str:
    """'2024-10' (or a Month) as 'October 2024'; anything else unchanged."""
    if value is None or value == "":
        return ""
    return Month.parse(value).label if Month.is_valid(value) else str(value)


def month_short(value: object) -> str:
    """'2024-10' as 'Oct 2024'."""
    if value is None or value == "":
        return ""
    return Month.parse(value).short_label if Month.is_valid(value) else str(value)


def long_date(value: object) -> str:
    """A date or time as '6 December 2025'."""
    if value is None:
        return ""
    day = getattr(value, "day", None)
    if day is None:
        return str(value)
    return f"{day} {value:%B %Y}"


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)
