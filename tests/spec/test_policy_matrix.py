"""Role x borough x action: every cross-scope request is denied and audited, on SQLite and
on PostgreSQL.

Principals come from real sign-ins and real API tokens (not built by hand), and the
expected outcome of every case is written out independently of the policy code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from vrhub.access.audit import verify
from vrhub.access.policy import authorize
from vrhub.access.principal import PUBLIC, Principal, console_administrator
from vrhub.access.resources import Resource
from vrhub.access.roles import Action
from vrhub.access.services import AccessServices
from vrhub.errors import PermissionDenied
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.models import AuditEvent

HACKNEY, TOWER_HAMLETS, NEWHAM = "E09000012", "E09000030", "E09000025"
CAMDEN = "E09000007"
ROYAL_LONDON, HOMERTON, ROYAL_FREE = "R1HNH", "RQXM1", "RAL01"
# The ICBs as the warehouse's area directory would give them (written out here, not read
# from vrhub): North East London serves Hackney, Tower Hamlets and Newham and runs the
# Royal London and Homerton EDs; North Central London serves Camden and runs the Royal Free.
NEL, NCL = "QMF", "QMJ"
NEL_BOROUGHS = {"E09000001", "E09000002", "E09000012", "E09000016", "E09000025",
                "E09000026", "E09000030", "E09000031"}
NCL_BOROUGHS = {"E09000003", "E09000007", "E09000010", "E09000014", "E09000019"}
ICB_SYSTEMS = {NEL: (NEL_BOROUGHS, {ROYAL_LONDON, HOMERTON}),
               NCL: (NCL_BOROUGHS, {ROYAL_FREE})}
PASSWORD = "violet harbour ladder"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its real cost takes a second a hash on a busy CI runner; the policy does
    not depend on the cost (tests/unit/access/test_passwords.py checks the real parameters)."""
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AccessServices]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
    settings = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url})
    built = AccessServices.from_settings(settings)
    built.policy.membership.use(lambda: ICB_SYSTEMS)
    yield built
    built.close()


def _people(services: AccessServices) -> dict[str, Principal]:
    admin = console_administrator("ops")
    accounts = {
        "pan": dict(role="pan_london_analyst", organisation="VRU"),
        "hackney": dict(role="borough_analyst", organisation=HACKNEY, boroughs=[HACKNEY]),
        "towerhamlets": dict(role="borough_analyst", organisation=TOWER_HAMLETS,
                             boroughs=[TOWER_HAMLETS]),
        "edlead": dict(role="ed_data_lead", organisation="R1H", sites=[ROYAL_LONDON]),
        "admin": dict(role="administrator", organisation="VRU"),
        "icb": dict(role="icb_analyst", organisation=NEL, icbs=["North East London"]),
        "icb_ncl": dict(role="icb_analyst", organisation=NCL, icbs=[NCL]),
    }
    people: dict[str, Principal] = {}
    for key, spec in accounts.items():
        email = f"{key}@example.nhs.uk"
        services.identity.create_user(admin, email, password=PASSWORD, **spec)  # type: ignore[arg-type]
        people[key] = services.identity.sign_in(email, PASSWORD, client="10.0.0.1")
    people["public"] = PUBLIC
    return people


def records(*boroughs: str, sites: tuple[str, ...] = ()) -> Resource:
    return Resource.records("istv", boroughs=boroughs, sites=sites)


RECORD_ACTIONS = (Action.READ_RECORDS, Action.SEARCH_RECORDS, Action.EXPORT_RECORDS)

