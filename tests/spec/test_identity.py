"""Local sign-in (lockout, rate limits), account administration and API tokens, on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from vrhub.access.audit import query, verify
from vrhub.access.principal import console_administrator
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.errors import (
    AuthenticationRequired,
    CodeError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    UserError,
)
from vrhub.settings import Settings
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.models import ApiToken, User

SIGN_IN_REFUSED = (r"^(email or password is not right"
                   r"|this account is locked after repeated failed sign-ins)")
TOKEN_REFUSED = r"the API token is not valid \(unknown, revoked or expired\)"

ADMIN = console_administrator("ops")
PASSWORD = "copper lantern meadow"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path,
             clock: Clock) -> Iterator[AccessServices]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        migrate.upgrade(url)
    settings = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url,
                              "VRHUB_LOGIN_MAX_FAILURES": "3", "VRHUB_LOGIN_RATE_LIMIT": "6"})
    built = AccessServices.from_settings(settings, clock=clock)
    built.identity.create_user(ADMIN, "Ann.Smith@Hackney.gov.uk", role="borough_analyst",
                               organisation="E09000012", boroughs=["e09000012"],
                               display_name="Ann Smith", password=PASSWORD)
    yield built
    built.close()


def _sign_ins(services: AccessServices) -> list[tuple[str, str]]:
    with services.sessions() as session:
        return [(e.outcome, e.detail) for e in reversed(query(session, action="sign_in"))]


def test_sign_in_gives_the_accounts_principal(services: AccessServices) -> None:
    who = services.identity.sign_in("ann.smith@hackney.gov.uk ", PASSWORD, client="10.1.1.1")
    assert (who.email, who.role, who.boroughs, who.organisation) == (
        "ann.smith@hackney.gov.uk", Role.BOROUGH_ANALYST, {"E09000012"}, "E09000012")
    assert _sign_ins(services) == [("success", "password")]


def test_wrong_password_and_unknown_account_look_the_same(services: AccessServices) -> None:
    messages = []
    for email in ("ann.smith@hackney.gov.uk", "nobody@hackney.gov.uk"):
        with pytest.raises(
                AuthenticationRequired, match=r"^email or password is not right$") as info:
            services.identity.sign_in(email, "wrong wrong wrong")
        messages.append(str(info.value))
    assert messages[0] == messages[1] == "email or password is not right"
    assert [o for o, _ in _sign_ins(services)] == ["failed", "failed"]


def test_lockout_after_repeated_failures(services: AccessServices, clock: Clock) -> None:
    for _ in range(3):
        with pytest.raises(
                AuthenticationRequired, match=SIGN_IN_REFUSED):
            services.identity.sign_in("ann.smith@hackney.gov.uk", "not the password")
        clock.advance(seconds=1)
    with pytest.raises(AuthenticationRequired, match="locked"):
        services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    clock.advance(minutes=14)
    with pytest.raises(AuthenticationRequired, match="locked"):
        services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    clock.advance(minutes=2)
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    details = [d for _, d in _sign_ins(services)]
    assert details[2] == "wrong password (3 in a row); account locked"
    assert details[3:5] == ["account locked", "account locked"]
    assert details[-1] == "password"


def test_lockout_answers_the_same_for_known_and_unknown_accounts(
        services: AccessServices, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same messages, hints, at the same attempt, with one password hash per attempt
    on both paths (so neither the answer nor its cost tells an account exists)."""
    from vrhub.access import identity as identity_module

    hashes: list[str] = []
    real = identity_module.verify_password

    def counted(stored: str | None, password: str) -> tuple[bool, bool]:
        hashes.append(password)
        return real(stored, password)

    monkeypatch.setattr(identity_module, "verify_password", counted)
    answers: dict[str, list[tuple[str, str | None, int]]] = {}
    for email in ("ann.smith@hackney.gov.uk", "nobody@hackney.gov.uk"):
        answers[email] = []
        for _ in range(5):  # 3 wrong passwords lock; then two more attempts, one right
            hashes.clear()
            with pytest.raises(
                    AuthenticationRequired, match=SIGN_IN_REFUSED) as info:
                services.identity.sign_in(email, PASSWORD if _ == 4 else "not it")
            answers[email].append((info.value.message, info.value.hint, len(hashes)))
            clock.advance(seconds=1)
    known, unknown = answers.values()
    assert known == unknown
    assert [m for m, _, _ in known] == ["email or password is not right"] * 2 + [
        "this account is locked after repeated failed sign-ins"] * 3
    assert all(cost == 1 for _, _, cost in known)
    clock.advance(minutes=16)
    with pytest.raises(AuthenticationRequired, match="email or password is not right"):
        services.identity.sign_in("nobody@hackney.gov.uk", PASSWORD)
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)


