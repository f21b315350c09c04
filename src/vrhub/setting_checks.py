"""The checks of the values settings are given.

Each check takes a value as the environment gives it (text) or as a caller passes it, and
returns it in the form :class:`vrhub.settings.Settings` keeps, or raises ``ValueError``
saying what is wrong; :meth:`vrhub.settings.Settings.load` shows that reason against the
variable (``VRHUB_TRUSTED_PROXIES: ...``). :func:`refuse_weak_production_secrets` checks
the secrets together once every setting is read.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from pydantic import SecretStr

from vrhub.errors import ConfigError
from vrhub.privacy.keys import parse_keys, weakness
from vrhub.secret_strength import GENERATE
from vrhub.secret_strength import weakness as secret_weakness
from vrhub.standards import memory_size
from vrhub.standards.study_area import study_area

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "placeholder", "dev", "development"}
)


def providers_from_json(value: Any) -> Any:
    """``VRHUB_OIDC_PROVIDERS`` as text is a JSON list (blank: none)."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else []
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    return value


def memory_size_or_unset(value: str | None) -> str | None:
    """A memory size DuckDB takes (``3GB``, ``512MB``), or None."""
    if value is not None and not re.fullmatch(memory_size.PATTERN, value):
        raise ValueError(f"{value!r} is not a memory size: give a number and a unit, "
                         "e.g. 3GB or 512MB")
    return value


def known_study_area(value: str | None) -> str | None:
    """A named violence-reduction area or district codes :func:`study_area` knows; blank
    or None is no choice."""
    if value and value.strip():
        try:
            study_area(value)
        except ConfigError as exc:
            raise ValueError(f"{exc.message.removeprefix('VRHUB_STUDY_AREA: ')}; "
                             f"{exc.hint}") from None
    return value


def proxies_from_text(value: Any) -> Any:
    """``VRHUB_TRUSTED_PROXIES`` as text is a comma-separated list."""
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    return value


def proxies_are_addresses(value: list[str]) -> list[str]:
    """Every trusted proxy is an IP address or network."""
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                f"{item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
            ) from None
    return value


def refuse_weak_production_secrets(
    environment: str, *, secret_key: SecretStr | None, metrics_token: SecretStr | None,
    referral_keys: SecretStr | None,
) -> None:
    """In production: the referral keys, when given, are neither placeholders nor weak;
    the session key is set; it and the metrics token, when given, are hard to guess."""
    if environment != "production":
        return
    if referral_keys is not None:
        for key in parse_keys(referral_keys.get_secret_value()):
            if key.lower() in PLACEHOLDER_SECRETS or weakness(key):
                raise ValueError(
                    "VRHUB_REFERRAL_KEYS holds a key that cannot be used in production "
                    f"({weakness(key) or 'a placeholder'}); generate one with "
                    "`vrhub referrals new-key`")
    if secret_key is None:
        raise ValueError(f"VRHUB_SECRET_KEY must be set in production; {GENERATE}")
    for name, value in (("VRHUB_SECRET_KEY", secret_key),
                        ("VRHUB_METRICS_TOKEN", metrics_token)):
        problem = value is not None and secret_weakness(name, value.get_secret_value())
        if problem:
            raise ValueError(f"{problem}; {GENERATE}")
