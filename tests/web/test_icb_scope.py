"""An ICB analyst sees their own system: the boroughs their Integrated Care Board serves
and the emergency departments it runs, exactly; elsewhere disclosure-controlled figures
or a refusal (403), each refusal audited, on pages, the API, downloads, maps and charts.

The dashboard workspace's synthetic ED sites all belong to one ICB (QZZ), lying in
boroughs 1, 3 and 5 of six, so its system is those three boroughs and the three sites;
BOROUGH (1) is inside it and OTHER_BOROUGH (2) outside. Expected figures are counted here
with SQL from the warehouse.
"""

from __future__ import annotations

import csv
import io

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import sign_in
from tests.web.html_tables import table_with
from tests.web.pages_workspace import ADMIN, BOROUGH, ED_SITE, OTHER_BOROUGH, PASSWORD
from tests.web.test_ed_figures import by_hand, comparison, ed_by_ward, query
from vrhub.storage.appdb.models import AuditEvent

HTML = {"accept": "text/html"}
EMAIL = "icb@example.org"
ICB = "QZZ"
SYSTEM_BOROUGHS = {"E09990001", "E09990003", "E09990005"}
SYSTEM_SITES = {"ZZ901", "ZZ902", "ZZ903"}


@pytest.fixture
def icb_app(demo_app: FastAPI) -> FastAPI:
    demo_app.state.access.identity.create_user(
        ADMIN, EMAIL, role="icb_analyst", organisation=ICB, icbs=[ICB], password=PASSWORD)
    return demo_app


@pytest.fixture
def client(icb_app: FastAPI) -> TestClient:
    client = TestClient(icb_app)
    sign_in(client, EMAIL)
    return client


def events(app: FastAPI) -> list[AuditEvent]:
    with app.state.access.sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_the_system_is_what_the_warehouse_says(icb_app: FastAPI) -> None:
    """Written out above from the synthetic data's design; checked here against the
    loaded site list, so the other tests stand on the data, not on vrhub's reading."""
    sites = query(icb_app, "SELECT site_code, icb_code, borough_code FROM ed_site")
    assert {s for s, icb, _b in sites if icb == ICB} == SYSTEM_SITES
    assert {b for _s, icb, b in sites if icb == ICB} == SYSTEM_BOROUGHS
    assert BOROUGH in SYSTEM_BOROUGHS and OTHER_BOROUGH not in SYSTEM_BOROUGHS


def test_the_account_page_names_the_icb_its_boroughs_and_sites(client: TestClient) -> None:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/account").text, "html.parser")
    rows = {dt.get_text(strip=True): dd for dt, dd in zip(
        page.select(".govuk-summary-list__key"), page.select(".govuk-summary-list__value"),
        strict=True)}
    assert rows["Role"].get_text(strip=True) == "ICB analyst"
    assert "(QZZ)" in rows["Integrated Care Board"].get_text()
    boroughs = [li.get_text(strip=True) for li in rows["Boroughs"].select("li")]
    assert {b.rsplit("(", 1)[1].rstrip(")") for b in boroughs} == SYSTEM_BOROUGHS
    sites = [li.get_text(strip=True) for li in rows["ED sites"].select("li")]
    assert {s.rsplit("(", 1)[1].rstrip(")") for s in sites} == SYSTEM_SITES
    nav = [a.get_text(strip=True) for a in page.select("nav a, .govuk-service-navigation a")]
    assert "Data quality" in nav and "Boroughs" in nav


def test_ed_figures_exact_inside_the_system_disclosed_outside(icb_app: FastAPI,
                                                             client: TestClient) -> None:
    inside = client.get(f"/boroughs/{BOROUGH}", headers=HTML).text
    assert comparison(inside) == ed_by_ward(icb_app, BOROUGH)
    assert table_with(inside, "ED assaults by day and hour") is not None
    outside_exact = ed_by_ward(icb_app, OTHER_BOROUGH)
    outside = client.get(f"/boroughs/{OTHER_BOROUGH}", headers=HTML).text
    assert comparison(outside) == {w: by_hand(n) for w, n in outside_exact.items()}
    assert table_with(outside, "ED assaults by day and hour") is None


