"""Applying an ingest batch: exactly once, in one transaction with the stream's offset.

The transaction locks the (run, stream) offset row, skips the already-applied prefix of the
batch, applies the rest record by record and advances the offset. A record that fails validation
is stored in ``rejected_records`` and reported back; the good records beside it are applied (a
record the server cannot read would not become readable by resending it, so holding the stream
back would lose everything after it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cairn.errors import InvalidInputError, OffsetGapError
from cairn.server.store.base import SeriesStore
from cairn.server.store.records import IngestResult
from cairn.server.store.sql.apply import RunApplier, stop_reason_of
from cairn.server.store.sql.projects import ensure_project, touch_project
from cairn.server.store.sql.runs import ensure_run
from cairn.server.store.sql.schema import rejected_records, runs, stream_offsets
from cairn.wire import Batch, validate_record
from cairn.wire.records import claimed_kind

Authorizer = Callable[[Connection, str, str], None]

# Every batch runs these; built once (building a statement costs about as much as running it).
_THIS_STREAM = (
    stream_offsets.c.run_pk == bindparam("b_run_pk"),
    stream_offsets.c.stream == bindparam("b_stream"),
)
_NEW_STREAM = {
    "postgresql": postgresql.insert(stream_offsets).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(stream_offsets).on_conflict_do_nothing(),
}
_STREAM_OFFSET = select(stream_offsets.c.next_offset, stream_offsets.c.step_shift).where(
    *_THIS_STREAM
)
_STREAM_OFFSET_LOCKED = _STREAM_OFFSET.with_for_update()
_ADVANCE_STREAM = (
    update(stream_offsets)
    .where(*_THIS_STREAM)
    .values(next_offset=bindparam("b_next_offset"), updated_at=bindparam("b_now"))
)
_SET_STEP_SHIFT = (
    update(stream_offsets).where(*_THIS_STREAM).values(step_shift=bindparam("b_step_shift"))
)


Rebase = Callable[[int], list[Any]]
"""Given the stream's next offset (locked), the records to apply from there."""


def apply_batch(
    engine: Engine,
    series: SeriesStore,
    batch: Batch,
    authorize: Authorizer,
    *,
    append: bool = False,
    rebase: Rebase | None = None,
) -> IngestResult:
    """Apply ``batch`` exactly once; raise OffsetGapError when it starts past the acked offset.

    ``authorize(conn, entity, project)`` runs first, in the transaction, and raises to refuse.
    With ``append`` the batch goes after whatever the stream holds (its ``first_offset`` is
    ignored): for writers whose records are idempotent by their own meaning (design 0016).
    With ``rebase`` the batch's records are replaced by ``rebase(next_offset)``, built while the
    offset is locked, once ``first_offset`` is known not to start past it: a writer whose
    records pack many of its own units (W&B history lines) builds only what is new.
    """
    now = time.time()
    with engine.begin() as conn:
        authorize(conn, batch.entity, batch.project)
        project_pk = ensure_project(conn, batch.entity, batch.project)
        run_pk, _ = ensure_run(conn, project_pk, batch.run_id, now)
        next_offset, step_shift = _lock_offset(conn, run_pk, batch.stream, now)
        if append:
            batch = replace(batch, first_offset=next_offset)
        if batch.first_offset > next_offset:
            raise OffsetGapError(
                f"batch starts at offset {batch.first_offset} but the server has acknowledged "
                f"this stream up to {next_offset}; resend from {next_offset}",
                expected_offset=next_offset,
            )
        if rebase is not None:
            batch = replace(batch, first_offset=next_offset, records=rebase(next_offset))
        if not batch.records:
            # An empty batch is a heartbeat from a sender with nothing new to say.
            heartbeat = RunApplier(conn, series, run_pk, project_pk, now)
            heartbeat.flush()
            reason = heartbeat.stop_requested
            return IngestResult(
                next_offset=next_offset,
                applied=0,
                skipped=0,
                stop=reason is not None,
                stop_reason=reason,
            )
        skip = next_offset - batch.first_offset
        if skip >= len(batch.records):
            return IngestResult(
                next_offset=next_offset,
                applied=0,
                skipped=len(batch.records),
                stop=(reason := _stop_requested(conn, run_pk)) is not None,
                stop_reason=reason,
            )
        applier = RunApplier(conn, series, run_pk, project_pk, now, step_shift=step_shift)
        rejected: list[dict[str, Any]] = []
        for index in range(skip, len(batch.records)):
            raw = batch.records[index]
            try:
                kind, body = validate_record(raw, batch.version)
                applier.apply(kind, body)
            except InvalidInputError as exc:
                rejected.append(_rejection(batch.first_offset + index, raw, exc))
        applier.flush()
        end = batch.end_offset
        if applier.step_shift != step_shift:
            conn.execute(
                _SET_STEP_SHIFT,
                {"b_run_pk": run_pk, "b_stream": batch.stream, "b_step_shift": applier.step_shift},
            )
        conn.execute(
            _ADVANCE_STREAM,
            {"b_run_pk": run_pk, "b_stream": batch.stream, "b_next_offset": end, "b_now": now},
        )
        if rejected:
            conn.execute(
                insert(rejected_records),
                [{**r, "run_pk": run_pk, "created_at": now} for r in rejected],
            )
        touch_project(conn, project_pk, now)
    return IngestResult(
        next_offset=end,
        applied=len(batch.records) - skip - len(rejected),
        skipped=skip,
        rejected=[
            {"offset": r["offset"], "kind": r["kind"], "error": r["error"]} for r in rejected
        ],
        stop=applier.stop_requested is not None,
        stop_reason=applier.stop_requested,
        sweep_pk=applier.sweep_pk if applier.had_history else None,
        artifacts=[
            {"id": a.id, "name": a.name, "version": a.version, "digest": a.digest}
            for a in applier.artifacts
        ],
    )