# (description, action, resource, people allowed). Everyone else must be denied.
CASES: list[tuple[str, Action, Resource, set[str]]] = []
for _action in RECORD_ACTIONS:
    CASES += [
        (f"{_action} Hackney", _action, records(HACKNEY), {"pan", "hackney", "icb"}),
        (f"{_action} Tower Hamlets", _action, records(TOWER_HAMLETS),
         {"pan", "towerhamlets", "icb"}),
        (f"{_action} Newham", _action, records(NEWHAM), {"pan", "icb"}),
        (f"{_action} Camden", _action, records(CAMDEN), {"pan", "icb_ncl"}),
        (f"{_action} Hackney+Tower Hamlets", _action, records(HACKNEY, TOWER_HAMLETS),
         {"pan", "icb"}),
        (f"{_action} Hackney+Camden", _action, records(HACKNEY, CAMDEN), {"pan"}),
        (f"{_action} all London", _action, records(), {"pan"}),
        (f"{_action} Royal London site", _action, records(sites=(ROYAL_LONDON,)),
         {"pan", "edlead", "icb"}),
        (f"{_action} Homerton site", _action, records(sites=(HOMERTON,)), {"pan", "icb"}),
        (f"{_action} Royal Free site", _action, records(sites=(ROYAL_FREE,)),
         {"pan", "icb_ncl"}),
        (f"{_action} Homerton attendance in Hackney", _action,
         records(HACKNEY, sites=(HOMERTON,)), {"pan", "hackney", "icb"}),
        (f"{_action} Royal London attendance in Newham", _action,
         records(NEWHAM, sites=(ROYAL_LONDON,)), {"pan", "edlead", "icb"}),
        # in one ICB's borough, from the other ICB's ED: both ICBs see it
        (f"{_action} Royal London attendance in Camden", _action,
         records(CAMDEN, sites=(ROYAL_LONDON,)), {"pan", "edlead", "icb", "icb_ncl"}),
    ]
CASES += [
    ("upload to Royal London", Action.UPLOAD_ISTV, Resource.submission(ROYAL_LONDON), {"edlead"}),
    ("upload to Homerton", Action.UPLOAD_ISTV, Resource.submission(HOMERTON), set()),
    ("read Royal London submission", Action.READ_ISTV_SUBMISSION,
     Resource.submission(ROYAL_LONDON, "sub-1"), {"pan", "edlead", "icb"}),
    ("read Homerton submission", Action.READ_ISTV_SUBMISSION,
     Resource.submission(HOMERTON, "sub-2"), {"pan", "icb"}),
    ("read Royal Free submission", Action.READ_ISTV_SUBMISSION,
     Resource.submission(ROYAL_FREE, "sub-3"), {"pan", "icb_ncl"}),
    ("quality Royal London", Action.READ_QUALITY, Resource.quality("istv", sites=[ROYAL_LONDON]),
     {"pan", "edlead", "admin", "icb"}),
    ("quality Homerton", Action.READ_QUALITY, Resource.quality("istv", sites=[HOMERTON]),
     {"pan", "admin", "icb"}),
    ("quality all sites", Action.READ_QUALITY, Resource.quality("istv"), {"pan", "admin"}),
    ("administer accounts", Action.ADMIN_USERS, Resource.user("x@example.nhs.uk"), {"admin"}),
    ("read audit trail", Action.READ_AUDIT, Resource.audit_trail(), {"admin"}),
    ("read public aggregates", Action.READ_AGGREGATES, Resource.aggregates("ward-month"),
     {"pan", "hackney", "towerhamlets", "edlead", "admin", "public", "icb", "icb_ncl"}),
    # needs assessments: a full edition is its borough's (London's is no one borough's)
    ("read Hackney's needs assessment", Action.READ_SNA, Resource.sna(HACKNEY, "full", 2),
     {"pan", "hackney", "icb"}),
    ("read Camden's needs assessment", Action.READ_SNA, Resource.sna(CAMDEN), {"pan", "icb_ncl"}),
    ("read London's needs assessment", Action.READ_SNA, Resource.sna("E12000007"), {"pan"}),
    ("build Hackney's needs assessment", Action.BUILD_SNA, Resource.sna(HACKNEY),
     {"pan", "hackney", "admin"}),
    ("build London's needs assessment", Action.BUILD_SNA, Resource.sna("E12000007"),
     {"pan", "admin"}),
    ("read a public summary", Action.READ_AGGREGATES, Resource.sna(HACKNEY, "public", 3),
     {"pan", "hackney", "towerhamlets", "edlead", "admin", "public", "icb", "icb_ncl"}),
]


