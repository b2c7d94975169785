"""The ingest-time table builder's queue (what it picks from a batch, its bound, its stop) and
the garbage-collector pause around a table build."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest

from cairn.server.auth.principal import OPEN_PRINCIPAL
from cairn.server.context import ServerContext
from cairn.server.tables.cache import TableCache
from cairn.server.tables.prebuild import PrebuildJob, TablePrebuilder, table_jobs
from cairn.wire.batch import Batch

IMG = {"_type": "image-file", "path": "media/images/i.png", "sha256": "b" * 64}
TABLE = {"_type": "table-file", "path": "media/table/t.table.json", "sha256": "a" * 64}


def batch(records: list[Any]) -> Batch:
    return Batch("team", "proj", "r1", b"s" * 16, 0, records)


def test_table_jobs_picks_table_values_only() -> None:
    joined = {"_type": "joined-table", "table1": "a", "table2": "b", "join_key": "id"}
    records = [
        ["values", {"step": 3, "time": 1.0, "values": {"t": TABLE, "x": 1, "img": IMG}}],
        ["values", {"step": 4, "time": 1.0, "values": {"j": joined}}],
        ["history", {"step": 3, "values": {"t": 1}}],
        ["values", "malformed"],
        "not a record",
    ]  # fmt: skip
    jobs = table_jobs(batch(records), OPEN_PRINCIPAL)
    assert [(j.key, j.step, j.run_id, j.entity) for j in jobs] == [
        ("t", 3, "r1", "team"),
        ("j", 4, "r1", "team"),
    ]


def test_a_full_queue_drops_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # not started: nothing takes jobs off the queue, so the third one does not fit
    ctx = cast(ServerContext, None)  # never reached: no job is built
    worker = TablePrebuilder(ctx, TableCache(tmp_path, 1 << 20), max_queued=2)
    jobs = [PrebuildJob(OPEN_PRINCIPAL, "team", "proj", "r1", "t", step) for step in range(3)]
    with caplog.at_level(logging.INFO, logger="cairn.server.tables"):
        worker.submit(jobs)
    assert worker.dropped == 1
    assert any("queue full" in r.getMessage() for r in caplog.records)
    worker.stop()  # a full queue never blocks the stop


def test_stop_ends_the_thread_and_later_submits_are_ignored(tmp_path: Path) -> None:
    worker = TablePrebuilder(cast(ServerContext, None), TableCache(tmp_path, 1 << 20), 4)
    worker.start()
    worker.stop(timeout=30)
    assert not worker._thread.is_alive()
    worker.submit([PrebuildJob(OPEN_PRINCIPAL, "team", "proj", "r1", "t", 0)])
    assert worker.dropped == 0


def test_gc_paused_nests_and_restores() -> None:
    import gc

    from cairn.server.tables.load import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer build is still running
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
