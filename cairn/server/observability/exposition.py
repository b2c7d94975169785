"""What a scrape of ``/metrics`` answers: the recorded metrics plus values read at scrape time."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping

import prometheus_client
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from cairn.__about__ import __version__
from cairn.server.observability import metrics
from cairn.server.observability.multiproc import multiprocess_dir

log = logging.getLogger("cairn.server.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The classic text format, which every Prometheus version reads."""


class RunStates(Collector):
    """``cairn_runs{state}`` from one GROUP BY query, reused for ``ttl_s`` seconds."""

    def __init__(
        self,
        count: Callable[[], Mapping[str, int]],
        ttl_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._count = count
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._at: float | None = None
        self._counts: dict[str, int] = {}

    def counts(self) -> dict[str, int]:
        """Runs per state, at most ``ttl_s`` old."""
        with self._lock:
            now = self._clock()
            if self._at is None or now - self._at >= self._ttl_s:
                self._counts = dict(self._count())
                self._at = now
            return dict(self._counts)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            counts = self.counts()
        except Exception:
            # The other metrics matter most when the database is in trouble: answer them.
            log.exception("could not count runs by state for /metrics")
            return
        family = GaugeMetricFamily(
            "cairn_runs", "Runs by state (from the database, a few seconds old).", labels=["state"]
        )
        for state in sorted(counts):
            family.add_metric([state], counts[state])
        yield family


class _BuildInfo(Collector):
    def collect(self) -> Iterable[InfoMetricFamily]:
        yield InfoMetricFamily("cairn_build", "The running Cairn.", value={"version": __version__})


class _Together(Collector):
    def __init__(self, parts: list[Collector]) -> None:
        self._parts = parts

    def collect(self) -> Iterable[prometheus_client.Metric]:
        for part in self._parts:
            yield from part.collect()


def render(run_states: RunStates | None) -> bytes:
    """The text exposition of every metric this server (all its workers) has."""
    parts: list[Collector] = []
    path = multiprocess_dir()
    if path is not None:
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=str(path))  # type: ignore[no-untyped-call]
        parts.append(merged)
    else:
        # The default registry holds the process_* and python_* collectors of this process.
        parts += [metrics.REGISTRY, prometheus_client.REGISTRY]
    parts.append(_BuildInfo())
    if run_states is not None:
        parts.append(run_states)
    return generate_latest(_Together(parts))
