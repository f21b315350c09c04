"""Programmes and their links in the app database (SQLite and PostgreSQL): saved, replaced,
filtered by code, borough and priority area, and the accounts that lead them."""

from __future__ import annotations

import datetime as dt

from tests.helpers_outcomes import ADMIN, CAMDEN, HACKNEY, ISLINGTON
from vrhub.access.services import AccessServices
from vrhub.storage.appdb.outcomes_models import Programme, ProgrammeBorough
from vrhub.storage.outcomes import programmes as store


def values(code: str) -> dict[str, object]:
    return {"code": code, "name": f"Programme {code}", "organisation": "Example Trust",
            "funding_stream": "LCPF", "start_date": dt.date(2024, 4, 1),
            "end_date": dt.date(2025, 3, 31)}


def test_programmes_are_saved_replaced_and_filtered(services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        first, created = store.save_programme(session, values("P1"), areas=["A1"],
                                              boroughs=[ISLINGTON, CAMDEN, CAMDEN], wards=[])
        assert created and first.boroughs == [CAMDEN, ISLINGTON]  # sorted, once each
        store.save_programme(session, values("P2"), areas=["A2", "A1"], boroughs=[HACKNEY],
                             wards=["E05000001"])
        store.save_programme(session, values("P3"), areas=[], boroughs=[], wards=[])
    with services.sessions() as session, session.begin():
        again, created = store.save_programme(session, values("P1") | {"name": "Renamed"},
                                              areas=["A1"], boroughs=[HACKNEY], wards=[])
        assert not created and again.id == first.id
    with services.sessions() as session:
        def codes(**filters: object) -> list[str]:
            return [p.code for p in store.list_programmes(session, **filters)]

        assert codes() == ["P1", "P2", "P3"]
        assert codes(boroughs=[HACKNEY]) == ["P1", "P2"]  # P1 now serves Hackney only
        assert codes(boroughs=[CAMDEN]) == []
        assert codes(area="A2") == ["P2"]
        assert codes(area="A1", codes=["P2", "P3"]) == ["P2"]
        renamed = store.get_programme(session, "P1")
        assert renamed is not None and renamed.name == "Renamed"
        assert (renamed.areas, renamed.boroughs, renamed.wards) == (["A1"], [HACKNEY], [])
        assert store.get_programme(session, "P9") is None
        assert sorted(store.programme_codes(session, ["P3", "P9", "P1"])) == ["P1", "P3"]
        assert store.programme_codes(session, []) == []
        links = store.programme_boroughs(session, ["P2", "P3"])
        assert links == {"P2": [HACKNEY], "P3": []}
        # the replaced links are gone from their table, not merely hidden
        assert session.query(ProgrammeBorough).count() == 2
        assert session.query(Programme).count() == 3


def test_leads_of_a_programme_are_its_accounts_in_email_order(
        services: AccessServices) -> None:
    with services.sessions() as session, session.begin():
        for code in ("P1", "P2"):
            store.save_programme(session, values(code), areas=[], boroughs=[CAMDEN], wards=[])
    for email, programmes in (("zoe@example.org", ["P1"]), ("amy@example.org", ["P1", "P2"]),
                              ("bob@example.org", ["P2"])):
        services.identity.create_user(ADMIN, email, role="programme_lead",
                                      organisation="TRUST", programmes=programmes)
    with services.sessions() as session:
        assert store.leads_of(session, "P1") == ["amy@example.org", "zoe@example.org"]
        assert store.leads_of(session, "P2") == ["amy@example.org", "bob@example.org"]
        assert store.leads_of(session, "P3") == []