def _stop_requested(conn: Connection, run_pk: int) -> str | None:
    meta = conn.execute(select(runs.c.meta).where(runs.c.pk == run_pk)).scalar_one_or_none()
    return stop_reason_of(meta)


def _lock_offset(
    conn: Connection, run_pk: int, stream: bytes, now: float
) -> tuple[int, int | None]:
    """(next offset, step shift) of the stream, its row locked for this transaction."""
    postgres = conn.dialect.name == "postgresql"
    conn.execute(
        _NEW_STREAM["postgresql" if postgres else "sqlite"],
        {"run_pk": run_pk, "stream": stream, "next_offset": 0, "updated_at": now},
    )
    query = _STREAM_OFFSET_LOCKED if postgres else _STREAM_OFFSET
    row = conn.execute(query, {"b_run_pk": run_pk, "b_stream": stream}).one()
    return int(row.next_offset), None if row.step_shift is None else int(row.step_shift)


def _rejection(offset: int, raw: Any, exc: InvalidInputError) -> dict[str, Any]:
    kind = claimed_kind(raw)
    return {"offset": offset, "kind": kind[:32] if kind else None, "error": exc.message}


def read_stream_offsets(engine: Engine, run_pk: int, streams: Sequence[bytes]) -> dict[bytes, int]:
    """The next offset of each of a run's ``streams`` (0 for a stream the server has not seen)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(stream_offsets.c.stream, stream_offsets.c.next_offset).where(
                stream_offsets.c.run_pk == run_pk, stream_offsets.c.stream.in_(list(streams))
            )
        )
        found = {bytes(stream): int(offset) for stream, offset in rows}
    return {stream: found.get(stream, 0) for stream in streams}


def stream_offset(engine: Engine, run_pk: int, stream: bytes) -> int:
    """The next offset the server expects from a stream (0 for a stream it has not seen)."""
    with engine.connect() as conn:
        value = conn.scalar(
            select(stream_offsets.c.next_offset).where(
                stream_offsets.c.run_pk == run_pk, stream_offsets.c.stream == stream
            )
        )
    return int(value or 0)
