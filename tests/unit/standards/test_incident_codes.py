"""The vocabulary of critical-incident response: codes typed as people type them are read,
anything else refused naming the list, and the fund limit and near-repeat default."""

from __future__ import annotations

import pytest

from vrhub.errors import CodeError
from vrhub.standards import incidents


def test_codes_are_read_whatever_the_case_and_spaces() -> None:
    assert incidents.INCIDENT_TYPES.check(" Stabbing ") == "stabbing"
    assert incidents.AGE_BANDS.check("16 17") == "16_17"
    assert incidents.PHASES.check("First 24 Hours") == "first_24_hours"
    assert incidents.AGE_BANDS.label("25_plus") == "25 and over"
    assert incidents.LOCATION_SOURCES.label("postcode") == "A postcode"


def test_an_unknown_code_is_refused_naming_the_codes() -> None:
    with pytest.raises(CodeError) as refused:
        incidents.INCIDENT_TYPES.check("arson")
    assert refused.value.message == ("incident type 'arson' is not one of stabbing, shooting, "
                                     "homicide, other")
    with pytest.raises(CodeError, match="fund decision 'maybe' is not one of approved, "
                                        "declined"):
        incidents.FUND_DECISIONS.check("maybe")


def test_closed_statuses_are_action_statuses_and_the_defaults() -> None:
    assert set(incidents.ACTION_STATUSES.codes) > incidents.CLOSED_ACTION_STATUSES
    assert set(incidents.ACTION_STATUSES.codes) - incidents.CLOSED_ACTION_STATUSES == {
        "to_do", "in_progress"}
    assert [code for code, _ in incidents.INCIDENT_STATUSES] == ["open", "closed"]
    assert incidents.FUND_LIMIT_POUNDS == 5000
    assert (incidents.DEFAULT_WINDOW_DAYS, incidents.DEFAULT_RADIUS_METRES) == (14, 400)
