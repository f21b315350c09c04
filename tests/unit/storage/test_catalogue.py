"""The first and last month of ED assaults (:func:`vrhub.storage.catalogue.point_months`),
which every API question on ED data resolves its period from: the months of the current
submissions, asked of the engine once while a read-only warehouse stays open, and asked
again by a writable one (a load may add months)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from vrhub.errors import UserError
from vrhub.standards.istv import ISTV_ASSAULT, ISTV_SUBMISSION
from vrhub.storage import catalogue
from vrhub.storage.queries.istv import ensure_current_view
from vrhub.storage.warehouse import Warehouse


def _submission(sub: str, status: str, months: list[str]) -> tuple[pd.DataFrame,
                                                                    pd.DataFrame]:
    """A submission of one ED site holding an assault in each of ``months``."""
    arrivals = [pd.Timestamp(f"{m}-15 22:00") for m in months]
    assaults = pd.DataFrame({
        "assault_id": [f"{sub}:{i}" for i in range(len(months))], "submission_id": sub,
        "site_code": "RAL01", "source_row": range(len(months)), "arrival_at": arrivals,
        "assault_at": [a - pd.Timedelta(hours=1) for a in arrivals],
        "assault_time_known": True, "assault_method": "body_part",
        "location_type": "street_public", "borough_code": "E09000007",
        "geocode_method": "test", "geocode_confidence": 0.9})
    submission = pd.DataFrame([{
        "submission_id": sub, "site_code": "RAL01", "period_start": dt.date(2023, 1, 1),
        "period_end": dt.date(2024, 12, 31), "received_at": dt.datetime(2025, 1, 5),
        "file_name": f"{sub}.csv", "sha256": sub.ljust(64, "0")[:64], "file_format": "csv",
        "header_source": "names", "codelist_version": "default-1", "status": status,
        "rows_read": len(months), "rows_accepted": len(months), "rows_quarantined": 0,
        "redactions": "{}", "quality_score": 90.0, "receipt": "{}"}])
    return submission, assaults


def _add(wh: Warehouse, sub: str, status: str, months: list[str]) -> None:
    submission, assaults = _submission(sub, status, months)
    wh.insert(ISTV_SUBMISSION, submission)
    wh.insert(ISTV_ASSAULT, assaults)


def test_ed_months_are_asked_once_while_a_read_only_warehouse_stays_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_tables([ISTV_SUBMISSION, ISTV_ASSAULT])
        _add(wh, "a", "current", ["2024-02", "2024-05"])
        _add(wh, "b", "superseded", ["2023-01", "2024-11"])  # not current: not counted
        ensure_current_view(wh)
        assert catalogue.point_months(wh, "istv") == ("2024-02", "2024-05")
        _add(wh, "c", "current", ["2024-07"])  # a writable warehouse asks again
        assert catalogue.point_months(wh, "istv") == ("2024-02", "2024-07")
    asked: list[str] = []
    real_rows = catalogue.rows

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args[1].name)
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(catalogue, "rows", counting)
    with Warehouse(path, read_only=True) as reader:
        for _ in range(3):
            assert catalogue.point_months(reader, "istv") == ("2024-02", "2024-07")
        assert len(asked) == 1
        cursor = reader.cursor()  # a request's cursor shares what its warehouse keeps
        assert catalogue.point_months(cursor, "istv") == ("2024-02", "2024-07")
        assert len(asked) == 1


def test_categories_are_asked_once_while_a_read_only_warehouse_stays_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every question naming a category checks it against the loaded ones: a scan of the
    whole table, so a read-only warehouse (the web app) asks once; a writable one asks
    again (a load may add a category)."""
    from vrhub.storage import series
    from vrhub.storage.engines import DuckDBEngine
    from vrhub.storage.queries import catalogue as catalogue_queries

    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ensure_tables([ISTV_SUBMISSION, ISTV_ASSAULT])
        _add(wh, "a", "current", ["2024-02", "2024-05"])
        ensure_current_view(wh)
        assert catalogue_queries.categories(wh, "istv") == ["body_part"]
        submission, assaults = _submission("c", "current", ["2024-07"])
        assaults["assault_method"] = "knife"
        wh.insert(ISTV_SUBMISSION, submission)
        wh.insert(ISTV_ASSAULT, assaults)
        assert catalogue_queries.categories(wh, "istv") == ["body_part", "knife"]
    asked: list[str] = []  # every named query the engine runs
    real_sql = DuckDBEngine.sql

    def counting(self, query, params):  # type: ignore[no-untyped-def]
        asked.append(query.name)
        return real_sql(self, query, params)

    monkeypatch.setattr(DuckDBEngine, "sql", counting)
    with Warehouse(path, read_only=True) as reader:
        for name in ("KNIFE", "Body_Part "):  # matched whatever the case and spaces
            found = series.monthly_counts(reader, source="istv", level="borough",
                                          categories=[name])
            assert set(found.data["category"]) == {name.strip().lower()}
            assert found.data["count"].sum() == (1 if name == "KNIFE" else 2)
        with pytest.raises(UserError, match=r"(?s)no assault_method called 'stab'.*"
                           r"use one of body_part, knife"):
            series.monthly_counts(reader, source="istv", level="borough", categories=["stab"])
        assert catalogue_queries.categories(reader.cursor(), "istv") == ["body_part", "knife"]
        assert asked.count("catalogue.istv_methods") == 1