def test_administrator_resets_a_lockout(services: AccessServices) -> None:
    for _ in range(3):
        with pytest.raises(
                AuthenticationRequired, match=SIGN_IN_REFUSED):
            services.identity.sign_in("ann.smith@hackney.gov.uk", "not the password")
    view = services.identity.get_user(ADMIN, "ann.smith@hackney.gov.uk")
    assert view.locked_until is not None
    assert services.identity.reset_lockout(ADMIN, "ann.smith@hackney.gov.uk").locked_until is None
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)


def test_rate_limits_per_account_and_per_client(services: AccessServices, clock: Clock) -> None:
    for i in range(6):
        with pytest.raises(AuthenticationRequired, match="email or password is not right"):
            services.identity.sign_in(f"guess{i}@x.uk", "wrong wrong wrong", client="10.9.9.9")
    with pytest.raises(RateLimited, match="too many sign-in attempts") as info:
        services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD, client="10.9.9.9")
    assert "60 seconds" in (info.value.hint or "")
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD, client="10.1.1.1")
    clock.advance(seconds=61)
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD, client="10.9.9.9")
    assert ("failed", "rate limited") in _sign_ins(services)


def test_disabled_accounts_cannot_sign_in(services: AccessServices) -> None:
    services.identity.set_disabled(ADMIN, "ann.smith@hackney.gov.uk", True)
    with pytest.raises(AuthenticationRequired, match="disabled"):
        services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    services.identity.set_disabled(ADMIN, "ann.smith@hackney.gov.uk", False)
    services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)


def test_change_password(services: AccessServices) -> None:
    who = services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    with pytest.raises(AuthenticationRequired, match="the current password is not right"):
        services.identity.change_password(who, "wrong current one", "brand new passphrase")
    with pytest.raises(UserError, match="email address or name"):
        services.identity.change_password(who, PASSWORD, "smith smith smith")
    services.identity.change_password(who, PASSWORD, "brand new passphrase")
    services.identity.sign_in("ann.smith@hackney.gov.uk", "brand new passphrase")


ROLE_SCOPE_RULES = [
    ("borough_analyst", {}, "one or more boroughs"),
    ("borough_analyst", {"boroughs": ["E09000012"], "sites": ["R1HNH"]}, "no ED sites"),
    ("ed_data_lead", {"boroughs": ["E09000012"], "sites": ["R1HNH"]}, "no boroughs"),
    ("pan_london_analyst", {"boroughs": ["E09000012"]}, "takes no boroughs"),
    ("public", {}, "cannot have the public role"),
    ("superuser", {}, "unknown role"),
]


def test_role_scope_rules(services: AccessServices) -> None:
    for role, kwargs, message in ROLE_SCOPE_RULES:
        with pytest.raises(UserError, match=message):
            services.identity.create_user(ADMIN, "new@x.nhs.uk", role=role,
                                          organisation="X", **kwargs)  # type: ignore[arg-type]
        with services.sessions() as session:
            assert query(session, action="admin_users", limit=1)[0].outcome == "failed"
    with services.sessions() as session:
        assert verify(session).ok


