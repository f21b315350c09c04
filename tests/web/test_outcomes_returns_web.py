"""Returns over the web: a programme lead downloads the template, uploads it filled in
with an error through the page (no JavaScript) and reads the receipt; a VRU analyst
approves it on the receipt page and the indicator moves; the same through the API, with
refusals audited and every endpoint in the OpenAPI document."""

from __future__ import annotations

import io
import re

import openpyxl
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers_outcomes import ADMIN, programme
from tests.web.conftest import PASSWORD, csrf_from, sign_in
from tests.web.html import parse, text
from tests.web.test_api_records import audit_count, token_for
from vrhub.outcomes.programmes import save_programmes
from vrhub.web.outcomes_deps import outcomes_of

CODE = "LCPF-CAM-01"


def setup(app: FastAPI) -> None:
    save_programmes(outcomes_of(app.state), ADMIN, [programme(),
                                                     programme("LCPF-CAM-02", name="Other")])
    identity = app.state.access.identity
    for email, role, progs in (("lead@example.org", "programme_lead", [CODE]),
                               ("other@example.org", "programme_lead", ["LCPF-CAM-02"]),
                               ("vru@example.org", "pan_london_analyst", [])):
        identity.create_user(ADMIN, email, role=role, organisation="T", programmes=progs,
                             password=PASSWORD)


def filled(template: bytes, negative: bool) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["Reach and delivery"]
    for row in sheet.iter_rows(min_row=2):
        code, breakdown = row[0].value, row[1].value
        value = {"young_people_new": 20, "young_people_completed": 15}.get(code, 1)
        row[3].value = value if breakdown == "total" else None
    if negative:
        sheet["D3"] = -2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(soup: BeautifulSoup, table_caption: str) -> list[list[str]]:
    for table in soup.find_all("table"):
        caption = table.find("caption")
        if caption and table_caption in caption.get_text():
            return [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]
                    for tr in table.find("tbody").find_all("tr")]
    raise AssertionError(f"no table {table_caption!r}")


def test_a_lead_uploads_through_the_page_and_an_analyst_approves(app: FastAPI) -> None:
    setup(app)
    lead = TestClient(app)
    sign_in(lead, "lead@example.org")
    page = lead.get(f"/outcomes/programmes/{CODE}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("h1").get_text(strip=True).startswith(CODE)
    periods = cells(soup, "Returns by reporting period")
    assert [r[0] for r in periods] == ["Q1 2024/25", "Q2 2024/25", "Q3 2024/25",
                                       "Q4 2024/25"]
    assert {r[2] for r in periods} == {"Missing"}
    form = soup.find("form", attrs={"action": f"/outcomes/programmes/{CODE}/returns"})
    assert form is not None and form.find("input", attrs={"type": "file"})
    template = lead.get(f"/outcomes/programmes/{CODE}/template",
                        params={"period": "2024-25-Q1", "format": "xlsx"})
    assert template.status_code == 200
    assert "return-LCPF-CAM-01-2024-25-Q1.xlsx" in template.headers["content-disposition"]
    sent = lead.post(f"/outcomes/programmes/{CODE}/returns",
                     data={"csrf_token": csrf_from(page.text), "period": "2024-25-Q1"},
                     files={"file": ("q1.xlsx", filled(template.content, negative=True))},
                     follow_redirects=False)
    assert sent.status_code == 303
    receipt = lead.get(sent.headers["location"])
    soup = BeautifulSoup(receipt.text, "html.parser")
    set_aside = cells(soup, "Each problem found")
    assert set_aside == [["sheet 'Reach and delivery'", "3", "value", "-2",
                          "is negative: counts and hours cannot be below 0",
                          "give the figure for the period (0 or more)"]]
    assert not soup.find("form", attrs={"action": sent.headers["location"] + "/steps"})
    # a missing file is a form error, not a crash
    again = lead.post(f"/outcomes/programmes/{CODE}/returns",
                      data={"csrf_token": csrf_from(page.text), "period": "2024-25-Q1"})
    assert again.status_code == 400
    assert "Choose the filled-in template to upload" in BeautifulSoup(
        again.text, "html.parser").find(class_="govuk-error-summary").get_text()
    # the VRU analyst reviews and approves on the receipt page
    vru = TestClient(app)
    sign_in(vru, "vru@example.org")
    for button in ("Mark reviewed", "Approve and lock"):
        soup = BeautifulSoup(vru.get(sent.headers["location"]).text, "html.parser")
        form = next(f for f in soup.find_all("form") if f.find("button").get_text(
            strip=True) == button)
        done = vru.post(form["action"], data={
            "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"],
            "step": form.find("input", attrs={"name": "step"})["value"]},
            follow_redirects=False)
        assert done.status_code == 303
    soup = BeautifulSoup(lead.get(f"/outcomes/programmes/{CODE}").text, "html.parser")
    rows = {r[0].split(" RET-")[0]: r for r in cells(soup, CODE)}
    completion = rows["Young people completing, per 100 starting"]
    assert completion[1:] == ["Q1 2024/25", "75.0", "60.0", "On track"]  # 15 of 20
    board = BeautifulSoup(vru.get("/outcomes/returns").text, "html.parser")
    assert board.find(id="late").get_text().startswith("Late: not received by the due date")


