"""The public search and the listing pages, read as a browser reads them (HTML parsed):
what a young person finds, that nothing tracks them, that bad input is explained, and
that markup written into a listing never reaches the page as markup."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.directory_support import app_directory, populate
from tests.web.conftest import sign_in
from vrhub.access import audit
from vrhub.geography.bng import to_bng
from vrhub.pathways.curation import ListingForm, WeeklySession, save_listing

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, list[dict[str, Any]]]:
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    home = tmp_path_factory.mktemp("opportunities") / "home"
    app = create_app(Settings.load({}, home=home, environment="test"))
    records = populate(app, 260)
    return app, records


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def results(page: BeautifulSoup) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in page.select("ol.vrhub-results h3 a")]


def test_the_search_page_works_without_javascript_or_tracking(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    client = TestClient(site[0])
    response = client.get("/opportunities", headers=HTML)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers  # no cookie, so nothing to track with
    page = soup(response.text)
    form = page.find("form", action="/opportunities")
    assert form is not None and form["method"] == "get"  # a plain form: no script needed
    names = {i.get("name") for i in form.find_all(["input", "select"])}
    assert {"q", "type", "where", "distance", "day", "time", "age", "free"} <= names
    for element in page.find_all(["input", "select", "textarea"]):
        if element.get("type") == "hidden":
            continue
        assert page.find("label", attrs={"for": element["id"]}), element["id"]
    scripts = [s.get("src") for s in page.find_all("script")]
    assert scripts == ["/static/js/vrhub.js"]  # our own, nothing from elsewhere
    assert not page.find_all("img", src=re.compile(r"^https?://"))
    assert page.find("meta", attrs={"name": "viewport"}) is not None


def test_a_postcode_search_lists_the_nearest_first_within_the_distance(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    app, records = site
    place = records[10]["service_at_locations"][0]["location"]
    postcode = place["addresses"][0]["postal_code"]
    client = TestClient(app)
    page = soup(client.get("/opportunities", params={"where": postcode, "distance": "2000"},
                           headers=HTML).text)
    x0, y0 = to_bng([place["longitude"]], [place["latitude"]])
    expected = []
    for r in records:
        if r["status"] != "active":
            continue
        loc = r["service_at_locations"][0]["location"]
        x, y = to_bng([loc["longitude"]], [loc["latitude"]])
        d = float(np.hypot(x[0] - x0[0], y[0] - y0[0]))
        if d <= 2000 - 2:
            expected.append((d, r["id"]))
    heading = page.find("h2", id="results").get_text(" ", strip=True)
    count = int(heading.split()[0])
    assert count >= len(expected)
    found = results(page)
    assert found[0] == sorted(expected)[0][1]
    assert page.find("svg", attrs={"role": "img"}) is not None  # the map, drawn on the server
    distances = [float(p.get_text().split(" km")[0].split("·")[-1].strip())
                 for p in page.select("p.vrhub-result__meta")]
    assert distances == sorted(distances)


def test_age_and_free_filters_hold_on_every_result(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    app, records = site
    by_id = {r["id"]: r for r in records}
    page = soup(TestClient(app).get("/opportunities", params={"age": "16", "free": "1"},
                                    headers=HTML).text)
    ids = results(page)
    assert ids
    for sid in ids:
        r = by_id[sid]
        assert r["minimum_age"] <= 16 <= r["maximum_age"]
        assert not r.get("cost_options")
    free_and_16 = [r for r in records if r["status"] == "active" and not r.get("cost_options")
                   and r["minimum_age"] <= 16 <= r["maximum_age"]]
    assert int(page.find("h2", id="results").get_text().split()[0]) == len(free_and_16)


def test_a_bad_postcode_is_explained_next_to_the_field(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    response = TestClient(site[0]).get("/opportunities", params={"where": "not a place"},
                                       headers=HTML)
    assert response.status_code == 400
    page = soup(response.text)
    summary = page.find(class_="govuk-error-summary")
    link = summary.find("a", href="#where")
    assert "'not a place' is not a postcode" in link.get_text()
    assert page.find("p", id="where-error") is not None
    unknown = TestClient(site[0]).get("/opportunities", params={"where": "ZZ9 9ZZ"},
                                      headers=HTML)
    assert "We could not find ZZ9 9ZZ" in soup(unknown.text).find(
        class_="govuk-error-summary").get_text()


def test_markup_in_a_listing_never_reaches_the_page_as_markup(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    app, records = site
    postcode = records[0]["service_at_locations"][0]["location"]["addresses"][0][
        "postal_code"]
    listing, notes = save_listing(app_directory(app), ListingForm(
        name="<b>Boxing</b> night", organisation_name="<i>Club</i>",
        description='<script>alert("x")</script>Free boxing <img src=x onerror=alert(1)>'
                    "for 12 to 18s", postcode=postcode,
        sessions=[WeeklySession(["TU"], "18:00", "20:00")]), owner_code="CLUB")
    assert any("markup removed" in n for n in notes)
    page = soup(TestClient(app).get(f"/opportunities/{listing}", headers=HTML).text)
    main = page.find("main")
    assert main.find("script") is None and main.find("img") is None
    assert main.find("h1").get_text(strip=True) == "Boxing night"
    assert "Free boxing for 12 to 18s" in main.get_text(" ", strip=True)
    assert "Tuesdays, 6pm to 8pm" in main.get_text(" ", strip=True)
    feed = TestClient(app).get(f"/oruk/services/{listing}").json()
    assert feed["description"] == "Free boxing for 12 to 18s"


def test_providers_keep_their_own_listings_only(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    app, records = site
    from tests.web.conftest import ADMIN, PASSWORD

    identity = app.state.access.identity
    for email, org in (("one@example.org", "ORG1"), ("two@example.org", "ORG2")):
        identity.create_user(ADMIN, email, role="provider", organisation=org,
                             password=PASSWORD)
    postcode = records[1]["service_at_locations"][0]["location"]["addresses"][0][
        "postal_code"]
    one = TestClient(app)
    sign_in(one, "one@example.org")
    form = soup(one.get("/listings/new", headers=HTML).text).find("form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    created = one.post("/listings/new", data={
        "csrf_token": token, "name": "Music studio", "description": "Record your tracks",
        "organisation_name": "Org One", "postcode": postcode, "status": "active",
        "minimum_age": "13", "maximum_age": "19", "days_0": ["WE"], "opens_0": "16:00",
        "closes_0": "18:00", "opportunity_terms": ["music"]}, follow_redirects=False)
    assert created.status_code == 303
    listing = created.headers["location"].split("saved=")[1]
    mine = soup(one.get("/listings", headers=HTML).text)
    assert [a.get_text() for a in mine.select("table a")] == ["Music studio"]
    record = TestClient(app).get(f"/oruk/services/{listing}").json()
    assert record["minimum_age"] == 13 and record["schedules"][0]["byday"] == "WE"
    two = TestClient(app)
    sign_in(two, "two@example.org")
    before = _events(app)
    refused = two.get(f"/listings/{listing}", headers=HTML)
    assert refused.status_code == 403
    assert _events(app) == before + 1
    token2 = soup(two.get("/listings/new", headers=HTML).text).find(
        "input", attrs={"name": "csrf_token"})["value"]
    assert two.post(f"/listings/{listing}", data={"csrf_token": token2, "name": "Mine now"},
                    follow_redirects=False).status_code == 403
    bad = one.post(f"/listings/{listing}", data={
        "csrf_token": token, "name": "Music studio", "organisation_name": "Org One",
        "postcode": "NOT A CODE", "status": "active"})
    assert bad.status_code == 422
    assert "postcode 'NOT A CODE' is not a UK postcode" in soup(bad.text).find(
        class_="govuk-error-summary").get_text()


def _events(app: FastAPI) -> int:
    with app.state.access.sessions() as session:
        return len(audit.query(session, limit=1_000_000))


def test_a_listing_page_shows_the_listing_and_an_unknown_one_is_not_found(
        site: tuple[FastAPI, list[dict[str, Any]]]) -> None:
    from tests.web.html import parse, text
    from tests.web.route_paths import path_of
    from vrhub.web.routes import pages_opportunities

    app, records = site
    client = TestClient(app)
    record = records[3]
    page = client.get(path_of(pages_opportunities, pages_opportunities.listing_page,
                              service_id=record["id"]), headers=HTML)
    assert page.status_code == 200
    assert text(parse(page.text).find("h1")) == " ".join(record["name"].split())
    # a link from another site is not offered as the way back
    elsewhere = client.get(path_of(pages_opportunities, pages_opportunities.listing_page,
                                   service_id=record["id"]),
                           headers={**HTML, "referer": "https://evil.example/"})
    backs = {a["href"] for a in parse(elsewhere.text).select("main a")}
    assert "https://evil.example/" not in backs and "/opportunities" in backs
    missing = client.get(path_of(pages_opportunities, pages_opportunities.listing_page,
                                 service_id="no-such-listing"),
                         headers={"accept": "application/json"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "there is no listing 'no-such-listing'"
