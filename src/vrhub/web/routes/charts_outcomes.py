"""SVG charts of the outcomes dashboard (page support, not part of the API): the trend of
an i-Statement KPI, drawn from the same figures as the page's table and kept in memory
only (outcome figures of a scope are not public)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from vrhub.access.principal import Principal
from vrhub.errors import NotFound
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatement_kpis import kpis
from vrhub.web import charts
from vrhub.web.deps import signed_in
from vrhub.web.outcomes_deps import outcomes
from vrhub.web.response_cache import Cached, cache_of

router = APIRouter(prefix="/charts/outcomes", include_in_schema=False)


@router.get("/kpi.svg")
def kpi_chart(request: Request, principal: Annotated[Principal, Depends(signed_in)],
              service: Annotated[Outcomes, Depends(outcomes)], code: str,
              programme: str | None = None, area: str | None = None,
              borough: str | None = None) -> Response:
    report = kpis(service, principal, programme=programme, area=area, borough=borough)
    found = next((k for k in report.kpis if k.statement.code == code.upper()), None)
    if found is None:
        raise NotFound(f"there is no KPI {code!r} here", hint="pick a KPI on the dashboard")
    rows = [{"period": v.label, "pct": v.value.pct, "low": v.value.ci_low,
             "high": v.value.ci_high} for v in found.trend]
    key = hashlib.sha256(repr((code, report.view.codes, rows,
                               found.statement.target_pct)).encode()).hexdigest()[:32]

    def draw() -> Cached:
        chart = charts.percent_trend(rows, title=found.statement.text,
                                     target=found.statement.target_pct)
        return Cached.of_bytes("", charts.to_svg(chart).encode(), "image/svg+xml")

    entry = cache_of(request).get_or_build(f"private:chart-kpi-{key}", draw)
    return Response(entry.body, media_type="image/svg+xml",
                    headers={"cache-control": "private, no-store"})