def _events(services: AccessServices) -> int:
    with services.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _last_event(services: AccessServices) -> AuditEvent:
    with services.sessions() as session:
        event = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert event is not None
        return event


def _events_after(services: AccessServices, last_id: int) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                                    .order_by(AuditEvent.id)))


def test_role_borough_action_matrix(services: AccessServices) -> None:
    people = _people(services)
    failures: list[str] = []
    checked = 0
    last_id = _last_event(services).id
    for description, action, resource, allowed in CASES:
        for who, principal in people.items():
            expect = who in allowed
            try:
                services.policy.enforce(principal, action, resource)
                got = True
            except PermissionDenied as exc:
                got = False
                assert "audit" in (exc.hint or "")
            checked += 1
            written = _events_after(services, last_id)
            last_id = written[-1].id if written else last_id
            if got != expect:
                wanted, found = ("allow" if expect else "deny"), ("allow" if got else "deny")
                failures.append(f"{who} {description}: expected {wanted}, got {found}")
                continue
            if action is Action.READ_AGGREGATES and got:
                if written:
                    failures.append(f"{who} {description}: aggregate read was audited")
                continue
            if len(written) != 1:
                failures.append(f"{who} {description}: wrote {len(written)} audit events, not 1")
                continue
            event = written[0]
            if (event.outcome, event.actor_email, event.action, event.resource) != (
                    "allowed" if expect else "denied", principal.email, action.value,
                    resource.label):
                failures.append(f"{who} {description}: audit event {event.outcome} "
                                f"{event.actor_email} {event.action} {event.resource}")
            if event.actor_role != principal.role.value or sorted(
                    event.scope["boroughs"]) != sorted(resource.boroughs):
                failures.append(f"{who} {description}: audit event lacks role or scope")
    assert not failures, "\n".join(failures)
    assert checked == len(CASES) * 8
    with services.sessions() as session:
        assert verify(session).ok


def test_pure_decisions_match_enforced_ones(services: AccessServices) -> None:
    people = _people(services)
    for _, action, resource, allowed in CASES:
        for who, principal in people.items():
            assert authorize(principal, action, resource).allowed is (who in allowed)


@pytest.mark.parametrize("action", RECORD_ACTIONS)
def test_list_search_export_scope(services: AccessServices, action: Action) -> None:
    people = _people(services)
    enforce = services.policy.enforce_scope
    scope = enforce(people["hackney"], action, "istv")
    assert (scope.everything, scope.boroughs, scope.sites) == (False, {HACKNEY}, set())
    assert scope.allows(borough=HACKNEY) and not scope.allows(borough=TOWER_HAMLETS)
    assert enforce(people["hackney"], action, "istv", boroughs=[HACKNEY]).boroughs == {HACKNEY}
    assert enforce(people["edlead"], action, "istv").sites == {ROYAL_LONDON}
    assert enforce(people["pan"], action, "istv").everything
    assert enforce(people["pan"], action, "istv", boroughs=[NEWHAM]).boroughs == {NEWHAM}
    system = enforce(people["icb"], action, "istv")
    assert (system.everything, system.boroughs, system.sites) == (
        False, NEL_BOROUGHS, {ROYAL_LONDON, HOMERTON})
    assert system.allows(borough=NEWHAM) and system.allows(borough=CAMDEN, site=HOMERTON)
    assert not system.allows(borough=CAMDEN, site=ROYAL_FREE)
    assert enforce(people["icb"], action, "istv", boroughs=[HACKNEY, NEWHAM]).boroughs == {
        HACKNEY, NEWHAM}
    denied: list[tuple[str, dict[str, list[str]]]] = [
        ("icb", {"boroughs": [CAMDEN]}),
        ("icb", {"boroughs": [HACKNEY, CAMDEN]}),
        ("icb", {"sites": [ROYAL_FREE]}),
        ("icb_ncl", {"boroughs": [HACKNEY]}),
        ("icb_ncl", {"sites": [ROYAL_LONDON]}),
        ("hackney", {"boroughs": [TOWER_HAMLETS]}),
        ("hackney", {"boroughs": [HACKNEY, TOWER_HAMLETS]}),
        ("towerhamlets", {"boroughs": [HACKNEY]}),
        ("edlead", {"sites": [HOMERTON]}),
        ("edlead", {"boroughs": [NEWHAM]}),
        ("admin", {}),
        ("public", {}),
        ("public", {"boroughs": [HACKNEY]}),
    ]
    for who, wanted in denied:
        before = _events(services)
        with pytest.raises(PermissionDenied,
                           match=rf"{people[who].email} may not \w+ records: \w"):
            enforce(people[who], action, "istv", **wanted)  # type: ignore[arg-type]
        assert _events(services) == before + 1, who
        event = _last_event(services)
        assert (event.outcome, event.actor_email, event.action) == (
            "denied", people[who].email, action.value)
        assert event.scope["granted"] is None


