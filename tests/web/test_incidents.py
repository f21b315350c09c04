"""Critical-incident response on the dashboard's workspace: logging an incident as a
borough lead (its zone, checklist and notices), the refusals (another borough, an ED lead,
the public), bad input (the future, outside the area, an unknown postcode, personal details
or script in text, a fund application over the limit), the fund's decision by the VRU, the
review and timeline; pages, API and every read on the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import csrf_from, sign_in
from tests.web.pages_workspace import ACCOUNTS, ADMIN, BOROUGH, OTHER_BOROUGH, PASSWORD
from vrhub.access.audit import query
from vrhub.errors import NotFound, PermissionDenied
from vrhub.partnership.incident_forms import IncidentError, NewIncident, Where
from vrhub.partnership.incidents import IncidentDesk
from vrhub.storage.appdb.incident_models import IncidentNotice
from vrhub.web.incident_deps import incident_desk

WHEN = dt.datetime(2025, 10, 5, 20, 40)  # UTC; 21:40 in London
HERE = Where(easting=524437, northing=174479)


class _Request:
    def __init__(self, app: FastAPI) -> None:
        self.app = app


def desk_of(app: FastAPI) -> IncidentDesk:
    return incident_desk(_Request(app))  # type: ignore[arg-type]


def who(app: FastAPI, email: str) -> Any:
    return app.state.access.identity.sign_in(email, PASSWORD)


def events(app: FastAPI, **filters: Any) -> list[Any]:
    with app.state.access.sessions() as session:
        return query(session, limit=10_000, **filters)


@pytest.fixture
def app(demo_app: FastAPI) -> FastAPI:
    identity = demo_app.state.access.identity
    identity.create_user(ADMIN, "other@example.org", role="borough_analyst",
                         organisation="TEST", boroughs=(OTHER_BOROUGH,), password=PASSWORD)
    identity.create_user(ADMIN, "colleague@example.org", role="borough_analyst",
                         organisation="TEST", boroughs=(BOROUGH,), password=PASSWORD)
    return demo_app


def test_a_borough_lead_logs_an_incident_and_works_it(app: FastAPI) -> None:
    desk = desk_of(app)
    lead, colleague, other = (who(app, e) for e in ("borough@example.org",
                                                    "colleague@example.org",
                                                    "other@example.org"))
    desk.subscribe(colleague, None, email=False)
    desk.subscribe(other, None, email=False)  # follows, but may not see this borough
    row = desk.log(lead, NewIncident(WHEN, "Stabbing", "16_17", HERE))
    assert row.borough_code == BOROUGH and row.status == "open"
    assert row.zone["source"] == "istv" and row.zone["months"] == ["2024-10", "2025-09"]
    assert row.zone["basis"] in ("knox", "default")
    # the checklist: every action of the template, due from the incident's time
    first = row.actions[0]
    assert (first.code, first.due_at) == ("notify-partners", WHEN + dt.timedelta(hours=2))
    assert len(row.actions) == 12
    # notices: the colleague in the borough, not the lead who logged it, not another borough
    with app.state.access.sessions() as session:
        told = session.scalars(select(IncidentNotice.user_id)).all()
    assert told == [colleague.user_id]
    assert desk.notices(colleague)[0]["text"].startswith(
        f"Critical incident {row.reference}: stabbing in ")
    # working it
    desk.update_action(lead, row.reference, first.id, status="done", note="Police and youth "
                       "services told at 22:10")
    application = desk.apply_for_fund(lead, row.reference, applicant="Alderbury Youth Trust",
                                      purpose="Detached youth work in the zone", amount=3000)
    with pytest.raises(PermissionDenied, match="may not decide incident fund"):
        desk.decide_fund(lead, row.reference, application.id, decision="approved")
    pan = who(app, "pan@example.org")
    decided = desk.decide_fund(pan, row.reference, application.id, decision="approved",
                               amount=2500)
    assert (decided.decision, decided.amount_approved) == ("approved", 2500)
    with pytest.raises(IncidentError, match="more than the £2,500 approved"):
        desk.record_spend(lead, row.reference, application.id, spent=2600, outcome=None)
    desk.record_spend(lead, row.reference, application.id, spent=2400,
                      outcome="Twelve evening sessions")
    desk.review(lead, row.reference, "Schools were told within a day; tension checks helped.",
                close=True)
    whole = desk.get(lead, row.reference)
    assert whole.status == "closed" and whole.fund[0].amount_spent == 2400
    assert [e.kind for e in whole.events] == ["logged", "action", "fund", "fund", "fund",
                                             "review", "closed"]
    # every read and change is on the audit trail
    kinds = [(e.action, e.outcome) for e in events(app, actor="borough@example.org")]
    assert ("read_incident", "allowed") in kinds
    assert kinds.count(("write_incident", "success")) == 5
    assert ("decide_incident_fund", "denied") in kinds


def test_refusals_are_audited(app: FastAPI) -> None:
    desk = desk_of(app)
    row = desk.log(who(app, "borough@example.org"), NewIncident(WHEN, "shooting", "18_24",
                                                                HERE))
    other = who(app, "other@example.org")
    with pytest.raises(PermissionDenied, match="outside your boroughs: E09990001"):
        desk.get(other, row.reference)
    assert desk.listed(other) == []
    assert [r.reference for r in desk.listed(who(app, "pan@example.org"))] == [row.reference]
    with pytest.raises(PermissionDenied, match="ed data lead role may not read incident"):
        desk.listed(who(app, "ed@example.org"))
    with pytest.raises(PermissionDenied, match="outside your boroughs"):
        desk.log(other, NewIncident(WHEN, "stabbing", "16_17", HERE))
    denied = [(e.actor_email, e.action) for e in events(app, outcome="denied")]
    assert ("other@example.org", "read_incident") in denied
    assert ("ed@example.org", "read_incident") in denied
    assert ("other@example.org", "write_incident") in denied
    with pytest.raises(NotFound, match="no incident with reference 'CI-NOPE22'"):
        desk.get(other, "ci-nope22")


@pytest.mark.parametrize(("new", "field", "message"), [
    (NewIncident(dt.datetime(2099, 1, 1, 12, 0), "stabbing", "16_17", HERE), "occurred_at",
     "is in the future"),
    (NewIncident(WHEN, "stabbing", "16_17", Where(easting=400_000, northing=300_000)),
     "easting", "outside the loaded boroughs"),
    (NewIncident(WHEN, "stabbing", "16_17", Where(postcode="ZZ99 9ZZ")), "postcode",
     "is not in vrhub's postcode directory"),
    (NewIncident(WHEN, "stabbing", "16_17", Where(postcode="not a postcode")), "postcode",
     "is not a UK postcode"),
    (NewIncident(WHEN, "stabbing", "16_17", Where()), "where",
     "say where the incident happened"),
    (NewIncident(WHEN, "arson", "16_17", HERE), "incident_type",
     "'arson' is not one of stabbing, shooting, homicide, other"),
    (NewIncident(WHEN, "stabbing", "16_17",
                 Where(description="outside Mr John Smith's shop")), "description",
     r"seems to hold personal details \(name\)"),
])
def test_bad_incidents_say_which_field_and_why(app: FastAPI, new: NewIncident, field: str,
                                               message: str) -> None:
    desk = desk_of(app)
    with pytest.raises(IncidentError, match=message) as caught:
        desk.log(who(app, "borough@example.org"), new)
    assert caught.value.field == field
    with app.state.access.sessions() as session:
        assert session.scalars(select(IncidentNotice)).all() == []


def test_fund_limit_text_and_status_checks(app: FastAPI) -> None:
    desk = desk_of(app)
    lead = who(app, "borough@example.org")
    row = desk.log(lead, NewIncident(WHEN, "homicide", "unknown", HERE))
    with pytest.raises(IncidentError, match="£6,000 is over the Critical Incidents Fund's "
                       "limit of £5,000"):
        desk.apply_for_fund(lead, row.reference, applicant="Trust", purpose="Work",
                            amount=6000)
    desk.apply_for_fund(lead, row.reference, applicant="Trust", purpose="Work", amount=4000)
    with pytest.raises(IncidentError, match=r"(?s)£1,500 with the £4,000 already asked .* "
                       r"ask for £1,000 or less"):
        desk.apply_for_fund(lead, row.reference, applicant="Trust", purpose="More",
                            amount=1500)
    with pytest.raises(IncidentError, match="holds markup or script"):
        desk.review(lead, row.reference, "<script>alert(1)</script>")
    with pytest.raises(IncidentError, match="starts with '=', which a spreadsheet"):
        desk.review(lead, row.reference, "=HYPERLINK(\"http://x\")")
    with pytest.raises(IncidentError, match=r"personal details \(phone\)"):
        desk.update_action(lead, row.reference, row.actions[0].id, status="done",
                           note="call 07700 900123")
    with pytest.raises(IncidentError, match="'finished' is not one of to_do"):
        desk.update_action(lead, row.reference, row.actions[0].id, status="finished")
    assert desk.get(lead, row.reference).review_text is None


def test_the_pages_log_show_and_refuse(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert client.get("/incidents", follow_redirects=False).status_code in (302, 303, 401)
        sign_in(client, "borough@example.org")
        form = client.get("/incidents/new")
        assert form.status_code == 200
        token = csrf_from(form.text)
        bad = client.post("/incidents/new", data={
            "csrf_token": token, "occurred_at": "2099-01-01 10:00", "incident_type": "stabbing",
            "victim_age_band": "16_17", "easting": "524437", "northing": "174479"})
        assert bad.status_code == 422
        summary = BeautifulSoup(bad.text, "html.parser").select_one(".govuk-error-summary")
        assert summary is not None and "is in the future" in summary.get_text()
        assert summary.select_one("a")["href"] == "#occurred_at"
        made = client.post("/incidents/new", data={
            "csrf_token": token, "occurred_at": "2025-10-05 21:40", "incident_type": "stabbing",
            "victim_age_band": "16_17", "easting": "524437", "northing": "174479"},
            follow_redirects=False)
        assert made.status_code == 303
        reference = made.headers["location"].rsplit("/", 1)[-1]
        page = BeautifulSoup(client.get(f"/incidents/{reference}").text, "html.parser")
        assert page.h1.get_text(strip=True).startswith(f"{reference}: stabbing in ")
        when = page.select_one(".govuk-summary-list__value").get_text(strip=True)
        assert when == "5 October 2025, 21:40 (UK time)"  # stored in UTC, shown in UK time
        rows = page.select("#checklist ~ table tbody tr")
        assert len(rows) == 12 and all("Overdue" in r.get_text() for r in rows)
        zone = client.get(f"/incidents/{reference}/zone.geojson").json()
        labels = [f["properties"]["label"] for f in zone["features"]]
        assert labels[0].startswith("Near-repeat zone: ")  # drawn first, under the rest
        assert labels.count("Where the incident happened") == 1
        listed = BeautifulSoup(client.get("/incidents").text, "html.parser")
        assert [a.get_text() for a in listed.select("tbody a")] == [reference]
        api = client.get(f"/api/v1/incidents/{reference}").json()
        assert api["occurred_at"] == "2025-10-05T21:40" and len(api["actions"]) == 12
    with TestClient(app) as client:
        sign_in(client, "other@example.org")
        assert client.get(f"/incidents/{reference}").status_code == 403
        assert client.get(f"/incidents/{reference}/zone.geojson").status_code == 403
        assert client.get(f"/api/v1/incidents/{reference}").status_code == 403
        assert client.get("/api/v1/incidents").json() == {"incidents": []}
    with TestClient(app) as client:
        sign_in(client, "ed@example.org")
        assert client.get("/incidents").status_code == 403
    assert "pan@example.org" in ACCOUNTS


def test_the_zone_map_draws_the_boroughs_current_hotspots_with_a_key_and_a_table(
        app: FastAPI) -> None:
    """The hotspot cells on the map are the Gi* hotspots of the incident's borough over the
    latest 12 months of police.uk street crime (computed here straight from the points),
    numbered as in the borough profile; a borough analyst of another borough sees none."""
    import math

    import numpy as np
    from shapely.geometry import shape

    from vrhub.analytics import hotspots as gistar
    from vrhub.geography.bng import to_bng
    from vrhub.reports.periods import latest_month
    from vrhub.standards.months import shift
    from vrhub.storage.points import load_points, load_study_area
    from vrhub.storage.warehouse import Warehouse

    with Warehouse(app.state.workspace.warehouse_path, read_only=True) as wh:
        end = str(latest_month(wh, "police"))
        start = shift(end, -11)
        points = load_points(wh, "police", ["Violence and sexual offences"],
                             start=f"{start}-01", end=f"{end}-28", borough=BOROUGH)
        area = load_study_area(wh, BOROUGH)
    frame = gistar.run(points.frame, area.geometry, "gistar", cell_size=150).frame
    hot = frame[frame["hotspot"].astype(str) == "hotspot"]
    expected = sorted(zip(hot["x"].round(1), hot["y"].round(1), strict=True))
    assert len(expected) >= 2  # the demo borough has hotspots to draw
    with TestClient(app) as client:
        sign_in(client, "borough@example.org")
        token = csrf_from(client.get("/incidents/new").text)
        made = client.post("/incidents/new", data={
            "csrf_token": token, "occurred_at": "2025-10-05 21:40", "incident_type": "stabbing",
            "victim_age_band": "16_17", "easting": "524437", "northing": "174479"},
            follow_redirects=False)
        reference = made.headers["location"].rsplit("/", 1)[-1]
        zone = client.get(f"/incidents/{reference}/zone.geojson").json()
        cells = [f for f in zone["features"]
                 if "hotspot" in f["properties"]["label"].lower()]
        assert {f["properties"]["fill"] for f in cells} == {"#912b88"}
        drawn = []
        for f in cells:  # each cell's square, back on the British National Grid
            lon, lat = shape(f["geometry"]).centroid.coords[0]
            e, n = to_bng([lon], [lat])
            drawn.append((float(e[0]), float(n[0])))
        assert len(drawn) == len(expected)
        for (x, y), (ex, ey) in zip(sorted(drawn), expected, strict=True):
            assert math.hypot(x - ex, y - ey) < 1.0
        page = BeautifulSoup(client.get(f"/incidents/{reference}").text, "html.parser")
        key = [li.get_text(strip=True) for li in page.select("#incident-map-legend li")]
        assert "Violence hotspot cell (Gi*)" in key and "Near-repeat zone" in key
        table = page.select_one("#incident-hotspots")
        caption = table.caption.get_text(" ", strip=True)
        assert f"{len(expected)} hotspot cells of 150 m" in caption
        rows = [[td.get_text(strip=True) for td in tr.select("td")]
                for tr in table.select("tbody tr")]
        strongest = hot[hot["n"] > 0].sort_values("gistar_z", ascending=False).head(5)
        assert [r[0] for r in rows] == [str(k + 1) for k in range(len(strongest))]
        assert [int(r[2].replace(",", "")) for r in rows] == [int(v) for v in strongest["n"]]
        assert [r[3] for r in rows] == [f"{z:.1f}" for z in strongest["gistar_z"]]
        far = [np.hypot(x - 524437, y - 174479) for x, y in zip(strongest["x"],
                                                                 strongest["y"], strict=True)]
        assert [r[4] for r in rows] == [f"{d:,.0f} m" for d in far]
        numbered = [f["properties"]["label"] for f in cells
                    if f["properties"]["label"].startswith("Hotspot 1:")]
        assert len(numbered) == 1 and rows[0][1] in numbered[0]
    with TestClient(app) as client:
        sign_in(client, "other@example.org")
        assert client.get(f"/incidents/{reference}/zone.geojson").status_code == 403


def test_the_api_lists_by_borough_and_status_and_audits_each_read(app: FastAPI) -> None:
    from tests.web.route_paths import path_of
    from vrhub.web.routes import api_incidents, pages_incidents

    row = desk_of(app).log(who(app, "borough@example.org"),
                           NewIncident(WHEN, "stabbing", "16_17", HERE))
    listing = path_of(api_incidents, api_incidents.list_incidents)
    one = path_of(api_incidents, api_incidents.get_incident, reference=row.reference)
    with TestClient(app) as client:
        sign_in(client, "pan@example.org")

        def listed(**params: str) -> list[str]:
            response = client.get(listing, params=params)
            assert response.status_code == 200
            return [i["reference"] for i in response.json()["incidents"]]

        assert listed() == [row.reference]
        assert listed(borough=BOROUGH) == [row.reference]
        assert listed(borough=OTHER_BOROUGH) == []
        assert listed(status="open") == [row.reference]
        assert listed(status="closed") == []
        before = len(events(app, actor="pan@example.org", action="read_incident",
                            outcome="allowed"))
        assert client.get(one).json()["reference"] == row.reference
        assert len(events(app, actor="pan@example.org", action="read_incident",
                          outcome="allowed")) == before + 1
    with TestClient(app) as client:
        sign_in(client, "other@example.org")
        before = len(events(app, actor="other@example.org", outcome="denied"))
        refused = client.get(one)
        assert refused.status_code == 403
        assert "outside your boroughs: E09990001" in refused.json()["error"]["message"]
        missing = client.get(path_of(pages_incidents, pages_incidents.incident_page,
                                     reference="CI-NOPE22"),
                             headers={"accept": "application/json"})
        assert missing.status_code == 404
        assert "no incident with reference" in missing.json()["error"]["message"]
        zone = client.get(path_of(pages_incidents, pages_incidents.zone_geojson,
                                  reference=row.reference))
        assert zone.status_code == 403
        assert len(events(app, actor="other@example.org", outcome="denied")) == before + 2