def test_bad_codes_and_duplicates(services: AccessServices) -> None:
    with pytest.raises(CodeError, match="E08000001"):
        services.identity.create_user(ADMIN, "b@x.uk", role="borough_analyst",
                                      organisation="X", boroughs=["E08000001"])
    with pytest.raises(Conflict, match="already exists"):
        services.identity.create_user(ADMIN, "ANN.smith@hackney.gov.uk",
                                      role="pan_london_analyst", organisation="VRU")
    with pytest.raises(NotFound, match=r"there is no account for 'ghost@x\.uk'"):
        services.identity.set_role(ADMIN, "ghost@x.uk", "pan_london_analyst")
    with pytest.raises(UserError, match="not an email"):
        services.identity.create_user(ADMIN, "not-an-email", role="administrator",
                                      organisation="VRU")


def test_tokens(services: AccessServices, clock: Clock) -> None:
    ann = services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    plaintext, view = services.tokens.create(ann, ann.email, "nightly export", lifetime_days=7)
    assert plaintext.startswith(f"vrh_{view.prefix}_") and len(plaintext) == 56
    assert set(view.scopes) == {"read_records", "search_records", "export_records",
                                "read_aggregates", "read_outcomes", "read_return",
                                "read_referral_figures", "read_incident", "write_incident",
                                "read_sna", "build_sna"}
    with services.sessions() as session:
        stored = session.scalar(select(ApiToken))
        assert stored is not None
        assert stored.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert plaintext not in repr(stored.__dict__)
    who = services.tokens.authenticate(plaintext, client="10.2.2.2")
    assert (who.email, who.channel, who.token_scopes) == (ann.email, "api",
                                                          frozenset(view.scopes))
    assert services.tokens.list(ann, ann.email)[0].last_used_at == clock.now
    for broken in (plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"), "vrh_x",
                   "Bearer " + plaintext):
        with pytest.raises(
                AuthenticationRequired, match=TOKEN_REFUSED):
            services.tokens.authenticate(broken)
    clock.advance(days=7, seconds=1)
    with pytest.raises(AuthenticationRequired, match="expired"):
        services.tokens.authenticate(plaintext)


def test_token_revocation_disabling_and_scope_limits(services: AccessServices) -> None:
    ann = services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
    plaintext, view = services.tokens.create(ann, ann.email, "t", scopes=["read_records"])
    services.identity.set_disabled(ADMIN, ann.email, True)
    with pytest.raises(
            AuthenticationRequired, match=TOKEN_REFUSED):
        services.tokens.authenticate(plaintext)
    services.identity.set_disabled(ADMIN, ann.email, False)
    services.tokens.authenticate(plaintext)
    assert services.tokens.revoke(ann, ann.email, view.prefix).revoked_at is not None
    with pytest.raises(
            AuthenticationRequired, match=TOKEN_REFUSED):
        services.tokens.authenticate(plaintext)
    with pytest.raises(UserError, match="cannot carry scope"):
        services.tokens.create(ann, ann.email, "t", scopes=["upload_istv"])
    with pytest.raises(UserError, match="lifetime"):
        services.tokens.create(ann, ann.email, "t", lifetime_days=400)
    # an administrator on the web cannot issue a token that acts as someone else
    services.identity.create_user(ADMIN, "root@vru.london", role="administrator",
                                  organisation="VRU", password=PASSWORD)
    web_admin = replace(services.identity.sign_in("root@vru.london", PASSWORD), channel="web")
    with pytest.raises(PermissionDenied, match="console"):
        services.tokens.create(web_admin, ann.email, "t")
    assert services.tokens.list(web_admin, ann.email)  # but may see and revoke them
    services.tokens.create(ADMIN, ann.email, "provisioned at the console")


def test_sign_in_with_an_sso_only_account_fails(services: AccessServices) -> None:
    services.identity.create_user(ADMIN, "sso@barts.nhs.uk", role="ed_data_lead",
                                  organisation="R1H", sites=["R1HNH"])
    with services.sessions() as session:
        user = session.scalar(select(User).where(User.email == "sso@barts.nhs.uk"))
        assert user is not None and user.password_hash is None
    with pytest.raises(AuthenticationRequired, match="email or password is not right"):
        services.identity.sign_in("sso@barts.nhs.uk", "")


