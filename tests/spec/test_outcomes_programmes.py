"""Programmes, programme leads and the framework on the app database (SQLite and real
PostgreSQL): who sees which programme, what is refused and audited, and a revised
framework taking over."""

from __future__ import annotations

import json

import pytest

from tests.helpers_outcomes import (
    ADMIN,
    CAMDEN,
    HACKNEY,
    ISLINGTON,
    VRU,
    borough_analyst,
    lead,
    programme,
)
from vrhub.access import audit
from vrhub.access.principal import PUBLIC
from vrhub.access.services import AccessServices
from vrhub.errors import NotFound, PermissionDenied, UserError
from vrhub.outcomes import framework, programmes
from vrhub.outcomes.context import Outcomes
from vrhub.outcomes.framework_versions import load_framework, versions


@pytest.fixture
def outcomes(services: AccessServices) -> Outcomes:
    return Outcomes(services.sessions, services.policy)


def events(services: AccessServices, action: str) -> list[audit.AuditEvent]:
    with services.sessions() as session:
        return audit.query(session, action=action, limit=1000)


def test_programmes_are_saved_and_seen_by_scope(outcomes: Outcomes,
                                                services: AccessServices) -> None:
    saved = programmes.save_programmes(outcomes, ADMIN, [
        programme(), programme("MYENDS-HAC-01", name="Hackney community network",
                               funding_stream="MyEnds", boroughs=[HACKNEY],
                               priority_areas=["CAP"], yef_strand=None, measures=[])])
    assert [(p.code, created) for p, created in saved] == [("LCPF-CAM-01", True),
                                                           ("MYENDS-HAC-01", True)]
    camden = saved[0][0]
    assert camden.budget == 120000.0 and camden.funding_label == "London Crime Prevention Fund"
    assert [p.code for p in camden.periods()] == ["2024-25-Q1", "2024-25-Q2", "2024-25-Q3",
                                                  "2024-25-Q4"]
    # a VRU analyst sees every programme, a lead theirs, a borough analyst those serving
    # their borough
    assert [p.code for p in programmes.list_programmes(outcomes, VRU)] == [
        "LCPF-CAM-01", "MYENDS-HAC-01"]
    assert [p.code for p in programmes.list_programmes(outcomes, lead())] == ["LCPF-CAM-01"]
    assert [p.code for p in programmes.list_programmes(
        outcomes, borough_analyst(ISLINGTON))] == ["LCPF-CAM-01"]
    assert [p.code for p in programmes.list_programmes(outcomes, VRU, area="cap")] == [
        "MYENDS-HAC-01"]
    before = len(events(services, "read_outcomes"))
    with pytest.raises(PermissionDenied, match="not your programme: MYENDS-HAC-01"):
        programmes.get_programme(outcomes, lead(), "MYENDS-HAC-01")
    with pytest.raises(PermissionDenied, match="does not serve your boroughs"):
        programmes.get_programme(outcomes, borough_analyst(CAMDEN), "MYENDS-HAC-01")
    with pytest.raises(PermissionDenied, match="public role may not read outcomes"):
        programmes.list_programmes(outcomes, PUBLIC)
    denied = [e for e in events(services, "read_outcomes")[: -before or None]
              if e.outcome == "denied"]
    assert len(denied) == 3  # refusals are audited; allowed reads of figures are not
    # which may be opened (links): the same rule, decided without an audit event
    codes = ["LCPF-CAM-01", "MYENDS-HAC-01", "NONE-XYZ-01"]
    assert programmes.openable(outcomes, VRU, codes) == {"LCPF-CAM-01", "MYENDS-HAC-01"}
    assert programmes.openable(outcomes, lead(), codes) == {"LCPF-CAM-01"}
    assert programmes.openable(outcomes, borough_analyst(HACKNEY), codes) == {
        "MYENDS-HAC-01"}
    assert programmes.openable(outcomes, PUBLIC, codes) == frozenset()
    assert len(events(services, "read_outcomes")) == before + 3
    # updating keeps one row and records the change
    programmes.save_programmes(outcomes, VRU, [programme(cohort_size=80)])
    assert programmes.get_programme(outcomes, VRU, "LCPF-CAM-01").cohort_size == 80
    changes = events(services, "manage_programmes")
    assert [e.outcome for e in changes] == ["success", "success"]
    assert changes[0].detail == "0 programme(s) added, 1 updated: LCPF-CAM-01"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("priority_areas", ["YOUTH"], r"priority_areas 'YOUTH': is not a priority area of "
                                  r"framework vru-strategy-2025-1"),
    ("cohort_max_age", 30, r"cohort_max_age 30: is out of range \(0 to 25\)"),
    ("funding_stream", "Lottery", r"funding_stream 'Lottery': is not a funding stream"),
    ("end_date", "2024-01-01", r"end_date '2024-01-01': is before the start"),
    ("yef_strand", "juggling", r"yef_strand 'juggling': is not a YEF Toolkit strand"),
    ("boroughs", ["Camden"], r"'Camden' is not a"),
    ("measures", ["wemwbs-14"], r"measures 'wemwbs-14': is not a standard measure"),
])
def test_bad_programmes_are_refused_naming_field_and_value(
        outcomes: Outcomes, field: str, value: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        programmes.save_programmes(outcomes, ADMIN, [programme(**{field: value})])
    with pytest.raises(NotFound, match="there is no programme 'LCPF-CAM-01'"):
        programmes.get_programme(outcomes, VRU, "LCPF-CAM-01")  # nothing was saved


def test_programme_leads_are_accounts_scoped_to_programmes(
        outcomes: Outcomes, services: AccessServices) -> None:
    with pytest.raises(NotFound, match="there is no programme 'LCPF-CAM-01'"):
        services.identity.create_user(ADMIN, "lead@trust.example", role="programme_lead",
                                      organisation="TRUST", programmes=["LCPF-CAM-01"])
    programmes.save_programmes(outcomes, ADMIN, [programme()])
    with pytest.raises(UserError, match="a programme lead needs one or more programmes"):
        services.identity.create_user(ADMIN, "lead@trust.example", role="programme_lead",
                                      organisation="TRUST")
    with pytest.raises(UserError, match="only programme leads take programmes"):
        services.identity.create_user(ADMIN, "pan@vru.example", role="pan_london_analyst",
                                      organisation="VRU", programmes=["LCPF-CAM-01"])
    made = services.identity.create_user(ADMIN, "lead@trust.example", role="programme_lead",
                                         organisation="TRUST", programmes=["lcpf-cam-01"],
                                         password="plum kettle orbit lantern 42")
    assert made.programmes == ["LCPF-CAM-01"]
    principal = services.identity.sign_in("lead@trust.example",
                                          "plum kettle orbit lantern 42")
    assert principal.programmes == frozenset({"LCPF-CAM-01"})
    token, view = services.tokens.create(ADMIN, "lead@trust.example", "returns")
    assert set(view.scopes) == {"read_aggregates", "read_outcomes", "submit_return",
                                "read_return", "read_participants"}
    assert services.tokens.authenticate(token).programmes == frozenset({"LCPF-CAM-01"})
    # a change of programmes takes effect at the next request (account version)
    programmes.save_programmes(outcomes, ADMIN, [programme("CIF-HAC-01",
                                                           boroughs=[HACKNEY])])
    services.identity.set_role(ADMIN, "lead@trust.example", "programme_lead",
                               programmes=["CIF-HAC-01"])
    assert services.tokens.authenticate(token).programmes == frozenset({"CIF-HAC-01"})
    session_view = services.browser_sessions.principal(services.browser_sessions.start(
        principal))
    assert session_view is not None and session_view.programmes == frozenset({"CIF-HAC-01"})


def test_a_revised_framework_takes_over_and_is_audited(outcomes: Outcomes,
                                                       services: AccessServices) -> None:
    assert outcomes.framework().version == "vru-strategy-2025-1"
    document = json.loads(json.dumps(framework.default().document))
    document["version"] = "vru-strategy-2026-1"
    document["priority_areas"][4]["outcomes"].append(
        {"code": "CAP-5", "text": "Safer public spaces"})
    data = json.dumps(document).encode()
    with pytest.raises(PermissionDenied, match="may not manage framework"):
        load_framework(outcomes, VRU, data, "framework-2026.json")
    load_framework(outcomes, ADMIN, data, "framework-2026.json")
    assert outcomes.framework().version == "vru-strategy-2026-1"
    assert outcomes.framework().outcome("CAP-5").priority_area == "CAP"
    with pytest.raises(UserError, match="framework version 'vru-strategy-2026-1' is loaded "
                                        "already"):
        load_framework(outcomes, ADMIN, data, "framework-2026.json")
    listed = versions(outcomes)
    assert [(v.version, v.in_force) for v in listed] == [
        ("vru-strategy-2026-1", True), ("vru-strategy-2025-1", False)]
    assert [e.outcome for e in events(services, "manage_framework")] == [
        "failed", "success", "denied"]


def test_the_programmes_kept_in_memory_follow_every_change(outcomes: Outcomes) -> None:
    from vrhub.outcomes import indicators

    programmes.save_programmes(outcomes, ADMIN, [programme()])
    camden = borough_analyst(CAMDEN)
    hackney = borough_analyst(HACKNEY)
    assert [p.code for p in programmes.list_programmes(outcomes, camden)] == ["LCPF-CAM-01"]
    assert programmes.list_programmes(outcomes, hackney, area="CYP-PO") == []
    # the programme moves from Camden to Hackney: the next list says so
    programmes.save_programmes(outcomes, ADMIN, [programme(boroughs=[HACKNEY])])
    assert programmes.list_programmes(outcomes, camden) == []
    assert [p.code for p in programmes.list_programmes(outcomes, hackney, area="cyp-po")] \
        == ["LCPF-CAM-01"]
    assert [p.code for p in programmes.list_programmes(outcomes, lead("LCPF-CAM-01"))] == \
        ["LCPF-CAM-01"]
    assert programmes.list_programmes(outcomes, lead("CIF-HAC-01")) == []
    # the indicator set in force is kept parsed until another is loaded
    first = indicators.indicator_set(outcomes)
    assert indicators.indicator_set(outcomes) is first
    revised = json.loads(json.dumps(indicators.default().to_dict()))
    revised["version"] = "revised-1"
    indicators.load_indicators(outcomes, ADMIN, json.dumps(revised).encode(), "i.json")
    assert indicators.indicator_set(outcomes).version == "revised-1"
