"""Past --max-ingest batches in progress, ingest answers 429 with Retry-After and keeps the rest."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record, new_stream, post_batch


@pytest.fixture
def tight_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "data", extra_args=["--max-ingest", "1"])
    try:
        yield proc
    finally:
        proc.stop()


def test_a_busy_server_sheds_batches_and_loses_none(tight_server: ServerProcess) -> None:
    client = httpx.Client(base_url=tight_server.base_url, timeout=60)
    statuses: list[int] = []
    retry_after: list[str] = []
    lock = threading.Lock()
    rows = [(s, float(s), {f"k{k}": float(s) for k in range(20)}) for s in range(5000)]
    record = history_record(rows)

    def writer(run: int) -> None:
        stream = new_stream()
        while True:
            answer = post_batch(client, [record], 0, stream, run_id=f"run{run:05d}")
            with lock:
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    retry_after.append(answer.headers.get("Retry-After", ""))
            if answer.status_code != 429:
                assert answer.status_code == 200, answer.text
                return

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) == 8
    assert 429 in statuses, "eight writers at once never found the one slot taken"
    assert all(value.isdigit() and int(value) >= 1 for value in retry_after)
    for run in range(8):
        page = client.get(f"/api/v1/runs/team/proj/run{run:05d}/series/k19/points").json()
        assert len(page["steps"]) == 5000


def test_bad_limits_are_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="--max-ingest must be at least 1"):
        start_server(tmp_path / "data", extra_args=["--max-ingest", "0"])
