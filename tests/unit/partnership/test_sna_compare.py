"""What changed since the last edition: numbers with their change and percentage, text,
figures that appear or go, sections that lose or regain their data; written out by hand."""

from __future__ import annotations

from vrhub.partnership.sna_compare import compare

BEFORE = {
    "trends": {"offences": 200, "rate_per_1000": 3.25, "change_pct": 0, "peak_month": "Jul"},
    "where": {"top_ward": "Kentish Town", "hotspots": 4},
    "who": {"victims_under_25": 40},
    "risk": {"imd_decile": None},
}
AFTER = {
    "trends": {"offences": 180, "rate_per_1000": 3.5, "change_pct": 5, "peak_month": "Jul"},
    "where": {"top_ward": "Camden Town", "hotspots": 4, "new_in_2025": 2},
    "risk": {"imd_decile": 3},
}


def test_rows_by_hand() -> None:
    rows = compare(BEFORE, AFTER)
    assert [(r["section"], r["figure"], r["change"], r["kind"]) for r in rows] == [
        ("trends", "offences", "-20 (-10.0%)", "changed"),
        ("trends", "rate_per_1000", "+0.25 (+7.7%)", "changed"),
        ("trends", "change_pct", "+5", "changed"),  # no percentage of zero
        ("where", "top_ward", "changed", "changed"),
        ("where", "new_in_2025", "new", "new"),
        ("who", "victims_under_25", "gone", "gone"),
        ("risk", "imd_decile", "new", "new"),  # a missing value counts as no figure
    ]
    offences = rows[0]
    assert (offences["previous"], offences["current"], offences["difference"],
            offences["percent"]) == (200, 180, -20, -10.0)
    assert rows[1]["difference"] == 0.25 and rows[4]["previous"] is None


def test_unchanged_figures_on_request() -> None:
    rows = compare(BEFORE, AFTER, unchanged=True)
    same = [(r["section"], r["figure"]) for r in rows if r["kind"] == "same"]
    assert same == [("trends", "peak_month"), ("where", "hotspots")]
    assert len(rows) == 9


def test_a_section_that_loses_its_data_is_flagged_first() -> None:
    sections_before = {"who": {"available": True, "reason": None},
                       "risk": {"available": False, "reason": "no IMD loaded"}}
    sections_after = {"who": {"available": False, "reason": "no ED data for Camden"},
                      "risk": {"available": True, "reason": None}}
    rows = compare(BEFORE, AFTER, previous_sections=sections_before,
                   current_sections=sections_after)
    who = [r for r in rows if r["section"] == "who"]
    assert [(r["figure"], r["previous"], r["current"], r["change"]) for r in who] == [
        ("(section)", "available", "not available",
         "no longer available: no ED data for Camden"),
        ("victims_under_25", 40, None, "gone")]
    risk = [r for r in rows if r["section"] == "risk"]
    assert [(r["figure"], r["change"], r["kind"]) for r in risk] == [
        ("(section)", "available again", "available"), ("imd_decile", "new", "new")]


def test_no_difference_no_rows() -> None:
    assert compare(AFTER, AFTER) == []
    assert compare({}, {}) == []
    assert compare({"x": {"n": True}}, {"x": {"n": False}})[0]["change"] == "changed"
