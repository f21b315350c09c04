"""What the API's endpoints share: refusing the public ad-hoc queries, the ED decision for
an answer, JSON-ready rows and the next page's address.

Endpoint modules import these from here, never from one another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import Query
from starlette.requests import Request

from vrhub.access.ed_figures import EDView
from vrhub.access.principal import Principal
from vrhub.access.roles import Action
from vrhub.access.scopes import Scope
from vrhub.errors import PermissionDenied
from vrhub.reports.periods import PRESET_HELP
from vrhub.standards.months import ISO_MONTH_ANCHORED
from vrhub.web.deps import access

MONTH = ISO_MONTH_ANCHORED
"""The months query parameters take (``YYYY-MM``)."""
PRIVATE_CACHE = "private, max-age=300"

FromQuery = Annotated[str | None, Query(
    alias="from", max_length=20,
    description="First month: 2024-10 (or 202410, October 2024). With 'to': those "
    "months; alone: to the latest complete month with data.")]
ToQuery = Annotated[str | None, Query(
    alias="to", max_length=20,
    description="Last month: 2025-09 (or October 2025). Alone: the 12 months ending then.")]
PeriodQuery = Annotated[str | None, Query(
    max_length=20, description="How the period is chosen: " + PRESET_HELP
    + ". Without it or any months: the latest 12 complete months the source holds.")]
YearQuery = Annotated[str | None, Query(
    max_length=9, description="With period financial-year (2024 or 2024/25: April 2024 to "
    "March 2025) or calendar-year; default the latest.")]


def refuse_public(request: Request, principal: Principal, what: str) -> None:
    """The public may not run ad-hoc aggregate queries: refused and audited."""
    if not principal.is_public:
        return
    access(request).audit.record(principal, Action.READ_AGGREGATES.value,
                                 f"aggregates:{what}", outcome="denied", scope={},
                                 detail=f"ad-hoc {what} query by the public")
    refused = PermissionDenied(
        f"{what} are computed on request for signed-in users only",
        hint="public figures are pre-computed and disclosure-checked: see /api/v1/public")
    refused.audited = True  # written just above
    raise refused


def ed_view(request: Request, principal: Principal, boroughs: Sequence[str], *,
            surface: str, fine: bool) -> EDView:
    """How ED figures about ``boroughs`` may be shown to ``principal`` (one audit event);
    refused (403) when not at all."""
    return access(request).policy.ed_figures(principal, surface, boroughs=boroughs,
                                              fine=fine).require()


def view_scope(view: EDView) -> Scope:
    """The boroughs an ED answer covers, as a :class:`Scope`."""
    return Scope(everything=view.everything, boroughs=view.boroughs)


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN/NA/inf as null, numpy scalars as Python numbers."""
    if frame.empty:
        return []
    bare = frame.copy(deep=False)
    bare.attrs = {}  # else each column taken carries a deep copy of them
    columns = [_json_column(values) for _, values in bare.items()]
    if frame.columns.is_unique and all(c is not None for c in columns):
        names = [str(k) for k in frame.columns]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    plain = frame.astype(object).replace({np.inf: None, -np.inf: None})
    plain = plain.where(pd.notna(plain), None)
    out = []
    for row in plain.to_dict("records"):
        out.append({str(k): _plain(v) for k, v in row.items()})
    return out


def _json_column(values: pd.Series) -> list[Any] | None:
    """The values of a column of numbers, truth values or text as :func:`json_rows` gives
    them (None for a column of another type)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.to_numpy().tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [v if math.isfinite(v) else None for v in values.to_numpy().tolist()]
    if isinstance(dtype, pd.StringDtype):
        return [v if isinstance(v, str) else None for v in values.tolist()]
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def next_page(request: Request, limit: int, offset: int, total: int) -> str | None:
    if offset + limit >= total:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items()
              if k not in ("offset", "limit")]
    params += [("limit", str(limit)), ("offset", str(offset + limit))]
    return f"{request.url.path}?{urlencode(params)}"
