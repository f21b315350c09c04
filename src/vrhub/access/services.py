"""Everything access control needs, built once per process from settings.

The web app builds one in ``create_app(settings)`` and the CLI one per command::

    services = AccessServices.from_settings(settings)
    principal = services.tokens.authenticate(token, channel="api", client=ip)
    scope = services.policy.enforce_scope(principal, Action.SEARCH_RECORDS, "istv",
                                          boroughs=["E09000022"])

The embedded SQLite database is created and migrated on first use; a PostgreSQL database
must be migrated by the operator (``vrhub db upgrade``) and is checked to be current.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.audit import AuditLog
from vrhub.access.audit_seal import AuditSeal
from vrhub.access.browser_sessions import BrowserSessions
from vrhub.access.identity import Identity, LoginPolicy
from vrhub.access.oidc import OIDC, load_providers
from vrhub.access.policy import Policy
from vrhub.access.principal import TOKEN_VARIABLE, Principal
from vrhub.access.principal_cache import AccountVersions
from vrhub.access.ratelimit import Clock
from vrhub.access.tokens import Tokens
from vrhub.errors import AuthenticationRequired, OperationalError
from vrhub.metrics import Metrics
from vrhub.settings import Settings
from vrhub.shared_store import SharedStore
from vrhub.storage.appdb import migrate
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.engine import make_engine, session_factory
from vrhub.storage.diagnose import describe_url


@dataclass
class AccessServices:
    engine: Engine
    sessions: sessionmaker[Session]
    audit: AuditLog
    policy: Policy
    identity: Identity
    tokens: Tokens
    oidc: OIDC
    browser_sessions: BrowserSessions

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now,
                      migrate_sqlite: bool = True,
                      http: httpx.Client | None = None,
                      metrics: Metrics | None = None,
                      shared: SharedStore | None = None) -> AccessServices:
        """Build everything; ``http`` is the client used to reach sign-in providers;
        ``metrics`` (the web app's) counts audit events written; ``shared`` (Redis) keeps
        sign-in limits that several processes share."""
        providers = load_providers(settings.oidc_providers,
                                   production=settings.environment == "production")
        url = settings.resolved_database_url
        engine = make_engine(url)
        try:
            ensure_current(engine, url, app_role=settings.app_role,
                           migrate_sqlite=migrate_sqlite)
        except BaseException:
            engine.dispose()
            raise
        sessions = session_factory(engine)
        audit = AuditLog(sessions, written=metrics.audit_written if metrics else None,
                         seal=AuditSeal(settings.resolved_audit_key_file, sessions))
        policy = Policy(audit)
        versions = AccountVersions(engine)
        identity = Identity(sessions, policy, login=LoginPolicy.from_settings(settings),
                            clock=clock, shared=shared)
        tokens = Tokens(sessions, policy, default_lifetime_days=settings.token_lifetime_days,
                        clock=clock, versions=versions)
        oidc = OIDC(providers, sessions, policy, http=http)
        browser_sessions = BrowserSessions(sessions, policy, clock=clock, versions=versions)
        return cls(engine, sessions, audit, policy, identity, tokens, oidc, browser_sessions)

    def close(self) -> None:
        self.audit.close()
        self.tokens.versions.close()
        self.engine.dispose()

    def cli_principal(self, environ: Mapping[str, str]) -> Principal:
        """Who runs a CLI command that reads record-level data: the owner of the API token
        in ``VRHUB_TOKEN``, seen through the ``cli`` channel. There is no record-level
        access from the console without one."""
        token = environ.get(TOKEN_VARIABLE, "").strip()
        if not token:
            raise AuthenticationRequired(
                "record-level data needs your identity, and no API token was given",
                hint=f"create one with `vrhub users token create EMAIL` (or on your account "
                f"page) and set {TOKEN_VARIABLE}",
            )
        return self.tokens.authenticate(token, channel="cli", client=f"console:{_os_user()}")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def ensure_current(engine: Engine, url: str, *, app_role: str, migrate_sqlite: bool) -> None:
    """Return when the database is at the newest revision (upgrading SQLite if allowed);
    otherwise a one-line error naming both revisions and the fix."""
    current = migrate.current(url)
    head = migrate.head()
    if current == head:
        return
    if engine.dialect.name == "sqlite" and migrate_sqlite and migrate.known(current):
        migrate.upgrade(url, app_role=app_role)
        return
    where = describe_url(url)
    if not migrate.known(current):
        raise OperationalError(
            f"the app database {where} is at schema revision {current}, which this version "
            f"of vrhub does not know (it needs {head}): a newer vrhub upgraded it",
            hint="install that newer version of vrhub (see CHANGELOG.md), or restore a "
            "backup taken before the upgrade",
        )
    raise OperationalError(
        f"the app database {where} is at schema revision {current or 'none (empty)'} and "
        f"this version of vrhub needs {head}",
        hint="run `vrhub db upgrade` as the database owner, then start vrhub again",
    )
