"""Measures, pre/post, i-Statements and KPIs over /api/v1/outcomes: a programme lead
uploads and reads the receipt, a lead of another programme is refused (audited), every
endpoint is in the OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.helpers_outcomes import ADMIN, VRU, programme
from tests.spec.test_outcomes_istatements import DOCUMENT
from tests.spec.test_outcomes_measures import HEAD, line
from tests.web.test_api_records import audit_count, token_for
from vrhub.access import audit
from vrhub.outcomes import istatements
from vrhub.outcomes.programmes import save_programmes
from vrhub.web.outcomes_deps import outcomes_of


def setup(app: FastAPI) -> None:
    service = outcomes_of(app.state)
    save_programmes(service, ADMIN, [programme(survey_code="VAN-1"),
                                     programme("LCPF-CAM-02", name="Other")])
    istatements.load(service, VRU, DOCUMENT)
    identity = app.state.access.identity
    identity.create_user(ADMIN, "lead@example.org", role="programme_lead", organisation="T",
                         programmes=["LCPF-CAM-01"], password="a long enough passphrase 1")
    identity.create_user(ADMIN, "other@example.org", role="programme_lead", organisation="T",
                         programmes=["LCPF-CAM-02"], password="a long enough passphrase 1")
    identity.create_user(ADMIN, "vru@example.org", role="pan_london_analyst",
                         organisation="T", password="a long enough passphrase 1")


def test_upload_receipt_prepost_and_kpis_over_the_api(app: FastAPI) -> None:
    setup(app)
    client = TestClient(app)
    lead = token_for(app, "lead@example.org")
    data = HEAD + line("P-001", "pre", "2024-04-10") + line("P-002", "pre", "2024-04-11",
                                                            ons=(11, 7, 6, 4))
    checked = client.post("/api/v1/outcomes/programmes/LCPF-CAM-01/measures", headers=lead,
                          files={"file": ("q1.csv", data.encode())},
                          data={"period": "2024-25-Q1", "dry_run": "true"})
    assert checked.status_code == 200 and checked.json()["receipt"]["upload_id"] is None
    stored = client.post("/api/v1/outcomes/programmes/LCPF-CAM-01/measures", headers=lead,
                         files={"file": ("q1.csv", data.encode())},
                         data={"period": "2024-25-Q1"})
    assert stored.status_code == 201
    receipt = stored.json()["receipt"]
    assert (receipt["rows_accepted"], receipt["rows_quarantined"]) == (1, 1)
    assert receipt["errors"][0] | {"hint": ""} == {
        "row": 3, "column": "ons4_life_satisfaction", "value": "11",
        "problem": "is outside the item's range 0 to 10", "hint": ""}
    again = client.get(f"/api/v1/outcomes/measures/uploads/{receipt['upload_id']}",
                       headers=lead).json()
    assert again["receipt"]["rows_read"] == 2
    post = HEAD + line("P-001", "post", "2024-08-10", ons=(9, 7, 6, 2))
    client.post("/api/v1/outcomes/programmes/LCPF-CAM-01/measures", headers=lead,
                files={"file": ("q2.csv", post.encode())}, data={"period": "2024-25-Q2"})
    vru = token_for(app, "vru@example.org")
    change = client.get("/api/v1/outcomes/prepost", params={"programme": "LCPF-CAM-01"},
                        headers=vru).json()
    life = {i["item"]: i for i in change["items"]}["ons4_life_satisfaction"]
    assert (life["pairs"], life["mean_change"], life["ci_low"]) == (1, 3.0, None)
    # a lead of another programme is refused, and the refusal is audited
    other = token_for(app, "other@example.org")
    before = audit_count(app)
    refused = client.get("/api/v1/outcomes/programmes/LCPF-CAM-01/participants/P-001",
                         headers=other)
    assert refused.status_code == 403 and "not your programme" in refused.json()[
        "error"]["message"]
    assert audit_count(app) == before + 1
    mine = client.get("/api/v1/outcomes/programmes/LCPF-CAM-01/participants/P-001",
                      headers=lead).json()
    assert [m["timepoint"] for m in mine["measures"]] == ["pre", "post"]
    with app.state.access.sessions() as session:
        reads = audit.query(session, action="read_participants", limit=10)
    assert [(e.actor_email, e.outcome) for e in reads][:2] == [
        ("lead@example.org", "allowed"), ("other@example.org", "denied")]
    responses = ("respondent_id,collected_on,borough,age_band,sex,ethnicity,ist-001,ist-002\n"
                 "R-1,2024-05-01,E09000007,14-17,female,black,5,4\n"
                 "R-2,2024-05-01,E09000007,14-17,male,white,2,4\n")
    sent = client.post("/api/v1/outcomes/programmes/LCPF-CAM-01/survey-responses",
                       headers=lead, files={"file": ("s.csv", responses.encode())},
                       data={"period": "2024-25-Q1"})
    assert sent.status_code == 201, sent.text
    kpis = client.get("/api/v1/outcomes/kpis", params={"set": "NHS Vanguard"},
                      headers=vru).json()
    safe = {k["code"]: k for k in kpis["kpis"]}["IST-001"]
    assert (safe["latest"]["count"], safe["latest"]["total"]) == (1, 2)
    listed = client.get("/api/v1/outcomes/istatements", headers=lead).json()
    assert [s["code"] for s in listed["surveys"]] == ["VAN-1"]


def test_the_endpoints_are_in_the_openapi_document(app: FastAPI) -> None:
    paths = TestClient(app).get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/outcomes/programmes/{code}/measures", "/api/v1/outcomes/prepost",
                 "/api/v1/outcomes/kpis", "/api/v1/outcomes/istatements",
                 "/api/v1/outcomes/programmes/{code}/survey-responses",
                 "/api/v1/outcomes/programmes/{code}/participants/{participant_id}"):
        assert path in paths, path