def test_records_search_and_export_cover_the_system_and_refuse_elsewhere(
        icb_app: FastAPI, client: TestClient) -> None:
    expected = query(icb_app, "SELECT count(*) FROM istv_assault_current WHERE "
                              "borough_code IN (?, ?, ?) OR site_code IN (?, ?, ?)",
                     [*sorted(SYSTEM_BOROUGHS), *sorted(SYSTEM_SITES)])[0][0]
    assert expected > 0
    body = client.get("/api/v1/records/istv?limit=1").json()
    assert body["total"] == expected
    assert set(body["scope"]["boroughs"]) == SYSTEM_BOROUGHS
    assert set(body["scope"]["sites"]) == SYSTEM_SITES
    own = query(icb_app, "SELECT count(*) FROM istv_assault_current "
                         "WHERE borough_code = ?", [BOROUGH])[0][0]
    assert client.get(f"/api/v1/records/istv?borough={BOROUGH}&limit=1").json()[
        "total"] == own
    exported = client.get(f"/api/v1/exports/istv?borough={BOROUGH}&format=csv")
    assert exported.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(exported.text)))) == own
    for url in (f"/api/v1/records/istv?borough={OTHER_BOROUGH}",
                f"/api/v1/exports/istv?borough={OTHER_BOROUGH}&format=csv",
                "/api/v1/records/istv?site=RQXM1",
                f"/charts/hourday.svg?borough={OTHER_BOROUGH}",
                f"/api/v1/hotspots?source=istv&borough={OTHER_BOROUGH}"):
        before = len(events(icb_app))
        refused = client.get(url)
        assert refused.status_code == 403, url
        written = events(icb_app)[before:]
        assert [e.outcome for e in written] == ["denied"], url
        assert written[0].actor_email == EMAIL and written[0].actor_role == "icb_analyst"


def test_quality_covers_the_systems_sites(icb_app: FastAPI, client: TestClient) -> None:
    body = client.get("/api/v1/quality/istv").json()
    assert set(body["sites"]) == SYSTEM_SITES
    shown = {(r["site_code"], r["month"]) for r in body["data"]["site_months"]}
    submitted = set(query(icb_app, "SELECT DISTINCT site_code, strftime(period_start, '%Y-%m') "
                                   "FROM istv_submission WHERE status = 'current'"))
    assert shown and {s for s, _m in shown} <= SYSTEM_SITES
    assert shown == {(s, m) for s, m in submitted if s in SYSTEM_SITES}
    assert client.get("/quality", headers=HTML).status_code == 200
    assert client.get("/api/v1/quality/istv?site=RQXM1").status_code == 403


def test_a_changed_site_list_changes_the_system_at_the_next_request(
        icb_app: FastAPI, client: TestClient) -> None:
    """The membership is read from the warehouse's area directory on every request (kept
    per warehouse version), not frozen into the session."""
    assert set(client.get("/api/v1/records/istv?limit=1").json()["scope"]["sites"]) == \
        SYSTEM_SITES
    icb_app.state.access.policy.membership.use(
        lambda: {ICB: ((BOROUGH,), (ED_SITE,))})
    body = client.get("/api/v1/records/istv?limit=1").json()
    assert (body["scope"]["boroughs"], body["scope"]["sites"]) == ([BOROUGH], [ED_SITE])
    narrowed = query(icb_app, "SELECT count(*) FROM istv_assault_current WHERE "
                              "borough_code = ? OR site_code = ?", [BOROUGH, ED_SITE])[0][0]
    whole = query(icb_app, "SELECT count(*) FROM istv_assault_current")[0][0]
    assert body["total"] == narrowed < whole