def test_returns_over_the_api(app: FastAPI) -> None:
    setup(app)
    client = TestClient(app)
    lead, other, vru = (token_for(app, e) for e in ("lead@example.org", "other@example.org",
                                                    "vru@example.org"))
    template = client.get(f"/api/v1/outcomes/programmes/{CODE}/template",
                          params={"period": "2024-25-Q2", "format": "csv"}, headers=lead)
    assert template.status_code == 200 and template.text.startswith(f"\ufeffProgramme,{CODE}")
    sent = client.post(f"/api/v1/outcomes/programmes/{CODE}/returns", headers=lead,
                       files={"file": ("q2.csv", template.content)})
    assert sent.status_code == 201
    receipt = sent.json()["receipt"]
    assert receipt["period"] == "2024-25-Q2" and receipt["rows_quarantined"] == 0
    before = audit_count(app)
    refused = client.post(f"/api/v1/outcomes/programmes/{CODE}/returns", headers=other,
                          files={"file": ("q2.csv", template.content)})
    assert refused.status_code == 403
    assert audit_count(app) == before + 1
    huge = client.post(f"/api/v1/outcomes/programmes/{CODE}/returns", headers=lead,
                       files={"file": ("big.xlsx", b"PK" + bytes(21 * 1024 * 1024))},
                       data={"period": "2024-25-Q3"})
    assert huge.status_code == 422 and huge.json()["error"]["code"] == "file_rejected"
    assert huge.json()["receipt"]["status"] == "rejected"
    step = client.post(f"/api/v1/outcomes/returns/{receipt['return_id']}/approve",
                       headers=vru, json={})
    assert step.status_code == 409 and "review the return first" in step.json()[
        "error"]["hint"]
    assert client.post(f"/api/v1/outcomes/returns/{receipt['return_id']}/review",
                       headers=vru, json={}).json()["status"] == "reviewed"
    board = client.get("/api/v1/outcomes/returns/board", headers=vru).json()
    assert [r["period"] for r in board["awaiting_review"]] == ["2024-25-Q2"]
    listed = client.get("/api/v1/outcomes/returns", headers=other).json()["returns"]
    assert listed == []
    results = client.get("/api/v1/outcomes/indicators/results", headers=lead,
                         params={"programme": CODE}).json()
    assert results["framework_version"] == "vru-strategy-2025-1"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/outcomes/programmes/{code}/returns",
                 "/api/v1/outcomes/programmes/{code}/template", "/api/v1/outcomes/returns",
                 "/api/v1/outcomes/returns/board", "/api/v1/outcomes/returns/{return_id}",
                 "/api/v1/outcomes/returns/{return_id}/{step}",
                 "/api/v1/outcomes/indicators/results", "/api/v1/outcomes/indicators/hub"):
        assert path in paths


def test_the_programme_pages_period_fields_are_labelled_apart(app: FastAPI) -> None:
    setup(app)
    lead = TestClient(app)
    sign_in(lead, "lead@example.org")
    page = parse(lead.get(f"/outcomes/programmes/{CODE}").text)
    labels = [text(label) for label in page.find_all("label")]
    assert len(labels) == len(set(labels)), labels  # no two fields share a label
    chosen = {}
    for form in page.find_all("form", action=re.compile(f"^/outcomes/programmes/{CODE}/")):
        field = form.find("select", attrs={"name": "period"})
        label = form.find("label", attrs={"for": field["id"]})
        chosen[form["action"].rsplit("/", 1)[1]] = text(label)
    assert chosen == {"template": "Reporting period of the template",
                      "returns": "Reporting period this return covers"}


def test_a_return_is_read_by_its_programme_and_refused_to_another(app: FastAPI) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import api_outcomes_returns, pages_outcomes_returns

    setup(app)
    client = TestClient(app)
    lead, other = (token_for(app, e) for e in ("lead@example.org", "other@example.org"))
    template = client.get(path_of(api_outcomes_returns, api_outcomes_returns.template,
                                  code=CODE),
                          params={"period": "2024-25-Q2", "format": "csv"}, headers=lead)
    sent = client.post(path_of(api_outcomes_returns, api_outcomes_returns.submit, code=CODE),
                       headers=lead, files={"file": ("q2.csv", template.content)})
    assert sent.status_code == 201
    return_id = sent.json()["receipt"]["return_id"]
    detail = path_of(api_outcomes_returns, api_outcomes_returns.return_detail,
                     return_id=return_id)
    before = audit_count(app)
    mine = client.get(detail, headers=lead)
    assert mine.status_code == 200 and audit_count(app) == before + 1  # a read, audited
    assert (mine.json()["return_id"], mine.json()["period"]) == (return_id, "2024-25-Q2")
    missing = client.get(path_of(api_outcomes_returns, api_outcomes_returns.return_detail,
                                 return_id="nope"), headers=lead)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "there is no return 'nope'"
    before = audit_count(app)
    refused = client.get(detail, headers=other)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    page = client.get(path_of(pages_outcomes_returns, pages_outcomes_returns.receipt_page,
                              return_id=return_id), headers=other)
    assert page.status_code == 403
    assert audit_count(app) == before + 2
    # the page's template is the API's: the same file, named for download
    download = client.get(path_of(pages_outcomes_returns,
                                  pages_outcomes_returns.template_download, code=CODE),
                          params={"period": "2024-25-Q2", "format": "csv"}, headers=lead)
    assert download.status_code == 200 and download.content == template.content
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert client.get(path_of(pages_outcomes_returns, pages_outcomes_returns.template_download,
                              code=CODE), params={"period": "2024-25-Q2"},
                      headers=other).status_code == 403
