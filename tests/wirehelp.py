"""Building batches for tests, through the same wire module the SDK uses."""

from __future__ import annotations

import os
from typing import Any

import httpx

from cairn.wire import CONTENT_TYPE, ColumnBlockBuilder, encode_batch, encode_records


def history_record(rows: list[tuple[int, float, dict[str, float]]]) -> list[Any]:
    """A history record from (step, time, values) rows."""
    builder = ColumnBlockBuilder()
    for step, t, values in rows:
        builder.add_row(step, t, values)
    return ["history", builder.build()]


def post_batch(
    client: httpx.Client,
    records: list[Any],
    first: int,
    stream: bytes,
    run_id: str = "run00001",
    entity: str = "team",
    project: str = "proj",
) -> httpx.Response:
    """POST one batch to /api/v1/ingest."""
    body = encode_batch(entity, project, run_id, stream, first, encode_records(records))
    return client.post("/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE})


def new_stream() -> bytes:
    """A random writer-stream id."""
    return os.urandom(16)
