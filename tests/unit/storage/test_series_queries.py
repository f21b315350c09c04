"""The monthly series' questions are named queries (one per source and level), and answer as
the storage functions always did: police.uk crimes once each in the study area, whether the
warehouse lists its repeats or not; filters that select; MPS major categories summed; ED
assaults of current submissions only."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pandas as pd
import pytest

from vrhub.errors import UserError
from vrhub.standards.geography_tables import AREA_LOOKUP
from vrhub.standards.istv import ISTV_ASSAULT, ISTV_SUBMISSION
from vrhub.standards.mps import MPS_CRIME_COUNT
from vrhub.standards.police_uk import POLICE_STREET
from vrhub.standards.series_choices import LEVELS
from vrhub.standards.study_area import study_area
from vrhub.storage import police_counted, police_rollup, series
from vrhub.storage.queries import QUERIES, counted
from vrhub.storage.queries import series as questions
from vrhub.storage.warehouse import Warehouse

CITY, WESTMINSTER, CAMDEN = "E09000001", "E09000033", "E09000007"
WARD_CITY, WARD_WEST, WARD_CAMDEN = "E05009288", "E05013806", "E05013660"


def test_every_source_and_level_has_its_named_questions() -> None:
    for level in LEVELS:
        for name in (f"series.monthly.police.{level}", f"series.monthly.police.{level}.rule",
                     f"series.monthly.police.{level}.unnamed",
                     f"series.monthly.police.{level}.rule.unnamed",
                     f"series.monthly.istv.{level}", f"series.unplaced.police.{level}",
                     f"series.force_months.police.{level}", f"series.assault_times.{level}",
                     f"series.lookup.{level}"):
            assert QUERIES[name] is questions.POINT_QUESTIONS[name]
        assert "$first IS NULL OR" in QUERIES[f"series.monthly.police.{level}"].sql
    assert QUERIES["series.provenance.mps_crime_count.level"].params == {"level": "str"}
    assert ("area_boundary", True) in questions.PROVENANCE
    # no question of the series module is written at run time
    text = inspect.getsource(series)
    for sql in ("SELECT", "warehouse.query", "warehouse.scalar", "WHERE"):
        assert sql not in text, sql


def _police(rows: list[tuple[str, str, str, str, str | None, str | None]]) -> pd.DataFrame:
    """(crime_id, month, series, crime type, ward, borough) -> police_street rows."""
    frame = pd.DataFrame(rows, columns=["crime_id", "month", "series", "crime_type",
                                        "ward_code", "borough_code"])
    frame["force"] = frame["series"].map(lambda s: "city-of-london" if "street" in s
                                         else "metropolitan")
    frame["reported_by"] = frame["force"]
    frame["lsoa21_code"] = None
    frame["row_number"] = range(1, len(frame) + 1)
    frame["crime_id_duplicate"] = False
    return frame


@pytest.fixture
def police(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    wh.use_study_area(study_area(f"{CITY} {WESTMINSTER}"))
    street = _police([
        ("c1", "2024-01", "city-of-london-street", "Burglary", WARD_CITY, CITY),
        ("c2", "2024-01", "city-of-london-street", "Robbery", WARD_CITY, CITY),
        ("c4", "2024-01", "city-of-london-street", "Burglary", WARD_CAMDEN, CAMDEN),
        ("c5", "2024-03", "city-of-london-street", "Burglary", None, None),
    ])
    extract = _police([
        ("c1", "2024-01", "burglary_cleaned", "Burglary", WARD_CITY, CITY),  # a repeat
        ("c6", "2024-02", "burglary_cleaned", "Burglary", WARD_WEST, WESTMINSTER),
    ])
    wh.insert(POLICE_STREET, street, {"file_id": "a" * 64})
    wh.insert(POLICE_STREET, extract, {"file_id": "b" * 64})
    return wh


def _series(frame: pd.DataFrame) -> list[tuple[str, str, str, int]]:
    return [(r.area_code, r.category, r.month, int(r.count)) for r in frame.itertuples()]


def test_police_crimes_count_once_in_the_study_area_listed_or_not(police: Warehouse) -> None:
    with police as wh:
        assert not counted.listed(wh)  # rows written without a police load
        unlisted = series.monthly_counts(wh, source="police", level="ward")
        assert police_counted.refresh(wh) == 1
        listed = series.monthly_counts(wh, source="police", level="ward")
        police_rollup.refresh(wh)  # as a police load does: the counts figures read
        assert police_rollup.fresh(wh)
        rolled = series.monthly_counts(wh, source="police", level="ward")
        rolled_months = series.months_covered(wh, source="police", level="borough")
    expected = [(WARD_CITY, "Burglary", "2024-01", 1), (WARD_CITY, "Robbery", "2024-01", 1),
                (WARD_WEST, "Burglary", "2024-02", 1)]
    assert _series(unlisted.data) == _series(listed.data) == expected
    assert unlisted.data["area_name"].isna().all()  # no lookup: no names
    assert listed.coverage == ["2024-01", "2024-02", "2024-03"]
    assert listed.area_coverage == {WARD_CITY: ["2024-01", "2024-03"],
                                    WARD_WEST: ["2024-01", "2024-02"]}
    assert any(n.startswith("1 police_street row(s) with no ward") for n in listed.notes)
    assert any(n.startswith("1 police.uk crime(s) outside the study area")
               for n in listed.notes)
    assert any(n.startswith("each crime counted once: 1 police.uk row") for n in listed.notes)
    assert not any(n.startswith("each crime counted once") for n in unlisted.notes)
    assert _series(rolled.data) == expected
    assert (rolled.notes, rolled.area_coverage) == (listed.notes, listed.area_coverage)
    assert rolled_months == listed.coverage
    assert [p["table"] for p in listed.provenance] == []  # no provenance rows loaded


def test_police_filters_select_areas_categories_and_months(police: Warehouse) -> None:
    with police as wh:
        wh.ensure_tables([AREA_LOOKUP])
        wh.insert(AREA_LOOKUP, pd.DataFrame({
            "lsoa21_code": ["E01000001", "E01004736"], "lsoa21_name": ["City 001A", "W 1"],
            "ward_code": [WARD_CITY, WARD_WEST], "ward_name": ["Aldersgate", "St James's"],
            "borough_code": [CITY, WESTMINSTER], "borough_name": ["City", "Westminster"],
            "file_id": ["c" * 64] * 2}))
        by_borough = series.monthly_counts(wh, source="police", level="ward",
                                           areas=[WESTMINSTER])
        robbery = series.monthly_counts(wh, source="police", level="borough",
                                        categories=["ROBBERY "])
        later = series.monthly_counts(wh, source="police", level="ward",
                                      period=("2024-02", "2024-02"))
        with pytest.raises(UserError, match="no crime_type called 'Arson' in police_street"):
            series.monthly_counts(wh, source="police", level="ward", categories=["Arson"])
        lookup = series.lsoa_lookup(wh, "ward")
    assert _series(by_borough.data) == [(WARD_WEST, "Burglary", "2024-02", 1)]
    assert by_borough.data["area_name"].tolist() == ["St James's"]
    assert _series(robbery.data) == [(CITY, "Robbery", "2024-01", 1)]
    assert _series(later.data) == [(WARD_WEST, "Burglary", "2024-02", 1)]
    assert sorted(lookup["area_code"]) == [WARD_CITY, WARD_WEST]


def test_mps_major_categories_are_summed_and_pseudo_areas_noted(tmp_path: Path) -> None:
    rows = [("ROBBERY", "Robbery of personal property", WARD_CITY, "2024-01", 3),
            ("ROBBERY", "Robbery of business property", WARD_CITY, "2024-01", 2),
            ("BURGLARY", "Domestic burglary", WARD_CITY, "2024-01", 4),
            ("BURGLARY", "Domestic burglary", WARD_WEST, "2024-02", 6),
            ("BURGLARY", "Domestic burglary", "", "2024-01", 7)]
    frame = pd.DataFrame(rows, columns=["major_category", "minor_category", "area_code",
                                        "month", "count"])
    frame["borough_code"] = frame["area_code"].map({WARD_CITY: CITY, WARD_WEST: WESTMINSTER})
    frame["area_name"] = frame["area_code"]
    frame["borough_name"] = "b"
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        wh.ensure_tables([MPS_CRIME_COUNT])
        wh.insert(MPS_CRIME_COUNT, frame, {"level": "ward", "area_vintage": "ward22",
                                           "file_id": "d" * 64})
        mixed = series.monthly_counts(wh, source="mps", level="ward",
                                      categories=["robbery", "domestic burglary"])
        minors = series.monthly_counts(wh, source="mps", level="ward",
                                       categories=["Domestic burglary"], areas=[WESTMINSTER])
        every = series.monthly_counts(wh, source="mps", level="ward", period=(None, "2024-01"))
    assert _series(mixed.data) == [(WARD_CITY, "Domestic burglary", "2024-01", 4),
                                   (WARD_CITY, "ROBBERY", "2024-01", 5),
                                   (WARD_WEST, "Domestic burglary", "2024-02", 6)]
    assert _series(minors.data) == [(WARD_WEST, "Domestic burglary", "2024-02", 6)]
    assert len(every.data) == 3 and set(every.data["month"]) == {"2024-01"}
    assert mixed.notes[0].startswith("7 MPS offences recorded against pseudo-areas")
    assert mixed.coverage == ["2024-01", "2024-02"]


def test_ed_assaults_all_methods_times_and_age_bands(tmp_path: Path) -> None:
    at = [dt.datetime(2024, 1, 5, 10), dt.datetime(2024, 2, 3), dt.datetime(2024, 2, 9, 22)]
    frame = pd.DataFrame({
        "assault_id": ["s:1", "s:2", "s:3"], "submission_id": "s", "site_code": "RJ122",
        "assault_at": at, "assault_time_known": [True, False, True],
        "assault_method": ["knife", "blunt", "knife"], "location_type": "street",
        "age_band": ["16-17", "25-34", None],
        "ward_code": [WARD_CITY, WARD_WEST, None], "borough_code": [CITY, WESTMINSTER, None]})
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        wh.ensure_tables([ISTV_ASSAULT])
        wh.insert(ISTV_ASSAULT, frame)
        every = series.monthly_counts(wh, source="istv", level="ward")
        knives = series.monthly_counts(wh, source="istv", level="borough", categories=["KNIFE"])
        times, _ = series.istv_assault_times(wh, level="ward", areas=[WESTMINSTER],
                                             period=("2024-02", None))
        young = series.istv_counts_by_age(wh, borough=CITY, bands=["16-17", "18-24"],
                                          period=(None, "2024-01"))
        none_aged = series.istv_counts_by_age(wh, borough="E09000002", bands=["16-17"],
                                              period=(None, None))
    assert _series(every.data) == [(WARD_CITY, series.ALL_ASSAULTS, "2024-01", 1),
                                   (WARD_WEST, series.ALL_ASSAULTS, "2024-02", 1)]
    assert every.notes == ["1 istv_assault row(s) with no ward (not geocoded or outside "
                           "London) are not in area results"]
    assert every.coverage == ["2024-01", "2024-02"]
    assert _series(knives.data) == [(CITY, "knife", "2024-01", 1)]
    assert times["start"].tolist() == [pd.Timestamp("2024-02-03")]
    assert times["end"].tolist() == [pd.Timestamp("2024-02-04")]  # the whole day
    assert young is not None and young.to_dict("records") == [
        {"area_code": WARD_CITY, "count": 1}]
    assert none_aged is None


def test_ed_assaults_of_superseded_submissions_are_not_counted(tmp_path: Path) -> None:
    """A month sent again supersedes the first submission, whose rows are kept: the series
    count the current one's (every row stored when no submissions are recorded)."""
    def assaults(submission: str, when: list[str]) -> pd.DataFrame:
        return pd.DataFrame({
            "assault_id": [f"{submission}:{i}" for i in range(len(when))],
            "submission_id": submission, "site_code": "RJ121",
            "source_row": range(1, len(when) + 1),
            "assault_at": pd.to_datetime(when), "assault_time_known": True,
            "assault_method": "knife", "location_type": "street",
            "ward_code": WARD_CITY, "borough_code": CITY})

    old, new = "istv-00000000000000a1", "istv-00000000000000b2"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ensure_tables([ISTV_ASSAULT])
        wh.insert(ISTV_ASSAULT, assaults(old, ["2024-01-05 22:00", "2024-01-06 01:00",
                                               "2024-02-01 10:00"]))
        wh.insert(ISTV_ASSAULT, assaults(new, ["2024-01-05 22:00", "2024-01-20 23:00"]))
        stored = series.monthly_counts(wh, source="istv", level="borough")
        wh.ensure_tables([ISTV_SUBMISSION])
        received = pd.Timestamp("2024-03-01 09:00")
        wh.insert(ISTV_SUBMISSION, pd.DataFrame({
            "submission_id": [old, new], "site_code": "RJ121",
            "period_start": pd.to_datetime(["2024-01-01", "2024-01-01"]).date,
            "period_end": pd.to_datetime(["2024-02-29", "2024-02-29"]).date,
            "received_at": [received, received + pd.Timedelta(days=1)],
            "file_name": "RJ121.csv", "sha256": ["a" * 64, "b" * 64], "file_format": "csv",
            "header_source": "options", "codelist_version": "test",
            "status": ["superseded", "current"], "rows_read": [3, 2],
            "rows_accepted": [3, 2], "rows_quarantined": 0}))
        current = series.monthly_counts(wh, source="istv", level="ward")
        months = series.months_covered(wh, source="istv", level="ward")
        times = series.istv_assault_times(wh, level="borough")[0]
    assert _series(stored.data) == [(CITY, "all assaults", "2024-01", 4),
                                    (CITY, "all assaults", "2024-02", 1)]
    assert _series(current.data) == [(WARD_CITY, "all assaults", "2024-01", 2)]
    assert months == ["2024-01"]
    assert sorted(times["start"].dt.strftime("%d %H")) == ["05 22", "20 23"]
