"""The process's metrics as Prometheus scrapes them: requests by route template, audit and
cache counters, and the warehouse figures read from the load records at scrape time
(replaced files counted as files, not as rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from prometheus_client.parser import text_string_to_metric_families

from vrhub.metrics import Metrics
from vrhub.standards.provenance import PROVENANCE
from vrhub.storage.load_status import LoadTotals, load_totals
from vrhub.storage.warehouse import Warehouse


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text.decode())
            for s in family.samples}


def test_requests_audit_and_cache_are_counted_by_their_labels() -> None:
    metrics = Metrics()
    metrics.observe_request("GET", "/api/v1/records/{source}", 200, 0.02)
    metrics.observe_request("GET", "/api/v1/records/{source}", 200, 3.0)
    metrics.observe_request("POST", "/sign-in", 303, 0.2)
    metrics.audit_written("denied")
    metrics.cache_lookup(True)
    metrics.cache_lookup(False)
    metrics.cache_lookup(True)
    metrics.upload_refused(413)
    found = samples(metrics)
    route = (("method", "GET"), ("route", "/api/v1/records/{source}"))
    assert found[("vrhub_http_requests_total", (*route, ("status", "200")))] == 2
    assert found[("vrhub_http_request_duration_seconds_count", route)] == 2
    assert found[("vrhub_http_request_duration_seconds_sum", route)] == 3.02
    assert found[("vrhub_http_request_duration_seconds_bucket", (("le", "0.025"), *route))] \
        == 1
    assert found[("vrhub_audit_events_written_total", (("outcome", "denied"),))] == 1
    assert found[("vrhub_audit_events_written_total", (("outcome", "allowed"),))] == 0
    assert found[("vrhub_response_cache_lookups_total", (("result", "hit"),))] == 2
    assert found[("vrhub_upload_refusals_total", (("status", "413"),))] == 1
    # two apps in one process count apart
    assert samples(Metrics())[("vrhub_response_cache_lookups_total",
                               (("result", "hit"),))] == 0


def provenance_row(source: str, status: str, loaded: int, quarantined: int,
                   at: dt.datetime, n: int) -> dict[str, object]:
    return {"file_id": f"{n:064x}", "source": source, "file_name": f"f{n}.csv",
            "sha256": f"{n:064x}", "partition": "p", "rows_read": loaded + quarantined,
            "rows_loaded": loaded, "rows_quarantined": quarantined, "status": status,
            "loaded_at": at, "vrhub_version": "test"}


def test_warehouse_figures_are_read_from_the_load_records_at_scrape_time(
        tmp_path: Path) -> None:
    jan, feb = dt.datetime(2024, 1, 10, 12, 0), dt.datetime(2024, 2, 10, 12, 0)
    rows = [provenance_row("police_street", "loaded", 100, 2, jan, 1),
            provenance_row("police_street", "loaded", 50, 0, feb, 2),
            provenance_row("police_street", "replaced", 90, 9, jan, 3),
            provenance_row("imd", "loaded", 10, 1, jan, 4)]
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        metrics = Metrics()
        metrics.read_loads_with(lambda: load_totals(warehouse))
        assert load_totals(warehouse) == []  # no load records yet
        assert not any(name.startswith("vrhub_warehouse") for name, _ in samples(metrics))
        warehouse.ensure_tables([PROVENANCE])
        frame = pd.DataFrame(rows)
        warehouse.insert(PROVENANCE, frame[[c for c in frame.columns
                                            if c in PROVENANCE.column_names]])
        assert load_totals(warehouse) == [
            LoadTotals("imd", "loaded", 1, 10, 1, jan.replace(tzinfo=dt.UTC).timestamp()),
            LoadTotals("police_street", "loaded", 2, 150, 2,
                       feb.replace(tzinfo=dt.UTC).timestamp()),
            LoadTotals("police_street", "replaced", 1, 90, 9,
                       jan.replace(tzinfo=dt.UTC).timestamp())]
        found = samples(metrics)
    police = ("source", "police_street")
    assert found[("vrhub_warehouse_files", (police, ("status", "loaded")))] == 2
    assert found[("vrhub_warehouse_files", (police, ("status", "replaced")))] == 1
    assert found[("vrhub_warehouse_rows", (("fate", "loaded"), police))] == 150
    assert found[("vrhub_warehouse_rows", (("fate", "quarantined"), police))] == 2
    assert found[("vrhub_warehouse_last_load_timestamp_seconds", (police,))] == \
        dt.datetime(2024, 2, 10, 12, 0, tzinfo=dt.UTC).timestamp()
