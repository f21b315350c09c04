"""HTML to PDF with WeasyPrint, loading nothing from elsewhere: every resource a printed
document uses is local (stylesheets are read from the package; maps are inline SVG). The
web app's printed pages and the needs assessments both print through :func:`pdf`."""

from __future__ import annotations

from pathlib import Path


def no_fetch(url: str, timeout: int = 10, ssl_context: object = None,
             http_headers: object = None) -> dict[str, object]:
    """WeasyPrint's URL fetcher, refusing every URL."""
    raise ValueError(f"printed documents load nothing from elsewhere ({url})")


def _fetcher() -> object:
    """A WeasyPrint URL fetcher that fetches nothing (WeasyPrint asks a fetcher object
    whether a failed fetch should stop the document: it should not, the resource is left
    out)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before 67 takes a plain function
        return no_fetch

    class NoFetch(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            return no_fetch(url)

    return NoFetch()


def pdf(html: str, stylesheet: Path | None, *, base_url: Path | str | None = None) -> bytes:
    """The HTML as a PDF with ``stylesheet`` applied (None: only the document's own
    styles)."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    document = HTML(string=html, base_url=str(base_url) if base_url else None,
                    url_fetcher=fetcher)
    sheets = [] if stylesheet is None else [CSS(filename=str(stylesheet),
                                                url_fetcher=fetcher)]
    result: bytes = document.write_pdf(stylesheets=sheets)
    return result
