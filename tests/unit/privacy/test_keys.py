"""Keys for sealing referrals: a list, newest first, each a random 32-byte Fernet key; a
key of the wrong size or form, or visibly not random, is said to be so."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.fernet import Fernet

from vrhub.privacy.keys import parse_keys, weakness


def test_keys_are_read_newest_first_without_blanks() -> None:
    assert parse_keys(" new , old,, ") == ["new", "old"]
    assert parse_keys("") == []


def test_a_generated_key_is_accepted() -> None:
    for _ in range(5):
        assert weakness(Fernet.generate_key().decode()) is None
    assert weakness(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n") is None


@pytest.mark.parametrize(("key", "why"), [
    (base64.urlsafe_b64encode(bytes(range(16))).decode(), "not a Fernet key"),
    (base64.urlsafe_b64encode(bytes(range(48))).decode(), "not a Fernet key"),
    ("change-me-to-a-real-key", "not a Fernet key"),
    (base64.urlsafe_b64encode(b"\x00" * 32).decode(), "visibly weak"),
    (base64.urlsafe_b64encode(bytes(range(8)) * 4).decode(), "visibly weak"),
])
def test_a_key_that_cannot_seal_safely_is_named(key: str, why: str) -> None:
    assert why in (weakness(key) or "")


def test_fifteen_distinct_bytes_are_too_few_and_sixteen_enough() -> None:
    assert weakness(base64.urlsafe_b64encode(bytes(range(15)) * 2 + b"\x00\x01").decode())
    assert weakness(base64.urlsafe_b64encode(bytes(range(16)) * 2).decode()) is None
