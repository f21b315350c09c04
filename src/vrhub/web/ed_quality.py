"""ED data quality per site and month as a reader may see it: the rows the quality page
and its chart show, limited by the policy layer to the reader's sites (the read audited).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.quality import istv as istv_quality
from vrhub.web.pages_support import open_warehouse


def quality_rows(request: Request, principal: Principal
                 ) -> tuple[list[dict[str, Any]], set[str]]:
    """Site-month quality rows the principal may see, and the sites they cover."""
    scope = request.app.state.access.policy.enforce_scope(
        principal, Action.READ_QUALITY, "istv_quality", detail="ED data quality page")
    # The ISTV quality queries refresh a view, so they need a writable connection.
    exists = request.app.state.workspace.warehouse_path.exists()
    with open_warehouse(request, write=exists) as wh:
        if wh is None or not wh.has_table("istv_submission"):
            return [], set()
        result = istv_quality.build(wh)
    rows = [r for r in result.data["site_months"]
            if scope.everything or r["site_code"] in scope.sites]
    return rows, {r["site_code"] for r in rows}
