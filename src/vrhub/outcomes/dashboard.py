"""The outcomes dashboard of a priority area, a programme, a borough or everything a user
may see: i-Statement KPIs against target, pre/post change of participants' measures and
the reach totals of approved returns, with one flat table of every figure for the CSV and
XLSX downloads. Pages, API and downloads all call :func:`dashboard`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from vrhub.access.principal import Principal
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.istatement_kpis import KpiReport, kpis_of
from vrhub.outcomes.prepost import PrePost, prepost_of
from vrhub.outcomes.reach import ReachTotals, reach_of
from vrhub.outcomes.views import current_versions, view_of

DOWNLOAD_COLUMNS = ("section", "code", "figure", "period", "value", "ci_low", "ci_high",
                    "base", "target", "status", "framework_version")


@dataclass(frozen=True)
class Dashboard:
    kpis: KpiReport
    prepost: PrePost
    reach: ReachTotals

    @property
    def view(self) -> Any:
        return self.kpis.view

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view.to_dict(), "framework_version": self.kpis.framework_version,
                "kpis": self.kpis.to_dict(), "prepost": self.prepost.to_dict(),
                "reach": self.reach.to_dict()}

    def rows(self) -> list[dict[str, Any]]:
        """Every figure of the dashboard as one row (the downloads)."""
        version = self.kpis.framework_version
        out: list[dict[str, Any]] = []
        for k in self.kpis.kpis:
            for value in k.trend:
                latest = k.latest is not None and value.period == k.latest.period
                out.append({"section": "i-Statement KPI", "code": k.statement.code,
                            "figure": f"% agreeing: {k.statement.text}",
                            "period": value.period, "value": value.value.pct,
                            "ci_low": value.value.ci_low, "ci_high": value.value.ci_high,
                            "base": value.value.total, "target": k.statement.target_pct,
                            "status": k.status if latest else "",
                            "framework_version": version})
        for item in self.prepost.items:
            c = item.change
            out.append({"section": "pre/post change", "code": item.item,
                        "figure": f"mean change: {item.label}", "period": "all",
                        "value": c.mean_change, "ci_low": c.ci_low, "ci_high": c.ci_high,
                        "base": c.pairs, "target": None, "status": "",
                        "framework_version": version})
        for total in self.reach.totals:
            out.append({"section": "reach", "code": total.element, "figure": total.label,
                        "period": total.periods, "value": total.value, "ci_low": None,
                        "ci_high": None, "base": total.returns, "target": None,
                        "status": "", "framework_version": version})
        return out


def dashboard(outcomes: Outcomes, principal: Principal, *, programme: str | None = None,
              area: str | None = None, borough: str | None = None) -> Dashboard:
    """The dashboard of what ``principal`` may see (access decided once, by
    :func:`vrhub.outcomes.views.view_of`)."""
    versions = current_versions(outcomes)
    view = view_of(outcomes, principal, programme=programme, area=area, borough=borough,
                   versions=versions)
    return Dashboard(kpis_of(outcomes, view, versions), prepost_of(outcomes, view, versions),
                     reach_of(outcomes, view, versions))


def download(board: Dashboard, fmt: str) -> tuple[bytes, str]:
    """(body, media type) of the dashboard's figures as CSV or XLSX."""
    import pandas as pd

    frame = pd.DataFrame(board.rows(), columns=list(DOWNLOAD_COLUMNS))
    if fmt == "csv":
        return frame.to_csv(index=False).encode(), "text/csv; charset=utf-8"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="Figures")
    return buffer.getvalue(), ("application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet")
