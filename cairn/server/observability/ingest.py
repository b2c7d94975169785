"""Counting ingest: batches by outcome, records by outcome, metric points stored."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from cairn.errors import CairnError
from cairn.server.observability import metrics
from cairn.server.store.records import IngestResult
from cairn.wire import Batch

_POINT_KINDS = ("history", "system")


async def observe_ingest(batch: Batch, pending: Awaitable[IngestResult]) -> IngestResult:
    """Await the applying of ``batch`` and count what happened to it."""
    try:
        result = await pending
    except CairnError:
        metrics.INGEST_BATCHES.labels("refused").inc()
        raise
    count_result(batch, result)
    return result


def count_result(batch: Batch, result: IngestResult) -> None:
    """Count an applied batch's outcome, its records and the points of its applied records."""
    if not batch.records:
        outcome = "heartbeat"
    elif result.skipped >= len(batch.records):
        outcome = "duplicate"
    else:
        outcome = "applied"
    metrics.INGEST_BATCHES.labels(outcome).inc()
    if result.applied:
        metrics.INGEST_RECORDS.labels("applied").inc(result.applied)
    if result.skipped:
        metrics.INGEST_RECORDS.labels("skipped").inc(result.skipped)
    if result.rejected:
        metrics.INGEST_RECORDS.labels("rejected").inc(len(result.rejected))
    rejected = {r["offset"] for r in result.rejected}
    points = dict.fromkeys(_POINT_KINDS, 0)
    for index in range(result.skipped, len(batch.records)):
        if batch.first_offset + index not in rejected:
            kind, n = record_points(batch.records[index])
            if kind:
                points[kind] += n
    for kind, n in points.items():
        if n:
            metrics.INGEST_POINTS.labels(kind).inc(n)


def record_points(record: Any) -> tuple[str | None, int]:
    """The kind and point count of a valid history/system record (no decoding: byte lengths)."""
    if not isinstance(record, list | tuple) or len(record) != 2 or record[0] not in _POINT_KINDS:
        return None, 0
    cols = record[1].get("cols", {}) if isinstance(record[1], dict) else {}
    return record[0], sum(len(col[1]) // 8 for col in cols.values())
