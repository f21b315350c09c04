"""The MPS Monthly Crime Dashboard loader (knife crime): the real file is loaded whole and
a borough's counts equal a pandas sum over the CSV; a malformed row is quarantined with its
file, row, column, value and reason; a file without a needed column is refused; loading
the same file again changes nothing and a newer download replaces the older one."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse_sql import query, scalar
from vrhub.errors import InputError
from vrhub.ingest import mps_dashboard
from vrhub.ingest.inputs import discover
from vrhub.ingest.report import LoadReport
from vrhub.ingest.sources import all_sources, get_source
from vrhub.progress import Recording
from vrhub.storage.queries import mps_dashboard as dashboard_queries
from vrhub.storage.warehouse import Warehouse

HEADER = ("month_year,area_type,borough_snt,area_name,area_code,crime_type,crime_subtype,"
          "measure,financial_year,fy_fyindex,count,refresh_date,sheet\n")
ROW = ("{month},Borough,Hackney,Hackney,{code},Knife Crime,Knife Crime,Offences,fy24-25,"
       "24-25_01,{count},2026-03-18,MPS_MonthlyCrimeDashboard_Other\n")


def load(wh: Warehouse, *paths: Path) -> LoadReport:
    source = get_source("mps-dashboard")
    return source.load(wh, discover(paths, source.patterns), Recording())


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def write(path: Path, text: str) -> Path:
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    return path


def test_the_source_is_listed_for_vrhub_load() -> None:
    source = all_sources()[mps_dashboard.SOURCE]
    assert "knife crime" in source.description.lower()
    assert source.patterns[0] == "*monthly-crime-dashboard*.csv"


def test_malformed_rows_are_quarantined_with_their_reason(wh: Warehouse,
                                                          tmp_path: Path) -> None:
    rows = [ROW.format(month="2024-04-01", code="E09000012", count=7),
            ROW.format(month="2024-13-01", code="E09000012", count=3),       # row 2: month
            ROW.format(month="2024-05-01", code="E09000012", count="n/a"),   # row 3: count
            ROW.format(month="2024-06-01", code="E05009336", count=2),       # row 4: code
            ROW.format(month="2024-04-01", code="E09000012", count=9),       # row 5: repeat
            ROW.format(month="2024-07-01", code="", count=1)]                # pseudo-area
    path = write(tmp_path / "monthly-crime-dashboard.csv.gz", HEADER + "".join(rows))
    report = load(wh, path)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 2, 4)
    assert report.quarantined_by_rule() == {"month_year:month": 1, "count:number": 1,
                                            "area_code:borough": 1, "row:duplicate": 1}
    bad = query(wh, "SELECT file_name, row_number, column_name, value, reason FROM quarantine "
                    "WHERE column_name <> 'month' ORDER BY row_number")  # month: its source
    assert bad["row_number"].tolist() == [2, 3, 4, 5]
    assert bad["column_name"].tolist() == ["month_year", "count", "area_code", "crime_subtype"]
    assert bad["value"].tolist()[:3] == ["2024-13-01", "n/a", "E05009336"]
    assert set(bad["file_name"]) == {"monthly-crime-dashboard.csv.gz"}
    assert "YYYY-MM-01" in bad["reason"].iloc[0] and "earlier row" in bad["reason"].iloc[3]
    stored = query(wh, "SELECT month, coalesce(area_code, 'blank') AS area_code, count "
                       "FROM mps_dashboard_count ORDER BY month")
    assert stored.to_dict("records") == [
        {"month": "2024-04", "area_code": "E09000012", "count": 7},
        {"month": "2024-07", "area_code": "blank", "count": 1}]
    found = dashboard_queries.borough_monthly_counts(
        wh, crime_type="KNIFE CRIME", crime_subtype="knife crime", measure="offences")
    assert found.data[["area_code", "month", "count"]].to_dict("records") == [
        {"area_code": "E09000012", "month": "2024-04", "count": 7}]  # pseudo-area left out
    assert found.coverage == ["2024-04", "2024-07"]  # months the series is published


def test_a_file_without_the_count_column_is_refused(wh: Warehouse, tmp_path: Path) -> None:
    path = write(tmp_path / "monthly-crime-dashboard.csv.gz",
                 HEADER.replace(",count,", ",value,") + ROW.format(
                     month="2024-04-01", code="E09000012", count=1))
    with pytest.raises(InputError, match="no column 'count'"):
        load(wh, path)
    assert not wh.has_table("mps_dashboard_count") or wh.count("mps_dashboard_count") == 0


def test_a_newer_download_replaces_the_older(wh: Warehouse, tmp_path: Path) -> None:
    older = write(tmp_path / "monthly-crime-dashboard.csv.gz",
                  HEADER + ROW.format(month="2024-04-01", code="E09000012", count=5))
    load(wh, older)
    assert [f.status for f in load(wh, older).files] == ["unchanged"]
    newer = write(tmp_path / "monthly-crime-dashboard-2.csv.gz",
                  HEADER + ROW.format(month="2024-04-01", code="E09000012", count=6)
                  + ROW.format(month="2024-05-01", code="E09000012", count=4))
    report = load(wh, newer)
    assert report.files[0].rows_loaded == 2
    assert query(wh, "SELECT month, count FROM mps_dashboard_count ORDER BY month")[
        "count"].tolist() == [6, 4]
    statuses = query(wh, "SELECT file_name, status FROM provenance "
                         "WHERE source = 'mps-dashboard' ORDER BY file_name")
    assert dict(zip(statuses["file_name"], statuses["status"], strict=True)) == {
        "monthly-crime-dashboard.csv.gz": "replaced",
        "monthly-crime-dashboard-2.csv.gz": "loaded"}


def test_the_real_dashboard_loads_every_row_and_sums_as_the_csv(shared_data: Path,
                                                                 wh: Warehouse) -> None:
    path = shared_data / "london-datastore" / "mps-recorded-crime" / \
        "monthly-crime-dashboard.csv.gz"
    report = load(wh, path)
    csv = pd.read_csv(path, dtype={"area_code": str})
    assert report.rows_read == len(csv) == 55635
    assert report.rows_loaded + report.rows_quarantined == report.rows_read
    assert report.rows_loaded == wh.count("mps_dashboard_count")
    assert report.rows_quarantined == 0  # the published file has no malformed row
    assert scalar(wh, "SELECT sum(count) FROM mps_dashboard_count") == int(csv["count"].sum())
    chosen = csv[(csv["area_type"] == "Borough") & (csv["area_code"] == "E09000012")
                 & (csv["crime_type"] == "Knife Crime") & (csv["crime_subtype"] == "Knife Crime")
                 & (csv["measure"] == "Offences")
                 & csv["month_year"].between("2024-01-01", "2024-12-01")]
    found = dashboard_queries.borough_monthly_counts(
        wh, crime_type="Knife Crime", crime_subtype="Knife Crime", measure="Offences",
        period=("2024-01", "2024-12"))
    hackney = found.data[found.data["area_code"] == "E09000012"]
    assert int(hackney["count"].sum()) == int(chosen["count"].sum()) > 100
    assert len(hackney) == 12 and found.coverage[0] == "2022-03"
    assert set(found.data["area_code"].str[:3]) == {"E09"}
    assert [f.status for f in load(wh, path).files] == ["unchanged"]
    assert report.rows_loaded == wh.count("mps_dashboard_count")
