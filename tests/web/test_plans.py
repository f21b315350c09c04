"""Borough plan assessment: VRU assessors score plans against the rubric, the heat map
and London's mean, peer pairings checked by hand, history across years, what a borough's
analyst may see, and bad input (a score out of range, a missing criterion, a formula or
script in the evidence, a malformed year); the pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_from, sign_in
from vrhub.access.audit import query
from vrhub.errors import PermissionDenied
from vrhub.partnership.incident_forms import IncidentError as FieldError
from vrhub.partnership.plan_assessment import PlanDesk, Scored, pairings
from vrhub.web.plan_deps import plan_desk

CAMDEN, HACKNEY, ISLINGTON = "E09000007", "E09000012", "E09000019"
CRITERIA = ["use_of_data", "priority_areas", "partnership", "youth_voice", "evaluation",
            "resourcing"]


class _Request:
    def __init__(self, app: FastAPI) -> None:
        self.app = app


def scores(*values: int) -> dict[str, int]:
    return dict(zip(CRITERIA, values, strict=True))


@pytest.fixture
def world(app: FastAPI, make_user: Callable[..., str]) -> tuple[PlanDesk, dict[str, Any]]:
    make_user("vru@london.example", "pan_london_analyst")
    make_user("ana@camden.example", "borough_analyst", boroughs=(CAMDEN,))
    people = {e.split("@")[0]: app.state.access.identity.sign_in(e, PASSWORD)
              for e in ("vru@london.example", "ana@camden.example")}
    return plan_desk(_Request(app)), people  # type: ignore[arg-type]


def test_pairings_by_hand() -> None:
    rows = [Scored(CAMDEN, "2025/26", "1", scores(1, 4, 3, 2, 4, 3)),
            Scored(HACKNEY, "2025/26", "1", scores(4, 2, 3, 4, 1, 3)),
            Scored(ISLINGTON, "2025/26", "1", scores(3, 3, 3, 3, 3, 3))]
    found = {p.borough: p for p in pairings(rows, CRITERIA)}
    # Camden is weak on data (1) and youth voice (2): Hackney is strong on both (4, 4) and
    # weak where Camden is strong (priority areas 2 vs 4, evaluation 1 vs 4): mutual
    assert (found[CAMDEN].partner, found[CAMDEN].learns, found[CAMDEN].teaches) == (
        HACKNEY, ("use_of_data", "youth_voice"), ("priority_areas", "evaluation"))
    assert found[CAMDEN].reciprocal and found[HACKNEY].partner == CAMDEN
    # Islington has no weak criterion: no one to learn from
    assert ISLINGTON not in found


def test_scores_heat_map_history_and_scope(app: FastAPI,
                                           world: tuple[PlanDesk, dict[str, Any]]) -> None:
    desk, people = world
    vru, ana = people["vru"], people["ana"]
    desk.assess(vru, CAMDEN, "2024/25", scores(1, 3, 3, 2, 2, 2))
    desk.assess(vru, CAMDEN, "2025/26", scores(2, 4, 3, 2, 4, 3),
                evidence={"use_of_data": "Police data only; ED data agreed for next year"})
    desk.assess(vru, HACKNEY, "2025/26", scores(4, 2, 3, 4, 1, 3))
    rows, mean = desk.heatmap(vru, "2025/26")
    assert [r.borough for r in rows] == [CAMDEN, HACKNEY]
    assert mean == {"use_of_data": 3.0, "priority_areas": 3.0, "partnership": 3.0,
                    "youth_voice": 3.0, "evaluation": 2.5, "resourcing": 3.0}
    own, own_mean = desk.heatmap(ana, "2025/26")
    assert [r.borough for r in own] == [CAMDEN] and own_mean == mean
    history = desk.history(ana, CAMDEN)
    assert [(h.year, h.total) for h in history] == [("2024/25", 13), ("2025/26", 18)]
    assert history[1].evidence["use_of_data"].startswith("Police data only")
    with pytest.raises(PermissionDenied, match="outside your boroughs: E09000012"):
        desk.history(ana, HACKNEY)
    with pytest.raises(PermissionDenied, match="borough analyst role may not assess plan"):
        desk.assess(ana, CAMDEN, "2025/26", scores(4, 4, 4, 4, 4, 4))
    with pytest.raises(PermissionDenied, match="may not assess plan"):
        desk.pairings(ana, "2025/26")
    assert desk.history(vru, CAMDEN)[1].total == 18  # the refused re-score changed nothing
    with app.state.access.sessions() as session:
        events = [(e.actor_email, e.action, e.outcome) for e in query(session, limit=500)]
    assert events.count(("vru@london.example", "assess_plan", "success")) == 3
    assert ("ana@camden.example", "read_plan_assessment", "denied") in events
    assert ("ana@camden.example", "assess_plan", "denied") in events


@pytest.mark.parametrize(("year", "given", "evidence", "field", "message"), [
    ("2025/26", scores(1, 2, 3, 4, 5, 1), {}, "evaluation",
     r"Evaluation: 5 is out of range"),
    ("2025/26", {k: v for k, v in scores(1, 2, 3, 4, 4, 1).items() if k != "resourcing"}, {},
     "resourcing", "Resourcing: no score"),
    ("2025/26", {**scores(1, 2, 3, 4, 4, 1), "vibes": 3}, {}, "vibes",
     "'vibes' is not a criterion of rubric 1"),
    ("2025/27", scores(1, 2, 3, 4, 4, 1), {}, "year", "'2025/27' is not a plan year"),
    ("2025/26", scores(1, 2, 3, 4, 4, 1), {"evaluation": "=1+1"}, "evidence for evaluation",
     "starts with '=', which a spreadsheet"),
    ("2025/26", scores(1, 2, 3, 4, 4, 1), {"evaluation": "<script>x()</script>"},
     "evidence for evaluation", "holds markup or script"),
])
def test_bad_assessments_name_the_criterion(world: tuple[PlanDesk, dict[str, Any]], year: str,
                                            given: dict[str, int], evidence: dict[str, str],
                                            field: str, message: str) -> None:
    desk, people = world
    with pytest.raises(FieldError, match=message) as caught:
        desk.assess(people["vru"], CAMDEN, year, given, evidence=evidence)
    assert caught.value.field == field
    assert desk.history(people["vru"], CAMDEN) == []


def test_pages_and_api(app: FastAPI, world: tuple[PlanDesk, dict[str, Any]]) -> None:
    desk, people = world
    desk.assess(people["vru"], HACKNEY, "2025/26", scores(4, 2, 3, 4, 1, 3))
    with TestClient(app) as client:
        sign_in(client, "vru@london.example")
        token = csrf_from(client.get(f"/plans/{CAMDEN}").text)
        form = {"csrf_token": token, "year": "2025/26",
                **{f"score-{c}": str(v) for c, v in scores(1, 4, 3, 2, 4, 3).items()}}
        bad = client.post(f"/plans/{CAMDEN}", data={**form, "score-partnership": "9"})
        assert bad.status_code == 422
        error = BeautifulSoup(bad.text, "html.parser").select_one(".govuk-error-summary a")
        assert error["href"] == "#partnership" and "9 is out of range" in error.get_text()
        assert client.post(f"/plans/{CAMDEN}", data=form,
                           follow_redirects=False).status_code == 303
        page = BeautifulSoup(client.get("/plans?year=2025/26").text, "html.parser")
        body = page.select("table.vrhub-heatmap tbody tr")
        first = [c.get_text(strip=True) for c in body[0].select("td")]
        assert first[0].startswith("1") and first[-1] == "17"
        assert body[-1].th.get_text(strip=True) == "London average"
        pairs = page.find("h2", string="Suggested peer pairings").find_next("table")
        assert "Mutual" in pairs.get_text()
        api = client.get("/api/v1/plans", params={"year": "2025/26"}).json()
        assert api["london_mean"]["use_of_data"] == 2.5 and len(api["pairings"]) == 2
    with TestClient(app) as client:
        sign_in(client, "ana@camden.example")
        assert client.get(f"/plans/{HACKNEY}").status_code == 403
        mine = client.get("/api/v1/plans", params={"year": "2025/26"}).json()
        assert [b["borough"] for b in mine["boroughs"]] == [CAMDEN]
        assert mine["pairings"] == []
        assert client.get(f"/plans/{CAMDEN}").status_code == 200


def test_a_boroughs_history_by_api_and_page_and_the_refusal_outside_its_scope(
        app: FastAPI, world: tuple[PlanDesk, dict[str, Any]]) -> None:
    from tests.web.html import headers, parse, table, text
    from tests.web.route_paths import path_of
    from vrhub.web.routes import api_plans, pages_plans

    desk, people = world
    given = {"2024/25": scores(2, 2, 3, 1, 2, 2), "2025/26": scores(1, 4, 3, 2, 4, 3)}
    for year, marks in given.items():
        desk.assess(people["vru"], CAMDEN, year, marks)
    desk.assess(people["vru"], HACKNEY, "2025/26", scores(4, 4, 4, 4, 4, 4))
    with TestClient(app) as client:
        sign_in(client, "ana@camden.example")
        api = client.get(path_of(api_plans, api_plans.history, borough=CAMDEN.lower()))
        assert api.status_code == 200 and api.json()["borough"] == CAMDEN
        assert {a["year"]: a["scores"] for a in api.json()["assessments"]} == given
        page = parse(client.get(path_of(pages_plans, pages_plans.plan_page,
                                        borough=CAMDEN)).text)
        years = headers(page, "Scores by plan year")[1:]
        assert sorted(years) == sorted(given)
        rows = table(page, "Scores by plan year")
        assert len(rows) == len(CRITERIA)
        for column, year in enumerate(years, start=1):
            assert sorted(int(r[column]) for r in rows) == sorted(given[year].values())
        before = len(query_events(app))
        refused = client.get(path_of(api_plans, api_plans.history, borough=HACKNEY))
        assert refused.status_code == 403
        assert "may not read plan assessment" in refused.json()["error"]["message"]
        other = client.get(path_of(pages_plans, pages_plans.plan_page, borough=HACKNEY))
        assert other.status_code == 403
        assert "may not read plan assessment" in text(parse(other.text).find("main"))
        assert len(query_events(app)) == before + 2


def query_events(app: FastAPI) -> list[Any]:
    with app.state.access.sessions() as session:
        return list(query(session, limit=1_000_000))
