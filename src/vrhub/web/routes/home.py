"""The landing page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from vrhub.storage.warehouse import Warehouse
from vrhub.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    ws = request.app.state.workspace
    sources: list[tuple[str, int, int]] = []
    if ws.warehouse_path.exists():
        with Warehouse(ws.warehouse_path, read_only=True) as wh:
            prov = wh.query(
                "SELECT source, count(*) AS files, sum(rows_loaded) AS loaded "
                "FROM provenance WHERE status <> 'replaced' GROUP BY source ORDER BY source"
            )
        sources = [(str(s), int(f), int(n or 0)) for s, f, n in prov.itertuples(index=False)]
    return render(request, "pages/home.html", page_title="Overview", sources=sources)
