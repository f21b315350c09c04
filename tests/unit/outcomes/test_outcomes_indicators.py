"""Indicators: the shipped set parses, expressions are safe and evaluated right, the
status follows the direction, and return figures roll up to periods by hand."""

from __future__ import annotations

import pytest

from vrhub.errors import InputError
from vrhub.outcomes import indicators
from vrhub.outcomes.indicator_results import compute
from vrhub.outcomes.indicators import Expression, status


def test_the_shipped_set_names_its_framework_and_every_hub_measure() -> None:
    found = indicators.default()
    assert found.framework == "vru-strategy-2025-1"
    hub = {i.code: i for i in found.of_source("hub")}
    assert {"HUB-ED-ASSAULT", "HUB-ED-ASSAULT-U25", "HUB-ED-KNIFE", "HUB-VWI",
            "HUB-HOMICIDE", "HUB-KNIFE-CRIME", "HUB-ED-POLICE-RATIO"} <= set(hub)
    assert (hub["HUB-ED-KNIFE"].unit, hub["HUB-VWI"].unit) == ("per 100,000", "per 1,000")
    assert all(i.caveats for i in hub.values())


def test_the_shipped_set_counts_knife_crime_from_the_monthly_crime_dashboard() -> None:
    found = indicators.default()
    # a changed text is a new version: results name the version they were computed under
    assert found.version == "vru-indicators-2025-2"
    knife = {i.code: i for i in found.of_source("hub")}["HUB-KNIFE-CRIME"]
    assert knife.numerator.elements == ("mps_knife_crime",)
    assert "MPS Monthly Crime Dashboard" in knife.definition
    assert "vrhub load mps-dashboard" in knife.definition
    assert not any("no knife-crime category" in c for c in knife.caveats)
    assert any("never add it" in c for c in knife.caveats)


def test_expressions() -> None:
    e = Expression.parse("(young_people_completed + 2) / young_people_new * 10", "x")
    assert e.elements == ("young_people_completed", "young_people_new")
    assert e.evaluate({"young_people_completed": 8, "young_people_new": 5}) == 20.0
    assert e.evaluate({"young_people_completed": 8}) is None  # a missing element
    assert Expression.parse("a / b", "x").evaluate({"a": 1, "b": 0}) is None
    with pytest.raises(InputError, match="uses Call, which an indicator expression may not"):
        Expression.parse("__import__('os').system('x')", "x")
    with pytest.raises(InputError, match="'Young' is not a data element name"):
        Expression.parse("Young + 1", "x")


@pytest.mark.parametrize(("value", "target", "direction", "expected"), [
    (61, 60, "higher", "on track"), (59.9, 60, "higher", "off track"),
    (10, 12, "lower", "on track"), (12.5, 12, "lower", "off track"),
    (5, None, "higher", "no target"), (None, 60, "higher", "no data"),
])
def test_status(value: float | None, target: float | None, direction: str,
                expected: str) -> None:
    assert status(value, target, direction) == expected


def test_a_bad_indicator_file_names_the_field() -> None:
    document = {"indicators": [{"code": "X-1", "name": "x", "numerator": "a",
                                "multiplier": 7, "direction": "higher",
                                "period_type": "quarter", "source": "return"}]}
    with pytest.raises(InputError, match=r"is not a multiplier"):
        indicators.parse(document, "mine.json")


def test_return_figures_roll_up_by_period() -> None:
    completion = indicators.default().get("RET-COMPLETION")  # completed / new x 100, >= 60
    rows = [
        # a quarterly programme, Q1 and Q2
        ("A", "2024-25-Q1", "young_people_new", "total", "", 20.0),
        ("A", "2024-25-Q1", "young_people_completed", "total", "", 10.0),
        ("A", "2024-25-Q2", "young_people_new", "total", "", 10.0),
        ("A", "2024-25-Q2", "young_people_completed", "total", "", 9.0),
        # a monthly programme: its three months add to Q2
        ("B", "2024-07", "young_people_new", "total", "", 4.0),
        ("B", "2024-08", "young_people_new", "total", "", 6.0),
        ("B", "2024-09", "young_people_completed", "total", "", 5.0),
        # a yearly return cannot be split into quarters
        ("C", "2024-25", "young_people_new", "total", "", 50.0),
    ]
    result = compute(completion, rows)
    assert [(p.period, p.numerator, p.denominator) for p in result.series] == [
        ("2024-25-Q1", 10.0, 20.0), ("2024-25-Q2", 14.0, 20.0)]
    assert [p.value for p in result.series] == [50.0, 70.0]
    assert [p.status for p in result.series] == ["off track", "on track"]
    assert result.notes == ["1 figure(s) of returns covering more than a quarter are not "
                            "counted"]


def test_disaggregation_of_the_latest_period() -> None:
    reached = indicators.default().get("RET-YP-REACHED")
    rows = [("A", "2024-25-Q1", "young_people_reached", "total", "", 30.0),
            ("A", "2024-25-Q1", "young_people_reached", "sex", "female", 18.0),
            ("B", "2024-25-Q1", "young_people_reached", "sex", "female", 2.0),
            ("A", "2024-25-Q1", "young_people_reached", "sex", "male", 12.0)]
    result = compute(reached, rows)
    assert result.latest is not None and result.latest.value == 30.0
    assert [(c["category"], c["value"]) for c in result.breakdowns["sex"]] == [
        ("female", 20.0), ("male", 12.0)]