def test_api_tokens_narrow_and_never_widen(services: AccessServices) -> None:
    people = _people(services)
    plaintext, _ = services.tokens.create(people["hackney"], people["hackney"].email,
                                          "reader", scopes=["read_records"])
    token = services.tokens.authenticate(plaintext, client="10.0.0.2")
    assert token.channel == "api" and token.boroughs == {HACKNEY}
    services.policy.enforce(token, Action.READ_RECORDS, records(HACKNEY))
    for action, resource, why in [
            (Action.READ_RECORDS, records(TOWER_HAMLETS), "outside your boroughs: E09000030"),
            (Action.EXPORT_RECORDS, records(HACKNEY),
             "this API token does not carry the 'export_records' scope"),
            (Action.SEARCH_RECORDS, records(HACKNEY),
             "this API token does not carry the 'search_records' scope")]:
        before = _events(services)
        with pytest.raises(PermissionDenied, match=re.escape(why)):
            services.policy.enforce(token, action, resource)
        assert _events(services) == before + 1
        assert _last_event(services).scope["token_scopes"] == ["read_records"]
    # a role change applies at once to existing tokens
    services.identity.set_role(console_administrator("ops"), people["hackney"].email,
                               "borough_analyst", boroughs=[NEWHAM])
    moved = services.tokens.authenticate(plaintext)
    with pytest.raises(PermissionDenied, match=r"outside your boroughs: E09000012"):
        services.policy.enforce(moved, Action.READ_RECORDS, records(HACKNEY))
    services.policy.enforce(moved, Action.READ_RECORDS, records(NEWHAM))


def test_admin_actions_refused_for_analysts_and_audited(services: AccessServices) -> None:
    people = _people(services)
    attempts: list[Callable[[Principal], object]] = [
        lambda p: services.identity.list_users(p),
        lambda p: services.identity.set_role(p, "hackney@example.nhs.uk", "pan_london_analyst"),
        lambda p: services.identity.set_disabled(p, "pan@example.nhs.uk", True),
        lambda p: services.tokens.list(p, "admin@example.nhs.uk"),
    ]
    for who in ("pan", "hackney", "edlead", "icb", "public"):
        for attempt in attempts:
            before = _events(services)
            with pytest.raises(PermissionDenied, match=r"may not admin users: the .+ role "
                               r"may not admin users"):
                attempt(people[who])
            assert _events(services) == before + 1
            assert _last_event(services).outcome == "denied"
    with services.sessions() as session:
        assert verify(session).ok


