"""Prometheus metrics of one vrhub process (the web app), through ``prometheus-client``.

Each :class:`Metrics` has its own registry (no process-wide state; two apps in one process,
as in the tests, count apart). Labels are bounded: HTTP method, the route *template*
(``/api/v1/records/{source}``, never a path with values in it), status code, audit outcome,
cache result, load source. Nothing here can carry row data.

=======================================  ==================================================
``vrhub_http_requests_total``            requests answered, by method, route and status
``vrhub_http_request_duration_seconds``  latency histogram, by method and route
``vrhub_audit_events_written_total``     audit events committed by this process, by outcome
``vrhub_response_cache_lookups_total``   answers served from the response cache (hit) or
                                         computed (miss)
``vrhub_upload_refusals_total``          file uploads refused (too large, rejected), by status
``vrhub_warehouse_files``                files in the warehouse, by source and status (read
                                         from the load records at scrape time, so loads by
                                         ``vrhub load`` count too)
``vrhub_warehouse_rows_loaded``          rows loaded and quarantined, by source
``vrhub_warehouse_last_load_timestamp``  when each source was last loaded (Unix time)
``process_*``                            memory, CPU, open files of the process
=======================================  ==================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vrhub.storage.load_status import LoadTotals

#: seconds: from a cached answer (a few ms) to a cold hotspot run
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram
        from prometheus_client.process_collector import ProcessCollector

        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "vrhub_http_requests", "HTTP requests answered, by method, route template and "
            "status code.", ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram(
            "vrhub_http_request_duration_seconds", "Time to answer an HTTP request, by "
            "method and route template.", ["method", "route"], buckets=LATENCY_BUCKETS,
            registry=self.registry)
        self.audit_events = Counter(
            "vrhub_audit_events_written", "Audit events committed by this process, by "
            "outcome.", ["outcome"], registry=self.registry)
        self.cache_lookups = Counter(
            "vrhub_response_cache_lookups", "Aggregate answers served from the response "
            "cache (hit) or computed (miss).", ["result"], registry=self.registry)
        self.upload_refusals = Counter(
            "vrhub_upload_refusals", "File uploads refused, by status code (413: too large; "
            "4xx: rejected).", ["status"], registry=self.registry)
        for outcome in ("allowed", "denied", "success", "failed"):
            self.audit_events.labels(outcome)
        for result in ("hit", "miss"):
            self.cache_lookups.labels(result)
        self._load_totals: Callable[[], Iterable[LoadTotals]] | None = None
        self.registry.register(_WarehouseCollector(self))

    # -- hooks the services call ---------------------------------------------------------
    def audit_written(self, outcome: str) -> None:
        self.audit_events.labels(outcome).inc()

    def cache_lookup(self, hit: bool) -> None:
        self.cache_lookups.labels("hit" if hit else "miss").inc()

    def upload_refused(self, status: int) -> None:
        self.upload_refusals.labels(str(status)).inc()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def read_loads_with(self, totals: Callable[[], Iterable[LoadTotals]]) -> None:
        """Where the warehouse figures come from at scrape time."""
        self._load_totals = totals

    # -- exposition ------------------------------------------------------------------------
    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _WarehouseCollector:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Any]:
        return []  # collected on demand only: never at registration

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        read = self.metrics._load_totals
        if read is None:
            return
        files = GaugeMetricFamily("vrhub_warehouse_files", "Files recorded in the "
                                  "warehouse, by source and status.", labels=["source", "status"])
        rows = GaugeMetricFamily("vrhub_warehouse_rows", "Rows of the files in the "
                                 "warehouse, by source and fate (loaded or quarantined).",
                                 labels=["source", "fate"])
        last = GaugeMetricFamily("vrhub_warehouse_last_load_timestamp_seconds", "When each "
                                 "source was last loaded (Unix time).", labels=["source"])
        latest: dict[str, float] = {}
        loaded: dict[str, list[int]] = {}
        for total in read():
            files.add_metric([total.source, total.status], total.files)
            if total.status != "replaced":
                sums = loaded.setdefault(total.source, [0, 0])
                sums[0] += total.rows_loaded
                sums[1] += total.rows_quarantined
            if total.last_loaded is not None:
                latest[total.source] = max(latest.get(total.source, 0.0), total.last_loaded)
        for source, (ok, quarantined) in sorted(loaded.items()):
            rows.add_metric([source, "loaded"], ok)
            rows.add_metric([source, "quarantined"], quarantined)
        for source, when in sorted(latest.items()):
            last.add_metric([source], when)
        yield from (files, rows, last)
