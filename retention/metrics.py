"""The process's Prometheus metrics: defined once here, counted where things happen, scraped at /metrics.

Under `retention serve` every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode) and a scrape of any worker adds them up; without it (tests, a
bare app) they live in this process's default registry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY
from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError

from retention.storage.customers import now_utc
from retention.storage.scores import newest_score_time

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Distinct operation names a process labels before the rest count as `other`: names are the client's
# to choose, and each one is a time series in every scrape.
MAX_OPERATION_NAMES = 200
OTHER = "other"

REQUESTS = Counter(
    "retention_graphql_requests",
    "GraphQL requests by operation name as sent (capped; the rest are `other`) and outcome code.",
    ["operation", "code"],
)
LATENCY = Histogram(
    "retention_graphql_request_seconds",
    "GraphQL request duration, from the first byte read to the answer, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMITED = Counter("retention_rate_limited", "Requests refused because their key was over its limit.")
POOL_IN_USE = Gauge(
    "retention_db_pool_connections_in_use",
    "Database connections checked out of the pools right now.",
    multiprocess_mode="livesum",
)
SERVED_MODEL = Gauge(
    "retention_served_model",
    "1 for the model version each process serves.",
    ["version"],
    multiprocess_mode="liveall",
)
JOB_RUNS = Counter("retention_job_runs", "Finished jobs by kind and outcome.", ["kind", "outcome"])
JOB_ROWS = Counter("retention_job_rows", "Customers a job scored or trained on.", ["kind"])
JOB_SECONDS = Histogram(
    "retention_job_seconds",
    "How long jobs ran, by kind.",
    ["kind"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)

_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str) -> str:
    """`name`, or `other` once this process has labelled MAX_OPERATION_NAMES others."""
    with _names_lock:
        if name in _names:
            return name
        if len(_names) < MAX_OPERATION_NAMES:
            _names.add(name)
            return name
    return OTHER


def count_request(operation: str, code: str, seconds: float) -> None:
    label = operation_label(operation)
    REQUESTS.labels(operation=label, code=code).inc()
    LATENCY.labels(operation=label).observe(seconds)


def serve_model(previous: str | None, current: str) -> None:
    """The served-version gauge follows an activation in this process."""
    if previous is not None:
        SERVED_MODEL.labels(version=previous).set(0)
    SERVED_MODEL.labels(version=current).set(1)


def _process_metrics() -> CollectorRegistry:
    """Every worker's files in multiprocess mode, else this process's own registry."""
    if not os.environ.get(MULTIPROC_VARIABLE):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class _Scraped:
    """A collector over the process metrics: lets one registry add the database-derived ones to them
    (the default registry cannot take a collector per scrape)."""

    def collect(self) -> Iterator[Metric]:
        yield from _process_metrics().collect()


def scrape_registry(engine: Engine) -> CollectorRegistry:
    """What a scrape reads, on the API port and on the keyless listener alike."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scraped())
    registry.register(NewestScoreAge(engine))
    return registry


def process_exited(pid: int) -> None:
    """Drop a stopped worker's live gauges (its counters stay: they were counted)."""
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class NewestScoreAge:
    """A collector: seconds since the newest stored score, read from the database at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "retention_newest_score_age_seconds", "Seconds since the newest customer score was stored."
        )
        try:
            with self._engine.connect() as connection:
                newest = newest_score_time(connection)
        except SQLAlchemyError:
            return  # the database is away: no sample rather than a made-up one (readyz says why)
        if newest is not None:
            family.add_metric([], max(0.0, (now_utc() - newest).total_seconds()))
        yield family


def render(engine: Engine) -> bytes:
    """The exposition text of a scrape."""
    return generate_latest(scrape_registry(engine))


def track_pool(engine: Engine) -> None:
    """Count `engine`'s checked-out connections in POOL_IN_USE."""
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


def start_listener(bind: str, engine: Engine) -> None:
    """Serve the same text as /metrics, with no key, on `bind` ("host:port"), from a daemon thread."""
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host.strip("[]"), registry=scrape_registry(engine))