def test_cli_record_access_needs_a_token_and_is_scoped(services: AccessServices) -> None:
    from vrhub.errors import AuthenticationRequired

    people = _people(services)
    with pytest.raises(AuthenticationRequired, match="VRHUB_TOKEN"):
        services.cli_principal({})
    plaintext, _ = services.tokens.create(people["towerhamlets"],
                                          people["towerhamlets"].email, "cli")
    who = services.cli_principal({"VRHUB_TOKEN": plaintext})
    assert (who.channel, who.boroughs) == ("cli", {TOWER_HAMLETS})
    assert who.client is not None and who.client.startswith("console:")
    with pytest.raises(PermissionDenied, match=r"may not export records: outside your boroughs: "
                       r"E09000012"):
        services.policy.enforce_scope(who, Action.EXPORT_RECORDS, "istv", boroughs=[HACKNEY])
    event = _last_event(services)
    assert (event.channel, event.outcome, event.actor_email) == ("cli", "denied", who.email)


def test_an_icb_analysts_reach_follows_the_site_list_at_once(
        services: AccessServices) -> None:
    """An ICB's ED sites come from the loaded site list: when it changes, a session's or a
    token's principal (cached by account) sees the new membership at its next use; with
    no site list an ICB runs no sites and its boroughs are the ONS lookup's."""
    people = _people(services)
    plaintext, _ = services.tokens.create(people["icb"], people["icb"].email, "reader")
    before = services.tokens.authenticate(plaintext)
    assert before.icbs == {NEL} and before.sites == {ROYAL_LONDON, HOMERTON}
    services.policy.enforce(before, Action.READ_RECORDS, records(sites=(HOMERTON,)))
    moved = {NEL: (NEL_BOROUGHS, {ROYAL_LONDON}), NCL: (NCL_BOROUGHS, {ROYAL_FREE, HOMERTON})}
    services.policy.membership.use(lambda: moved)
    after = services.tokens.authenticate(plaintext)
    assert after.sites == {ROYAL_LONDON}
    with pytest.raises(PermissionDenied, match="not your ED site: RQXM1"):
        services.policy.enforce(after, Action.READ_RECORDS, records(sites=(HOMERTON,)))
    assert _last_event(services).outcome == "denied"
    services.policy.membership.use(None)
    bare = services.tokens.authenticate(plaintext)
    assert bare.boroughs == NEL_BOROUGHS and bare.sites == frozenset()


def test_icb_accounts_need_icbs_and_only_icb_analysts_take_them(
        services: AccessServices) -> None:
    from vrhub.errors import UserError

    admin = console_administrator("ops")
    with pytest.raises(UserError, match="an ICB analyst needs one or more Integrated Care"):
        services.identity.create_user(admin, "a@example.nhs.uk", role="icb_analyst",
                                      organisation=NEL)
    with pytest.raises(UserError, match=r"an ICB analyst needs .* and no boroughs"):
        services.identity.create_user(admin, "b@example.nhs.uk", role="icb_analyst",
                                      organisation=NEL, icbs=[NEL], boroughs=[HACKNEY])
    with pytest.raises(UserError, match="only ICB analysts take Integrated Care Boards"):
        services.identity.create_user(admin, "c@example.nhs.uk", role="borough_analyst",
                                      organisation=HACKNEY, boroughs=[HACKNEY], icbs=[NEL])
    with pytest.raises(UserError, match="'Middle Earth' is not an Integrated Care Board"):
        services.identity.create_user(admin, "d@example.nhs.uk", role="icb_analyst",
                                      organisation=NEL, icbs=["Middle Earth"])
    made = services.identity.create_user(admin, "e@example.nhs.uk", role="icb_analyst",
                                         organisation=NEL, icbs=["nhs south east london icb"])
    assert made.icbs == ["QKK"]
    moved = services.identity.set_role(admin, "e@example.nhs.uk", "borough_analyst",
                                       boroughs=[CAMDEN])
    assert (moved.icbs, moved.boroughs) == ([], [CAMDEN])
