"""The key that signs session cookies and CSRF tokens."""

from __future__ import annotations

import os

from vrhub.secret_strength import new_secret_key
from vrhub.settings import Settings


def session_secret(settings: Settings) -> str:
    """``VRHUB_SECRET_KEY`` when set (required in production, where Settings refuses keys
    that measure as guessable, :mod:`vrhub.secret_strength`); otherwise a random key kept
    in the workspace (mode 0600) so sessions survive restarts of a development server."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.home / ".secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    settings.home.mkdir(parents=True, exist_ok=True)
    key = new_secret_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
