"""Single sign-on with OpenID Connect: one provider per organisation.

Each partner signs in through its own identity provider (Microsoft Entra ID per trust or
council, NHS Care Identity Service 2, ...), configured in ``VRHUB_OIDC_PROVIDERS`` as a
JSON list, for example::

    [{"name": "barts", "label": "Barts Health (NHS.net)",
      "issuer": "https://login.microsoftonline.com/<tenant>/v2.0",
      "client_id": "...", "client_secret": "...",
      "organisation": "R1H",
      "role_claim": "roles",
      "roles": {"VRHub.EDLead": "ed_data_lead", "VRHub.Analyst": "pan_london_analyst"},
      "site_claim": "vrhub_sites"}]

The flow is the authorisation-code flow with PKCE (S256), ``state`` and ``nonce``:
:meth:`OIDC.begin_login` builds the provider URL and a :class:`PendingLogin` the web layer
keeps in the signed session; :meth:`OIDC.complete_login` exchanges the code, validates the
ID token (signature against the provider's JWKS, issuer, audience, expiry, nonce) and maps
its claims to an organisation, a role and boroughs or sites. A claim set that maps to no
role is refused. Accounts are matched by (issuer, subject), then linked by email once.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import BaseModel, Field, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vrhub.access.identity import (
    ORG_CODE,
    check_icbs,
    check_role_scope,
    ensure_organisation,
    principal_for,
)
from vrhub.access.policy import Policy
from vrhub.access.principal import Principal
from vrhub.access.roles import Role
from vrhub.errors import AuthenticationRequired, ConfigError, NetworkError, NotFound
from vrhub.setting_checks import PLACEHOLDER_SECRETS
from vrhub.storage.appdb.base import utc_now
from vrhub.storage.appdb.models import User

LEEWAY_SECONDS = 60


class OIDCProvider(BaseModel):
    """One organisation's OpenID Connect provider and how its claims map to vrhub."""

    model_config = {"extra": "forbid", "frozen": True}

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    label: str = ""
    issuer: str
    metadata_url: str | None = None
    client_id: str
    client_secret: SecretStr | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "PS256", "ES256"])
    email_claim: str = "email"
    name_claim: str = "name"
    organisation: str | None = None
    organisation_claim: str | None = None
    role_claim: str = "roles"
    roles: dict[str, Role] = Field(default_factory=dict)
    borough_claim: str | None = None
    site_claim: str | None = None
    icb_claim: str | None = None
    create_accounts: bool = True
    update_roles: bool = True

    @property
    def discovery_url(self) -> str:
        return self.metadata_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def load_providers(raw: Sequence[dict[str, Any]], *,
                   production: bool = False) -> list[OIDCProvider]:
    """Providers from the ``VRHUB_OIDC_PROVIDERS`` setting, checked. In production a
    placeholder client secret is refused."""
    providers: list[OIDCProvider] = []
    for index, entry in enumerate(raw):
        try:
            providers.append(OIDCProvider.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"VRHUB_OIDC_PROVIDERS entry {index + 1}: {where}: {first['msg']}",
                hint="see docs/explanation/access-and-audit.md for the provider fields",
            ) from None
        secret = providers[-1].client_secret
        if production and secret is not None and (
                secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS):
            raise ConfigError(
                f"VRHUB_OIDC_PROVIDERS entry {index + 1} ({providers[-1].name}) has a "
                "placeholder client_secret", hint="use the secret of the app registration")
        if not (providers[-1].organisation or providers[-1].organisation_claim):
            raise ConfigError(
                f"VRHUB_OIDC_PROVIDERS entry {index + 1} ({providers[-1].name}) names no "
                "organisation", hint="set organisation (a code) or organisation_claim")
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        raise ConfigError("VRHUB_OIDC_PROVIDERS has two providers with the same name",
                          hint="give each provider a unique name")
    return providers


