"""The server's Prometheus metrics: each defined once here, recorded by the small functions below.

Metric objects live for the process. In multi-process mode (``PROMETHEUS_MULTIPROC_DIR`` set
before prometheus_client is imported; see multiproc.py) their values go to files that every
worker's scrape merges, so gauges say how workers combine (``multiprocess_mode``).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from cairn.server.store.metadata import StoreHooks

REGISTRY = CollectorRegistry(auto_describe=True)
"""Cairn's own metrics (single-process exposition; multi-process reads the files instead)."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "cairn_http_requests",
    "HTTP requests answered, by method, route template and status class (2xx, 4xx ...).",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "cairn_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response body, by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_IN_PROGRESS = Gauge(
    "cairn_http_requests_in_progress",
    "Requests being handled now (all workers).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
INGEST_BATCHES = Counter(
    "cairn_ingest_batches",
    "Ingest batches: applied (new records), duplicate (all already applied), heartbeat (empty), "
    "refused (offset gap, permission, store error).",
    ["outcome"],
    registry=REGISTRY,
)
INGEST_RECORDS = Counter(
    "cairn_ingest_records",
    "Records in ingest batches: applied, skipped (already applied), rejected (invalid).",
    ["outcome"],
    registry=REGISTRY,
)
INGEST_POINTS = Counter(
    "cairn_ingest_points",
    "Metric points stored from applied history and system records.",
    ["kind"],
    registry=REGISTRY,
)
SERIES_CACHE_LOOKUPS = Counter(
    "cairn_series_cache_lookups",
    "Lookups in the computed chart-window cache, by result (hit, miss).",
    ["result"],
    registry=REGISTRY,
)
DB_POOL_CHECKED_OUT = Gauge(
    "cairn_db_pool_checked_out",
    "Database connections in use now (all workers).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
DB_POOL_SIZE = Gauge(
    "cairn_db_pool_size",
    "Database connections each pool keeps (all workers; overflow may add as many again).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
HOUSEKEEPING_RUNS = Counter(
    "cairn_housekeeping_runs",
    "Background job passes: ran (this process held the lease), not_leader, failed.",
    ["job", "outcome"],
    registry=REGISTRY,
)
HOUSEKEEPING_LAST_RUN = Gauge(
    "cairn_housekeeping_last_run_timestamp_seconds",
    "When a background job last ran to completion (Unix time).",
    ["job"],
    multiprocess_mode="max",
    registry=REGISTRY,
)
RUNS_MARKED_CRASHED = Counter(
    "cairn_runs_marked_crashed",
    "Runs marked crashed because their heartbeats stopped.",
    registry=REGISTRY,
)

# Label values that exist from the start, so a dashboard sees 0 rather than no series.
for _outcome in ("applied", "duplicate", "heartbeat", "refused"):
    INGEST_BATCHES.labels(_outcome)
for _outcome in ("applied", "skipped", "rejected"):
    INGEST_RECORDS.labels(_outcome)
for _kind in ("history", "system"):
    INGEST_POINTS.labels(_kind)
for _result in ("hit", "miss"):
    SERIES_CACHE_LOOKUPS.labels(_result)


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    method = method if method in METHODS else "other"
    HTTP_REQUESTS.labels(method, route, f"{status // 100}xx").inc()
    HTTP_SECONDS.labels(method, route).observe(seconds)


def record_cache_lookup(hit: bool) -> None:
    """Count one chart-window cache lookup."""
    SERIES_CACHE_LOOKUPS.labels("hit" if hit else "miss").inc()


def record_housekeeping(job: str, outcome: str, marked_crashed: int = 0) -> None:
    """Count one pass of a background job (``ran``, ``not_leader`` or ``failed``)."""
    HOUSEKEEPING_RUNS.labels(job, outcome).inc()
    if outcome == "ran":
        HOUSEKEEPING_LAST_RUN.labels(job).set(time.time())
    if marked_crashed:
        RUNS_MARKED_CRASHED.inc(marked_crashed)


def store_hooks() -> StoreHooks:
    """The metadata store's callbacks: pool size and use, chart-cache lookups."""
    return StoreHooks(
        pool_size=DB_POOL_SIZE.set,
        connection_checked_out=DB_POOL_CHECKED_OUT.inc,
        connection_checked_in=DB_POOL_CHECKED_OUT.dec,
        series_cache_lookup=record_cache_lookup,
    )
