"""Named queries over ED submissions, on the dashboard's workspace (a year from three sites,
two months of ZZ901 sent again): the current submission of a month, what each site sent per
month (current only), the newest receipts first; nothing before any submission."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.warehouse_sql import query
from vrhub.storage import istv_submissions as subs
from vrhub.storage.warehouse import Warehouse


@pytest.fixture
def wh(pages_template: Path) -> Iterator[Warehouse]:
    with Warehouse(pages_template / "warehouse.duckdb", read_only=True) as warehouse:
        yield warehouse


def test_a_month_sent_again_counts_once(wh: Warehouse) -> None:
    table = query(wh, "SELECT site_code, period_start, status, rows_accepted, received_at "
                      "FROM istv_submission")
    july = table[(table["site_code"] == "ZZ901")
                 & (table["period_start"].astype(str) == "2025-07-01")]
    assert sorted(july["status"]) == ["current", "superseded"]
    current = july[july["status"] == "current"].iloc[0]
    found = subs.current_for_period(wh, "ZZ901", dt.date(2025, 7, 1), dt.date(2025, 7, 31))
    assert [r["rows_accepted"] for r in found] == [current["rows_accepted"]]
    received = subs.months_received(wh, ["ZZ901", "ZZ903"])
    mine = table[(table["status"] == "current") & table["site_code"].isin(["ZZ901", "ZZ903"])]
    assert len(received) == len(mine) == 24
    row = received[(received["site_code"] == "ZZ901") & (received["month"] == "2025-07")]
    assert row["rows_accepted"].tolist() == [current["rows_accepted"]]
    assert subs.latest_month(wh) == max(mine["period_start"]).strftime("%Y-%m") == "2025-09"
    assert subs.months_received(wh, []).empty
    assert subs.current_for_period(wh, "ZZ901", dt.date(2030, 1, 1), dt.date(2030, 1, 31)) \
        == []


def test_recent_receipts_newest_first_with_the_site_name(wh: Warehouse) -> None:
    names = dict(query(wh, "SELECT site_code, site_name FROM ed_site").values.tolist())
    latest = subs.recent(wh, {"ZZ902", "ZZ903"}, limit=5)
    assert len(latest) == 5
    times = [r["received_at"] for r in latest]
    assert times == sorted(times, reverse=True)
    assert all(r["site_name"] == names[r["site_code"]] for r in latest)
    assert {r["site_code"] for r in latest} <= {"ZZ902", "ZZ903"}
    assert subs.recent(wh, set()) == []


def test_nothing_is_answered_before_any_submission(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty.duckdb") as empty:
        assert subs.latest_month(empty) is None
        assert subs.recent(empty, {"ZZ901"}) == []
        assert subs.months_received(empty, ["ZZ901"]).empty
        assert subs.current_for_period(empty, "ZZ901", dt.date(2025, 7, 1),
                                       dt.date(2025, 7, 31)) == []
        aside = subs.set_aside(empty, "0" * 64, None)
    assert aside.empty and list(aside.columns) == ["row", "column", "value", "problem", "rule"]
