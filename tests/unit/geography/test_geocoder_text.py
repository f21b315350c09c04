"""Normalising location descriptions, and the calibration arithmetic, without a warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.geography.text import (
    core_of,
    extract_postcode,
    is_home,
    normalise_name,
    parse,
    strip_qualifiers,
    tokens,
)
from vrhub.places import calibration as cal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On or near Alexandra Road", "alexandra road"),
        ("ALEXANDRA RD", "alexandra road"),
        ("Alexandra Rd.", "alexandra road"),
        ("St. John's Rd", "saint johns road"),
        ("High St", "high street"),
        ("Upper St Martin's Lane", "upper saint martins lane"),
        ("Elephant & Castle", "elephant castle"),
        ("The Avenue", "avenue"),
        ("On or near Fishersgate (Station)", "fishersgate station"),
        ("On or near Theatre/Concert Hall", "theatre concert hall"),
        ("Brixton stn", "brixton station"),
        ("Acacia Gdns", "acacia gardens"),
        ("Shoreham-By-Sea", "shoreham by sea"),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


@given(st.text(alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "Zs")),
               max_size=40))
@settings(max_examples=200, deadline=None)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


def test_core_drops_only_a_trailing_street_type() -> None:
    assert core_of("alexandra road") == "alexandra"
    assert core_of("high street") == "high"
    assert core_of("broadway") is None
    assert core_of("brixton station") is None


@pytest.mark.parametrize(
    ("text", "postcode"),
    [("outside 12 Acre Lane SW2 5SG", "SW25SG"), ("ec1a1bb", "EC1A1BB"),
     ("near W1A 0AX, Portland Place", "W1A0AX"), ("Acre Lane, SW2", None),
     ("High Street", None)],
)
def test_extract_postcode(text: str, postcode: str | None) -> None:
    assert extract_postcode(text) == postcode


@pytest.mark.parametrize(
    "text", ["home", "Home", "own address", "his flat", "at her house", "patient's home",
             "HOME ADDRESS", "at home", "friend's house", "in his bedroom"])
def test_home_descriptions(text: str) -> None:
    assert is_home(text)


@pytest.mark.parametrize(
    "text", ["Home Park Road", "Homerton High Street", "outside Tesco, Flat Iron Square",
             "Housing estate off Acre Lane", "Alexandra Road", ""])
def test_not_home(text: str) -> None:
    assert not is_home(text)


def test_parse_splits_parts_and_keeps_qualifier_words() -> None:
    parsed = parse("o/s Tesco, Alexandra Rd, Hornsey")
    assert parsed.segments == [["outside", "tesco"], ["alexandra", "road"], ["hornsey"]]
    assert not parsed.home
    assert parsed.intersection is None


@pytest.mark.parametrize(
    ("text", "a", "b"),
    [("junction of High St and Church Rd", ["high", "street"], ["church", "road"]),
     ("jct Acre Lane / Brixton Hill", ["acre", "lane"], ["brixton", "hill"]),
     ("Acre Lane j/w Brixton Hill", ["acre", "lane"], ["brixton", "hill"]),
     ("corner of Coldharbour Lane and Atlantic Road", ["coldharbour", "lane"],
      ["atlantic", "road"])],
)
def test_parse_intersections(text: str, a: list[str], b: list[str]) -> None:
    assert parse(text).intersection == (a, b)


def test_names_with_and_are_not_intersections() -> None:
    assert parse("Elephant and Castle").intersection is None
    assert parse("Theatre/Concert Hall").segments == [["theatre", "concert", "hall"]]


def test_parse_marks_home_and_extracts_postcode() -> None:
    assert parse("own address").home
    parsed = parse("12 Acre Lane SW2 5SG")
    assert parsed.postcode == "SW25SG"
    assert parsed.segments == [["12", "acre", "lane"]]


def test_strip_qualifiers() -> None:
    assert strip_qualifiers(tokens("on or near Acre Lane")) == ["acre", "lane"]
    assert strip_qualifiers(tokens("bus stop opposite Acre Lane")) == ["acre", "lane"]
    # a qualifier that is the whole description stays
    assert strip_qualifiers(["outside"]) == ["outside"]


# -- calibration --------------------------------------------------------------------------
def test_calibration_fit_matches_an_independent_logistic_regression() -> None:
    statsmodels = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(7)
    n = 4000
    x = pd.DataFrame({"logit_share": rng.normal(0, 2, n), "score": rng.uniform(0.7, 1, n)})
    z = -0.5 + 1.3 * x["logit_share"] + 2.0 * x["score"]
    y = rng.random(n) < 1 / (1 + np.exp(-z))
    fitted = cal.fit(x, y, ridge=1e-6, precision=0.0)
    reference = statsmodels.Logit(y.astype(float), statsmodels.add_constant(x)).fit(disp=0)
    assert fitted.intercept == pytest.approx(reference.params["const"], abs=0.02)
    assert fitted.coefficients["logit_share"] == pytest.approx(
        reference.params["logit_share"], abs=0.02)
    assert fitted.coefficients["score"] == pytest.approx(reference.params["score"], abs=0.02)
    assert np.allclose(fitted.predict(x), reference.predict(statsmodels.add_constant(x)),
                       atol=0.01)


def test_conservative_fit_makes_high_confidence_answers_right_often_enough() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    x = pd.DataFrame({"logit_share": rng.normal(1, 2, n)})
    y = rng.random(n) < 1 / (1 + np.exp(-x["logit_share"]))
    fitted = cal.fit(x, y, precision=0.95)
    p = fitted.predict(x)
    assert y[p >= 0.8].mean() >= 0.95
    plain = cal.fit(x, y, precision=0.0)
    assert fitted.intercept <= plain.intercept


def test_calibration_round_trips_through_json() -> None:
    c = cal.Calibration(0.3, {"logit_share": 1.1, "fuzzy": -0.7}, fitted_on="x")
    again = cal.Calibration.from_json(c.to_json())
    assert again == c


def test_shipped_calibration_loads() -> None:
    shipped = cal.default()
    assert shipped.fitted_on != "identity"
    assert set(shipped.coefficients) <= set(cal.FEATURES)
    assert shipped.coefficients["logit_share"] > 0


def test_reliability_table_counts_every_answer_once() -> None:
    conf = np.array([0.05, 0.5, 0.85, 0.95, 1.0, 0.8])
    ok = np.array([False, True, True, True, True, False])
    rows = cal.reliability_table(conf, ok)
    assert sum(r["n"] for r in rows) == len(conf)
    top = rows[-1]
    assert top["band"] == "0.9-1.0" and top["n"] == 2 and top["share_correct"] == 1.0
    band_08 = next(r for r in rows if r["band"] == "0.8-0.9")
    assert band_08["n"] == 2 and band_08["share_correct"] == 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RaeburnClose", "raeburn close"),
        ("StMark's Road", "saint marks road"),
        ("WembleyPark Drive", "wembley park drive"),
        ("McDonalds", "mcdonalds"),
        ("MacDonald Road", "macdonald road"),
    ],
)
def test_words_run_together_in_capitals_are_split(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


def test_a_dash_between_spaces_separates_parts_but_a_hyphen_does_not() -> None:
    parsed = parse("Rosemary Gardens - Whalebone, Barking and Dagenham")
    assert parsed.segments == [["rosemary", "gardens"], ["whalebone"],
                               ["barking", "dagenham"]]
    assert parse("Chester-le-Street").segments == [["chester", "le", "street"]]