def test_a_change_is_never_stored_without_its_audit_event(
        services: AccessServices, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_append(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("vrhub.access.policy.append", broken_append)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        services.identity.set_disabled(ADMIN, "ann.smith@hackney.gov.uk", True)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        services.identity.create_user(ADMIN, "new@x.nhs.uk", role="administrator",
                                      organisation="VRU")
    monkeypatch.undo()
    with services.sessions() as session:
        assert session.scalar(select(User).where(User.email == "new@x.nhs.uk")) is None
        ann = session.scalar(select(User).where(User.email == "ann.smith@hackney.gov.uk"))
        assert ann is not None and not ann.disabled
        outcomes = [e.outcome for e in query(session, action="admin_users", limit=2)]
        assert outcomes == ["failed", "failed"]
        assert verify(session).ok


def test_resolved_principals_follow_account_changes_made_by_another_process(
        services: AccessServices, clock: Clock, tmp_path: Path) -> None:
    """The web app reuses resolved principals between requests; a change made anywhere
    else (here: a second set of services on the same database, as `vrhub users` at the
    console would be) takes effect at the very next request."""
    url = services.engine.url.render_as_string(hide_password=False)
    console = AccessServices.from_settings(
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_DATABASE_URL": url}), clock=clock)
    try:
        ann = services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
        plaintext, view = services.tokens.create(ann, ann.email, "t")
        first = services.tokens.authenticate(plaintext)
        assert first.boroughs == {"E09000012"}
        assert services.tokens.authenticate(plaintext) == first  # reused
        key = services.browser_sessions.start(ann)
        assert services.browser_sessions.principal(key, channel="web") == replace(
            first, token_scopes=None, channel="web")

        def version() -> int:
            return services.tokens.versions.current()

        # bookkeeping writes (a sign-in, a token's use) do not invalidate anything
        before = version()
        services.identity.sign_in("ann.smith@hackney.gov.uk", PASSWORD)
        clock.advance(minutes=2)
        services.tokens.authenticate(plaintext)
        assert version() == before
        with services.sessions() as session:  # ... and the use was recorded, to the minute
            stored = session.scalar(select(ApiToken))
            assert stored is not None and stored.last_used_at == clock.now

        console.identity.set_role(ADMIN, ann.email, "borough_analyst",
                                  boroughs=["E09000012", "E09000030"])
        assert version() > before
        assert services.tokens.authenticate(plaintext).boroughs == {"E09000012", "E09000030"}
        # the change of scope ended the session made before it; a new one sees the new scope
        assert services.browser_sessions.principal(key) is None
        key = services.browser_sessions.start(ann)
        session_view = services.browser_sessions.principal(key)
        assert session_view is not None and session_view.boroughs == {"E09000012",
                                                                      "E09000030"}
        console.identity.set_disabled(ADMIN, ann.email, True)
        with pytest.raises(
                AuthenticationRequired, match=TOKEN_REFUSED):
            services.tokens.authenticate(plaintext)
        assert services.browser_sessions.principal(key) is None
        console.identity.set_disabled(ADMIN, ann.email, False)
        assert services.tokens.authenticate(plaintext).email == ann.email
        console.tokens.revoke(ADMIN, ann.email, view.prefix)
        with pytest.raises(
                AuthenticationRequired, match=TOKEN_REFUSED):
            services.tokens.authenticate(plaintext)
    finally:
        console.close()


@pytest.mark.postgres
def test_the_accounts_version_survives_a_dropped_connection(postgres_url: str) -> None:
    """The version is read on every request over connections of its own; when the
    database drops them (a restart, an idle timeout) the next read opens a new one."""
    import psycopg

    from vrhub.access.principal_cache import AccountVersions
    from vrhub.storage.appdb.engine import make_engine

    migrate.upgrade(postgres_url)
    engine = make_engine(postgres_url)
    versions = AccountVersions(engine)
    try:
        first = versions.current()
        plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        name = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute("UPDATE account_version SET version = version + 1")
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", [name]).fetchone()
        assert killed is not None and killed[0] >= 1
        assert versions.current() == first + 1
    finally:
        versions.close()
        engine.dispose()
