"""Printed documents: HTML rendered from the page templates, turned into PDF by WeasyPrint
with vrhub's print stylesheet. No network: every resource is local (the stylesheet is read
from the package; maps are inline SVG)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request

from vrhub.web.assets import STATIC
from vrhub.web.templating import TEMPLATES

PRINT_CSS = STATIC / "css" / "profile-print.css"


def _no_fetch(url: str, timeout: int = 10, ssl_context: object = None,
              http_headers: object = None) -> dict[str, object]:
    raise ValueError(f"printed documents load nothing from elsewhere ({url})")


def html_for_print(request: Request, template: str, **context: object) -> str:
    templates = request.app.state.templates
    page: str = templates.get_template(template).render(request=request, **context)
    return page


def pdf(html: str, stylesheet: Path = PRINT_CSS) -> bytes:
    """The HTML as a PDF (A4, the print stylesheet applied)."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_no_fetch)
    result: bytes = document.write_pdf(stylesheets=[CSS(filename=str(stylesheet))])
    return result
