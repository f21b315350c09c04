"""Password hashing and NCSC-style password rules."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from vrhub.access import passwords
from vrhub.access.passwords import check_password, password_problems
from vrhub.errors import UserError


def test_hashes_are_argon2id_and_verify() -> None:
    stored = passwords.hash_password("tangerine bicycle orchestra")
    assert stored.startswith("$argon2id$")
    assert "tangerine" not in stored
    assert passwords.verify_password(stored, "tangerine bicycle orchestra") == (True, False)
    assert passwords.verify_password(stored, "tangerine bicycle orchestr") == (False, False)
    assert passwords.verify_password("not-a-hash", "x") == (False, False)
    assert passwords.verify_password(None, "anything at all") == (False, False)


def test_old_parameters_are_flagged_for_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("grape kettle moon")
    assert passwords.verify_password(weak, "grape kettle moon") == (True, True)


@pytest.mark.parametrize("good", [
    "correct horse staple",          # passphrase with spaces
    "marmalade-otter-viaduct",
    "aaaaBBBBccccDDDD1",             # no composition rules, just length and sense
    "ünïcödé bleu paon",
    "x" * 3 + "quiet library" + "7",
    "p" + "q" * 2 + "r" * 3 + " long enough" * 20,  # long is fine (240 chars)
])
def test_accepted(good: str) -> None:
    assert password_problems(good, email="ann.smith@hackney.gov.uk",
                             display_name="Ann Smith") == []


@pytest.mark.parametrize(("bad", "reason"), [
    ("short pass", "use at least 12"),
    ("password1234", "common password"),
    ("Password2024!", "common password"),
    ("Password20245!", "common password"),
    ("qwertyuiop123", "common password"),
    ("iloveyou!!!!!!", "common password"),
    ("111111111111", "repeats"),
    ("abababababab", "repeats"),
    ("123456789012", "run"),
    ("987654321098", "run"),
    ("abcdefghijklmn", "run"),
    ("asdfghjkl!!!!", "common password"),
    ("lkjhgfdsalkjh", "run"),
    ("ann.smith-rocks-hard", "your email address or name"),
    ("hackney smithsonian", "your email address or name"),
    ("x" * 257, "the most accepted is 256"),
])
def test_refused(bad: str, reason: str) -> None:
    problems = password_problems(bad, email="ann.smith@hackney.gov.uk",
                                 display_name="Ann Smithsonian")
    assert any(reason in p for p in problems), problems


def test_refusal_explains_without_echoing_the_password() -> None:
    with pytest.raises(UserError, match=r"this password is refused: it has 7 characters") as info:
        check_password("letmein", email="bob@nhs.net")
    message = str(info.value)
    assert "letmein" not in message
    assert "7 characters" in message and "passphrase" in message
