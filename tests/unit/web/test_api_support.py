"""What the API's endpoints share: the public refused ad-hoc queries (audited once), ED
decisions audited and turned into a scope, rows made JSON-ready, and the next page's
address keeping the filters."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from starlette.requests import Request

from tests.helpers_outcomes import borough_analyst
from vrhub.access.principal import PUBLIC
from vrhub.access.services import AccessServices
from vrhub.errors import PermissionDenied
from vrhub.storage.appdb.models import AuditEvent
from vrhub.web.api_support import ed_view, json_rows, next_page, refuse_public, view_scope

CAMDEN, HACKNEY = "E09000007", "E09000012"


def request(query: str = "", services: AccessServices | None = None) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(access=services))
    return Request({"type": "http", "method": "GET", "path": "/api/v1/aggregates",
                    "query_string": query.encode(), "headers": [], "app": app})


def events(services: AccessServices) -> list[tuple[str, str, str, str]]:
    with services.sessions() as session:
        return [(e.action, e.resource, e.outcome, e.detail) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def test_rows_are_made_json_ready() -> None:
    frame = pd.DataFrame({"area": ["A", "B", None], "count": np.array([3, 4, 5], np.int64),
                          "rate": [1.5, np.nan, np.inf],
                          "month": pd.to_datetime(["2024-01-01", "2024-02-01", None])})
    rows = json_rows(frame)
    assert rows == [
        {"area": "A", "count": 3, "rate": 1.5, "month": "2024-01-01T00:00:00"},
        {"area": "B", "count": 4, "rate": None, "month": "2024-02-01T00:00:00"},
        {"area": None, "count": 5, "rate": None, "month": None}]
    assert type(rows[0]["count"]) is int  # not a numpy integer
    assert json_rows(pd.DataFrame()) == []


def test_the_next_page_keeps_the_filters() -> None:
    asked = request("borough=E09000007&category=ROBBERY&offset=0&limit=50&category=BURGLARY")
    assert next_page(asked, 50, 0, 120) == (
        "/api/v1/aggregates?borough=E09000007&category=ROBBERY&category=BURGLARY"
        "&limit=50&offset=50")
    assert next_page(asked, 50, 100, 120) is None  # the last page
    assert next_page(asked, 50, 50, 100) is None


@pytest.mark.parametrize("services", ["sqlite"], indirect=True)
def test_the_public_is_refused_ad_hoc_queries_and_audited_once(
        services: AccessServices) -> None:
    with pytest.raises(PermissionDenied) as refused:
        refuse_public(request(services=services), PUBLIC, "hotspots")
    assert refused.value.message == "hotspots are computed on request for signed-in users only"
    assert refused.value.hint == ("public figures are pre-computed and disclosure-checked: "
                                  "see /api/v1/public")
    assert getattr(refused.value, "audited", False)  # the error handler writes no second one
    refuse_public(request(services=services), borough_analyst(CAMDEN), "hotspots")
    assert events(services) == [("read_aggregates", "aggregates:hotspots", "denied",
                                 "ad-hoc hotspots query by the public")]


@pytest.mark.parametrize("services", ["sqlite"], indirect=True)
def test_an_ed_answer_is_decided_and_audited(services: AccessServices) -> None:
    camden = borough_analyst(CAMDEN)
    view = ed_view(request(services=services), camden, [CAMDEN], surface="api:ed",
                   fine=False)
    scope = view_scope(view)
    assert (scope.everything, scope.boroughs) == (False, frozenset({CAMDEN}))
    assert view.exact
    # outside their boroughs: disclosure-controlled figures, but no fine form at all
    elsewhere = ed_view(request(services=services), camden, [HACKNEY], surface="api:ed",
                        fine=False)
    assert not elsewhere.exact and view_scope(elsewhere).boroughs == frozenset({HACKNEY})
    with pytest.raises(PermissionDenied) as refused:
        ed_view(request(services=services), camden, [HACKNEY], surface="api:grid", fine=True)
    assert refused.value.message.startswith("ED figures refused: ")
    assert [(a, r, o) for a, r, o, _ in events(services)] == [
        ("read_ed_figures", "ed_figures:api:ed", "allowed"),
        ("read_ed_figures", "ed_figures:api:ed", "allowed"),
        ("read_ed_figures", "ed_figures:api:grid", "denied")]
