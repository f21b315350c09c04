"""Checks on encryption keys given in settings (no cryptography needed to check them)."""

from __future__ import annotations

import base64


def parse_keys(text: str) -> list[str]:
    """Comma-separated keys, newest first."""
    return [k.strip() for k in text.split(",") if k.strip()]


def weakness(key: str) -> str | None:
    """Why ``key`` cannot be a Fernet key for sealing referrals (None when it can)."""
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode())
    except (ValueError, TypeError):
        return "it is not a Fernet key (32 bytes, url-safe base64)"
    if len(raw) != 32:
        return "it is not a Fernet key (32 bytes, url-safe base64)"
    if len(set(raw)) < 16:
        return "it is visibly weak (too few distinct bytes): generate a random one"
    return None
