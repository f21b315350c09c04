"""The passwords attackers try first are refused as common, however they are dressed up:
capitals, digits and symbols at the ends, spaces."""

from __future__ import annotations

import pytest

from vrhub.access.common_passwords import COMMON
from vrhub.access.passwords import check_password, password_problems
from vrhub.errors import UserError

COMMON_PROBLEM = "it is a common password that attackers try first"


def test_the_list_is_kept_in_lower_case_and_holds_the_usual_suspects() -> None:
    assert all(entry == entry.lower() for entry in COMMON)
    assert {"password", "qwerty", "letmein", "ilovelondon", "nhs123"} <= COMMON
    assert len(COMMON) > 90


@pytest.mark.parametrize("password", ["correcthorsebatterystaple", "CorrectHorseBatteryStaple",
                                      "correct horse battery staple", "Password2024!",
                                      "!!Arsenal1886", "ILoveLondon"])
def test_a_common_password_in_disguise_is_refused(password: str) -> None:
    assert COMMON_PROBLEM in password_problems(password)
    with pytest.raises(UserError, match="common password"):
        check_password(password)


def test_every_entry_is_refused_as_common_and_with_a_year_and_a_symbol_after_it() -> None:
    for entry in COMMON:
        assert COMMON_PROBLEM in password_problems(entry), entry
        if entry[0].isalpha() and entry[-1].isalpha():  # its own end digits go with the year
            assert COMMON_PROBLEM in password_problems(entry.upper() + "2024!"), entry


def test_a_long_uncommon_passphrase_is_not_called_common() -> None:
    assert password_problems("violet tractor harbour pencil") == []
