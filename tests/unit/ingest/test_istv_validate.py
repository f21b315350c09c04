"""Record checks: every record read is either accepted or quarantined, never lost."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from vrhub.ingest.istv.readers import RawRecord
from vrhub.ingest.istv.validate import age_band, check_records, clean_text
from vrhub.standards.codelists import default

PERIOD = (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
NOW = dt.datetime(2024, 3, 1)

dates = st.one_of(st.sampled_from(["05/01/2024", "2024-01-06", "7 Jan 2024", "", "13/13/2024",
                                   "01/13/2024", "31/12/2023", "10/03/2024", "tomorrow"]),
                  st.dates(dt.date(2023, 12, 1), dt.date(2024, 3, 31)).map(str))
times = st.sampled_from(["", "00:00", "23:59", "24:00", "25:00", "12:30", "1230", "7pm"])
methods = st.sampled_from(["fist", "knife", "", "Other", "spoon", "unknown", "BOTTLE"])
places = st.sampled_from(["street", "home", "", "pub", "moon", "Not known"])
texts = st.one_of(st.none(), st.text(max_size=40), st.just("=cmd|calc"), st.just("x" * 400))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(dates, times, dates, times, methods, texts, places, texts),
                min_size=0, max_size=25))
def test_every_record_is_accepted_or_quarantined(rows: list[tuple[object, ...]]) -> None:
    records = [
        RawRecord(i + 1, f"line {i + 2}", dict(zip(
            ("arrival_date", "arrival_time", "assault_date", "assault_time", "assault_method",
             "method_other_description", "location_type", "location_description"),
            row, strict=True)))
        for i, row in enumerate(rows)
    ]
    checked = check_records(records, codes=default(), period=PERIOD, received_at=NOW)
    accepted = set(checked.accepted["source_row"])
    quarantined = checked.quarantined_rows
    assert accepted.isdisjoint(quarantined)
    assert accepted | quarantined == {r.row for r in records}
    assert all(len(text) <= 255 for text in checked.accepted["location_description"].dropna())
    for p in checked.problems:
        assert p.reason and p.rule


def test_clean_text() -> None:
    assert clean_text("  outside   tesco ") == ("outside tesco", [])
    assert clean_text("n/a") == (None, [])
    assert clean_text("=1+1") == ("'=1+1", ["formula_neutralised"])
    text, flags = clean_text("y" * 300)
    assert text is not None and len(text) == 255 and flags == ["truncated"]


def test_age_bands() -> None:
    assert age_band("17", exact=True) == "16-17"
    assert age_band(34, exact=True) == "25-34"
    assert age_band("70", exact=True) == "65+"
    assert age_band("18 - 24", exact=False) == "18-24"
    assert age_band("65 and over", exact=False) == "65+"
    assert age_band("teen", exact=False) is None
    assert age_band("-3", exact=True) is None
