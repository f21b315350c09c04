"""Secrets that are secret: production refuses a guessable VRHUB_SECRET_KEY by measuring
it (no list of bad words), `vrhub secret-key` makes a good one, and a cookie forged with a
weak key never works because the app does not start with that key."""

from __future__ import annotations

import base64
import json
import secrets
import zlib
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner

from tests.conftest import Runner
from vrhub.errors import ConfigError
from vrhub.secret_strength import MIN_BITS, strength, weakness
from vrhub.settings import Settings

WEAK = {
    "40 x": "x" * 40,
    "32 zeros": "0" * 32,
    "a word, digits, repeated": "password123password123password123",
    "a word then runs": "password1234567890abcdefghijklmn",
    "a word then counting": "password123456789012345678901234567890",
    "capitalised and punctuated, repeated": "Password123!Password123!Password123!",
    "the alphabet and digits": "abcdefghijklmnopqrstuvwxyz0123456789",
    "two symbols": "0110100110010110" * 2 + "0110",
    "a random third, three times": "Qm7_zR2kLp9x" * 3,
    "a placeholder, repeated": "changemechangemechangemechangeme",
}


@pytest.mark.parametrize("secret", list(WEAK.values()), ids=list(WEAK))
def test_production_refuses_a_guessable_key_and_says_how_to_make_one(
        tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match=r"VRHUB_SECRET_KEY is too easy to guess: it "
                       r"measures about \d+ bits .* production needs at least 112; to fix|"
                       r"generate one with `vrhub secret-key`") as refused:
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                       "VRHUB_SECRET_KEY": secret})
    assert "vrhub secret-key" in str(refused.value)
    assert strength(secret).bits < MIN_BITS


@pytest.mark.parametrize("secret", ["", "changeme", "short-but-random"])
def test_production_refuses_a_missing_or_short_key(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match=r"VRHUB_SECRET_KEY.*vrhub secret-key"):
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                       "VRHUB_SECRET_KEY": secret})


def test_random_keys_are_accepted_every_time(tmp_path: Path) -> None:
    """token_urlsafe(32) (256 bits), token_hex(16) (128 bits) and token_hex(32): 300
    draws each, none refused."""
    for make in (lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16),
                 lambda: secrets.token_hex(32)):
        for _ in range(300):
            key = make()
            assert weakness("VRHUB_SECRET_KEY", key) is None, key
    Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                   "VRHUB_SECRET_KEY": secrets.token_urlsafe(32)})


def test_the_measure_agrees_with_compression() -> None:
    """An independent measure: every refused key that repeats itself compresses (zlib)
    smaller than a random key of the same length (runs such as ``abcd`` are beyond zlib)."""
    for name, secret in WEAK.items():
        if "runs" in name or "alphabet" in name or "counting" in name:
            continue
        random_key = secrets.token_urlsafe(len(secret))[:len(secret)]
        assert (len(zlib.compress(secret.encode(), 9))
                < len(zlib.compress(random_key.encode(), 9))), secret


def test_the_metrics_token_is_measured_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VRHUB_METRICS_TOKEN is too easy to guess"):
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                       "VRHUB_SECRET_KEY": secrets.token_urlsafe(48),
                       "VRHUB_METRICS_TOKEN": "metrics" * 6})


def test_vrhub_secret_key_makes_keys_production_accepts(run: Runner) -> None:
    keys = set()
    for _ in range(3):
        code, out, err = run("secret-key")
        assert code == 0, err
        keys.add(out.strip())
    assert len(keys) == 3
    for key in keys:
        assert len(key) == 64 and strength(key).bits > 300
        code, out, err = run("secret-key", "--check", env={"VRHUB_SECRET_KEY": key})
        assert code == 0 and "production accepts it" in out, err
    code, _, err = run("secret-key", "--check", env={"VRHUB_SECRET_KEY": "x" * 40})
    assert code == ConfigError.exit_code
    assert "too easy to guess" in err and "vrhub secret-key" in err


def test_a_cookie_forged_with_a_weak_key_never_signs_anyone_in(run: Runner,
                                                              tmp_path: Path) -> None:
    """The attack: sign a session cookie with the weak key the server was given. The
    server refuses to start with that key (so nothing ever checks the forged cookie); with
    a good key the forged cookie signs nobody in."""
    weak = "x" * 40
    production = {"VRHUB_ENVIRONMENT": "production", "VRHUB_SECRET_KEY": weak}
    code, _, err = run("serve", env=production)
    assert code == ConfigError.exit_code
    assert "VRHUB_SECRET_KEY is too easy to guess" in err
    with pytest.raises(ConfigError, match=r"VRHUB_SECRET_KEY is too easy to guess"):
        Settings.load({"VRHUB_HOME": str(tmp_path), **production})

    from fastapi.testclient import TestClient

    from vrhub.access.principal import console_administrator
    from vrhub.web.app import SESSION_COOKIE, create_app

    settings = Settings.load({"VRHUB_HOME": str(tmp_path / "home")}, environment="production",
                             secret_key=secrets.token_urlsafe(48))
    app = create_app(settings)
    try:
        app.state.access.identity.create_user(
            console_administrator("tests"), "pan@example.org", role="pan_london_analyst",
            organisation="TEST", password="plum kettle orbit lantern 42")
        signer = TimestampSigner(weak)
        for payload in ({"user": "pan@example.org"}, {"sid": "anything"}):
            forged = signer.sign(base64.b64encode(json.dumps(payload).encode())).decode()
            client = TestClient(app, base_url="https://testserver")
            client.cookies.set(SESSION_COOKIE, forged)
            assert client.get("/account", follow_redirects=False).status_code == 303
    finally:
        app.state.access.close()
