"""``vrhub secret-key --check`` measures a key read from standard input when
VRHUB_SECRET_KEY is not set, as production would, and prints what it measured."""

from __future__ import annotations

import io
import secrets

import pytest

from tests.conftest import Runner
from vrhub.cli import secret_key
from vrhub.errors import ConfigError
from vrhub.secret_strength import strength


def test_a_key_piped_in_is_measured_and_its_bits_printed(run: Runner,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert secret_key.command.name == "secret-key"
    key = secrets.token_urlsafe(32)
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    code, out, err = run("secret-key", "--check")
    assert code == 0, err
    assert out.strip() == (f"VRHUB_SECRET_KEY measures about {strength(key).bits:.0f} bits: "
                           "production accepts it")


@pytest.mark.parametrize("weak", ["", "short-key", "abcdefghijklmnopqrstuvwxyz0123456789"])
def test_a_weak_key_piped_in_is_refused(run: Runner, monkeypatch: pytest.MonkeyPatch,
                                        weak: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(weak + "\n"))
    code, out, err = run("secret-key", "--check")
    assert code == ConfigError.exit_code
    assert out == "" and "VRHUB_SECRET_KEY" in err and "vrhub secret-key" in err
