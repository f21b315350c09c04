"""Printed documents: HTML rendered from the page templates, turned into PDF by WeasyPrint
(:mod:`vrhub.reports.printing`) with vrhub's print stylesheet. No network: every resource
is local (the stylesheet is read from the package; maps are inline SVG)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request

from vrhub.reports import printing
from vrhub.web.assets import STATIC
from vrhub.web.templating import TEMPLATES

PRINT_CSS = STATIC / "css" / "profile-print.css"


def html_for_print(request: Request, template: str, **context: object) -> str:
    templates = request.app.state.templates
    page: str = templates.get_template(template).render(request=request, **context)
    return page


def pdf(html: str, stylesheet: Path = PRINT_CSS) -> bytes:
    """The HTML as a PDF (A4, the print stylesheet applied)."""
    return printing.pdf(html, stylesheet, base_url=TEMPLATES)
