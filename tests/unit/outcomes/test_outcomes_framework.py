"""The outcomes framework as versioned data: the shipped default is the VRU strategy's,
word for word; a bad framework file is refused naming the field and value; reporting
periods agree with pandas' fiscal quarters."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from vrhub.errors import CodeError, InputError, MonthError
from vrhub.outcomes import framework
from vrhub.outcomes.evidence import default_toolkit, parse_toolkit
from vrhub.standards.outcomes import ProgrammeCode, agreement, bands_within
from vrhub.standards.reporting_periods import ReportingPeriod

STRATEGY = (Path(__file__).resolve().parents[3].parent / "shared" / "docs" / "background"
            / "004_4f6bf1ef868b18cb.txt")


@pytest.fixture(scope="module")
def strategy_text() -> str:
    if not STRATEGY.exists():
        pytest.skip("the background documents are not present")
    text = STRATEGY.read_text(encoding="utf-8").replace("**", "")
    return re.sub(r"\s+", " ", text)


def test_default_framework_has_the_strategys_shape() -> None:
    fw = framework.default()
    assert [g.title for g in fw.impact_goals] == [
        "Children and young people feel safer", "Partnership approach to delivering solutions",
        "Violence is stabilised and reduced"]
    assert [a.name for a in fw.priority_areas] == [
        "Children and Young People: Reducing harm",
        "Children and Young People: Positive opportunities", "Families", "Education",
        "Communities and place"]
    assert [len(a.key_interventions) for a in fw.priority_areas] == [6, 5, 5, 4, 4]
    assert [len(a.outcomes) for a in fw.priority_areas] == [6, 5, 4, 5, 4]
    assert [p.title for p in fw.guiding_principles] == [
        "Be informed by learning and listening to communities",
        "We will build and develop relationships", "Advocate for change",
        "Embed equality, diversity and inclusion"]
    assert len(set(fw.outcome_codes)) == 24


def test_every_item_is_worded_as_the_strategy_words_it(strategy_text: str) -> None:
    fw = framework.default()
    texts: list[str] = []
    for goal in fw.impact_goals:
        texts += [goal.title, goal.description]
    for area in fw.priority_areas:
        texts += [area.what_that_means, area.aim, *area.key_interventions,
                  *area.key_policies]
        for outcome in area.outcomes:
            texts.append(outcome.text)
            if outcome.explanation:
                texts.append(outcome.explanation)
    for principle in fw.guiding_principles:
        texts += [principle.title, *principle.commitments]
    missing = [t for t in texts if re.sub(r"\s+", " ", t) not in strategy_text]
    assert not missing, missing


def test_a_bad_framework_names_the_field_and_value() -> None:
    good = framework.default().document
    bad = copy.deepcopy(good)
    bad["priority_areas"][1]["outcomes"][0]["code"] = "CYP-RH-1"  # already used
    with pytest.raises(InputError, match=r"priority_areas\[1\]\.outcomes\[0\]\.code.*"
                       r"'CYP-RH-1'.*used twice"):
        framework.parse(bad, "revised.json")
    bad = copy.deepcopy(good)
    bad["priority_areas"][0]["key_interventions"] = "Hospital-based youth work"
    with pytest.raises(InputError, match=r"key_interventions.*must be a list of texts"):
        framework.parse(bad, "revised.json")
    with pytest.raises(InputError, match="not a JSON document"):
        framework.parse_bytes(b"{not json", "revised.json")
    revised = copy.deepcopy(good)
    revised["version"] = "vru-strategy-2026-1"
    assert framework.parse_bytes(json.dumps(revised).encode(), "x.json").version == \
        "vru-strategy-2026-1"


def test_shipped_toolkit_marks_what_is_unverified() -> None:
    kit = default_toolkit()
    verified = {s.code for s in kit.strands if s.verified}
    assert verified == {"ae-navigators", "sports-programmes"}
    assert all(s.verified_from.startswith("https://youthendowmentfund.org.uk/")
               for s in kit.strands if s.verified)
    bad = copy.deepcopy(kit.to_dict())
    bad["scales"] = {"impact": ["low", "moderate", "high"]}
    bad["strands"][0]["impact"] = "enormous"
    with pytest.raises(InputError, match=r"strands\[0\]\.impact.*'enormous'"):
        parse_toolkit(bad, "yef.json")


@pytest.mark.parametrize(("code", "first", "last"), [
    ("2024-25-Q1", "2024-04", "2024-06"), ("2024-25-Q4", "2025-01", "2025-03"),
    ("Q3 2023/24", "2023-10", "2023-12")])
def test_quarters_are_financial_quarters_as_pandas_counts_them(code: str, first: str,
                                                              last: str) -> None:
    period = ReportingPeriod.parse(code)
    # pandas names a fiscal year ending in March by the year it ends in
    fiscal = pd.Period(year=period.financial_year_start + 1,
                       quarter=period.quarter_number, freq="Q-MAR")
    assert fiscal.start_time.strftime("%Y-%m") == first == str(period.months.first)
    assert fiscal.end_time.strftime("%Y-%m") == last == str(period.months.last)
    assert ReportingPeriod.parse(period.code) == period


def test_reporting_periods_parse_label_and_step() -> None:
    assert ReportingPeriod.parse("2024-25").label == "Financial year 2024/25"
    assert ReportingPeriod.parse("2024-10").label == "October 2024"
    q = ReportingPeriod.parse("2024-25-Q2")
    assert q.label == "Q2 2024/25 (July to September 2024)"
    assert q.due_date(30) == dt.date(2024, 10, 30)
    assert [p.code for p in ReportingPeriod.between("quarter", dt.date(2024, 5, 1),
                                                    dt.date(2025, 4, 2))] == [
        "2024-25-Q1", "2024-25-Q2", "2024-25-Q3", "2024-25-Q4", "2025-26-Q1"]
    assert ReportingPeriod.parse("FY2011-12").code == "FY2011-12"
    with pytest.raises(MonthError, match="'2024-Q5' is not a reporting period"):
        ReportingPeriod.parse("2024-Q5")


def test_vocabulary_value_types() -> None:
    assert ProgrammeCode(" lcpf-cam-01 ") == "LCPF-CAM-01"
    with pytest.raises(CodeError, match="'my programme' is not a programme code"):
        ProgrammeCode("my programme")
    assert bands_within(10, 25) == ("10-13", "14-17", "18-21", "22-25")
    assert [agreement(v) for v in (5, "4", "Strongly disagree", " agree ", 6, "yes",
                                   True)] == [5, 4, 1, 4, None, None, None]
