"""The identifier guard: NHS numbers (modulus 11), phones, e-mail, dates of birth, names
after titles and home postcodes are redacted; the places where assaults happen are not."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.privacy.identifiers import (
    is_valid_nhs_number,
    merge_counts,
    nhs_check_digit,
    redact,
)


def reference_check_digit(nine: str) -> int | None:
    """Independent statement of the NHS modulus-11 rule (weights 10..2)."""
    total = 0
    for position, digit in enumerate(nine):
        total += int(digit) * (10 - position)
    remainder = total % 11
    check = 11 - remainder
    return {11: 0, 10: None}.get(check, check)


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
separators = st.sampled_from(["", " ", "-", "."])
context_words = st.lists(st.sampled_from(
    ["outside", "tesco", "NHS", "no", "patient", "home", "Mare St", "pt", "nhs no:", "bus stop",
     "near", "the", "park", "E8", "(", ")", ","]), max_size=4).map(" ".join)


def _format(digits: str, sep: str) -> str:
    return f"{digits[:3]}{sep}{digits[3:6]}{sep}{digits[6:]}"


@given(nine=nine_digits)
def test_check_digit_matches_independent_rule(nine: str) -> None:
    assert nhs_check_digit(nine) == reference_check_digit(nine)


@settings(max_examples=300)
@given(nine=nine_digits, sep=separators, before=context_words, after=context_words)
def test_valid_nhs_numbers_are_always_redacted(nine: str, sep: str, before: str,
                                               after: str) -> None:
    check = reference_check_digit(nine)
    if check is None:
        return
    number = _format(nine + str(check), sep)
    text = f"{before} {number} {after}"
    result = redact(text)
    assert result.counts.get("nhs_number", 0) + result.counts.get("phone", 0) >= 1
    assert number not in result.text
    assert nine + str(check) not in re.sub(r"\D", "", result.text)
    if not number.startswith("0"):
        assert result.counts["nhs_number"] == 1


@settings(max_examples=300)
@given(nine=nine_digits, wrong=st.integers(0, 9), sep=separators)
def test_invalid_checksums_are_not_nhs_numbers(nine: str, wrong: int, sep: str) -> None:
    if wrong == reference_check_digit(nine):
        return
    number = _format(nine + str(wrong), sep)
    assert not is_valid_nhs_number(number)
    result = redact(f"ref {number} outside")
    assert result.counts.get("nhs_number", 0) == 0


@pytest.mark.parametrize("text", [
    "pt gave NHS no 943 476 5919 at booking",
    "9434765919",
    "nhs:943-476-5919.",
])
def test_known_valid_nhs_number(text: str) -> None:
    result = redact(text)
    assert result.counts == {"nhs_number": 1}
    assert "5919" not in result.text


@pytest.mark.parametrize("phone", [
    "07700 900123", "07700900123", "+44 7700 900123", "+447700900123", "020 7946 0018",
    "(020) 7946 0018", "0161 496 0000", "0044 20 7946 0018", "01632 960 001",
])
def test_uk_phone_numbers(phone: str) -> None:
    result = redact(f"friend called from {phone} after")
    assert result.counts == {"phone": 1}, result
    assert result.text == "friend called from [phone] after"


def test_email() -> None:
    result = redact("contact jo.bloggs+istv@example.co.uk re incident")
    assert result.text == "contact [email] re incident"
    assert result.counts == {"email": 1}


@pytest.mark.parametrize("text", [
    "DOB 01/02/2003", "dob: 1.2.03", "D.O.B. 2003-02-01", "date of birth 1 Feb 2003",
    "born 1 Feb 2003", "born on 1st February 2003", "Born: 01-02-2003",
])
def test_dates_of_birth(text: str) -> None:
    result = redact(f"outside shop, {text}, stabbed")
    assert result.counts == {"date_of_birth": 1}, result
    assert "2003" not in result.text and "03," not in result.text


def test_other_dates_stay() -> None:
    text = "assaulted 01/02/2024 outside Stratford stn"
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Mr John Smith's flat", "Mr [name]'s flat"),
    ("outside mrs jones house", "outside mrs [name] house"),
    ("Ms. Patel", "Ms. [name]"),
    ("miss wilson at bus stop", "miss [name] at bus stop"),
    ("seen by Dr Okafor", "seen by Dr [name]"),
])
def test_names_after_titles(text: str, expected: str) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.counts == {"name": 1}


def test_dr_after_a_street_name_is_drive() -> None:
    text = "Kings Dr Enfield nr the park"
    assert redact(text).text == text


def test_full_postcode_of_a_home_is_cut_to_its_district() -> None:
    result = redact("lives at 12 Acacia Ave E8 1AA")
    assert result.text == "lives at [number] Acacia Ave E8 [postcode]"
    assert result.counts == {"postcode": 1, "house_number": 1}
    assert redact("E8 1AA", home=True).text == "E8 [postcode]"
    assert redact("his address sw1a1aa").text == "his address SW1A [postcode]"


@pytest.mark.parametrize("text", [
    "outside Liverpool St station EC2M 7PY",  # a public place's postcode is the data
    "street nr E8 park",  # outward code only
    "o/s McDonalds Mare St E8",
    "Kingsland High St nr Dalston Junction",
    "bus 38 stop, Hackney",
    "24 hr shop, 12 Rye Lane SE15",
])
def test_public_locations_are_kept(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.counts == {}


@pytest.mark.parametrize(("text", "home", "expected"), [
    ("flat 3b Hackney", True, "flat [number] Hackney"),
    ("at home, 221B Baker Street", False, "at home, [number] Baker Street"),
    ("home, no 7", False, "home, no [number]"),
    ("12 Rye Lane", False, "12 Rye Lane"),  # not a home: the street number of a shop stays
    ("bus 38 stop", True, "bus 38 stop"),
])
def test_house_numbers_of_a_home(text: str, home: bool, expected: str) -> None:
    assert redact(text, home=home).text == expected


def test_counts_add_up_and_merge() -> None:
    result = redact("Mr Smith 07700 900123 a@b.com DOB 01/02/2003 NHS 9434765919 flat E8 1AA")
    assert result.counts == {"nhs_number": 1, "phone": 1, "email": 1, "date_of_birth": 1,
                             "name": 1, "postcode": 1}
    assert result.total == 6
    assert merge_counts([result.counts, {"phone": 2}])["phone"] == 3


def test_blank_and_none() -> None:
    assert redact(None).text == ""
    assert redact("").counts == {}


def test_long_text_is_fast_and_safe() -> None:
    text = ("A" * 1_000_000) + " 943 476 5919"
    result = redact(text)
    assert result.counts == {"nhs_number": 1}


@pytest.mark.parametrize(("value", "why"), [
    ("JaneDoe", "how a name looks"), ("j.smith", "how a name looks"),
    ("9434765919", "NHS number"), ("943 476 5919", "not a pseudonymous id"),
    ("07700900123", "phone"), ("jo@example.org", "not a pseudonymous id"),
    ("P-0042" * 8, "not a pseudonymous id")])
def test_participant_ids_that_identify_are_refused(value: str, why: str) -> None:
    from vrhub.privacy.identifiers import pseudonym_problem

    problem = pseudonym_problem(value)
    assert problem is not None and why.lower() in problem.lower()


@pytest.mark.parametrize("value", ["P-0042", "YP_17", "cam.2024.003", "A1"])
def test_pseudonymous_ids_pass(value: str) -> None:
    from vrhub.privacy.identifiers import pseudonym_problem

    assert pseudonym_problem(value) is None
