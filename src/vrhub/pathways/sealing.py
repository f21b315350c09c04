"""Identity fields of referrals, sealed at rest with Fernet (``cryptography``).

A young person's name, date of birth and contact details, and every free-text note of a
case, are stored only as Fernet tokens (AES-128 in CBC mode with an HMAC-SHA256, a random
IV per token): unreadable without the key, and any change to a token is detected when it
is opened. The key comes from ``VRHUB_REFERRAL_KEYS``: one or more Fernet keys separated
by commas, newest first; tokens are made with the first and opened with any (so a key can
be rotated: add the new one in front, run ``vrhub referrals rekey``, then drop the old).

Outside production, without the setting, a key is generated once and kept in the
workspace (``.referral_key``, readable by its owner only). In production the setting is
required, and a key that is not a Fernet key, or is visibly weak (a repeated or short
pattern), is refused when settings load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from vrhub.errors import ConfigError
from vrhub.privacy.keys import parse_keys, weakness

KEY_FILE = ".referral_key"


class Sealer:
    """Seal and open text and JSON values with the referral keys (newest first)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError("no referral key is configured",
                              hint="set VRHUB_REFERRAL_KEYS (generate a key with "
                              "`vrhub referrals new-key`)")
        for key in keys:
            problem = weakness(key)
            if problem:
                raise ConfigError(f"a referral key in VRHUB_REFERRAL_KEYS cannot be used: "
                                  f"{problem}", hint="generate one with `vrhub referrals "
                                  "new-key`")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ConfigError("a sealed referral field cannot be opened with the referral "
                              "keys (wrong key, or the stored value was changed)",
                              hint="check VRHUB_REFERRAL_KEYS holds the key it was sealed "
                              "with") from None

    def seal_json(self, value: Any) -> str:
        return self.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def open_json(self, token: str) -> Any:
        return json.loads(self.open(token))

    def seal_optional(self, value: str | None) -> str | None:
        return None if value is None or value == "" else self.seal(value)

    def open_optional(self, token: str | None) -> str | None:
        return None if token is None else self.open(token)

    def rotate(self, token: str) -> str:
        """The token re-sealed with the newest key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def workspace_key(home: Path) -> str:
    """The development key kept in the workspace (made on first use, mode 0600)."""
    path = home / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process meanwhile
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def sealer_for(settings: Any) -> Sealer:
    """The sealer of ``settings``: VRHUB_REFERRAL_KEYS, else (outside production) the
    workspace's own key."""
    configured = settings.referral_keys.get_secret_value() if settings.referral_keys else ""
    keys = parse_keys(configured)
    if not keys:
        if settings.environment == "production":
            raise ConfigError("VRHUB_REFERRAL_KEYS must be set in production",
                              hint="generate a key with `vrhub referrals new-key`")
        keys = [workspace_key(settings.home)]
    return Sealer(keys)
