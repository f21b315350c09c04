"""The account page: navigation kept, boroughs and sites by name, API tokens made (shown
once, then usable), listed and revoked, every step audited."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.warehouse_sql import scalar
from tests.web.conftest import csrf_from, sign_in
from tests.web.html import error_messages, nav_labels, parse, summary_list, table, text
from tests.web.pages_workspace import BOROUGH, ED_SITE
from vrhub.storage.appdb.models import AuditEvent
from vrhub.storage.warehouse import Warehouse

HTML = {"accept": "text/html"}


def names(app: FastAPI) -> tuple[str, str]:
    with Warehouse(Path(app.state.settings.home) / "warehouse.duckdb", read_only=True) as wh:
        borough = scalar(wh, "SELECT DISTINCT borough_name FROM area_lookup "
                             "WHERE borough_code = ?", [BOROUGH])
        site = scalar(wh, "SELECT site_name FROM ed_site WHERE site_code = ?", [ED_SITE])
    return str(borough), str(site)


def client_for(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app)
    sign_in(client, email)
    return client


def test_account_page_keeps_the_navigation_and_names_boroughs(demo_app: FastAPI) -> None:
    borough_name, _site = names(demo_app)
    page = parse(client_for(demo_app, "borough@example.org").get("/account",
                                                                  headers=HTML).text)
    assert nav_labels(page) == ["Overview", "Boroughs", "Hotspots", "Trends", "Returns",
                                 "Outcomes", "Incidents", "Plans", "Needs assessments",
                                 "Account"]
    current = page.find("a", attrs={"aria-current": "page"})
    assert text(current) == "Account"
    facts = summary_list(page)
    assert facts["Boroughs"] == f"{borough_name} ({BOROUGH})"
    assert facts["ED sites"] == "None"


def test_ed_lead_sees_their_site_by_name(demo_app: FastAPI) -> None:
    _borough, site_name = names(demo_app)
    page = parse(client_for(demo_app, "ed@example.org").get("/account", headers=HTML).text)
    assert summary_list(page)["ED sites"] == f"{site_name} ({ED_SITE})"
    assert "Upload" in nav_labels(page)


def test_make_use_and_revoke_an_api_token(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "borough@example.org")
    page = parse(client.get("/account", headers=HTML).text)
    assert text(page.find(id="api-tokens")) == "API tokens"
    assert "You have no API tokens." in text(page)
    usage = text(page.find("pre"))
    assert 'Authorization: Bearer $VRHUB_TOKEN' in usage and "/api/v1/counts" in usage
    ticks = [i["value"] for i in page.find_all("input", attrs={"name": "scopes"})]
    assert "read_aggregates" in ticks and "upload_istv" not in ticks  # the role's scopes only

    token = csrf_from(client.get("/account", headers=HTML).text)
    made = client.post("/account/tokens", data={"csrf_token": token, "name": "weekly report",
                                                 "days": "30", "scopes": ["read_aggregates"]},
                       headers=HTML)
    assert made.status_code == 200
    page = parse(made.text)
    plaintext = text(page.find(id="new-token"))
    assert plaintext.startswith("vrh_")
    rows = table(page, "Your tokens")
    assert rows[0][0] == "weekly report" and rows[0][1] == f"vrh_{plaintext[4:12]}"

    api = TestClient(demo_app)
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert api.get("/api/v1/counts?source=mps&level=borough", headers=auth).status_code == 200
    # the token carries only the ticked scope
    assert api.get("/api/v1/records/police", headers=auth).status_code == 403

    again = parse(client.get("/account", headers=HTML).text)
    assert again.find(id="new-token") is None  # shown once only
    revoked = client.post(f"/account/tokens/{plaintext[4:12]}/revoke",
                          data={"csrf_token": token}, headers=HTML)
    assert "is revoked" in text(parse(revoked.text).find(class_="govuk-notification-banner"))
    assert table(parse(revoked.text), "Your tokens")[0][-1] == "Revoked"
    assert api.get("/api/v1/counts?source=mps&level=borough", headers=auth).status_code == 401

    with demo_app.state.access.sessions() as session:
        events = [(e.action, e.outcome, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "manage_own_tokens"))]
    details = [d for _a, outcome, d in events if outcome == "success"]
    assert any(d.startswith("created token") for d in details)
    assert any(d.startswith("revoked token") for d in details)


def test_a_token_form_with_mistakes_says_what_to_fix(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "pan@example.org")
    token = csrf_from(client.get("/account", headers=HTML).text)
    response = client.post("/account/tokens", data={"csrf_token": token, "name": "",
                                                     "days": "900"}, headers=HTML)
    assert response.status_code == 400
    assert error_messages(parse(response.text)) == [
        "Enter what the token is for, for example 'weekly report'",
        "Enter a number of days from 1 to 365, or leave it empty for the default",
        "Choose at least one thing the token may do"]


def test_token_forms_need_the_csrf_token(demo_app: FastAPI) -> None:
    client = client_for(demo_app, "pan@example.org")
    response = client.post("/account/tokens", data={"name": "x", "scopes": ["read_records"]})
    assert response.status_code == 403
