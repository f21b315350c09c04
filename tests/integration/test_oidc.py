"""Single sign-on against a local fake OpenID Connect provider: the full authorisation-code
round trip with PKCE, and every way an ID token can be wrong."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from sqlalchemy import select

from vrhub.access.audit import query
from vrhub.access.oidc import PendingLogin, load_providers
from vrhub.access.principal import console_administrator
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.errors import AuthenticationRequired, ConfigError
from vrhub.settings import Settings
from vrhub.storage.appdb.models import User

CLIENT_ID, CLIENT_SECRET = "vrhub-test-client", "s3cret-for-tests-only"
REDIRECT = "http://127.0.0.1:8000/auth/callback/barts"


@dataclass
class FakeProvider:
    """A tiny OpenID provider: discovery, JWKS, an authorise endpoint that signs the user
    straight in, and a token endpoint that checks client, code, redirect and PKCE."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "k1", "use": "sig"}))
    claims: dict[str, Any] = field(default_factory=dict)
    tweak: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c
    sign: Callable[[dict[str, Any], RSAKey], str] | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    base: str = ""

    def serve(self) -> Iterator[FakeProvider]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, {
                        "issuer": provider.base,
                        "authorization_endpoint": provider.base + "/authorize",
                        "token_endpoint": provider.base + "/token",
                        "jwks_uri": provider.base + "/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    })
                elif url.path == "/jwks":
                    self._json(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = q
                    self.send_response(302)
                    self.send_header("Location", q["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": q["state"]}))
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected = "Basic " + base64.b64encode(
                    f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                issued = provider.codes.pop(form.get("code", ""), None)
                if self.headers.get("Authorization") != expected:
                    return self._json(401, {"error": "invalid_client"})
                if issued is None or form.get("redirect_uri") != issued["redirect_uri"]:
                    return self._json(400, {"error": "invalid_grant"})
                challenge = base64.urlsafe_b64encode(hashlib.sha256(
                    form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
                if (issued["code_challenge_method"], issued["code_challenge"]) != (
                        "S256", challenge):
                    return self._json(400, {"error": "invalid_grant",
                                            "error_description": "PKCE verifier"})
                now = int(time.time())
                claims = provider.tweak({
                    "iss": provider.base, "aud": issued["client_id"], "sub": "user-123",
                    "iat": now, "exp": now + 300, "nonce": issued["nonce"],
                    "email": "lead@bartshealth.nhs.uk", "name": "Ed Lead",
                    "roles": ["VRHub.EDLead"], "vrhub_sites": ["R1HNH"], **provider.claims})
                signer = provider.sign or (lambda c, k: jwt.encode(
                    {"alg": "RS256", "kid": "k1"}, c, k))
                self._json(200, {"access_token": "at", "token_type": "Bearer",
                                 "id_token": signer(claims, provider.key)})
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


@pytest.fixture
def provider(signing_key: RSAKey) -> Iterator[FakeProvider]:
    yield from FakeProvider(key=signing_key).serve()


@pytest.fixture
def services(provider: FakeProvider, tmp_path: Path) -> Iterator[AccessServices]:
    config = [{
        "name": "barts", "label": "Barts Health", "issuer": provider.base,
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "organisation": "R1H",
        "roles": {"VRHub.EDLead": "ed_data_lead", "VRHub.BoroughAnalyst": "borough_analyst"},
        "site_claim": "vrhub_sites", "borough_claim": "vrhub_boroughs",
    }]
    settings = Settings.load({"VRHUB_HOME": str(tmp_path),
                              "VRHUB_OIDC_PROVIDERS": json.dumps(config)})
    http = httpx.Client(trust_env=False, timeout=10)
    built = AccessServices.from_settings(settings, http=http)
    yield built
    built.close()
    http.close()


def _round_trip(services: AccessServices, *, mangle: Callable[[PendingLogin], PendingLogin]
                = lambda p: p) -> Any:
    url, pending = services.oidc.begin_login("barts", REDIRECT)
    with httpx.Client(trust_env=False) as browser:
        answer = browser.get(url)
    assert answer.status_code == 302
    callback = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    stored = PendingLogin.from_dict(json.loads(json.dumps(pending.to_dict())))
    return services.oidc.complete_login(mangle(stored), code=callback["code"],
                                        state=callback["state"], client="10.3.3.3")


def test_full_round_trip_creates_a_scoped_account(services: AccessServices) -> None:
    url, pending = services.oidc.begin_login("barts", REDIRECT)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert (params["state"], params["nonce"]) == (pending.state, pending.nonce)
    assert params["code_challenge"] != pending.code_verifier

    who = _round_trip(services)
    assert (who.email, who.role, who.sites, who.organisation, who.boroughs) == (
        "lead@bartshealth.nhs.uk", Role.ED_DATA_LEAD, {"R1HNH"}, "R1H", frozenset())
    with services.sessions() as session:
        user = session.scalar(select(User))
        assert user is not None
        assert user.password_hash is None and user.oidc_subject == "user-123"
    again = _round_trip(services)
    assert again.user_id == who.user_id
    with services.sessions() as session:
        details = [e.detail for e in reversed(query(session, action="sign_in"))]
    assert details == ["sso barts (created)", "sso barts (existing)"]


def test_roles_follow_the_providers_claims(services: AccessServices,
                                           provider: FakeProvider) -> None:
    _round_trip(services)
    provider.claims = {"roles": ["VRHub.BoroughAnalyst"], "vrhub_boroughs": "E09000030"}
    who = _round_trip(services)
    assert (who.role, who.boroughs, who.sites) == (Role.BOROUGH_ANALYST, {"E09000030"},
                                                   frozenset())


def test_an_existing_local_account_is_linked_by_email(services: AccessServices) -> None:
    services.identity.create_user(console_administrator("ops"), "lead@bartshealth.nhs.uk",
                                  role="ed_data_lead", organisation="R1H", sites=["R1HNH"])
    who = _round_trip(services)
    assert who.role is Role.ED_DATA_LEAD
    with services.sessions() as session:
        assert query(session, action="sign_in")[0].detail == "sso barts (linked by email)"


def _refused(services: AccessServices, match: str, **kwargs: Any) -> None:
    with pytest.raises(AuthenticationRequired, match=match):
        _round_trip(services, **kwargs)
    with services.sessions() as session:
        event = query(session, action="sign_in")[0]
        assert event.outcome == "failed" and event.actor_role == "public"
        assert not session.scalar(select(User))


@pytest.mark.parametrize(("tweak", "match"), [
    (lambda c: {**c, "nonce": "replayed"}, "nonce"),
    (lambda c: {**c, "aud": "another-client"}, "aud"),
    (lambda c: {**c, "exp": int(time.time()) - 3600}, "exp|expired"),
    (lambda c: {**c, "iss": "https://evil.example"}, "iss"),
    (lambda c: {k: v for k, v in c.items() if k != "sub"}, "sub"),
    (lambda c: {**c, "aud": [CLIENT_ID, "other"], "azp": "other"}, "azp"),
])
def test_bad_id_tokens_are_refused(services: AccessServices, provider: FakeProvider,
                                   tweak: Callable[[dict[str, Any]], dict[str, Any]],
                                   match: str) -> None:
    provider.tweak = tweak
    _refused(services, match)


def test_tokens_signed_with_another_key_or_algorithm_are_refused(
        services: AccessServices, provider: FakeProvider) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    provider.sign = lambda c, _k: jwt.encode({"alg": "RS256", "kid": "k1"}, c, stranger)
    _refused(services, "not valid")
    secret = OctKey.generate_key(256)
    provider.sign = lambda c, _k: jwt.encode({"alg": "HS256"}, c, secret,
                                             algorithms=["HS256"])
    _refused(services, "not valid")


def test_state_and_pkce_are_checked(services: AccessServices) -> None:
    from dataclasses import replace

    _refused(services, "state differs", mangle=lambda p: replace(p, state="forged"))
    _refused(services, "refused the sign-in code",
             mangle=lambda p: replace(p, code_verifier=p.code_verifier[::-1]))


def test_no_role_no_entry(services: AccessServices, provider: FakeProvider) -> None:
    provider.claims = {"roles": ["SomeOtherApp.User"]}
    _refused(services, "no vrhub role")
    provider.claims = {"roles": ["VRHub.BoroughAnalyst"]}  # but no boroughs
    _refused(services, "usable scope")


def test_disabled_accounts_stay_out(services: AccessServices) -> None:
    _round_trip(services)
    services.identity.set_disabled(console_administrator("ops"), "lead@bartshealth.nhs.uk",
                                   True)
    with pytest.raises(AuthenticationRequired, match="disabled"):
        _round_trip(services)


@pytest.mark.parametrize(("entry", "match"), [
    ({"name": "x"}, "issuer"),
    ({"name": "Bad Name", "issuer": "https://i", "client_id": "c", "organisation": "X"},
     "name"),
    ({"name": "x", "issuer": "https://i", "client_id": "c"}, "names no organisation"),
    ({"name": "x", "issuer": "https://i", "client_id": "c", "organisation": "X",
      "roles": {"a": "superuser"}}, "roles"),
])
def test_provider_settings_are_checked(entry: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        load_providers([entry])
    assert "VRHUB_OIDC_PROVIDERS" in str(info.value)


def test_placeholder_client_secrets_are_refused_in_production() -> None:
    entry = {"name": "x", "issuer": "https://i", "client_id": "c", "organisation": "X",
             "client_secret": "changeme"}
    assert load_providers([entry])  # fine while developing
    with pytest.raises(ConfigError, match="placeholder client_secret"):
        load_providers([entry], production=True)
