"""Jinja2 templates for the server-rendered pages (GOV.UK Frontend markup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from vrhub import __version__
from vrhub.web.csrf import csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.globals["vrhub_version"] = __version__
    env.globals["csrf_token"] = csrf_token
    env.filters["thousands"] = lambda v: "" if v is None else f"{int(v):,}"
    return templates


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)
