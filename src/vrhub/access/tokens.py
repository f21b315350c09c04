"""API tokens for scripts: random, scoped, expiring, hashed at rest.

A token looks like ``vrh_3f9a1c2e_<43 random characters>``. The part after ``vrh_`` up to
the second underscore is its public prefix (shown in listings and audit); the database
keeps only the SHA-256 of the whole token, so a copy of the database yields no usable
token. The plaintext is returned once, at creation.

A token acts as its owner with the owner's current role and scope, narrowed to the
token's scopes. Users manage their own tokens; issuing a token for someone else is a
console-only operation (``vrhub users token create``), audited like every other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.identity import principal_for, require_user
from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.principal_cache import AccountVersions, Entry, PrincipalCache
from vrhub.access.ratelimit import Clock
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLE_ACTIONS, TOKEN_SCOPES, Action, Role
from vrhub.errors import AuthenticationRequired, NotFound, PermissionDenied, UserError
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import ApiToken, User

TOKEN_PATTERN = re.compile(r"vrh_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
MAX_LIFETIME_DAYS = 365
TOUCH_INTERVAL = dt.timedelta(minutes=1)  # how finely a token's last use is recorded


@dataclass(frozen=True)
class TokenView:
    id: int
    owner: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


def _view(token: ApiToken) -> TokenView:
    return TokenView(token.id, token.user.email, token.name, token.prefix, list(token.scopes),
                     token.created_at, token.expires_at, token.last_used_at, token.revoked_at)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, sessions: sessionmaker[Session], policy: Policy, *,
                 default_lifetime_days: int = 90, clock: Clock = utc_now,
                 versions: AccountVersions | None = None) -> None:
        self.sessions = sessions
        self.versions = versions or AccountVersions.of(sessions)
        self.policy = policy
        self.default_lifetime_days = default_lifetime_days
        self.clock = clock
        self.cache = PrincipalCache()

    def _guard(self, actor: Principal, owner: str, *, issuing: bool = False) -> tuple[
            Action, Resource]:
        owner = owner.strip().lower()
        if owner == actor.email.lower():
            return Action.MANAGE_OWN_TOKENS, Resource.tokens_of(owner)
        if issuing and actor.channel != "cli":
            raise PermissionDenied(
                "API tokens for another account can only be issued at the server console",
                hint="ask the account holder to create their own token",
            )
        return Action.ADMIN_USERS, Resource.tokens_of(owner)

    def create(self, actor: Principal, owner: str, name: str, *,
               scopes: Iterable[str] | None = None,
               lifetime_days: int | None = None) -> tuple[str, TokenView]:
        """Create a token for ``owner``; returns (plaintext, view). Show the plaintext once."""
        action, resource = self._guard(actor, owner, issuing=True)
        days = lifetime_days or self.default_lifetime_days
        if not 1 <= days <= MAX_LIFETIME_DAYS:
            raise UserError(f"token lifetime {days} days is out of range",
                            hint=f"choose between 1 and {MAX_LIFETIME_DAYS} days")
        with self.sessions() as session, self.policy.audited(
                actor, action, resource, session=session) as note:
            user = require_user(session, owner)
            granted = _check_scopes(Role(user.role), scopes)
            prefix = secrets.token_hex(4)
            plaintext = f"vrh_{prefix}_{secrets.token_urlsafe(32)}"
            now = self.clock()
            token = ApiToken(user_id=user.id, name=name.strip()[:100] or "token", prefix=prefix,
                             token_hash=_digest(plaintext), scopes=sorted(granted),
                             created_at=now, expires_at=now + dt.timedelta(days=days))
            session.add(token)
            token.user = user
            note.detail = (f"created token {prefix} for {user.email} with scopes "
                           f"{','.join(sorted(granted))}, expires in {days} days")
            return plaintext, _view(token)

    def list(self, actor: Principal, owner: str) -> list[TokenView]:
        action, resource = self._guard(actor, owner)
        with self.policy.audited(actor, action, resource, detail="listed tokens"), \
                self.sessions() as session:
            user = require_user(session, owner)
            rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                  .order_by(ApiToken.created_at))
            return [_view(t) for t in rows]

    def revoke(self, actor: Principal, owner: str, prefix: str) -> TokenView:
        action, resource = self._guard(actor, owner)
        with self.sessions() as session, self.policy.audited(
                actor, action, resource, session=session) as note:
            user = require_user(session, owner)
            token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.prefix == prefix))
            if token is None:
                raise NotFound(f"{owner} has no token with prefix {prefix!r}",
                               hint=f"see `vrhub users token list {owner}`")
            if token.revoked_at is None:
                token.revoked_at = self.clock()
            note.detail = f"revoked token {prefix} of {user.email}"
            return _view(token)

    def authenticate(self, plaintext: str, *, channel: str = "api",
                     client: str | None = None) -> Principal:
        """The principal a presented token stands for, or AuthenticationRequired.

        A token resolved before is reused while the accounts' version number is unchanged
        (:mod:`vrhub.access.principal_cache`); its last use is recorded to the minute."""
        match = TOKEN_PATTERN.fullmatch(plaintext.strip())
        refused = AuthenticationRequired(
            "the API token is not valid (unknown, revoked or expired)",
            hint="create a new token with `vrhub users token create` or in your account page",
        )
        if not match:
            raise refused
        digest = _digest(match[0])
        version = self.versions.current()
        now = self.clock()
        entry = self.cache.get(digest, version, now)
        if entry is None:
            with self.sessions() as session:
                entry = self._resolve(session, match, digest, version, now, refused)
        elif entry.touched_at is None or now - entry.touched_at >= TOUCH_INTERVAL:
            with self.sessions() as session:
                session.execute(update(ApiToken).where(ApiToken.id == entry.token_id)
                                .values(last_used_at=now))
                session.commit()
            entry = replace(entry, touched_at=now)
            self.cache.put(digest, entry)
        # an ICB analyst's boroughs and sites as their ICBs' membership is now
        return self.policy.membership.expand(entry.principal.via(channel, client))

    def _resolve(self, session: Session, match: re.Match[str], digest: str, version: int,
                 now: dt.datetime, refused: AuthenticationRequired) -> Entry:
        token = session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
        if token is None or not hmac.compare_digest(token.token_hash, digest):
            raise refused
        if token.revoked_at is not None or token.expires_at <= now:
            raise refused
        user: User = token.user
        if user.disabled:
            raise refused
        token.last_used_at = now
        principal = principal_for(user)
        scopes = frozenset(token.scopes) & frozenset(a.value for a in ROLE_ACTIONS[
            principal.role])
        entry = Entry(replace(principal, token_scopes=scopes), version,
                      expires_at=token.expires_at, token_id=token.id, touched_at=now)
        session.commit()
        self.cache.put(digest, entry)
        return entry


def _check_scopes(role: Role, scopes: Iterable[str] | None) -> set[str]:
    possible = {a.value for a in TOKEN_SCOPES & ROLE_ACTIONS[role]}
    if scopes is None:
        return possible
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    beyond = wanted - possible
    if beyond:
        raise UserError(
            f"a {role.value} token cannot carry scope(s) {', '.join(sorted(beyond))}",
            hint="choose from " + ", ".join(sorted(possible)),
        )
    if not wanted:
        raise UserError("a token needs at least one scope",
                        hint="choose from " + ", ".join(sorted(possible)))
    return wanted


