"""Local accounts: sign-in with lockout and rate limiting, passwords, administration.

Sign-in answers the same "email or password is not right" whether the account exists or
not, and costs one Argon2 hash either way. After ``max_failures`` wrong passwords in a
row an account is locked for ``lockout`` (held in the database, so it survives restarts
and holds across processes). An address with no account is "locked" the same way, after
the same number of attempts, with the same message and the same hash (held in memory), so
the lockout tells nobody whether an account exists. Separately, attempts per account and
per client address are rate-limited in memory. Every sign-in attempt and every
administrative change writes one audit event.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.passwords import check_password, hash_password, verify_password
from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.ratelimit import Clock, Limiter, SlidingWindowLimiter
from vrhub.access.resources import Resource
from vrhub.access.roles import ROLES_WITHOUT_AREA, Action, Role, parse_role
from vrhub.errors import AuthenticationRequired, Conflict, NotFound, RateLimited, UserError
from vrhub.shared_store import SharedStore
from vrhub.standards.codes import BoroughCode, ODSCode
from vrhub.standards.icb import parse_icb
from vrhub.standards.outcomes import ProgrammeCode
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import Organisation, User
from vrhub.storage.outcomes.programmes import programme_codes

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ORG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
WRONG_CREDENTIALS = "email or password is not right"
LOCKED = "this account is locked after repeated failed sign-ins"
#: how many addresses without an account have their failures remembered
UNKNOWN_REMEMBERED = 10_000


def locked_error(until: dt.datetime) -> AuthenticationRequired:
    """The one answer to a locked address, whether an account has it or not."""
    return AuthenticationRequired(
        LOCKED, hint=f"try again after {until:%H:%M} UTC, or ask an administrator to run "
        "`vrhub users reset-lockout`")


def normalise_email(email: str) -> str:
    text = email.strip().lower()
    if not _EMAIL.fullmatch(text) or len(text) > 320:
        raise UserError(f"{email!r} is not an email address",
                        hint="give the account's email address, like name@nhs.net")
    return text


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    rate_limit: int = 10
    rate_window: dt.timedelta = dt.timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Any) -> LoginPolicy:
        return cls(settings.login_max_failures,
                   dt.timedelta(minutes=settings.login_lockout_minutes),
                   settings.login_rate_limit,
                   dt.timedelta(seconds=settings.login_rate_window_seconds))


@dataclass(frozen=True)
class UserView:
    """An account as shown to administrators (never the password hash)."""

    id: int
    email: str
    display_name: str
    role: str
    organisation: str
    boroughs: list[str]
    sites: list[str]
    programmes: list[str]
    icbs: list[str]
    disabled: bool
    locked_until: dt.datetime | None
    failed_attempts: int
    has_password: bool
    single_sign_on: bool
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                for k, v in self.__dict__.items()}


def user_view(user: User) -> UserView:
    return UserView(user.id, user.email, user.display_name, user.role, user.organisation.code,
                    user.boroughs, user.sites, user.programmes, user.icbs, user.disabled,
                    user.locked_until,
                    user.failed_attempts, bool(user.password_hash), bool(user.oidc_subject),
                    user.created_at, user.last_sign_in_at)


def principal_for(user: User, *, channel: str = "web", client: str | None = None) -> Principal:
    """The account's principal as stored: an ICB analyst's boroughs and sites are filled
    in by :meth:`vrhub.access.icb_scope.ICBMembership.expand` when it is handed out."""
    return Principal(email=user.email, role=Role(user.role), user_id=user.id,
                     display_name=user.display_name, organisation=user.organisation.code,
                     boroughs=frozenset(user.boroughs), sites=frozenset(user.sites),
                     programmes=frozenset(user.programmes), icbs=frozenset(user.icbs),
                     channel=channel, client=client)


def require_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"there is no account for {email.strip().lower()!r}",
                       hint="see `vrhub users list`")
    return user


def check_role_scope(role: Role, boroughs: Iterable[str], sites: Iterable[str],
                     programmes: Iterable[str] = (), icbs: Iterable[str] = (),
                     ) -> tuple[list[str], list[str]]:
    """The boroughs and sites for ``role``, checked: borough analysts need at least one
    borough and ED data leads at least one site; programme leads at least one programme
    (:func:`check_programmes`) and ICB analysts at least one ICB (:func:`check_icbs`), and
    neither; other roles take none of them."""
    i = check_icbs(icbs)
    if role is Role.ICB_ANALYST and (not i or list(boroughs) or list(sites)):
        raise UserError("an ICB analyst needs one or more Integrated Care Boards and no "
                        "boroughs or ED sites (their ICB's boroughs and sites come with it)",
                        hint="add --icb with the ICB's ODS code or name, such as QMF or "
                        "'North East London' (repeatable)")
    if i and role is not Role.ICB_ANALYST:
        raise UserError(f"only ICB analysts take Integrated Care Boards, not a {role.value}",
                        hint="drop --icb, or choose the icb_analyst role")
    b = sorted({str(BoroughCode(c)) for c in boroughs})
    s = sorted({str(ODSCode(c)) for c in sites})
    p = sorted({str(ProgrammeCode(c)) for c in programmes})
    if role is Role.PROGRAMME_LEAD and (not p or b or s):
        raise UserError("a programme lead needs one or more programmes and no boroughs or "
                        "ED sites", hint="add --programme with the programme's code "
                        "(repeatable); see `vrhub outcomes programmes list`")
    if p and role is not Role.PROGRAMME_LEAD:
        raise UserError(f"only programme leads take programmes, not a {role.value}",
                        hint="drop --programme, or choose the programme_lead role")
    if role is Role.PUBLIC:
        raise UserError("accounts cannot have the public role",
                        hint="the public needs no account; they see only published outputs")
    if role is Role.BOROUGH_ANALYST and (not b or s):
        raise UserError("a borough analyst needs one or more boroughs and no ED sites",
                        hint="add --borough E09000xxx (repeatable)")
    if role is Role.ED_DATA_LEAD and (not s or b):
        raise UserError("an ED data lead needs one or more ED sites and no boroughs",
                        hint="add --site with the site's ODS code (repeatable)")
    if role in ROLES_WITHOUT_AREA and (b or s):
        raise UserError(f"a {role.value} takes no boroughs or sites (its reach is London-wide, "
                        "or set by team or organisation)",
                        hint="drop --borough/--site, or choose the borough_analyst role")
    return b, s


def check_icbs(icbs: Iterable[str]) -> list[str]:
    """The ICB codes for codes or London ICB names (:func:`vrhub.standards.icb.parse_icb`)."""
    return sorted({parse_icb(c) for c in icbs})


def check_programmes(session: Session, programmes: Iterable[str]) -> list[str]:
    """The programme codes, each checked to exist."""
    codes = sorted({str(ProgrammeCode(c)) for c in programmes})
    missing = sorted(set(codes) - set(programme_codes(session, codes)))
    if missing:
        raise NotFound(f"there is no programme {missing[0]!r}",
                       hint="add it first (`vrhub outcomes programmes add`) or see "
                       "`vrhub outcomes programmes list`")
    return codes


def ensure_organisation(session: Session, code: str, name: str | None = None) -> Organisation:
    text = code.strip()
    if not ORG_CODE.fullmatch(text):
        raise UserError(f"{code!r} is not an organisation code",
                        hint="use a short code such as an ODS code (RJ1) or E09000022")
    org = session.scalar(select(Organisation).where(Organisation.code == text))
    if org is None:
        org = Organisation(code=text, name=(name or text).strip()[:200])
        session.add(org)
        session.flush()
    return org


class Identity:
    """Local sign-in and account administration."""

    def __init__(self, sessions: sessionmaker[Session], policy: Policy, *,
                 login: LoginPolicy | None = None, clock: Clock = utc_now,
                 shared: SharedStore | None = None) -> None:
        """``shared``: Redis, where the rate limits and the lockout of addresses with no
        account are kept when several processes serve (else in this process's memory)."""
        self.sessions = sessions
        self.policy = policy
        self.login = login or LoginPolicy()
        self.clock = clock
        self.account_limiter: Limiter
        self.client_limiter: Limiter
        if shared is not None:
            from vrhub.access.shared_limits import RedisUnknownAddresses, RedisWindowLimiter

            self.account_limiter = RedisWindowLimiter(
                shared, "account", self.login.rate_limit, self.login.rate_window, clock)
            self.client_limiter = RedisWindowLimiter(
                shared, "client", self.login.rate_limit, self.login.rate_window, clock)
            self._shared_unknown: RedisUnknownAddresses | None = RedisUnknownAddresses(
                shared, self.login.max_failures, self.login.lockout)
        else:
            self.account_limiter = SlidingWindowLimiter(self.login.rate_limit,
                                                        self.login.rate_window, clock)
            self.client_limiter = SlidingWindowLimiter(self.login.rate_limit,
                                                       self.login.rate_window, clock)
            self._shared_unknown = None
        #: failures in a row, and locks, of addresses that have no account
        self._unknown: OrderedDict[str, tuple[int, dt.datetime | None]] = OrderedDict()
        self._unknown_lock = threading.Lock()

    # -- sign-in ---------------------------------------------------------------------
    def sign_in(self, email: str, password: str, *, client: str | None = None,
                channel: str = "web") -> Principal:
        """The principal for a correct email and password; otherwise one audited refusal."""
        address = email.strip().lower()[:320]
        anonymous = Principal(email=address or "(blank)", role=Role.PUBLIC, channel=channel,
                              client=client)
        wait = self.account_limiter.hit(f"account:{address}")
        if wait is None and client:
            wait = self.client_limiter.hit(f"client:{client}")
        if wait is not None:
            self.policy.note_sign_in(anonymous, ok=False, detail="rate limited")
            raise RateLimited("too many sign-in attempts; wait and try again",
                              hint=f"try again in {max(1, int(wait.total_seconds()))} seconds")
        with self.sessions() as session:
            user = session.scalar(select(User).where(User.email == address))
            now = self.clock()
            if user is None:
                verify_password(None, password)  # the same hash as for an account
                until, detail = self._unknown_failure(address, now)
                self.policy.note_sign_in(anonymous, ok=False, detail=detail)
                if until is not None:
                    raise locked_error(until)
                raise AuthenticationRequired(WRONG_CREDENTIALS)
            who = principal_for(user, channel=channel, client=client)
            if user.locked_until is not None and user.locked_until > now:
                verify_password(None, password)  # the same hash as an unlocked attempt
                self.policy.note_sign_in(who, ok=False, detail="account locked")
                raise locked_error(user.locked_until)
            ok, rehash = verify_password(user.password_hash, password)
            if not ok:
                user.failed_attempts += 1
                detail = f"wrong password ({user.failed_attempts} in a row)"
                if user.failed_attempts >= self.login.max_failures:
                    user.locked_until = now + self.login.lockout
                    user.failed_attempts = 0
                    detail += "; account locked"
                session.commit()
                self.policy.note_sign_in(who, ok=False, detail=detail)
                if user.locked_until is not None and user.locked_until > now:
                    raise locked_error(user.locked_until)
                raise AuthenticationRequired(WRONG_CREDENTIALS)
            if user.disabled:
                session.commit()
                self.policy.note_sign_in(who, ok=False, detail="account disabled")
                raise AuthenticationRequired("this account is disabled",
                                             hint="ask an administrator to enable it")
            user.failed_attempts = 0
            user.locked_until = None
            user.last_sign_in_at = now
            if rehash:
                user.password_hash = hash_password(password)
            session.commit()
            self.policy.note_sign_in(who, ok=True, detail="password")
            return self.policy.membership.expand(who)

    def _unknown_failure(self, address: str, now: dt.datetime) -> tuple[dt.datetime | None,
                                                                        str]:
        """Count a failure for an address with no account, exactly as an account's are
        counted; (locked until, audit detail)."""
        if self._shared_unknown is not None:
            return self._shared_unknown.failure(address, now)
        with self._unknown_lock:
            failures, until = self._unknown.pop(address, (0, None))
            if until is not None and until > now:
                self._unknown[address] = (failures, until)
                return until, "no such account (locked)"
            failures += 1
            detail = f"no such account ({failures} in a row)"
            until = None
            if failures >= self.login.max_failures:
                until, failures = now + self.login.lockout, 0
                detail += "; locked"
            self._unknown[address] = (failures, until)
            while len(self._unknown) > UNKNOWN_REMEMBERED:
                self._unknown.popitem(last=False)
            return until, detail

    def change_password(self, principal: Principal, current: str, new: str) -> None:
        """A signed-in user changes their own password (current one required)."""
        with self.sessions() as session:
            user = require_user(session, principal.email)
            if not verify_password(user.password_hash, current)[0]:
                self.policy.note_sign_in(principal, ok=False,
                                         detail="password change: wrong current password")
                raise AuthenticationRequired("the current password is not right")
            check_password(new, email=user.email, display_name=user.display_name)
            user.password_hash = hash_password(new)
            user.password_changed_at = self.clock()
            session.commit()
        self.policy.note_sign_in(principal, ok=True, detail="password changed")

    # -- administration ----------------------------------------------------------------
    def create_user(self, actor: Principal, email: str, *, role: str | Role,
                    organisation: str, display_name: str = "", boroughs: Iterable[str] = (),
                    sites: Iterable[str] = (), password: str | None = None,
                    organisation_name: str | None = None,
                    programmes: Iterable[str] = (), icbs: Iterable[str] = ()) -> UserView:
        address = normalise_email(email)
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(address), session=session) as note:
            the_role = role if isinstance(role, Role) else parse_role(role)
            b, s = check_role_scope(the_role, boroughs, sites, programmes, icbs)
            p = check_programmes(session, programmes)
            if password is not None:
                check_password(password, email=address, display_name=display_name)
            org = ensure_organisation(session, organisation, organisation_name)
            user = User(email=address, display_name=display_name.strip()[:200],
                        password_hash=hash_password(password) if password else None,
                        role=the_role.value, organisation=org, failed_attempts=0,
                        disabled=False, created_at=self.clock())
            user.set_boroughs(b)
            user.set_sites(s)
            user.set_programmes(p)
            user.set_icbs(check_icbs(icbs))
            session.add(user)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                raise Conflict(f"an account for {address} already exists",
                               hint="use `vrhub users set-role` to change it") from None
            note.detail = _describe("created", user)
            return user_view(user)

    def list_users(self, actor: Principal) -> list[UserView]:
        with self.policy.audited(actor, Action.ADMIN_USERS, Resource.user(),
                                 detail="listed accounts"), self.sessions() as session:
            return [user_view(u) for u in session.scalars(select(User).order_by(User.email))]

    def get_user(self, actor: Principal, email: str) -> UserView:
        with self.policy.audited(actor, Action.ADMIN_USERS, Resource.user(email),
                                 detail="viewed account"), self.sessions() as session:
            return user_view(require_user(session, email))

    def set_role(self, actor: Principal, email: str, role: str | Role, *,
                 boroughs: Iterable[str] = (), sites: Iterable[str] = (),
                 programmes: Iterable[str] = (), icbs: Iterable[str] = ()) -> UserView:
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email), session=session) as note:
            the_role = role if isinstance(role, Role) else parse_role(role)
            b, s = check_role_scope(the_role, boroughs, sites, programmes, icbs)
            p = check_programmes(session, programmes)
            user = require_user(session, email)
            before = _describe("from", user)
            user.role = the_role.value
            user.set_boroughs(b)
            user.set_sites(s)
            user.set_programmes(p)
            user.set_icbs(check_icbs(icbs))
            note.detail = f"role changed {before} to {_describe('', user).strip()}"
            return user_view(user)

    def set_disabled(self, actor: Principal, email: str, disabled: bool) -> UserView:
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email),
                detail="disabled" if disabled else "enabled", session=session):
            user = require_user(session, email)
            user.disabled = disabled
            return user_view(user)

    def delete_user(self, actor: Principal, email: str) -> str:
        """Delete an account with its tokens, boroughs and sites (its sessions end at their
        next request). The audit trail keeps the events it wrote: they are the record of
        what it did. Returns the deleted address."""
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email), detail="account deleted",
                session=session):
            user = require_user(session, email)
            address = user.email
            session.delete(user)
            return address

    def anonymise_user(self, actor: Principal, email: str) -> UserView:
        """Keep the account's row (so audit events' account id still names one account) but
        remove what identifies the person: e-mail, name, password, single sign-on link,
        boroughs, sites and tokens; the account is disabled."""
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email), detail="account anonymised",
                session=session):
            user = require_user(session, email)
            user.email = f"anonymised-{user.id}@invalid"
            user.display_name = ""
            user.password_hash = None
            user.oidc_issuer = user.oidc_subject = None
            user.disabled = True
            user.set_boroughs([])
            user.set_sites([])
            user.set_programmes([])
            user.set_icbs([])
            user.tokens = []
            return user_view(user)

    def reset_lockout(self, actor: Principal, email: str) -> UserView:
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email), detail="lockout reset",
                session=session):
            user = require_user(session, email)
            user.failed_attempts = 0
            user.locked_until = None
            return user_view(user)

    def set_password(self, actor: Principal, email: str, password: str) -> UserView:
        """An administrator sets a new password (for example a first-use password)."""
        with self.sessions() as session, self.policy.audited(
                actor, Action.ADMIN_USERS, Resource.user(email),
                detail="password set by administrator", session=session):
            user = require_user(session, email)
            check_password(password, email=user.email, display_name=user.display_name)
            user.password_hash = hash_password(password)
            user.password_changed_at = self.clock()
            user.failed_attempts = 0
            user.locked_until = None
            return user_view(user)


def _describe(verb: str, user: User) -> str:
    scope = ""
    if user.boroughs:
        scope = " boroughs " + " ".join(user.boroughs)
    if user.sites:
        scope = " sites " + " ".join(user.sites)
    if user.programmes:
        scope = " programmes " + " ".join(user.programmes)
    if user.icbs:
        scope = " ICBs " + " ".join(user.icbs)
    return f"{verb} {user.role} at {user.organisation.code}{scope}"
