"""Build a logged table's columnar copy in the background, right after its value is ingested.

The first query of a large table otherwise pays for parsing its JSON and building the Arrow
cache file (seconds for a million rows). The ingest route hands each ``table-file`` or
``joined-table`` value it applied to :meth:`TablePrebuilder.submit` after the ingest
transaction committed; one worker thread builds the cache file the query path would build
(through the same :class:`~cairn.server.tables.cache.TableCache`, so a query arriving during the
build waits for it instead of building twice).

The queue is bounded: when it is full a value is dropped with a log line (its first query builds
it then, as without this worker). A build that fails (the file not uploaded yet, a malformed
table) is logged and dropped: the query reports the problem to whoever asks. Nothing here runs
on the event loop or delays an ingest response.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

from cairn.errors import CairnError
from cairn.server.auth.principal import Principal
from cairn.server.context import ServerContext
from cairn.server.tables.cache import TableCache
from cairn.server.tables.service import TABLE_TYPES, load_run_table
from cairn.wire.batch import Batch

log = logging.getLogger("cairn.server.tables")


@dataclass(frozen=True, slots=True)
class PrebuildJob:
    """One logged table value to build: who wrote it, where, and under which key and step."""

    who: Principal
    entity: str
    project: str
    run_id: str
    key: str
    step: int


def table_jobs(batch: Batch, who: Principal) -> list[PrebuildJob]:
    """The table values in a batch's ``values`` records (raw records; malformed ones skipped:
    the ingest already rejected them)."""
    jobs = []
    for record in batch.records:
        if not (isinstance(record, list | tuple) and len(record) == 2 and record[0] == "values"):
            continue
        body = record[1]
        if not isinstance(body, dict):
            continue
        step, values = body.get("step"), body.get("values")
        if not isinstance(step, int) or not isinstance(values, dict):
            continue
        for key, value in values.items():
            if isinstance(value, dict) and value.get("_type") in TABLE_TYPES:
                jobs.append(
                    PrebuildJob(who, batch.entity, batch.project, batch.run_id, str(key), step)
                )
    return jobs


class TablePrebuilder:
    """One daemon thread fed by a bounded queue; :meth:`stop` drains nothing and joins it."""

    def __init__(self, ctx: ServerContext, cache: TableCache, max_queued: int) -> None:
        self._ctx = ctx
        self._cache = cache
        self._queue: queue.Queue[PrebuildJob | None] = queue.Queue(maxsize=max(1, max_queued))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="cairn-table-prebuild", daemon=True)
        self.built = 0
        """How many values this worker built or found built (a statistic)."""
        self.dropped = 0
        """How many values were dropped because the queue was full."""

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def submit(self, jobs: list[PrebuildJob]) -> None:
        """Queue ``jobs`` without blocking; drop (and log) what does not fit."""
        for job in jobs:
            if self._stopping.is_set():
                return
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                self.dropped += 1
                log.info(
                    "table prebuild queue full: %s/%s/%s %r step %d is built on first read",
                    job.entity, job.project, job.run_id, job.key, job.step,
                )  # fmt: skip

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the build in progress (queued jobs are abandoned) and join the thread."""
        self._stopping.set()
        while True:  # make room for the wake-up so stop never blocks on a full queue
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None or self._stopping.is_set():
                return
            try:
                self._build(job)
                self.built += 1
            except CairnError as exc:
                log.info("table prebuild of %r skipped: %s", job.key, exc)
            except Exception:
                log.exception("table prebuild of %r failed", job.key)

    def _build(self, job: PrebuildJob) -> Any:
        run = self._ctx.meta.resolve_run(job.who, job.entity, job.project, job.run_id, "viewer")
        return load_run_table(self._ctx, self._cache, run, job.key, job.step, missing_ok=True)
