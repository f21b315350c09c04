"""i-Statements, workshops and surveys; responses uploaded with a receipt; KPIs as the
percentage agreeing with a Wilson interval checked against statsmodels, by period and
breakdown, with a status against target (SQLite and real PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.helpers_outcomes import (
    ADMIN,
    CAMDEN,
    ISLINGTON,
    VRU,
    borough_analyst,
    lead,
    programme,
)
from vrhub.access import audit
from vrhub.access.services import AccessServices
from vrhub.errors import Conflict, PermissionDenied, UserError
from vrhub.outcomes import istatement_kpis, istatements, survey_responses
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.programmes import save_programmes

DOCUMENT: dict[str, Any] = {
    "workshops": [{"code": "WS-01", "held_on": "2024-03-12", "borough": CAMDEN,
                   "young_people": 14, "description": "Youth-led, run by Mr Smith"}],
    "statements": [
        {"code": "IST-001", "text": "I feel safe on my way home", "workshop": "WS-01",
         "theme": "Safety", "priority_area": "CAP", "kpi_set": "NHS Vanguard",
         "baseline_pct": 40, "target_pct": 50},
        {"code": "IST-002", "text": "I have an adult I trust to talk to", "workshop": "WS-01",
         "theme": "Trusted adults", "priority_area": "CYP-RH", "kpi_set": "NHS Vanguard",
         "target_pct": 90}],
    "surveys": [{"code": "VAN-1", "title": "Vanguard survey",
                 "statements": ["IST-001", "IST-002"]}]}
HEAD = "respondent_id,collected_on,borough,age_band,sex,ethnicity,ist-001,ist-002,comment\n"


@pytest.fixture
def outcomes(services: AccessServices) -> Outcomes:
    out = Outcomes(services.sessions, services.policy)
    save_programmes(out, ADMIN, [programme(survey_code="VAN-1")])
    istatements.load(out, VRU, DOCUMENT)
    return out


def row(rid: str, day: str, a: object, b: object, *, sex: str = "female",
        borough: str = CAMDEN, comment: str = "") -> str:
    return f"{rid},{day},{borough},14-17,{sex},black,{a},{b},{comment}\n"


def test_statements_are_loaded_all_or_nothing(outcomes: Outcomes) -> None:
    found = istatements.catalogue(outcomes, lead())
    assert [s.code for s in found["statements"]] == ["IST-001", "IST-002"]
    assert found["workshops"][0].young_people == 14
    assert "Smith" not in found["workshops"][0].description
    assert found["surveys"][0].to_dict()["scale"][3] == {"value": 4, "label": "Agree"}
    with pytest.raises(Conflict, match="already an i-Statement 'IST-001'"):
        istatements.load(outcomes, VRU, {"statements": [DOCUMENT["statements"][0]]})
    with pytest.raises(UserError, match="outcome 'CAP-99' is not an outcome of CAP"):
        istatements.load(outcomes, VRU, {"statements": [
            {"code": "IST-003", "text": "x", "priority_area": "CAP", "outcome": "CAP-99"}]})
    with pytest.raises(PermissionDenied, match="programme lead role may not manage"):
        istatements.load(outcomes, lead(), {"statements": []})


def test_responses_and_kpis_match_statsmodels(outcomes: Outcomes,
                                              services: AccessServices) -> None:
    q1 = (HEAD + row("R-01", "2024-05-01", 5, 4) + row("R-02", "2024-05-01", 4, 2)
          + row("R-03", "2024-05-01", "Agree", "strongly disagree", sex="male")
          + row("R-04", "2024-05-01", 2, "", sex="male")
          + row("R-05", "2024-05-01", 1, 5, borough=ISLINGTON)
          + row("R-06", "2024-05-01", 6, 4)                                 # off the scale
          + row("R-01", "2024-05-02", 3, 3)                                 # twice
          + row("R-07", "2024-05-02", 4, 4, comment="NHS 943 476 5919")     # identifier
          + row("R-08", "2024-05-02", "", ""))                              # nothing
    receipt = survey_responses.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1",
                                      q1.encode(), "q1.csv")
    assert (receipt["rows_read"], receipt["rows_accepted"], receipt["rows_quarantined"]) == (
        9, 5, 4)
    errors = {e["row"]: e for e in receipt["errors"]}
    assert errors[7]["column"] == "IST-001" and errors[7]["value"] == "6"
    assert "already in row 2" in errors[8]["problem"]
    assert "[NHS number]" in errors[9]["value"] and "943 476" not in str(receipt)
    assert "no statement is answered" in errors[10]["problem"]
    q2 = HEAD + "".join(row(f"R-{i:02d}", "2024-08-01", 4 if i < 9 else 2, 4)
                        for i in range(1, 11))
    survey_responses.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q2", q2.encode(),
                            "q2.csv")
    report = istatement_kpis.kpis(outcomes, VRU, programme="LCPF-CAM-01").to_dict()
    assert report["respondents"] == 15
    kpi = {k["code"]: k for k in report["kpis"]}
    safe = kpi["IST-001"]
    # Q1: 5, 4, Agree agree; 2 and 1 do not -> 3 of 5; Q2: 8 of 10
    assert [(t["period"], t["count"], t["total"]) for t in safe["trend"]] == [
        ("2024-25-Q1", 3, 5), ("2024-25-Q2", 8, 10)]
    low, high = proportion_confint(3, 5, alpha=0.05, method="wilson")
    assert (safe["trend"][0]["ci_low"], safe["trend"][0]["ci_high"]) == pytest.approx(
        (100 * low, 100 * high))
    low, high = proportion_confint(8, 10, alpha=0.05, method="wilson")
    assert safe["latest"]["pct"] == pytest.approx(80.0)
    assert safe["latest"]["ci_low"] == pytest.approx(100 * low)
    assert safe["status"] == "met"  # 80% against a target of 50%
    assert report["framework_version"] == outcomes.framework().version
    trusted = kpi["IST-002"]  # Q1: 4, 2, 1(strongly disagree), 5 -> 2 of 4 (R-04 blank)
    assert (trusted["trend"][0]["count"], trusted["trend"][0]["total"]) == (2, 4)
    assert trusted["latest"]["pct"] == 100.0 and trusted["status"] == "met"
    # breakdowns of the latest period by sex: every Q2 respondent is female
    assert [(b["category"], b["total"]) for b in safe["breakdowns"]["sex"]] == [("female", 10)]
    q1_sex = istatement_kpis.compute(
        istatement_kpis.view_of(outcomes, VRU, programme="LCPF-CAM-01"),
        [r for r in istatement_kpis.responses(outcomes) if r[2] == "2024-25-Q1"],
        istatements.statements(outcomes))[0]
    by_sex = {b["category"]: (b["count"], b["total"])
              for b in q1_sex[0].to_dict()["breakdowns"]["sex"]}
    assert by_sex == {"female": (2, 3), "male": (1, 2)}
    # a priority area shows the statements informing it, a borough analyst theirs only
    area = istatement_kpis.kpis(outcomes, VRU, area="CYP-RH").to_dict()
    assert [k["code"] for k in area["kpis"]] == ["IST-002"]
    with pytest.raises(PermissionDenied, match="outside your boroughs"):
        istatement_kpis.kpis(outcomes, borough_analyst(ISLINGTON), borough=CAMDEN)
    assert istatement_kpis.kpis(outcomes, borough_analyst(ISLINGTON),
                                borough=ISLINGTON).respondents == 15


def test_status_against_target() -> None:
    from vrhub.analytics.prepost import wilson_interval

    assert istatement_kpis.status(wilson_interval(10, 10), 90) == "met"
    assert istatement_kpis.status(wilson_interval(3, 4), 90) == "short"
    assert istatement_kpis.status(wilson_interval(20, 100), 50) == "not met"
    assert istatement_kpis.status(wilson_interval(20, 100), None) == "no target"
    assert istatement_kpis.status(None, 50) == "no data"


def test_uploads_are_audited_and_scoped(outcomes: Outcomes, services: AccessServices) -> None:
    with pytest.raises(PermissionDenied, match="not your programme"):
        survey_responses.submit(outcomes, lead("LCPF-HAC-09"), "LCPF-CAM-01", "2024-25-Q1",
                                (HEAD + row("R-1", "2024-05-01", 4, 4)).encode(), "x.csv")
    with pytest.raises(UserError, match="runs survey VAN-1, not OTHER"):
        survey_responses.submit(outcomes, lead(), "LCPF-CAM-01", "2024-25-Q1",
                                b"x", "x.csv", survey_code="OTHER")
    with services.sessions() as session:
        denied = audit.query(session, action="submit_return", limit=10)
    assert [e.outcome for e in denied] == ["allowed", "denied"]  # newest first
