"""The checks of the values settings are given: each value on its own, and the secrets
together in production, with the reason shown against the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from vrhub.errors import ConfigError
from vrhub.secret_strength import new_secret_key
from vrhub.setting_checks import (
    PLACEHOLDER_SECRETS,
    known_study_area,
    memory_size_or_unset,
    providers_from_json,
    proxies_are_addresses,
    proxies_from_text,
    refuse_weak_production_secrets,
)
from vrhub.settings import Settings


def test_providers_are_a_json_list_and_blank_is_none() -> None:
    assert providers_from_json('[{"name": "x"}]') == [{"name": "x"}]
    assert providers_from_json("  ") == []
    assert providers_from_json([{"name": "x"}]) == [{"name": "x"}]
    with pytest.raises(ValueError, match=r"not valid JSON \(.* at character 1\)"):
        providers_from_json("[oops")


def test_invalid_providers_json_is_named_against_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"VRHUB_OIDC_PROVIDERS: .*not valid JSON"):
        Settings.load({"VRHUB_OIDC_PROVIDERS": "{"}, home=tmp_path)


def test_memory_sizes() -> None:
    assert memory_size_or_unset(None) is None
    assert memory_size_or_unset("3GB") == "3GB"
    with pytest.raises(ValueError, match="'lots' is not a memory size"):
        memory_size_or_unset("lots")


def test_study_areas() -> None:
    assert known_study_area(None) is None
    assert known_study_area(" ") == " "
    assert known_study_area("merseyside") == "merseyside"
    with pytest.raises(ValueError) as refused:
        known_study_area("atlantis")
    assert not str(refused.value).startswith("VRHUB_STUDY_AREA")


def test_trusted_proxies_are_comma_separated_addresses(tmp_path: Path) -> None:
    assert proxies_from_text(" 10.0.0.5, ,10.1.0.0/16 ") == ["10.0.0.5", "10.1.0.0/16"]
    assert proxies_are_addresses(["10.0.0.5", "::1"]) == ["10.0.0.5", "::1"]
    with pytest.raises(ValueError, match="'proxy' is not an IP address or network"):
        proxies_are_addresses(["proxy"])
    settings = Settings.load({"VRHUB_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8"},
                             home=tmp_path)
    assert settings.trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]
    with pytest.raises(ConfigError, match=r"VRHUB_TRUSTED_PROXIES: .*'proxy' is not"):
        Settings.load({"VRHUB_TRUSTED_PROXIES": "proxy"}, home=tmp_path)


def test_secrets_are_checked_only_in_production() -> None:
    refuse_weak_production_secrets("development", secret_key=None, metrics_token=None,
                                   referral_keys=SecretStr("changeme"))
    with pytest.raises(ValueError, match="VRHUB_SECRET_KEY must be set in production"):
        refuse_weak_production_secrets("production", secret_key=None, metrics_token=None,
                                       referral_keys=None)
    refuse_weak_production_secrets("production", secret_key=SecretStr(new_secret_key()),
                                   metrics_token=None, referral_keys=None)
    with pytest.raises(ValueError, match="VRHUB_METRICS_TOKEN"):
        refuse_weak_production_secrets("production", secret_key=SecretStr(new_secret_key()),
                                       metrics_token=SecretStr("secret"), referral_keys=None)


@pytest.mark.parametrize("placeholder", sorted(PLACEHOLDER_SECRETS - {""}))
def test_placeholder_referral_keys_are_refused_in_production(placeholder: str) -> None:
    with pytest.raises(ValueError, match="VRHUB_REFERRAL_KEYS holds a key that cannot be "
                       "used in production"):
        refuse_weak_production_secrets(
            "production", secret_key=SecretStr(new_secret_key()), metrics_token=None,
            referral_keys=SecretStr(placeholder))
