"""The police.uk counts rolled up at load time (vrhub.storage.police_rollup) are the counts
of the street rows, after a first load, after a load that replaces months with a re-saved
download, and after new boundaries; trends and record pages answer the same from them as
from the rows, and a rollup out of step with the rows is not used."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers_geography import install_boundaries
from tests.warehouse_sql import execute, query, scalar
from vrhub.access.scopes import Scope
from vrhub.ingest.boundaries import refresh_places
from vrhub.progress import SILENT
from vrhub.standards.study_area import study_area
from vrhub.storage import police_rollup, records, series
from vrhub.storage.catalogue import point_months
from vrhub.storage.police_counted import counted_rows, in_study_area_sql
from vrhub.storage.warehouse import Warehouse
from vrhub.workspace import Workspace

MONTHS = ("2024-01", "2024-02", "2024-03")
LEVELS = {"lsoa": "lsoa21_code", "ward": "ward_code", "borough": "borough_code"}


@pytest.fixture
def files(shared_data: Path) -> list[Path]:
    police = shared_data / "police-uk"
    city = [police / "city-of-london" / f"{m}-city-of-london-street.csv.gz" for m in MONTHS]
    extract = [police / "metropolitan" / "burglary" / f"{m}_burglary_cleaned.csv.gz"
               for m in MONTHS]
    return city + extract


def rolled_equal_to_rows(w: Warehouse) -> int:
    """Every level's rolled-up counts are the street rows' counts, row for row, and so are
    the rows per force and the crimes outside the study area (returned)."""
    assert police_rollup.fresh(w)
    for level, column in police_rollup.LEVEL_COLUMNS.items():
        expected = query(
            w, f"SELECT {column} AS area_code, borough_code, force, crime_type, month, "
               f"count(*) AS count FROM {counted_rows(w)} t GROUP BY ALL "
               "ORDER BY ALL NULLS LAST")
        got = query(w, f"SELECT * EXCLUDE (level) FROM {police_rollup.COUNTS} "
                       "WHERE level = ? ORDER BY ALL NULLS LAST", [level])
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        assert int(got["count"].sum()) == scalar(w, f"SELECT count(*) FROM {counted_rows(w)} t")
    # every stored row per force, type and month; the crimes outside the study area
    pd.testing.assert_frame_equal(
        query(w, f"SELECT * FROM {police_rollup.FORCE_MONTHS} ORDER BY ALL"),
        query(w, "SELECT force, crime_type, month, count(*) AS rows FROM police_street "
                 "GROUP BY ALL ORDER BY ALL"))
    outside = scalar(w, f"SELECT count(*) FROM {counted_rows(w, study_area=False)} t "
                        f"WHERE NOT coalesce({in_study_area_sql(w)}, false)")
    assert scalar(w, f"SELECT outside FROM {police_rollup.STATE}") == outside
    return outside


def from_rows(monkeypatch: pytest.MonkeyPatch, ask):  # type: ignore[no-untyped-def]
    """``ask()`` answered from the street rows (the rollup taken as out of step)."""
    with monkeypatch.context() as m:
        m.setattr(police_rollup, "fresh", lambda warehouse: False)
        return ask()


def same_answers(w: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    for level in LEVELS:
        for areas in (None, ["E09000001"]):
            def ask(level: str = level, areas: list[str] | None = areas) -> series.MonthlyCounts:
                return series.monthly_counts(w, source="police", level=level, areas=areas)
            rolled, rows = ask(), from_rows(monkeypatch, ask)
            assert len(rolled.data) > 0
            pd.testing.assert_frame_equal(rolled.data, rows.data)
            assert rolled.coverage == rows.coverage
            assert rolled.notes == rows.notes
            assert rolled.area_coverage == rows.area_coverage
            assert rolled.provenance == rows.provenance
    assert point_months(w, "police") == from_rows(monkeypatch,
                                                  lambda: point_months(w, "police"))
    # a force's figures as loaded (every stored row, counted or not)
    for force in ("city-of-london", "metropolitan"):
        counts = police_rollup.force_counts(w, force, "2024-01", "2024-02")
        assert int(counts["n"].sum()) == scalar(
            w, "SELECT count(*) FROM police_street WHERE force = ? AND month <= '2024-02'",
            [force])
        pd.testing.assert_frame_equal(counts, from_rows(
            monkeypatch, lambda force=force: police_rollup.force_counts(
                w, force, "2024-01", "2024-02")))
        for crime_type in counts["crime_type"]:
            trend = police_rollup.force_trend(w, force, crime_type)
            assert len(trend) > 0
            pd.testing.assert_frame_equal(trend, from_rows(
                monkeypatch, lambda force=force, crime_type=crime_type:
                police_rollup.force_trend(w, force, crime_type)))
    everything = Scope(everything=True)
    for filters in (records.Filters(boroughs=["E09000001"]), records.Filters(),
                    records.Filters(categories=["burglary"], month_from="2024-02")):
        total = None
        for offset in (0, 90, 500, 1900, 10_000_000):
            def page(filters: records.Filters = filters, offset: int = offset
                     ) -> tuple[list[dict[str, object]], int]:
                return records.search(w, "police", everything, filters, limit=150,
                                      offset=offset)
            rolled_page, rows_page = page(), from_rows(monkeypatch, page)
            assert rolled_page == rows_page
            total = rolled_page[1]
        assert total and total > 0
        assert records.period(w, "police", filters) == from_rows(
            monkeypatch, lambda filters=filters: records.period(w, "police", filters))


def test_the_rollup_counts_the_rows_after_each_load(run, shared_data: Path, files: list[Path],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    warehouse_path = Workspace(run.home).warehouse_path
    with Warehouse(warehouse_path) as w:
        install_boundaries(w, shared_data)
    code, _, err = run("load", "police", *files[:2], files[3])
    assert code == 0, err
    with Warehouse(warehouse_path) as w:
        assert rolled_equal_to_rows(w) > 0  # some crimes lie outside the study area
        same_answers(w, monkeypatch)
        before = scalar(w, f"SELECT count(*) FROM {counted_rows(w)} t")

    # the January street file downloaded again and saved by a spreadsheet: other bytes,
    # the same month and series, so it replaces the rows loaded before; with it the other
    # files of the quarter
    resaved = tmp_path / "2024-01-city-of-london-street.csv"
    with gzip.open(files[0], "rt", encoding="utf-8") as f:
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
    frame.iloc[:-5].to_csv(resaved, index=False, lineterminator="\r\n")
    code, _, err = run("load", "police", resaved, *files[1:])
    assert code == 0, err
    with Warehouse(warehouse_path) as w:
        rolled_equal_to_rows(w)
        same_answers(w, monkeypatch)
        assert scalar(w, f"SELECT count(*) FROM {counted_rows(w)} t") != before

    # places assigned again (as after new boundaries): the rollup follows
    with Warehouse(warehouse_path) as w:
        execute(w, f'DELETE FROM "{police_rollup.STATE}"')
        assert not police_rollup.fresh(w)
        refresh_places(w, SILENT)
        rolled_equal_to_rows(w)


def test_a_rollup_out_of_step_is_not_read(run, files: list[Path], shared_data: Path):
    warehouse_path = Workspace(run.home).warehouse_path
    with Warehouse(warehouse_path) as w:
        install_boundaries(w, shared_data)
    code, _, err = run("load", "police", files[0])
    assert code == 0, err
    with Warehouse(warehouse_path) as w:
        assert police_rollup.fresh(w)
        # another study area changes which rows count: the rolled-up counts are stale
        w.use_study_area(study_area("E09000001"), record=False)
        assert not police_rollup.fresh(w)
        counts = series.monthly_counts(w, source="police", level="borough")
        assert set(counts.data["area_code"]) == {"E09000001"}
    with Warehouse(warehouse_path) as w:
        # rows written without a load (no refresh) leave the rollup behind too
        execute(w, "DELETE FROM police_uncounted")
        assert not police_rollup.fresh(w)
        police_rollup.refresh(w)
        assert police_rollup.fresh(w)
    with Warehouse(warehouse_path) as w, pytest.MonkeyPatch.context() as m:
        # counts rolled up in another shape (by an older vrhub) are not read either
        m.setattr(police_rollup, "LAYOUT", police_rollup.LAYOUT + 1)
        assert not police_rollup.fresh(w)
        assert len(police_rollup.force_counts(w, "city-of-london", "2024-01", "2024-12")) > 0
