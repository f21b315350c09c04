"""API tokens: their form, their lifetime bounds, their last use recorded to the minute, and
a token that acts with its owner's role as it is now, not as it was when first used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from vrhub.access.principal import console_administrator
from vrhub.access.roles import Role
from vrhub.access.services import AccessServices
from vrhub.access.tokens import MAX_LIFETIME_DAYS, TOKEN_PATTERN, TOUCH_INTERVAL
from vrhub.errors import UserError
from vrhub.settings import Settings

ADMIN = console_administrator("ops")
OWNER = "bo@hackney.gov.uk"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path: Path, clock: Clock,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[AccessServices]:
    monkeypatch.setattr("vrhub.access.passwords.hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    built = AccessServices.from_settings(Settings.load({"VRHUB_HOME": str(tmp_path)}),
                                         clock=clock)
    built.identity.create_user(ADMIN, OWNER, role="borough_analyst", organisation="Hackney",
                               boroughs=["E09000012"])
    yield built
    built.close()


def test_a_token_has_the_published_form_and_a_year_at_most(services: AccessServices,
                                                           clock: Clock) -> None:
    plaintext, view = services.tokens.create(ADMIN, OWNER, "a year",
                                             lifetime_days=MAX_LIFETIME_DAYS)
    match = TOKEN_PATTERN.fullmatch(plaintext)
    assert match is not None and match.group(1) == view.prefix
    assert view.expires_at == clock.now + dt.timedelta(days=365)
    with pytest.raises(UserError, match="token lifetime 366 days is out of range"):
        services.tokens.create(ADMIN, OWNER, "too long", lifetime_days=MAX_LIFETIME_DAYS + 1)
    with pytest.raises(UserError, match="at least one scope"):
        services.tokens.create(ADMIN, OWNER, "none", scopes=[" "])


def test_last_use_is_recorded_to_the_minute(services: AccessServices, clock: Clock) -> None:
    plaintext, _ = services.tokens.create(ADMIN, OWNER, "script")
    first = clock.now
    services.tokens.authenticate(plaintext)

    def last_used() -> dt.datetime | None:
        [view] = services.tokens.list(ADMIN, OWNER)
        return view.last_used_at

    assert last_used() == first
    clock.now = first + TOUCH_INTERVAL - dt.timedelta(seconds=1)
    services.tokens.authenticate(plaintext)
    assert last_used() == first  # within the minute: not written again
    clock.now = first + TOUCH_INTERVAL
    services.tokens.authenticate(plaintext)
    assert last_used() == first + dt.timedelta(minutes=1)


def test_a_token_acts_with_its_owners_role_as_it_is_now(services: AccessServices) -> None:
    plaintext, _ = services.tokens.create(ADMIN, OWNER, "reader",
                                          scopes=["read_records", "read_aggregates"])
    before = services.tokens.authenticate(plaintext)
    assert before.role is Role.BOROUGH_ANALYST and before.boroughs == {"E09000012"}
    assert before.token_scopes == {"read_records", "read_aggregates"}
    services.identity.set_role(ADMIN, OWNER, "pan_london_analyst")
    after = services.tokens.authenticate(plaintext)  # not the principal cached before
    assert after.role is Role.PAN_LONDON_ANALYST
    assert after.token_scopes == {"read_records", "read_aggregates"}  # never widened
