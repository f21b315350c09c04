"""The violence x deprivation map of the VRU strategy: wards crossed by violence with
injury over 12 months and IMD 2025 deprivation, for partners from the warehouse (cached)
and for the public from the published outputs, and the map's GeoJSON features.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from vrhub.analytics.deprivation import GROUPS, violence_deprivation_summary
from vrhub.errors import UserError
from vrhub.reports import overview_figures as ov
from vrhub.standards.months import shift
from vrhub.storage.warehouse import Warehouse
from vrhub.web.choropleth import GROUP_COLOURS, NO_DATA
from vrhub.web.pages_support import cached_json, exact_count, months_available, published_rows


def violence_by_deprivation(request: Request, wh: Warehouse, *,
                            borough: str | None, end: str | None
                            ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Wards crossed by violence with injury (12 months to ``end``) and IMD 2025
    (:func:`vrhub.reports.overview_figures.violence_deprivation_wards`), 'high violence'
    as the deployment's setting ``VRHUB_HIGH_VIOLENCE_OFFENCES`` says."""
    last = end or months_available(wh)[1]
    high_violence = int(request.app.state.settings.high_violence_offences)

    def compute() -> dict[str, Any]:
        if last is None:
            return {"rows": [], "summary": {}}
        mapped = ov.violence_deprivation_wards(wh, end=last, borough=borough,
                                               high_violence=high_violence).frame
        rows = [{"area_code": str(r["area_code"]), "area_name": str(r["area_name"]),
                 "count": exact_count(r["count"]), "decile": r["imd_decile"],
                 "group": str(r["group"])} for r in mapped.to_dict("records")]
        return {"rows": rows, "summary": violence_deprivation_summary(mapped),
                "from": shift(last, -11), "to": last}

    try:
        result = cached_json(request, "vxd", {"borough": borough or "", "end": last,
                                              "high_violence": high_violence}, compute)
    except UserError:
        return [], {}
    summary = dict(result["summary"])
    summary["period"] = (result.get("from"), result.get("to"))
    return result["rows"], summary


def published_deprivation(request: Request) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The published violence x deprivation wards and their summary per group."""
    rows = published_rows(request, "violence-deprivation-ward") or []
    groups = {g: {"areas": 0, "events": 0} for g in GROUPS}
    for r in rows:
        group = groups.setdefault(str(r["group"]), {"areas": 0, "events": 0})
        group["areas"] += 1
        group["events"] += r["count"] or 0
    period = (rows[0]["period_from"], rows[0]["period_to"]) if rows else (None, None)
    return rows, {"groups": groups, "period": period}


def deprivation_features(rows: list[dict[str, Any]], shapes: dict[str, Any]
                         ) -> list[dict[str, Any]]:
    features = []
    for r in rows:
        geometry = shapes.get(str(r["area_code"]))
        if geometry is None:
            continue
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "code": r["area_code"], "fill": GROUP_COLOURS.get(r["group"], NO_DATA),
            "label": f"{r['area_name']}: {r['group']}"}})
    return features