@dataclass(frozen=True)
class PendingLogin:
    """What to keep (in the signed session) between redirecting to the provider and the
    provider's callback. Plain strings, so it serialises as a dict."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingLogin:
        return cls(**{k: str(data[k]) for k in
                      ("provider", "state", "nonce", "code_verifier", "redirect_uri")})


@dataclass(frozen=True)
class MappedIdentity:
    issuer: str
    subject: str
    email: str
    display_name: str
    organisation: str
    role: Role
    boroughs: list[str]
    sites: list[str]
    icbs: tuple[str, ...] = ()


class OIDC:
    """Sign-in through the configured providers."""

    def __init__(self, providers: Sequence[OIDCProvider], sessions: sessionmaker[Session],
                 policy: Policy, *, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.providers = {p.name: p for p in providers}
        self.sessions = sessions
        self.policy = policy
        self._http = http
        self.clock = clock
        self._metadata: dict[str, dict[str, Any]] = {}

    @property
    def http(self) -> httpx.Client:
        """The HTTP client for provider calls, made on first use."""
        if self._http is None:
            self._http = httpx.Client(timeout=10.0, follow_redirects=False)
        return self._http

    def provider(self, name: str) -> OIDCProvider:
        try:
            return self.providers[name]
        except KeyError:
            raise NotFound(f"there is no sign-in provider called {name!r}",
                           hint="choose one of: " + ", ".join(self.providers)) from None

    def metadata(self, provider: OIDCProvider) -> dict[str, Any]:
        if provider.name not in self._metadata:
            document = self._get_json(provider.discovery_url, provider)
            if document.get("issuer") != provider.issuer:
                raise ConfigError(
                    f"sign-in provider {provider.name}: the discovery document's issuer "
                    f"{document.get('issuer')!r} is not the configured {provider.issuer!r}",
                    hint="correct the issuer in VRHUB_OIDC_PROVIDERS")
            self._metadata[provider.name] = document
        return self._metadata[provider.name]

    def _get_json(self, url: str, provider: OIDCProvider) -> dict[str, Any]:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NetworkError(f"could not reach sign-in provider {provider.name} at {url} "
                               f"({type(exc).__name__})",
                               hint="check the provider's issuer URL and network access") from None
        if not isinstance(data, dict):
            raise NetworkError(f"sign-in provider {provider.name} answered {url} with "
                               "something other than a JSON object")
        return data

    # -- the flow ----------------------------------------------------------------------
    def begin_login(self, name: str, redirect_uri: str) -> tuple[str, PendingLogin]:
        """The provider URL to redirect the browser to, and what to keep until the
        callback."""
        provider = self.provider(name)
        meta = self.metadata(provider)
        pending = PendingLogin(provider.name, generate_token(32), generate_token(32),
                               generate_token(64), redirect_uri)
        url = prepare_grant_uri(
            meta["authorization_endpoint"], provider.client_id, "code",
            redirect_uri=redirect_uri, scope=" ".join(provider.scopes), state=pending.state,
            nonce=pending.nonce, code_challenge=create_s256_code_challenge(
                pending.code_verifier), code_challenge_method="S256")
        return url, pending

    def complete_login(self, pending: PendingLogin, *, code: str, state: str,
                       client: str | None = None, channel: str = "web") -> Principal:
        """Validate the callback and return the signed-in principal (one audit event)."""
        provider = self.provider(pending.provider)
        attempt = Principal(email=f"sso:{provider.name}", role=Role.PUBLIC, channel=channel,
                            client=client)
        mapped: MappedIdentity | None = None
        try:
            if not state or not hmac.compare_digest(state, pending.state):
                raise AuthenticationRequired("the sign-in response does not match this "
                                             "browser's sign-in (state differs)",
                                             hint="start signing in again")
            claims = self._exchange(provider, pending, code)
            mapped = self.map_claims(provider, claims)
            return self._sign_in(provider, mapped, client=client, channel=channel)
        except AuthenticationRequired as exc:
            who = attempt if mapped is None else replace(attempt, email=mapped.email)
            self.policy.note_sign_in(who, ok=False,
                                     detail=f"sso {provider.name}: {exc.message}"[:300])
            raise

    def _exchange(self, provider: OIDCProvider, pending: PendingLogin,
                  code: str) -> dict[str, Any]:
        meta = self.metadata(provider)
        secret = provider.client_secret.get_secret_value() if provider.client_secret else None
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": pending.redirect_uri, "code_verifier": pending.code_verifier,
                "client_id": provider.client_id}
        try:
            response = self.http.post(
                meta["token_endpoint"], data=form, headers={"Accept": "application/json"},
                auth=httpx.BasicAuth(provider.client_id, secret) if secret
                else httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise NetworkError(f"could not reach {provider.name}'s token endpoint "
                               f"({type(exc).__name__})") from None
        if response.status_code != 200:
            raise AuthenticationRequired(f"{provider.name} refused the sign-in code "
                                         f"(HTTP {response.status_code})",
                                         hint="start signing in again")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise AuthenticationRequired(f"{provider.name} returned no ID token")
        return self.validate_id_token(provider, id_token, nonce=pending.nonce)

    def validate_id_token(self, provider: OIDCProvider, id_token: str, *,
                          nonce: str) -> dict[str, Any]:
        """The ID token's claims after checking signature, iss, aud, azp, exp, iat, nonce."""
        keys = KeySet.import_key_set(self._get_json(self.metadata(provider)["jwks_uri"],
                                                    provider))  # type: ignore[arg-type]
        try:
            token = jwt.decode(id_token, keys, algorithms=provider.algorithms)
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()), leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": provider.issuer},
                aud={"essential": True, "value": provider.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise AuthenticationRequired(
                f"the ID token from {provider.name} is not valid "
                f"({getattr(exc, 'error', type(exc).__name__)}: "
                f"{getattr(exc, 'description', '') or ''})".replace(": )", ")"),
                hint="start signing in again; if it keeps failing, check the provider "
                "settings") from None
        claims = dict(token.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != provider.client_id:
            raise AuthenticationRequired(f"the ID token from {provider.name} was issued to "
                                         "another client (azp)")
        return claims

    # -- claims to an account ------------------------------------------------------------
    def map_claims(self, provider: OIDCProvider, claims: dict[str, Any]) -> MappedIdentity:
        email = str(claims.get(provider.email_claim) or "").strip().lower()
        if "@" not in email:
            raise AuthenticationRequired(f"{provider.name} sent no email address "
                                         f"(claim {provider.email_claim!r})")
        organisation = provider.organisation or str(
            claims.get(provider.organisation_claim or "") or "")
        if not ORG_CODE.fullmatch(organisation):
            raise AuthenticationRequired(f"{provider.name} sent no usable organisation code "
                                         f"(claim {provider.organisation_claim!r})")
        granted = {provider.roles[v] for v in _strings(claims.get(provider.role_claim))
                   if v in provider.roles}
        if not granted:
            raise AuthenticationRequired(
                "your single sign-on account has no vrhub role",
                hint="ask your organisation's administrator to assign you a vrhub role")
        role = min(granted, key=_ROLE_PRECEDENCE.index)
        boroughs = _strings(claims.get(provider.borough_claim or "")) \
            if role is Role.BOROUGH_ANALYST else []
        sites = _strings(claims.get(provider.site_claim or "")) \
            if role is Role.ED_DATA_LEAD else []
        icbs = _strings(claims.get(provider.icb_claim or "")) \
            if role is Role.ICB_ANALYST else []
        try:
            b, s = check_role_scope(role, boroughs, sites, icbs=icbs)
            i = tuple(check_icbs(icbs))
        except Exception as exc:
            raise AuthenticationRequired(f"the claims from {provider.name} do not give a "
                                         f"usable scope: {exc}") from None
        return MappedIdentity(provider.issuer, str(claims["sub"]), email,
                              str(claims.get(provider.name_claim) or "")[:200], organisation,
                              role, b, s, i)

    def _sign_in(self, provider: OIDCProvider, mapped: MappedIdentity, *,
                 client: str | None, channel: str) -> Principal:
        with self.sessions() as session:
            user = session.scalar(select(User).where(User.oidc_issuer == mapped.issuer,
                                                     User.oidc_subject == mapped.subject))
            linked = "existing"
            if user is None:
                user = session.scalar(select(User).where(User.email == mapped.email))
                if user is not None and user.oidc_subject is None:
                    user.oidc_issuer, user.oidc_subject = mapped.issuer, mapped.subject
                    linked = "linked by email"
                elif user is not None:
                    user = None  # that email belongs to another provider's identity
                    raise AuthenticationRequired(
                        f"{mapped.email} is already linked to another sign-in provider",
                        hint="ask an administrator to check the account")
            if user is None:
                if not provider.create_accounts:
                    raise AuthenticationRequired(
                        f"there is no vrhub account for {mapped.email}",
                        hint="ask an administrator to create one")
                user = User(email=mapped.email, display_name=mapped.display_name,
                            password_hash=None, role=mapped.role.value,
                            organisation=ensure_organisation(session, mapped.organisation),
                            failed_attempts=0, disabled=False, oidc_issuer=mapped.issuer,
                            oidc_subject=mapped.subject, created_at=utc_now())
                session.add(user)
                linked = "created"
            if provider.update_roles or linked == "created":
                user.role = mapped.role.value
                user.organisation = ensure_organisation(session, mapped.organisation)
                user.set_boroughs(mapped.boroughs)
                user.set_sites(mapped.sites)
                user.set_icbs(list(mapped.icbs))
            if user.disabled:
                session.commit()
                raise AuthenticationRequired("this account is disabled",
                                             hint="ask an administrator to enable it")
            user.last_sign_in_at = utc_now()
            session.commit()
            who = principal_for(user, channel=channel, client=client)
        self.policy.note_sign_in(who, ok=True, detail=f"sso {provider.name} ({linked})")
        return self.policy.membership.expand(who)


_ROLE_PRECEDENCE = [Role.ADMINISTRATOR, Role.PAN_LONDON_ANALYST, Role.ICB_ANALYST,
                    Role.BOROUGH_ANALYST,
                    Role.ED_DATA_LEAD, Role.DIRECTORY_CURATOR, Role.TEAM_LEAD,
                    Role.CASE_WORKER, Role.PROVIDER, Role.PUBLIC]


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]
