"""Programme returns in the app database (SQLite and PostgreSQL): versions superseding one
another, the workflow's events, the board of versions in force, the sums of approved
figures (:mod:`vrhub.storage.outcomes.reach` too), the data versions figures are cached by,
and stored indicator results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tests.helpers_outcomes import CAMDEN, HACKNEY
from vrhub.access.services import AccessServices
from vrhub.storage.appdb.outcomes_measures_models import MeasureUpload, ParticipantMeasure
from vrhub.storage.appdb.outcomes_returns_models import Return
from vrhub.storage.outcomes import indicator_results, reach, returns
from vrhub.storage.outcomes.programmes import save_programme
from vrhub.storage.outcomes.versions import data_versions

Q1, Q2 = "2024-25-Q1", "2024-25-Q2"
REACHED = "young_people_reached"


def programme(session: Session, code: str, boroughs: list[str]) -> None:
    save_programme(session, {"code": code, "name": code, "organisation": "Trust",
                             "funding_stream": "LCPF", "start_date": dt.date(2024, 4, 1),
                             "end_date": dt.date(2025, 3, 31)},
                   areas=["CYP-PO"], boroughs=boroughs, wards=[])


def fields(code: str, period: str, version: int, day: int, status: str = "submitted"
           ) -> dict[str, Any]:
    return {"return_id": f"R-{code}-{period}-{version}", "programme_code": code,
            "period": period, "period_start": dt.date(2024, 4, 1),
            "period_end": dt.date(2024, 6, 30), "due_date": dt.date(2024, 7, 30),
            "version": version, "status": status, "submitted_by": "lead@example.org",
            "submitted_at": dt.datetime(2024, 7, day, 9, 0)}


def figure(row: int, value: float | None, breakdown: str = "total", category: str = "",
           element: str = REACHED) -> dict[str, Any]:
    return {"row_number": row, "data_element": element, "breakdown": breakdown,
            "category": category, "value": value}


def test_a_resubmission_supersedes_the_version_in_force(services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        programme(session, "P1", [CAMDEN])
        assert returns.next_version(session, "P1", Q1) == 1
        returns.add_return(session, fields("P1", Q1, 1, 10), values=[figure(2, 99)],
                           make_current=True)
        second = returns.add_return(session, fields("P1", Q1, 2, 12),
                                    values=[figure(3, 15, "age", "10-13"), figure(2, 40)],
                                    make_current=True)
        # a refused file is kept as a version, but the one in force stays
        returns.add_return(session, fields("P1", Q1, 3, 14, "rejected"), make_current=False)
        returns.set_receipt(session, second.return_id, {"status": "accepted"}, (2, 2, 0))
    with services.sessions() as session:
        assert returns.next_version(session, "P1", Q1) == 4
        assert [r.version for r in returns.versions(session, "P1", Q1)] == [3, 2, 1]
        assert [(r.version, r.status, r.is_current) for r in
                returns.list_versions(session, ["P1"])] == [
            (3, "rejected", False), (2, "submitted", True), (1, "superseded", False)]
        in_force = returns.current(session, "P1", Q1)
        assert in_force is not None and in_force.version == 2
        assert (in_force.rows_read, in_force.rows_accepted, in_force.receipt) == (
            2, 2, {"status": "accepted"})
        assert returns.current(session, "P1", Q2) is None
        first = returns.get(session, "R-P1-2024-25-Q1-1")
        assert first is not None
        [event] = returns.events(session, [first.id])
        assert (event.action, event.from_status, event.to_status, event.note) == (
            "superseded", "submitted", "superseded", "by version 2")
        assert [(v.row_number, v.value) for v in returns.values_of(session, in_force.id)] == [
            (2, 40.0), (3, 15.0)]
        assert returns.events(session, []) == []
        assert returns.list_versions(session, ["P9"]) == []


def test_approved_figures_in_force_are_summed_per_period_and_breakdown(
        services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        programme(session, "P1", [CAMDEN])
        programme(session, "P2", [CAMDEN, HACKNEY])
        old = returns.add_return(session, fields("P1", Q1, 1, 10), make_current=True)
        returns.set_status(session, old, status="approved", actor="vru@example.org",
                           action="approved")
        # approved then superseded: its 99 no longer counts
        returns.add_return(session, fields("P1", Q1, 1, 10) | {"return_id": "X", "version": 9},
                           values=[figure(2, 99)], make_current=False)
        p1 = returns.add_return(session, fields("P1", Q1, 2, 12),
                                values=[figure(2, 40), figure(3, 15, "age", "10-13"),
                                        figure(4, 25, "age", "14-17"), figure(5, None, "age",
                                                                               "18-21")],
                                make_current=True)
        p2 = returns.add_return(session, fields("P2", Q1, 1, 11),
                                values=[figure(2, 10), figure(3, 10, "age", "10-13"),
                                        figure(4, 3, element="sessions_delivered")],
                                make_current=True)
        pending = returns.add_return(session, fields("P2", Q2, 1, 20),
                                     values=[figure(2, 500)], make_current=True)
        for row in (p1, p2):
            returns.set_status(session, row, status="approved", actor="vru@example.org",
                               action="approved", note="checked")
        before = returns.data_version(session)
        returns.set_status(session, pending, status="changes_requested",
                           actor="vru@example.org", action="changes requested")
        assert returns.data_version(session) == before + 1
    with services.sessions() as session:
        assert sorted(returns.approved_values(session, programmes=None,
                                              elements=[REACHED])) == [
            ("*", Q1, REACHED, "age", "10-13", 25.0),   # 15 + 10
            ("*", Q1, REACHED, "age", "14-17", 25.0),
            ("*", Q1, REACHED, "total", "", 50.0)]      # 40 + 10; Q2 is not approved
        assert sorted(returns.approved_values(session, programmes=["P2"],
                                              elements=[REACHED, "sessions_delivered"])) == [
            ("*", Q1, "sessions_delivered", "total", "", 3.0),
            ("*", Q1, REACHED, "age", "10-13", 10.0), ("*", Q1, REACHED, "total", "", 10.0)]
        assert sorted(reach.approved_totals(session, programmes=["P1", "P2"],
                                            elements=[REACHED])) == [
            ("P1", Q1, REACHED, 40.0), ("P2", Q1, REACHED, 10.0)]
        assert reach.approved_totals(session, programmes=["P1"], elements=["other"]) == []
        board = {(r.programme_code, r.period): r
                 for r in returns.current_returns(session, None)}
        assert set(board) == {("P1", Q1), ("P2", Q1), ("P2", Q2)}
        # timeliness counts from the period's first accepted version (10 July, not 12th)
        assert board["P1", Q1].first_submitted_at == dt.datetime(2024, 7, 10, 9, 0)
        assert (board["P1", Q1].version, board["P1", Q1].status) == (2, "approved")
        assert board["P2", Q2].status == "changes_requested"
        assert sorted(r.period for r in returns.current_returns(session, ["P2"])) == [Q1, Q2]
        areas, boroughs = returns.programme_links(session)
        assert areas == {"P1": ["CYP-PO"], "P2": ["CYP-PO"]}
        assert {k: sorted(v) for k, v in boroughs.items()} == {
            "P1": [CAMDEN], "P2": [CAMDEN, HACKNEY]}
        approved = returns.get(session, p1.return_id)
        assert approved is not None and approved.decided_by == "vru@example.org"


def test_data_versions_change_with_each_part_figures_read(services: AccessServices) -> None:
    with services.sessions() as session:
        empty = data_versions(session)
    assert empty == {"programmes": (0, None), "reference": (None,),
                     "measures": (0, None), "surveys": (0, None, None),
                     "returns": (0, None, None)}
    with services.sessions() as session, session.begin():
        programme(session, "P1", [CAMDEN])
        upload = MeasureUpload(programme_code="P1", period_code=Q1, file_name="m.csv",
                               received_by="lead@example.org", receipt={})
        session.add(upload)
        session.flush()
        session.add(ParticipantMeasure(upload_id=upload.id, programme_code="P1",
                                       period_code=Q1, participant_id="P-0001",
                                       timepoint="pre", collected_on=dt.date(2024, 5, 1),
                                       scores={"q1": 3.0}))
    with services.sessions() as session:
        after = data_versions(session)
        assert after["programmes"][0] == 1
        assert after["measures"] == (1, upload.id)
        assert after["returns"] == empty["returns"]
    with services.sessions() as session, session.begin():
        row = returns.add_return(session, fields("P1", Q1, 1, 10), make_current=True)
        returns.set_status(session, row, status="approved", actor="vru", action="approved")
    with services.sessions() as session:
        assert data_versions(session)["returns"] == (1, row.id, returns.data_version(session))
        assert session.get(Return, row.id) is not None


def test_indicator_results_of_a_code_are_replaced_whole(services: AccessServices) -> None:
    at = dt.datetime(2025, 1, 6, 7, 0)

    def result(code: str, period: str, area: str, value: float) -> dict[str, Any]:
        return {"indicator_code": code, "period": period, "area_level": "borough",
                "area_code": area, "numerator": value, "denominator": 100.0,
                "value": value, "target": None, "status": "ok", "notes": []}

    with services.sessions() as session, session.begin():
        stored = indicator_results.replace(
            session, ["H1", "H2"], [result("H2", "2024-10", CAMDEN, 4.0),
                                    result("H1", "2024-11", CAMDEN, 2.0),
                                    result("H1", "2024-10", CAMDEN, 1.0),
                                    result("H1", "2024-10", HACKNEY, 9.0)],
            framework_version="f1", indicator_version="i1", computed_at=at)
        assert stored == 4
    with services.sessions() as session, session.begin():
        assert indicator_results.replace(session, ["H1"], [result("H1", "2024-12", CAMDEN,
                                                                  7.0)],
                                         framework_version="f2", indicator_version="i2",
                                         computed_at=at) == 1
    with services.sessions() as session:
        found = indicator_results.results(session, area_code=CAMDEN)
        assert [(r.indicator_code, r.period, r.value, r.framework_version) for r in found] == [
            ("H1", "2024-12", 7.0, "f2"), ("H2", "2024-10", 4.0, "f1")]
        assert indicator_results.results(session, area_code=HACKNEY) == []
        assert [r.indicator_code for r in indicator_results.results(
            session, area_code=CAMDEN, codes=["H2"])] == ["H2"]
