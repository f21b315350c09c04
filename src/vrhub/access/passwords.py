"""Password hashing (Argon2id) and NCSC-style password rules.

Following the UK National Cyber Security Centre's guidance: a minimum length (12) rather
than composition rules ("one upper case, one symbol"), a generous maximum (256), spaces
and passphrases welcome, and the obvious choices refused: common passwords and stems,
one repeated character or a keyboard run, and anything containing the account's own
email name or display name.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vrhub.access.common_passwords import COMMON
from vrhub.errors import UserError

MIN_LENGTH = 12
MAX_LENGTH = 256
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def hasher() -> PasswordHasher:
    """Argon2id with the library's current recommended parameters (RFC 9106 low-memory)."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). A missing hash (single-sign-on accounts) never matches,
    but still costs one hash so timing does not reveal which accounts have passwords."""
    ph = hasher()
    if not stored_hash:
        ph.hash(password)
        return False, False
    try:
        ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, ph.check_needs_rehash(stored_hash)


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    """Why ``password`` is refused (empty when acceptable). Never echoes the password."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"it has {len(password)} characters; use at least {MIN_LENGTH} "
                        "(three random words make a good passphrase)")
    if len(password) > MAX_LENGTH:
        problems.append(f"it has {len(password)} characters; the most accepted is {MAX_LENGTH}")
    lowered = password.lower()
    squashed = re.sub(r"\s+", "", lowered)
    stem = _EDGES.sub("", squashed)
    if lowered in COMMON or squashed in COMMON or stem in COMMON:
        problems.append("it is a common password that attackers try first")
    elif len(set(squashed)) <= 2:
        problems.append("it repeats one or two characters")
    elif any(_in_run(squashed, run) or (stem and _in_run(stem, run)) for run in _RUNS):
        problems.append("it is a keyboard or number run")
    for part in _personal_parts(email, display_name):
        if part in squashed:
            problems.append("it contains your email address or name")
            break
    return problems


def _in_run(text: str, run: str) -> bool:
    """Whether ``text`` walks along ``run`` (either way, wrapping: 890123 counts)."""
    looped = run * (len(text) // len(run) + 2)
    return text in looped or text in looped[::-1]


def _personal_parts(email: str, display_name: str) -> list[str]:
    local = email.split("@")[0].lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", local) if len(p) >= 4]
    if len(local) >= 4:
        parts.append(re.sub(r"[^a-z0-9]", "", local))
    parts += [p for p in re.split(r"\s+", display_name.lower()) if len(p) >= 4]
    return [p for p in parts if p]


def check_password(password: str, *, email: str = "", display_name: str = "") -> None:
    """Raise a :class:`UserError` explaining every reason ``password`` is refused."""
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise UserError(
            "this password is refused: " + "; ".join(problems),
            hint="choose a long passphrase, for example three or four unrelated words; no "
            "symbols or capitals are required",
        )
