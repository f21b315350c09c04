"""Needs-assessment pages and API: a borough analyst builds their borough's edition through
the form, downloads it and sees what changed since the last; another borough's is refused
(403, audited); the public reads only the latest public summary; a recommendation holding a
formula or a script is refused naming the field, on the page and in the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.sna_support import Assessor, StandIn
from tests.web.conftest import ADMIN, csrf_from, sign_in
from tests.web.html import parse, section_text, summary_list
from vrhub.access.audit import query
from vrhub.partnership.sna_editions import SnaDesk
from vrhub.web.routes.api_sna import BuildIn
from vrhub.web.routes.pages_sna import RECOMMENDATIONS_LIMIT
from vrhub.web.sna_deps import sna_desk

CAMDEN, HACKNEY = "E09000007", "E09000012"


@pytest.fixture
def stand_in(app: FastAPI, make_user: Callable[..., str]) -> StandIn:
    make_user("ana@camden.example", "borough_analyst", boroughs=(CAMDEN,))
    make_user("vru@london.example", "pan_london_analyst")
    make_user("lead@ral.example", "ed_data_lead", sites=("RAL01",))
    found = StandIn(figures={
        CAMDEN: {"trends": {"offences": 120}, "where": {"top_ward": "Kentish Town"}},
        HACKNEY: {"trends": {"offences": 150}}})
    access = app.state.access
    app.state.sna_desk = SnaDesk(access.sessions, access.policy, lambda: None,  # type: ignore[arg-type]
                                 assessor=Assessor(found))
    return found


def audit_events(app: FastAPI) -> list[tuple[str, str, str, str]]:
    with app.state.access.sessions() as session:
        return [(e.actor_email, e.action, e.resource, e.outcome)
                for e in query(session, limit=10_000)]


def build_form(client: TestClient, area: str, text: str) -> object:
    token = csrf_from(client.get(f"/sna/{area}").text)
    return client.post(f"/sna/{area}", data={"csrf_token": token, "recommendations": text},
                       follow_redirects=False)


def test_a_borough_analyst_builds_downloads_and_compares(app: FastAPI,
                                                         stand_in: StandIn) -> None:
    with TestClient(app) as client:
        sign_in(client, "ana@camden.example")
        first = build_form(client, CAMDEN, "Fund detached youth work in Kentish Town.")
        assert first.status_code == 303 and first.headers["location"] == f"/sna/{CAMDEN}?built=1"
        page = BeautifulSoup(client.get(f"/sna/{CAMDEN}").text, "html.parser")
        assert "Version 1 is the first full edition" in page.get_text()
        stand_in.figures[CAMDEN] = {"trends": {"offences": 132}}
        assert build_form(client, CAMDEN, "").status_code == 303  # keeps the recommendations
        page = BeautifulSoup(client.get(f"/sna/{CAMDEN}?built=2").text, "html.parser")
        rows = [[c.get_text(" ", strip=True) for c in tr.select("th, td")]
                for tr in page.select("table")[0].select("tbody tr")]
        assert [r[0] for r in rows] == ["Full, version 2", "Public summary, version 2",
                                        "Full, version 1", "Public summary, version 1"]
        assert rows[0][3] == "ana@camden.example" and rows[0][2] == "January 2024 to December 2024"
        assert page.find("h2", string="Changes since the last edition") is not None
        changes = [[c.get_text(" ", strip=True) for c in tr.select("td")]
                   for tr in page.select("table")[1].select("tbody tr")]
        assert ["Trends", "offences", "120", "132", "+12 (+10.0%)"] in changes
        assert ["Where", "The section", "available", "not available",
                f"no longer available: {CAMDEN} has no data for where"] in changes
        assert "Fund detached youth work in Kentish Town." in page.select_one(
            ".govuk-inset-text").get_text()
        links = [a["href"] for a in page.select("table")[0].select("a")]
        assert f"/sna/{CAMDEN}/editions/2.pdf" in links
        assert f"/sna/{CAMDEN}/editions/2.xlsx?edition=public" in links
        pdf = client.get(f"/sna/{CAMDEN}/editions/2.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-disposition"] == (
            f'attachment; filename="sna-{CAMDEN}-full-v2-2024-12.pdf"')
        html = client.get(f"/sna/{CAMDEN}/editions/2.html").text
        assert "+12 (+10.0%)" in html and "Kentish Town" in html
        # another borough: refused, and the refusal is in the audit trail
        assert client.get(f"/sna/{HACKNEY}").status_code == 403
        assert client.get(f"/sna/{HACKNEY}/editions/1.pdf").status_code == 403
        refused = client.get(f"/api/v1/sna/{HACKNEY}/editions")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        overview = BeautifulSoup(client.get("/sna").text, "html.parser")
        assert [a.get_text() for a in overview.select("tbody th a")] == ["Camden"]
    events = audit_events(app)
    assert ("ana@camden.example", "read_sna", f"sna:{HACKNEY}", "denied") in events
    assert ("ana@camden.example", "read_sna", f"sna:{HACKNEY}:full:v1", "denied") in events
    assert ("ana@camden.example", "read_sna", f"sna:{CAMDEN}:full:v2", "allowed") in events
    assert [e for e in events if e[1] == "build_sna" and e[3] == "success"] != []


@pytest.mark.parametrize(("text", "message"), [
    ("=cmd|' /C calc'!A0", "which a spreadsheet would run as a formula"),
    ("Youth clubs.\n<script>alert('x')</script>", "hold markup or script"),
])
def test_a_refused_recommendation_reshows_the_form(app: FastAPI, stand_in: StandIn,
                                                   text: str, message: str) -> None:
    with TestClient(app) as client:
        sign_in(client, "ana@camden.example")
        refused = build_form(client, CAMDEN, text)
        assert refused.status_code == 422
        page = BeautifulSoup(refused.text, "html.parser")
        error = page.select_one(".govuk-error-summary a")
        assert error is not None and error["href"] == "#recommendations"
        assert message in error.get_text()
        assert page.select_one("textarea#recommendations").get_text() == text
        assert message in page.select_one("#recommendations-error").get_text()
        api = client.post(f"/api/v1/sna/{CAMDEN}/editions", json={"recommendations": text},
                          headers={"x-csrf-token": csrf_from(client.get(f"/sna/{CAMDEN}").text)})
        assert api.status_code == 422
        assert api.json()["error"]["field"] == "recommendations"
        assert message in api.json()["error"]["message"]
        assert client.get(f"/api/v1/sna/{CAMDEN}/editions").json()["editions"] == []
    assert stand_in.calls == []  # refused before anything was built


def test_the_public_sees_only_the_latest_public_summary(app: FastAPI,
                                                        stand_in: StandIn) -> None:
    desk: SnaDesk = app.state.sna_desk
    vru = app.state.access.identity.sign_in("vru@london.example", "plum kettle orbit lantern 42")
    desk.build(vru, CAMDEN, recommendations="Mentoring in schools.")
    stand_in.figures[CAMDEN]["trends"]["offences"] = 99
    desk.build(vru, CAMDEN)
    with TestClient(app) as client:
        listing = BeautifulSoup(client.get("/public/sna").text, "html.parser")
        assert [a.get_text() for a in listing.select("main ul a")] == ["Camden"]
        page = client.get(f"/public/sna/{CAMDEN}")
        assert page.status_code == 200
        public = parse(page.text)
        assert "Mentoring in schools." in section_text(public, "Recommendations")
        assert summary_list(public)["Edition"] == "Version 2"
        latest = client.get(f"/public/sna/{CAMDEN}/latest.pdf")
        assert latest.status_code == 200 and latest.content.endswith(b"public\n%%EOF\n")
        assert client.get(f"/public/sna/{HACKNEY}").status_code == 404
        assert client.get(f"/sna/{CAMDEN}", follow_redirects=False).status_code in (303, 307)
        api = client.get("/api/v1/sna").json()["areas"]
        assert [(a["area_code"], a["full"], a["public"]["version"]) for a in api] == [
            (CAMDEN, None, 2)]
        assert client.get(f"/api/v1/sna/{CAMDEN}/editions/2.pdf?edition=public"
                          ).status_code == 200
        for url in (f"/api/v1/sna/{CAMDEN}/editions/1.pdf?edition=public",
                    f"/api/v1/sna/{CAMDEN}/editions/2.pdf",
                    f"/api/v1/sna/{CAMDEN}/editions"):
            refused = client.get(url)
            assert refused.status_code == 403, url
            assert "public role may not read sna" in refused.json()["error"]["message"]
        assert client.get(f"/api/v1/sna/{CAMDEN}/editions/2.doc").status_code == 404
        assert client.get("/api/v1/sna/Gotham/editions").status_code == 404
    denied = [e for e in audit_events(app) if e[3] == "denied"]
    assert ("public", "read_sna", f"sna:{CAMDEN}:public:v1", "denied") in denied
    assert ("public", "read_sna", f"sna:{CAMDEN}:full:v2", "denied") in denied


def test_the_api_builds_with_a_token_and_answers_figures(app: FastAPI,
                                                         stand_in: StandIn) -> None:
    token, _ = app.state.access.tokens.create(ADMIN, "vru@london.example", "sna")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        made = client.post(f"/api/v1/sna/{HACKNEY}/editions", headers=headers,
                           json={"recommendations": "Violence interrupters at the station.",
                                 "edition": "full"})
        assert made.status_code == 201
        assert [(e["edition"], e["version"]) for e in made.json()["editions"]] == [("full", 1)]
        stand_in.figures[HACKNEY] = {"trends": {"offences": 135}}
        again = client.post(f"/api/v1/sna/{HACKNEY}/editions", headers=headers, json={})
        assert [e["version"] for e in again.json()["editions"]] == [2, 1]
        assert again.json()["changes"]["full"][0]["change"] == "-15 (-10.0%)"
        figures = client.get(f"/api/v1/sna/{HACKNEY}/editions/2.json", headers=headers).json()
        assert figures["figures"]["trends"] == {"offences": 135}
        assert figures["previous_version"] == 1
        assert figures["recommendations"] == "Violence interrupters at the station."
        assert figures["changes"][0]["previous"] == 150
        listed = client.get(f"/api/v1/sna/{HACKNEY}/editions", headers=headers).json()
        assert [(e["edition"], e["version"]) for e in listed["editions"]] == [
            ("full", 2), ("full", 1), ("public", 1)]
        assert client.post(f"/api/v1/sna/{HACKNEY}/editions", headers=headers,
                           json={"edition": "draft"}).status_code == 422
        xlsx = client.get(f"/api/v1/sna/{HACKNEY}/editions/2.xlsx", headers=headers)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        assert {"/api/v1/sna", "/api/v1/sna/{area}/editions",
                "/api/v1/sna/{area}/editions/{version}.{fmt}"} <= set(paths)


class _Request:
    def __init__(self, app: FastAPI) -> None:
        self.app = app


def test_too_long_recommendations_and_one_desk_per_app(app: FastAPI,
                                                       make_user: Callable[..., str]) -> None:
    make_user("ana@camden.example", "borough_analyst", boroughs=(CAMDEN,))
    desk = sna_desk(_Request(app))  # type: ignore[arg-type]
    assert sna_desk(_Request(app)) is desk  # type: ignore[arg-type]
    desk._assessor = Assessor(StandIn())
    assert RECOMMENDATIONS_LIMIT == 20_000
    text = "Youth work. " * 2_000
    with TestClient(app) as client:
        sign_in(client, "ana@camden.example")
        refused = build_form(client, CAMDEN, text)
        assert refused.status_code == 422
        error = BeautifulSoup(refused.text, "html.parser").select_one(
            ".govuk-error-summary a")
        assert error is not None and error["href"] == "#recommendations"
        assert error.get_text() == ("The recommendations are 24,000 characters long. "
                                    "Keep them under 20,000 characters")
        api = client.post(f"/api/v1/sna/{CAMDEN}/editions", json=BuildIn(
            recommendations="ok").model_dump() | {"recommendations": text},
                          headers={"x-csrf-token": csrf_from(client.get(f"/sna/{CAMDEN}").text)})
        assert api.status_code == 422
        assert api.json()["error"]["details"][0]["location"] == "body.recommendations"
