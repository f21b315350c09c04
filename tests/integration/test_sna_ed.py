"""The needs assessment's ED sections on the demo workspace (synthetic London with a year
of ED assaults): the hour-by-day profile and the ED-to-police ratio count every ED record
of the borough, and the public summary controls the small ED counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse_sql import scalar
from vrhub.analytics import disclosure
from vrhub.partnership import sna
from vrhub.standards.months import shift
from vrhub.storage.warehouse import Warehouse


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vrhub.demo import build_demo

    home = tmp_path_factory.mktemp("sna-demo")
    with Warehouse(home / "warehouse.duckdb") as wh:
        build_demo(wh, home)
    return home / "warehouse.duckdb"


def test_when_and_who_count_every_ed_record_of_the_borough(warehouse_path: Path) -> None:
    with Warehouse(warehouse_path, read_only=True) as wh:
        [assessment] = sna.build_all(wh, ["Alderbury"])
        end = assessment.period_to
        expected = int(scalar(
            wh, "SELECT count(*) FROM istv_assault_current WHERE borough_code = ? AND "
                "assault_at IS NOT NULL AND strftime(assault_at, '%Y-%m') BETWEEN ? AND ?",
            [assessment.area_code, shift(end, -11), end]))
        months = int(scalar(
            wh, "SELECT count(DISTINCT strftime(assault_at, '%Y-%m')) FROM istv_assault_current "
                "WHERE strftime(assault_at, '%Y-%m') <= ?", [end]))
    assert expected > 100
    when = assessment.section("when")
    assert when.available and when.reason is None
    grid = when.tables["hour_by_day"]
    assert grid.shape == (24, 8)
    assert grid.drop(columns="hour").to_numpy().sum() == pytest.approx(expected)
    assert isinstance(when.figures["busiest_hour"], int)
    who = assessment.section("who")
    assert who.available and who.figures["ed_assaults"] == expected
    ratio = who.tables["ed_police"]
    assert int(ratio["ed_count"].sum()) <= expected and int(ratio["months"].iloc[0]) <= months
    assert who.figures["ed_to_police_ratio"] == pytest.approx(
        ratio["ed_count"].sum() / ratio["police_count"].sum(), abs=0.001)


def test_the_public_summary_controls_ed_counts_and_drops_times(warehouse_path: Path) -> None:
    with Warehouse(warehouse_path, read_only=True) as wh:
        [public] = sna.build_all(wh, ["Alderbury"], edition="public")
    assert public.edition == "public"
    when = public.section("when")
    assert "hour_by_day" not in when.tables and "busiest_hour" not in when.figures
    who = public.section("who")
    shown = who.figures["ed_assaults"]
    assert isinstance(shown, int) and shown % 5 == 0
    for section in public.sections:
        for name, frame in section.tables.items():
            counts = frame.attrs["vrhub"]["disclosure"]["counts"]
            assert disclosure.scan_frame(frame, name=name, counts=counts) == []
    html = sna.to_html(public)
    assert "Public summary: counts are disclosure-controlled" in html
    assert "<svg" not in html


def test_files_are_written_with_pdfs_made_by_two_processes(warehouse_path: Path,
                                                           tmp_path: Path) -> None:
    with Warehouse(warehouse_path, read_only=True) as wh:
        assessments = sna.build_all(wh, ["Alderbury", "Brackenwood"])
    written = sna.write_files(assessments, tmp_path, ["pdf", "xlsx"], workers=2)
    assert [p.name for p in written] == [
        sna.file_name(a, f) for a in assessments for f in ("pdf", "xlsx")]
    for path in written:
        assert path.read_bytes()[:4] == (b"%PDF" if path.suffix == ".pdf" else b"PK\x03\x04")
    html = sna.to_html(assessments[0])
    assert "Heat map of ED assaults in Alderbury by hour of day" in html
    assert 'class="sna-table sna-screen-only"' in html


def test_without_the_dashboard_knife_crime_is_said_to_be_missing(warehouse_path: Path) -> None:
    with Warehouse(warehouse_path, read_only=True) as wh:
        assert not wh.has_table("mps_dashboard_count")
        [assessment] = sna.build_all(wh, ["Alderbury"])
    trends = assessment.section("trends")
    assert trends.available and "knife_crime_count" not in trends.figures
    assert any("Not in the loaded MPS tables: Sexual offences, Knife crime." in n
               for n in trends.notes)
    assert not any("Monthly Crime Dashboard" in n for n in trends.notes)
