"""Needs-assessment editions on SQLite and PostgreSQL: version numbers count up per area and
kind (also when two builds save at once), files come back as stored, each build compares
with the last edition, recommendations are carried forward or refused, and who may build
and read what (every full-edition read, build and refusal audited)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from tests.sna_support import Assessor, StandIn
from vrhub.access.audit import query
from vrhub.access.principal import PUBLIC, Principal, console_administrator
from vrhub.access.services import AccessServices
from vrhub.errors import NotFound, OperationalError, PermissionDenied
from vrhub.partnership.sna_editions import EditionError, SnaDesk, check_area, file_name
from vrhub.settings import Settings
from vrhub.storage import sna_editions as store
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.sna_models import SnaEditionFile

CAMDEN, HACKNEY, LONDON = "E09000007", "E09000012", "E12000007"
PASSWORD = "violet harbour ladder"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AccessServices]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
    built = AccessServices.from_settings(
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url}))
    yield built
    built.close()


def edition(area: str = CAMDEN, kind: str = "full", *, figures: dict[str, Any] | None = None,
            files: dict[str, bytes] | None = None) -> store.NewEdition:
    return store.NewEdition(
        area_code=area, area_name="Camden", edition=kind, period_from="2024-01",
        period_to="2024-12", definition_version="svd-1", built_at=dt.datetime(2025, 1, 5),
        built_by=None, builder="console:ops", recommendations="Fund detached youth work.",
        figures=figures or {"trends": {"offences": 120}},
        sections={"trends": {"title": "Trends", "available": True, "reason": None}},
        files=files if files is not None else {"pdf": b"%PDF-1.4 one", "html": b"<p>x</p>"})


def test_versions_count_up_per_area_and_kind(services: AccessServices) -> None:
    with services.sessions() as session:
        assert [r.version for r in store.save(session, edition(), edition(kind="public"))] \
            == [1, 1]
        session.commit()
    with services.sessions() as session:
        second = store.save(session, edition(figures={"trends": {"offences": 131}}))
        assert [r.version for r in second] == [2]
        assert store.save(session, edition(HACKNEY))[0].version == 1
        session.commit()
    with services.sessions() as session:
        assert [(r.edition, r.version) for r in store.listed(session, CAMDEN)] == [
            ("full", 2), ("full", 1), ("public", 1)]
        newest = store.latest(session, CAMDEN, "full")
        assert newest is not None and newest.figures == {"trends": {"offences": 131}}
        older = store.latest(session, CAMDEN, "full", before=2)
        assert older is not None and older.version == 1
        assert store.get(session, CAMDEN, "public", 2) is None
        assert [(r.area_code, r.edition, r.version) for r in store.latest_per_area(session)] \
            == [(CAMDEN, "full", 2), (CAMDEN, "public", 1), (HACKNEY, "full", 1)]
        assert store.file(session, newest.id, "pdf") == b"%PDF-1.4 one"
        assert store.file(session, newest.id, "xlsx") is None
        size, digest = store.file_facts(session, newest.id)["html"]
        assert (size, digest) == (8, hashlib.sha256(b"<p>x</p>").hexdigest())


def test_two_saves_at_once_take_different_versions(services: AccessServices) -> None:
    barrier = threading.Barrier(2)
    taken: list[int] = []
    errors: list[BaseException] = []

    def save() -> None:
        try:
            with services.sessions() as session:
                barrier.wait(timeout=10)
                taken.append(store.save(session, edition())[0].version)
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(taken) == [1, 2]


def test_a_file_that_no_longer_matches_its_checksum_is_refused(
        services: AccessServices) -> None:
    with services.sessions() as session:
        row = store.save(session, edition())[0]
        session.commit()
        session.execute(update(SnaEditionFile).where(SnaEditionFile.format == "pdf")
                        .values(content=b"%PDF-1.4 tampered"))
        session.commit()
        with pytest.raises(OperationalError, match="does not match its checksum"):
            store.file(session, row.id, "pdf")


def test_figures_keep_to_plain_json(services: AccessServices) -> None:
    import numpy as np

    with services.sessions() as session:
        store.save(session, edition(figures={"trends": {
            "offences": np.int64(7), "rate": float("nan"), "share": np.float64(0.25),
            "peak": "Saturday"}}))
        session.commit()
        found = store.latest(session, CAMDEN, "full")
        assert found is not None
        assert found.figures == {"trends": {"offences": 7, "rate": None, "share": 0.25,
                                            "peak": "Saturday"}}


# -- the desk: build, compare, read ------------------------------------------------------

def people(services: AccessServices) -> dict[str, Principal]:
    admin = console_administrator("ops")
    accounts = {
        "vru": dict(role="pan_london_analyst", organisation="VRU"),
        "camden": dict(role="borough_analyst", organisation=CAMDEN, boroughs=[CAMDEN]),
        "edlead": dict(role="ed_data_lead", organisation="RAL", sites=["RAL01"]),
        "admin": dict(role="administrator", organisation="VRU"),
    }
    out: dict[str, Principal] = {}
    for key, spec in accounts.items():
        email = f"{key}@example.org"
        services.identity.create_user(admin, email, password=PASSWORD, **spec)  # type: ignore[arg-type]
        out[key] = services.identity.sign_in(email, PASSWORD)
    out["public"] = PUBLIC
    return out


def events(services: AccessServices) -> list[tuple[str, str, str, str]]:
    with services.sessions() as session:
        return [(e.actor_email, e.action, e.resource, e.outcome)
                for e in reversed(query(session, limit=10_000))]


@pytest.fixture
def desk(services: AccessServices) -> tuple[SnaDesk, StandIn]:
    stand_in = StandIn(figures={CAMDEN: {
        "trends": {"offences": 120, "rate_per_1000": 4.5},
        "where": {"top_ward": "Kentish Town", "wards_above_london": 3},
        "who": {"victims_under_25": 40}}})
    return SnaDesk(services.sessions, services.policy, lambda: None,  # type: ignore[arg-type]
                   assessor=Assessor(stand_in)), stand_in


def test_build_compares_with_the_last_edition_and_keeps_recommendations(
        services: AccessServices, desk: tuple[SnaDesk, StandIn]) -> None:
    sna, stand_in = desk
    who = people(services)
    first = sna.build(who["camden"], "Camden", recommendations="Fund detached youth work.")
    assert [(v.edition, v.version) for v in first.editions] == [("full", 1), ("public", 1)]
    assert first.changes == {"full": [], "public": []}
    assert first.editions[1].figures["trends"]["offences"] == 120
    # a year on: offences up, a ward figure gone, the "who" section without data
    stand_in.figures[CAMDEN] = {"trends": {"offences": 132, "rate_per_1000": 4.5},
                                "where": {"top_ward": "Camden Town"}}
    second = sna.build(who["vru"], CAMDEN)
    assert [(v.edition, v.version) for v in second.editions] == [("full", 2), ("public", 2)]
    assert second.editions[0].recommendations == "Fund detached youth work."  # carried
    rows = {(r["section"], r["figure"]): r for r in second.changes["full"]}
    assert rows[("trends", "offences")] == {
        "section": "trends", "figure": "offences", "previous": 120, "current": 132,
        "change": "+12 (+10.0%)", "kind": "changed", "difference": 12, "percent": 10.0}
    assert ("trends", "rate_per_1000") not in rows
    assert rows[("where", "top_ward")]["change"] == "changed"
    assert rows[("where", "wards_above_london")]["kind"] == "gone"
    assert rows[("who", "(section)")]["change"] == (
        f"no longer available: {CAMDEN} has no data for who")
    assert rows[("who", "victims_under_25")]["kind"] == "gone"
    # the public summary is compared with the last public summary (rounded figures)
    public = {(r["section"], r["figure"]): r for r in second.changes["public"]}
    assert (public[("trends", "offences")]["previous"],
            public[("trends", "offences")]["current"]) == (120, 130)
    # what the desk recomputes from the store agrees with what the build rendered
    view, before, again = sna.changes(who["camden"], CAMDEN)
    assert (view.version, before.version if before else None) == (2, 1)
    assert again == second.changes["full"]
    pdf, shown = sna.file(who["camden"], CAMDEN, 2, "full", "pdf")
    assert pdf.startswith(b"%PDF") and file_name(shown, "pdf") == (
        "sna-E09000007-full-v2-2024-12.pdf")
    assert b"+12 (+10.0%)" in sna.file(who["camden"], CAMDEN, None, "full", "html")[0]
    mine = events(services)
    assert ("camden@example.org", "build_sna", f"sna:{CAMDEN}", "success") in mine
    assert ("vru@example.org", "build_sna", f"sna:{CAMDEN}", "success") in mine
    assert ("camden@example.org", "read_sna", f"sna:{CAMDEN}:full:v2", "allowed") in mine


@pytest.mark.parametrize(("text", "message"), [
    ("=cmd|' /C calc'!A0", "which a spreadsheet would run as a formula"),
    ("Invest in youth clubs.\n<script>alert(1)</script>", "markup or script"),
])
def test_a_refused_recommendation_names_the_field_and_stores_nothing(
        services: AccessServices, desk: tuple[SnaDesk, StandIn], text: str,
        message: str) -> None:
    sna, _ = desk
    who = people(services)
    with pytest.raises(EditionError, match=message) as caught:
        sna.build(who["camden"], CAMDEN, recommendations=text)
    assert caught.value.field == "recommendations"
    assert caught.value.to_dict()["field"] == "recommendations"
    assert sna.editions(who["camden"], CAMDEN) == []
    assert ("camden@example.org", "build_sna", f"sna:{CAMDEN}", "failed") in events(services)


def test_who_may_build_and_read(services: AccessServices,
                                desk: tuple[SnaDesk, StandIn]) -> None:
    sna, stand_in = desk
    who = people(services)
    stand_in.figures[HACKNEY] = {"trends": {"offences": 90}}
    sna.build(who["vru"], CAMDEN)
    sna.build(who["vru"], CAMDEN)
    sna.build(who["admin"], HACKNEY)  # the operator's scheduled build
    with pytest.raises(PermissionDenied, match="outside your boroughs: E09000012"):
        sna.build(who["camden"], HACKNEY)
    with pytest.raises(PermissionDenied, match="for all of London needs a pan-London role"):
        sna.build(who["camden"], "london")
    with pytest.raises(PermissionDenied, match="outside your boroughs: E09000012"):
        sna.editions(who["camden"], HACKNEY)
    with pytest.raises(PermissionDenied, match="outside your boroughs: E09000012"):
        sna.file(who["camden"], HACKNEY, 1, "full", "pdf")
    with pytest.raises(PermissionDenied, match="administrator role may not read sna"):
        sna.file(who["admin"], HACKNEY, 1, "full", "pdf")
    for key in ("public", "edlead"):
        with pytest.raises(PermissionDenied, match="role may not read sna"):
            sna.file(who[key], CAMDEN, None, "full", "pdf")
        # the latest public summary is public; an older one is not
        content, view = sna.file(who[key], CAMDEN, None, "public", "pdf")
        assert content.endswith(b"E09000007 public\n%%EOF\n") and view.version == 2
        assert sna.file(who[key], CAMDEN, 2, "public", "xlsx")[0][:2] == b"PK"
        with pytest.raises(PermissionDenied, match="role may not read sna"):
            sna.file(who[key], CAMDEN, 1, "public", "pdf")
    with pytest.raises(NotFound, match="Westminster has no public needs-assessment edition"):
        sna.file(who["public"], "E09000033", None, "public", "html")
    with pytest.raises(NotFound, match="has no full needs-assessment edition version 9"):
        sna.file(who["vru"], CAMDEN, 9, "full", "html")
    with pytest.raises(EditionError, match="'Gotham' is not a London borough or London"):
        sna.editions(who["vru"], "Gotham")
    overview = {a.code: a for a in sna.overview(who["camden"])}
    assert set(overview) == {CAMDEN, HACKNEY}
    assert overview[CAMDEN].full is not None and overview[CAMDEN].full.version == 2
    assert overview[HACKNEY].full is None and overview[HACKNEY].public is not None
    assert (overview[CAMDEN].may_build, overview[HACKNEY].may_build) == (True, False)
    assert {a.code for a in sna.overview(who["public"])} == {CAMDEN, HACKNEY}
    assert len(sna.overview(who["vru"])) == 34  # London and the 33 boroughs
    trail = events(services)
    denied = [e for e in trail if e[3] == "denied"]
    assert ("camden@example.org", "build_sna", f"sna:{HACKNEY}", "denied") in denied
    assert ("camden@example.org", "read_sna", f"sna:{HACKNEY}:full:v1", "denied") in denied
    assert ("public", "read_sna", f"sna:{CAMDEN}:public:v1", "denied") in denied
    assert ("admin@example.org", "build_sna", f"sna:{HACKNEY}", "success") in trail
    # reads of the public summary are not audited; reads of full editions are
    assert not [e for e in trail if e[1] == "read_aggregates"]


def test_areas_by_code_or_name() -> None:
    assert check_area("camden") == (CAMDEN, "Camden")
    assert check_area("e09000001") == ("E09000001", "City of London")
    assert check_area("London") == (LONDON, "London")
    assert check_area("tower-hamlets") == ("E09000030", "Tower Hamlets")
    with pytest.raises(EditionError, match="'E09000099' is not a London borough"):
        check_area("E09000099")


def test_a_stored_edition_has_all_three_files(services: AccessServices,
                                              desk: tuple[SnaDesk, StandIn]) -> None:
    sna, _ = desk
    built = sna.build(people(services)["vru"], CAMDEN, editions=["full"])
    assert [v.edition for v in built.editions] == ["full"]
    assert sorted(built.editions[0].files) == ["html", "pdf", "xlsx"]
    with services.sessions() as session:
        kinds = session.scalars(select(SnaEditionFile.format)).all()
    assert sorted(kinds) == ["html", "pdf", "xlsx"]


def test_assessments_built_elsewhere_are_saved_and_take_the_last_recommendations(
        services: AccessServices, desk: tuple[SnaDesk, StandIn]) -> None:
    sna, stand_in = desk
    console = console_administrator("ops")
    first = stand_in.build(None, CAMDEN, recommendations="Street outreach in the evenings.")
    [saved] = sna.save(console, [first])
    assert [(v.edition, v.version, v.builder) for v in saved.editions] == [
        ("full", 1, "console:ops")]
    stand_in.figures[CAMDEN]["trends"]["offences"] = 60
    later = stand_in.public_summary(stand_in.build(None, CAMDEN))  # no recommendations
    again = sna.save(console, [stand_in.build(None, CAMDEN), later])
    assert [(b.editions[0].edition, b.editions[0].version) for b in again] == [
        ("full", 2), ("public", 1)]
    assert {b.editions[0].recommendations for b in again} == {
        "Street outreach in the evenings."}
    assert ("refresh", CAMDEN) in stand_in.calls
    assert again[0].changes["full"][0]["change"] == "-60 (-50.0%)"
    html = sna.file(people(services)["vru"], CAMDEN, 2, "full", "html")[0]
    assert b"Street outreach in the evenings." in html
