"""ED data quality, ISTV upload and receipts, and the public data page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.warehouse_sql import scalar
from tests.web.conftest import csrf_from, sign_in
from tests.web.html import error_messages, error_page, parse, summary_list, table, text
from tests.web.pages_workspace import (
    ED_SITE,
    ISTV_MONTHS,
    OTHER_SITE,
    PASSWORD,
)
from vrhub.access.principal import console_administrator
from vrhub.standards.months import Month

HTML = {"accept": "text/html"}


@pytest.fixture
def demo_app(demo_app: FastAPI) -> FastAPI:
    """The shared pages app, plus an ED data lead for another site."""
    app = demo_app
    app.state.access.identity.create_user(
        console_administrator("tests"), "ed2@example.org", role="ed_data_lead",
        organisation="TEST", sites=(OTHER_SITE,), password=PASSWORD)
    return app


def client_for(app: FastAPI, email: str | None) -> TestClient:
    client = TestClient(app)
    if email:
        sign_in(client, email)
    return client


def upload(client: TestClient, path: Path, site: str = ED_SITE) -> object:
    token = csrf_from(client.get("/upload", headers=HTML).text)
    with path.open("rb") as handle:
        return client.post("/upload", data={"csrf_token": token, "site": site},
                           files={"file": (path.name, handle, "text/csv")},
                           headers=HTML, follow_redirects=False)


def test_quality_page_shows_own_sites_and_what_to_fix(demo_app: FastAPI) -> None:
    html = client_for(demo_app, "ed@example.org").get("/quality", headers=HTML).text
    for month in ISTV_MONTHS:
        assert f'<td class="govuk-table__cell">{Month.parse(month).label}</td>' in html
    assert "What to fix first" in html
    from vrhub.storage.warehouse import Warehouse

    with Warehouse(Path(demo_app.state.settings.home) / "warehouse.duckdb",
                   read_only=True) as wh:
        latest = scalar(wh, "SELECT strftime(max(period_start), '%Y-%m') FROM istv_submission "
                            "WHERE site_code = ? AND status = 'current'", [ED_SITE])
    page = parse(html)
    fixes = [text(h) for h in page.find_all("h3")]
    assert any(h.startswith(f"{ED_SITE}, {Month.parse(latest).label} (score ")  # in words
               for h in fixes), fixes
    assert [img.get("src") for img in page.find_all("img")] == ["/charts/quality.svg"]
    other = parse(client_for(demo_app, "ed2@example.org").get("/quality", headers=HTML).text)
    # Another site's lead sees only their own site (the demo may give it submissions).
    sites = [row[0] for row in table(other, "Completeness and geocoding")] \
        if other.find("caption") else []
    assert ED_SITE not in sites
    assert not [h for h in other.find_all("h3") if text(h).startswith(f"{ED_SITE},")]


def test_quality_chart_and_access(demo_app: FastAPI) -> None:
    chart = client_for(demo_app, "pan@example.org").get("/charts/quality.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    svg = BeautifulSoup(chart.text, "html.parser")
    assert ED_SITE in [text(t) for t in svg.find_all("text")]
    refused = client_for(demo_app, "borough@example.org").get("/quality", headers=HTML)
    assert refused.status_code == 403
    assert "may not read quality" in error_page(parse(refused.text))[1]


def test_upload_gives_a_readable_receipt(demo_app: FastAPI, tmp_path: Path) -> None:
    from vrhub.synthetic.istv import write_month

    client = client_for(demo_app, "ed@example.org")
    form = client.get("/upload", headers=HTML).text
    assert 'enctype="multipart/form-data"' in form and 'data-vrhub-progress=' in form
    response = upload(client, write_month(tmp_path, ED_SITE, "2025-09", seed=3))
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/upload/receipts/istv-[0-9a-f]+", location)
    receipt = parse(client.get(location, headers=HTML).text)
    assert text(receipt.find("h1")) == "Submission received"
    assert summary_list(receipt)["Reporting period"] == \
        "September 2025 (2025-09-01 to 2025-09-30)"
    # The receipt is the site's own: another ED's lead may not read it (audited).
    other = client_for(demo_app, "ed2@example.org").get(location, headers=HTML)
    assert other.status_code == 403
    assert "not your ED site" in error_page(parse(other.text))[1]
    links = [a.get("href") for a in parse(client.get("/upload", headers=HTML).text).find_all("a")]
    assert location in links


def test_rejected_file_explains_what_to_fix(demo_app: FastAPI, tmp_path: Path) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("hello,world\n1,2\n", encoding="utf-8")
    response = upload(client_for(demo_app, "ed@example.org"), bad)
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = parse(response.text)  # type: ignore[attr-defined]
    box = page.find(class_="govuk-error-summary")
    assert isinstance(box, Tag)
    assert text(box.find("h2")) == "Your file was not accepted"
    said = [text(p) for p in box.find_all("p")]
    assert len(said) >= 2 and said[1].startswith("How to fix it: ")


def test_upload_form_errors(demo_app: FastAPI, tmp_path: Path) -> None:
    client = client_for(demo_app, "ed@example.org")
    wrong = tmp_path / "extract.pdf"
    wrong.write_bytes(b"%PDF-1.4")
    response = upload(client, wrong)
    assert response.status_code == 400  # type: ignore[attr-defined]
    messages = error_messages(parse(response.text))  # type: ignore[attr-defined]
    assert any("is not CSV, Excel (.xlsx) or XML" in m for m in messages), messages
    response = upload(client, wrong, site=OTHER_SITE)
    messages = error_messages(parse(response.text))  # type: ignore[attr-defined]
    assert any(f"{OTHER_SITE} is not one of your ED sites" in m for m in messages), messages
    no_token = client.post("/upload", data={"site": ED_SITE}, headers=HTML)
    assert no_token.status_code == 403


def test_only_ed_leads_upload(demo_app: FastAPI) -> None:
    response = client_for(demo_app, "pan@example.org").get("/upload", headers=HTML)
    assert response.status_code == 403
    assert "may not upload" in error_page(parse(response.text))[1]
    nav = client_for(demo_app, "ed@example.org").get("/", headers=HTML).text
    assert 'href="/upload"' in nav and 'href="/quality"' in nav


def test_public_page_before_and_after_publishing(demo_app: FastAPI) -> None:
    client = client_for(demo_app, None)
    public = Path(demo_app.state.settings.home) / "public"
    shutil.rmtree(public, ignore_errors=True)
    before = client.get("/public", headers=HTML).text
    assert "Not yet published" in before
    # nothing is computed for the public before publication
    assert not re.findall(r'numeric">(\[c\]|[\d,]+)</td>', before)
    public.mkdir()
    (public / "boroughs.csv").write_text("borough,offences\nAlderbury,1245\n",
                                         encoding="utf-8")
    (public / "manifest.json").write_text(json.dumps({
        "published_at": "2025-10-01", "outputs": {
            "boroughs": {"title": "Offences by borough", "files": {"csv": "boroughs.csv"}},
            "escape": {"title": "escape", "files": {"csv": "../app.db"}}}}),
        encoding="utf-8")
    after = client.get("/public", headers=HTML).text
    assert "Not yet published" not in after
    assert 'href="/public/files/boroughs.csv"' in after and "escape" not in after
    assert client.get("/public/files/boroughs.csv").text.startswith("borough,offences")
    assert client.get("/public/files/../app.db", headers=HTML).status_code == 404
    assert client.get("/public/files/app.db", headers=HTML).status_code == 404
