"""The referral pathway on SQLite and PostgreSQL: a referral walked from A&E to close, the
refusals (no consent or lawful basis, another worker's caseload, an analyst reading a
case, an invalid step), escalation, sealing at rest, subject access, retention and the
FHIR export; every refusal audited on the hash chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from vrhub.access.audit import query, verify
from vrhub.access.principal import Principal, console_administrator
from vrhub.access.services import AccessServices
from vrhub.errors import ConfigError, NotFound, PermissionDenied
from vrhub.pathways import fhir_export, records_rights
from vrhub.pathways.referral_closure import Retention, retain_until
from vrhub.pathways.referral_forms import (
    ConsentInput,
    ConsentRequired,
    FlagInput,
    Identity,
    NewReferral,
    ReferralError,
    SharingInput,
)
from vrhub.pathways.referrals import Pathway
from vrhub.pathways.sealing import Sealer, new_key
from vrhub.secret_strength import new_secret_key
from vrhub.settings import Settings
from vrhub.storage import referrals as store
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.pathway_models import Referral, ReferralContact

PASSWORD = "violet harbour ladder 7"
START = dt.datetime(2025, 3, 3, 22, 15)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    services: AccessServices
    pathway: Pathway
    clock: Clock
    people: dict[str, Principal]
    teams: dict[str, int]

    def denied(self) -> int:
        with self.services.sessions() as session:
            return len([e for e in query(session, limit=100_000) if e.outcome == "denied"])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
    settings = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url})
    services = AccessServices.from_settings(settings)
    admin = console_administrator("tests")
    accounts = {"ana": "case_worker", "ben": "case_worker", "cat": "case_worker",
                "lee": "team_lead", "kim": "team_lead", "pan": "pan_london_analyst",
                "prov": "provider"}
    people = {}
    for name, role in accounts.items():
        services.identity.create_user(admin, f"{name}@example.org", role=role,
                                      organisation="TEST", password=PASSWORD)
        people[name] = services.identity.sign_in(f"{name}@example.org", PASSWORD)
    with services.sessions() as session, session.begin():
        hospital = store.create_team(session, name="Hospital youth work",
                                     kind="hospital_youth_work", organisation_code="TEST")
        link = store.create_team(session, name="Link workers", kind="social_prescribing",
                                 organisation_code="TEST")
        for name, team, lead in (("ana", hospital, False), ("ben", hospital, False),
                                 ("lee", hospital, True), ("cat", link, False),
                                 ("kim", link, True)):
            store.set_member(session, team.id, people[name].user_id or 0, lead=lead)
        teams = {"hospital": hospital.id, "link": link.id}
    clock = Clock()
    pathway = Pathway(services.sessions, Sealer([new_key()]), services.audit, clock=clock)
    yield World(services, pathway, clock, people, teams)
    services.close()


def referral(world: World, *, consent: bool = True, team: str = "hospital",
             given: str = "Jayden", family: str = "Okafor", **extra: Any) -> NewReferral:
    fields: dict[str, Any] = dict(
        team_id=world.teams[team],
        identity=Identity(given, family, dt.date(2008, 6, 14), "07700 900123", None, None),
        reachable_moment="ed_attendance", moment_at=START - dt.timedelta(hours=2),
        referrer_kind="hospital_youth_worker", referrer="Nurse A, Royal Hospital ED",
        needs=["violence_victim", "exploitation"],
        consent=ConsentInput("given", "young_person", "verbal",
                             ["referral", "contact", "share_onward"]) if consent else None,
        allocate_to_me=True)
    fields.update(extra)
    return NewReferral(**fields)


def test_a_referral_walked_from_a_and_e_to_close(world: World) -> None:
    ana = world.people["ana"]
    case = world.pathway.create(ana, referral(world))
    assert case.status == "requested" and case.worker == "ana@example.org"
    assert case.response_due_at == START + dt.timedelta(days=1)  # A&E: a day to respond
    assert case.age == 16
    key = case.reference
    world.clock.now += dt.timedelta(hours=3)
    world.pathway.transition(ana, key, "accepted")
    world.clock.now += dt.timedelta(hours=20)
    world.pathway.record_contact(ana, key, mode="phone", outcome="no_answer")
    world.clock.now += dt.timedelta(hours=4)
    world.pathway.record_contact(ana, key, mode="in_person", outcome="spoke",
                                 note="Met at the youth club")
    world.pathway.transition(ana, key, "in-progress")
    world.pathway.add_plan_item(ana, key, goal="Join boxing on Tuesdays", support="activity")
    world.pathway.refer_on(ana, key, service_id="3f7b145d-84af-42d7-8fae-eaca714b02b2",
                           service_name="Boxing Academy")
    onward = world.pathway.open(ana, key).onward[0]["id"]
    world.clock.now += dt.timedelta(days=2)
    world.pathway.onward_reply(ana, key, onward, "accepted")
    world.clock.now = dt.datetime(2025, 6, 2, 10)
    world.pathway.close(ana, key, outcomes={"engaged": "yes", "goals_met": "some",
                                            "wellbeing": "better"})
    done = world.pathway.open(ana, key)
    assert done.status == "completed"
    assert done.first_contact_at == START + dt.timedelta(hours=27)  # the first real contact
    assert done.first_contact_mode == "in_person"
    assert done.contacts[1]["note"] == "Met at the youth club"
    assert [e["to"] for e in done.events if e["kind"] == "status"] == [
        "accepted", "in-progress", "completed"]
    follow = next(o for o in done.outcomes if o["measure"] == "ed_reattendance_12m")
    assert follow["value"] == "not_known" and follow["due_on"] == dt.date(2026, 3, 3)
    # kept until the later of 8 years after closing (2033-06-02) and the 25th birthday
    assert done.retain_until == dt.date(2033, 6, 14)
    assert done.onward[0]["status"] == "accepted"
    with world.services.sessions() as session:
        assert verify(session).ok


def test_a_referral_without_consent_or_a_lawful_basis_is_refused(world: World) -> None:
    with pytest.raises(ConsentRequired, match="needs the young person's consent to the "
                       "referral, or a recorded lawful basis"):
        world.pathway.create(world.people["ana"], referral(world, consent=False))
    refused = referral(world, consent=False)
    refused.consent = ConsentInput("refused", "young_person", "verbal", [])
    with pytest.raises(ConsentRequired, match="needs the young person's consent"):
        world.pathway.create(world.people["ana"], refused)
    with world.services.sessions() as session:
        assert session.scalar(select(Referral.id)) is None


def test_a_safeguarding_disclosure_without_consent_is_recorded_as_such(world: World) -> None:
    new = referral(world, consent=False, sharing=SharingInput(
        True, "name, date of birth and the disclosure", "the hospital youth work team",
        "safeguarding", "Disclosed being groomed to carry drugs", safeguarding=True),
        flags=[FlagInput("exploitation", "immediate_danger", "Sent to the MASH")])
    case = world.pathway.create(world.people["ana"], new)
    sharing = case.sharing[0]
    assert sharing["without_consent"] is True and sharing["safeguarding"] is True
    assert sharing["lawful_basis"] == "safeguarding"
    flag = case.flags[0]
    assert flag["escalated_to"] == "lee@example.org"  # immediate danger: to the lead at once
    assert "(safeguarding, without consent)" in " ".join(e["detail"] for e in case.events)
    with pytest.raises(ReferralError, match="sharing without consent needs the reason"):
        world.pathway.create(world.people["ana"], referral(world, consent=False, sharing=(
            SharingInput(True, "x", "y", "vital_interests", None))))


def test_a_worker_opening_another_caseload_is_refused_and_audited(world: World) -> None:
    case = world.pathway.create(world.people["ana"], referral(world))
    other = world.pathway.create(world.people["cat"], referral(world, team="link",
                                                               given="Maya"))
    before = world.denied()
    with pytest.raises(PermissionDenied, match=r"ben@example\.org may not read case: this "
                       "referral is not on your caseload"):
        world.pathway.open(world.people["ben"], case.reference)
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        world.pathway.record_contact(world.people["ana"], other.reference, mode="phone",
                                     outcome="spoke")
    with pytest.raises(PermissionDenied, match="the pan-london analyst role may not read "
                       "case"):
        world.pathway.open(world.people["pan"], case.reference)
    with pytest.raises(PermissionDenied, match="the provider role may not read case"):
        world.pathway.caseload(world.people["prov"])
    assert world.denied() == before + 4
    with world.services.sessions() as session:
        events = query(session, resource=f"referral:{case.reference}", limit=100)
        assert any(e.outcome == "denied" and e.actor_email == "ben@example.org"
                   for e in events)
        assert all("Jayden" not in e.detail and "Okafor" not in e.detail for e in events)
        assert verify(session).ok
    # the lead of ana's team sees it; the other team's lead does not
    assert world.pathway.open(world.people["lee"], case.reference).name == "Jayden Okafor"
    with pytest.raises(PermissionDenied, match=r"this referral is not on your caseload"):
        world.pathway.open(world.people["kim"], case.reference)
    lead_list = {r.reference for r in world.pathway.caseload(world.people["lee"])}
    assert lead_list == {case.reference}
    assert {r.reference for r in world.pathway.caseload(world.people["cat"])} == {
        other.reference}


def test_only_the_team_lead_allocates(world: World) -> None:
    case = world.pathway.create(world.people["ana"], referral(world, allocate_to_me=False))
    with pytest.raises(PermissionDenied, match="the case worker role may not allocate case"):
        world.pathway.allocate(world.people["ana"], case.reference, "ben@example.org")
    with pytest.raises(PermissionDenied, match="only the lead of the referral's team"):
        world.pathway.allocate(world.people["kim"], case.reference, "ben@example.org")
    world.pathway.allocate(world.people["lee"], case.reference, "ben@example.org")
    assert world.pathway.open(world.people["ben"], case.reference).worker == "ben@example.org"
    with pytest.raises(ReferralError, match=r"cat@example\.org is not a member"):
        world.pathway.allocate(world.people["lee"], case.reference, "cat@example.org")


def test_steps_outside_the_workflow_are_refused(world: World) -> None:
    ana = world.people["ana"]
    key = world.pathway.create(ana, referral(world)).reference
    with pytest.raises(ReferralError, match="a requested referral cannot become in-progress"):
        world.pathway.transition(ana, key, "in-progress")
    with pytest.raises(ReferralError, match="say why the referral is rejected"):
        world.pathway.transition(ana, key, "rejected")
    world.pathway.transition(ana, key, "rejected", reason="Already supported")
    with pytest.raises(ReferralError, match="the referral is rejected; it cannot be changed"):
        world.pathway.record_contact(ana, key, mode="phone", outcome="spoke")
    with pytest.raises(NotFound, match="there is no referral 'R-NOPE00'"):
        world.pathway.open(ana, "R-NOPE00")


def test_an_overdue_referral_is_escalated_to_the_team_lead(world: World) -> None:
    key = world.pathway.create(world.people["ana"], referral(world)).reference
    world.clock.now += dt.timedelta(hours=23)
    assert world.pathway.escalate_overdue() == 0
    world.clock.now += dt.timedelta(hours=2)
    assert world.pathway.escalate_overdue() == 1
    assert world.pathway.escalate_overdue() == 0  # once
    case = world.pathway.open(world.people["lee"], key)
    assert case.overdue and case.escalated_at == world.clock.now
    lead_id = world.people["lee"].user_id
    assert any(e["kind"] == "escalated" and f"team lead user {lead_id}" in e["detail"]
               for e in case.events)


def test_withdrawn_consent_stops_onward_sharing(world: World) -> None:
    ana = world.people["ana"]
    case = world.pathway.create(ana, referral(world))
    world.pathway.transition(ana, case.reference, "accepted")
    world.pathway.withdraw_consent(ana, case.reference, case.consents[0]["id"],
                                   reason="Changed their mind")
    with pytest.raises(ConsentRequired, match="has not agreed to their details going to "
                       "services"):
        world.pathway.refer_on(ana, case.reference, service_id="x", service_name="Club")


def test_identity_and_notes_are_sealed_at_rest(world: World) -> None:
    ana = world.people["ana"]
    key = world.pathway.create(ana, referral(world)).reference
    world.pathway.record_contact(ana, key, mode="phone", outcome="spoke",
                                 note="Lives with grandmother on Acorn Road")
    with world.services.sessions() as session:
        row = session.scalar(select(Referral))
        note = session.scalar(select(ReferralContact.note_sealed))
    assert row is not None and row.identity_sealed and note
    for text in (row.identity_sealed, row.referrer_sealed or "", note):
        assert "Jayden" not in text and "Okafor" not in text and "Acorn" not in text
        assert text.startswith("gAAAA")  # a Fernet token
    with pytest.raises(ConfigError, match="cannot be opened with the referral keys"):
        Sealer([new_key()]).open(row.identity_sealed)
    tampered = row.identity_sealed[:-8] + ("A" * 8 if not row.identity_sealed.endswith(
        "A" * 8) else "B" * 8)
    with pytest.raises(ConfigError, match="the stored value was changed"):
        world.pathway.sealer.open(tampered)


def test_subject_access_finds_every_record_and_says_when_there_is_none(world: World) -> None:
    first = world.pathway.create(world.people["ana"], referral(world))
    world.pathway.create(world.people["ben"], referral(world, given="jayden ",
                                                       family="OKAFOR"))
    world.pathway.create(world.people["ana"], referral(world, given="Maya"))
    lead = world.people["lee"]
    found = records_rights.subject_access(world.pathway, lead, given_name="Jayden",
                                          family_name="Okafor",
                                          date_of_birth=dt.date(2008, 6, 14))
    assert found.found and len(found.records) == 2
    assert first.reference in {r.reference for r in found.records}
    none = records_rights.subject_access(world.pathway, lead, given_name="Nobody",
                                         family_name="Here",
                                         date_of_birth=dt.date(2001, 1, 1))
    assert not none.found and none.records == []
    assert none.statement() == ("No referral record is held for a person with this name and "
                                "date of birth in the teams you lead.")
    assert none.to_dict()["records"] == []
    with world.services.sessions() as session:
        searches = [e for e in query(session, resource="subject_access", limit=10)]
    assert [e.detail for e in searches][:2] == [
        "subject-access search: 0 record(s) found", "subject-access search: 2 record(s) found"]
    with pytest.raises(PermissionDenied, match="may not run a subject-access search"):
        records_rights.subject_access(world.pathway, world.people["ana"], given_name="J",
                                      family_name="O", date_of_birth=dt.date(2008, 6, 14))


def test_retention_erases_identity_and_notes_but_keeps_the_codes(world: World) -> None:
    ana = world.people["ana"]
    key = world.pathway.create(ana, referral(world)).reference
    world.pathway.record_contact(ana, key, mode="phone", outcome="spoke", note="Private")
    world.pathway.transition(ana, key, "cancelled", reason="Moved away")
    case = world.pathway.open(ana, key)
    assert case.retain_until == retain_until(START.date(), dt.date(2008, 6, 14), Retention())
    assert records_rights.purge(world.pathway, console_administrator("ops"),
                                case.retain_until) == []
    erased = records_rights.purge(world.pathway, console_administrator("ops"),
                                  case.retain_until + dt.timedelta(days=1))
    assert erased == [key]
    with world.services.sessions() as session:
        row = session.scalar(select(Referral))
        assert row is not None
        assert row.identity_sealed is None and row.erased_at is not None
        assert session.scalar(select(ReferralContact.note_sealed)) is None
        assert (row.reachable_moment, row.status, row.age_at_referral) == (
            "ed_attendance", "cancelled", 16)


def test_retention_runs_to_the_25th_birthday_or_26th_if_17_at_close() -> None:
    keep = Retention(years=8)
    assert retain_until(dt.date(2025, 1, 10), dt.date(2010, 5, 1), keep) == dt.date(2035, 5, 1)
    assert retain_until(dt.date(2025, 1, 10), dt.date(2007, 5, 1), keep) == dt.date(2033, 5, 1)
    assert retain_until(dt.date(2025, 1, 10), dt.date(2000, 5, 1), keep) == dt.date(2033, 1, 10)


def test_the_fhir_export_is_valid_r4(world: World) -> None:
    from fhirclient.models import consent, patient, servicerequest, task

    ana = world.people["ana"]
    case = world.pathway.create(ana, referral(world))
    world.pathway.transition(ana, case.reference, "accepted")
    bundle = fhir_export.bundle(world.pathway.open(ana, case.reference))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "ServiceRequest", "Task", "Consent"]
    models = {"Patient": patient.Patient, "ServiceRequest": servicerequest.ServiceRequest,
              "Task": task.Task, "Consent": consent.Consent}
    for entry in bundle["entry"]:  # an independent R4 (4.0.1) reading, strict
        resource = models[entry["resource"]["resourceType"]](entry["resource"], strict=True)
        assert resource.as_json()["resourceType"] == entry["resource"]["resourceType"]
    task_json = bundle["entry"][2]["resource"]
    assert task_json["status"] == "accepted"
    assert task_json["restriction"]["period"]["end"].startswith("2025-03-04T22:15")
    assert bundle["entry"][0]["resource"]["birthDate"] == "2008-06-14"


def test_production_refuses_weak_or_placeholder_referral_keys() -> None:
    strong = new_secret_key()
    repeated = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="  # 32 bytes of 'A'
    for weak, why in (("changeme", "not a Fernet key"), (repeated, "visibly weak")):
        with pytest.raises(ConfigError, match=f"VRHUB_REFERRAL_KEYS.*{why}"):
            Settings.load({}, environment="production", secret_key=strong,
                          referral_keys=weak)
    assert Settings.load({}, environment="production", secret_key=strong,
                         referral_keys=new_key()).referral_keys is not None


def test_referral_figures_are_disclosure_controlled(world: World) -> None:
    from vrhub.pathways.referral_figures import figures

    ana = world.people["ana"]
    moments = ["ed_attendance"] * 13 + ["custody"] * 3
    for k, moment in enumerate(moments):
        world.clock.now = START + dt.timedelta(hours=k)
        case = world.pathway.create(ana, referral(world, given=f"P{k}",
                                                  reachable_moment=moment))
        world.pathway.transition(ana, case.reference, "accepted")
        world.clock.now += dt.timedelta(days=2)
        world.pathway.record_contact(ana, case.reference, mode="phone", outcome="spoke")
    result = figures(world.services.sessions, dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    table = {r["reachable_moment"]: r for r in result.to_dict()["volumes"]}
    assert table["A&E attendance"]["referrals"] == 15  # 13, rounded to the nearest 5
    assert table["Police custody"]["referrals"] is None  # 3: suppressed
    contact = {r["reachable_moment"]: r for r in result.to_dict()["first_contact"]}
    assert contact["A&E attendance"]["median_days_to_first_contact"] == 2.0
    assert contact["Police custody"]["median_days_to_first_contact"] is None  # withheld
    as_text = str(result.to_dict())
    assert "P1" not in as_text and "Okafor" not in as_text
