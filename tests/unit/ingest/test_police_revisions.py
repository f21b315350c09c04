"""What a police.uk load says about repeated crimes: rows summed per series and the series
they are counted from, and nothing said when nothing repeats or lies outside the area."""

from __future__ import annotations

from pathlib import Path

from tests.street_rows import street_warehouse
from vrhub.ingest.police_revisions import by_series, counting_notes, file_names


def test_repeated_rows_are_summed_per_pair_of_series() -> None:
    rows = [{"series": "burglary_cleaned", "counted_series": "metropolitan-street", "rows": 3},
            {"series": "burglary_cleaned", "counted_series": "metropolitan-street", "rows": 4},
            {"series": "btp-street", "counted_series": "city-of-london-street", "rows": 2}]
    assert by_series(rows) == [
        {"series": "burglary_cleaned", "counted_series": "metropolitan-street", "rows": 7},
        {"series": "btp-street", "counted_series": "city-of-london-street", "rows": 2}]
    assert by_series([]) == []


def test_nothing_is_said_when_nothing_repeats(tmp_path: Path) -> None:
    with street_warehouse(tmp_path / "w.duckdb", "a" * 64, [{}]) as wh:
        assert counting_notes(wh, 0) == []
        # files not recorded in the provenance are named by their ids
        assert file_names(wh, ["a" * 64]) == ["a" * 64]
