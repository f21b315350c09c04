"""Printed documents: a page template rendered with the request, then an A4 PDF with the
print stylesheet, fetching nothing from elsewhere."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from tests.web.html import parse, text
from vrhub.web.printing import PRINT_CSS, html_for_print, pdf

A4 = (595.275591, 841.889764)  # 210 x 297 mm in points


def streams(document: bytes) -> bytes:
    """The PDF's compressed streams, opened."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", document, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_a_template_is_printed_on_a4_with_its_title(tmp_path: Path) -> None:
    (tmp_path / "print").mkdir()
    (tmp_path / "print" / "note.html").write_text(
        "<html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>"
        "<p>{{ request.url.path }}</p>{% for i in range(80) %}<p>Line {{ i }}</p>"
        '{% endfor %}<img src="https://example.org/tracker.png" alt=""></body></html>',
        encoding="utf-8")
    app = FastAPI()
    app.state.templates = Jinja2Templates(directory=str(tmp_path))

    @app.get("/boroughs/camden/print")
    def printed(request: Request) -> Response:
        html = html_for_print(request, "print/note.html", title="Camden board summary")
        # the request is in the template's context
        assert text(parse(html).find("p")) == "/boroughs/camden/print"
        return Response(pdf(html), media_type="application/pdf")

    document = TestClient(app).get("/boroughs/camden/print").content
    assert document.startswith(b"%PDF")
    inside = streams(document)
    boxes = {tuple(float(v) for v in box.split()[2:]) for box in re.findall(
        rb"/MediaBox \[([^\]]*)\]", inside)}
    assert boxes == {A4}
    pages = max(int(n) for n in re.findall(rb"/Count (\d+)", inside))
    assert pages >= 2  # 80 lines do not fit one page
    assert b"/Title (Camden board summary)" in inside
    assert PRINT_CSS.is_file()
