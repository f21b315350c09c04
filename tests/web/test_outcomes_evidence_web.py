"""The evidence library on the page and in the API: a GET form that works without
JavaScript, the same answers as the service, an unknown filter value named beside its
field (page) or answered 422 with "did you mean" (API), and links only to the programmes
the viewer may open."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers_outcomes import ADMIN, programme
from tests.spec.test_outcomes_evidence import ITEMS
from tests.web.conftest import PASSWORD, sign_in
from tests.web.html import error_messages, parse, text
from tests.web.test_api_records import token_for
from vrhub.outcomes import evidence
from vrhub.outcomes.programmes import save_programmes
from vrhub.web.outcomes_deps import outcomes_of
from vrhub.web.routes import api_outcomes_evidence


def fill(app: FastAPI) -> None:
    service = outcomes_of(app.state)
    save_programmes(service, ADMIN, [programme(), programme("CIF-HAC-01",
                                                            boroughs=["E09000012"],
                                                            funding_stream="CIF")])
    for raw in ITEMS:
        evidence.add_item(service, ADMIN, raw)
    app.state.access.identity.create_user(ADMIN, "lead@example.org", role="programme_lead",
                                          organisation="T", programmes=["LCPF-CAM-01"],
                                          password=PASSWORD)


def titles(html: str) -> list[str]:
    return [text(h) for h in parse(html).select(".vrhub-evidence-item h3")]


def test_the_page_searches_and_filters_without_javascript(app: FastAPI) -> None:
    fill(app)
    client = TestClient(app)
    assert client.get("/outcomes/evidence", follow_redirects=False).status_code in (302, 303,
                                                                                   401)
    sign_in(client, "lead@example.org")
    first = client.get("/outcomes/evidence")
    assert first.status_code == 200
    page = parse(first.text)
    form = page.find("form", action="/outcomes/evidence")
    assert form["method"] == "get"
    for name in ("search", "priority_area", "target_group", "timing", "intervention_type",
                 "method", "programme", "yef_strand"):
        field = form.find(attrs={"name": name})
        assert field is not None and page.find("label", attrs={"for": field["id"]}), name
    assert titles(first.text) == ["Sport and wellbeing",
                                  "Mentoring girls in Camden: an evaluation",
                                  "Parenting programmes review",
                                  "A&E navigators: process evaluation"]
    found = client.get("/outcomes/evidence", params={"search": "Mentoring",
                                                     "timing": "secondary",
                                                     "programme": "CIF-HAC-01"})
    assert titles(found.text) == ["A&E navigators: process evaluation"]
    shown = parse(found.text)
    assert text(shown.find("h2", id="results")) == "1 of 4 items"
    assert shown.find("select", id="timing").find("option", selected=True)["value"] == \
        "secondary"
    assert shown.find("input", id="search")["value"] == "Mentoring"
    strand = shown.select_one(".vrhub-evidence-item dl")
    assert "A&E navigators" in text(strand)  # the strand by its name


def test_an_unknown_value_is_named_beside_its_field(app: FastAPI) -> None:
    fill(app)
    client = TestClient(app)
    sign_in(client, "lead@example.org")
    refused = client.get("/outcomes/evidence", params={"timing": "secondry",
                                                       "search": "wellbeing"})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert any(m.startswith("Timing 'secondry' is not known. Did you mean 'secondary'? Use "
                            "one of: primary, secondary, tertiary.")
               for m in error_messages(page))
    assert page.find("a", href="#timing") is not None
    assert page.find(id="timing-error") is not None
    # the rest of the search still runs
    assert titles(refused.text) == ["Sport and wellbeing",
                                    "Mentoring girls in Camden: an evaluation"]


def test_the_api_searches_and_refuses_unknown_values(app: FastAPI) -> None:
    fill(app)
    client = TestClient(app)
    lead = token_for(app, "lead@example.org")
    answer = client.get("/api/v1/outcomes/evidence", headers=lead,
                        params={"search": "wellbeing", "priority_area": "cyp-po"})
    assert answer.status_code == 200
    body = answer.json()
    assert [i["code"] for i in body["items"]] == ["EV-1"]
    assert (body["found"], body["library_size"], body["filters"]) == (
        1, 4, {"priority_area": "CYP-PO"})
    assert body["items"][0]["published_on"] == "2024-06-01"
    refused = client.get("/api/v1/outcomes/evidence", headers=lead,
                         params={"intervention_type": "mentorin"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == \
        "intervention type 'mentorin' is not known. Did you mean 'mentoring'?"
    assert client.get("/api/v1/outcomes/evidence").status_code == 403  # the public
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    parameters = {p["name"] for p in paths["/api/v1/outcomes/evidence"]["get"]["parameters"]}
    assert paths["/api/v1/outcomes/evidence"]["get"]["summary"] == \
        api_outcomes_evidence.router.routes[0].summary  # type: ignore[attr-defined]
    assert parameters == {"search", "priority_area", "target_group", "timing",
                          "intervention_type", "method", "programme", "yef_strand"}


def programme_cells(html: str) -> dict[str, dict[str, str | None]]:
    """Each item's programmes: code -> the link's address, or None when not a link."""
    out: dict[str, dict[str, str | None]] = {}
    for item in parse(html).select(".vrhub-evidence-item"):
        title = text(item.find("h3"))
        for row in item.select(".govuk-summary-list__row"):
            if text(row.find("dt")) == "Programmes":
                value = row.find("dd")
                links = {text(a): a["href"] for a in value.find_all("a")}
                out[title] = {code.strip(): links.get(code.strip())
                              for code in text(value).split(",") if code.strip() != "–"}
    return out


def test_programmes_the_viewer_cannot_open_are_named_without_a_link(
        app: FastAPI, make_user: Any) -> None:
    fill(app)
    make_user("vru@example.org", "pan_london_analyst")
    lead = TestClient(app)
    sign_in(lead, "lead@example.org")
    shown = programme_cells(lead.get("/outcomes/evidence").text)
    assert shown["A&E navigators: process evaluation"] == {
        "LCPF-CAM-01": "/outcomes/programmes/LCPF-CAM-01", "CIF-HAC-01": None}
    assert shown["Mentoring girls in Camden: an evaluation"] == {
        "LCPF-CAM-01": "/outcomes/programmes/LCPF-CAM-01"}
    assert shown["Parenting programmes review"] == {}
    # the same rule as the programme page's
    assert lead.get("/outcomes/programmes/LCPF-CAM-01").status_code == 200
    assert lead.get("/outcomes/programmes/CIF-HAC-01").status_code == 403
    analyst = TestClient(app)
    sign_in(analyst, "vru@example.org")
    assert programme_cells(analyst.get("/outcomes/evidence").text)[
        "A&E navigators: process evaluation"] == {
        "LCPF-CAM-01": "/outcomes/programmes/LCPF-CAM-01",
        "CIF-HAC-01": "/outcomes/programmes/CIF-HAC-01"}
    assert analyst.get("/outcomes/programmes/CIF-HAC-01").status_code == 200
