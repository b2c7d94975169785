"""Several server processes on one PostgreSQL database; crash detection through leases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import history_record, new_stream, post_batch


@pytest.fixture
def two_servers(db_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    if not db_url.startswith("postgresql"):
        pytest.skip("scale-out runs on PostgreSQL")
    servers = [start_server(tmp_path / f"data{i}", db_url=db_url) for i in range(2)]
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def _rows(start: int, n: int) -> list[Any]:
    return [history_record([(s, float(s), {"loss": float(s)})]) for s in range(start, start + n)]


def test_two_servers_ingest_one_run_exactly_once(two_servers: list[ServerProcess]) -> None:
    streams = [new_stream() for _ in range(3)]
    batches = [(first, _rows(first, 10)) for first in range(0, 200, 10)]

    def sender(server: ServerProcess, stream: bytes, key_offset: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            pending = list(batches)
            while pending:
                first, records = pending[0]
                shifted = [
                    history_record([(key_offset + first + i, 1.0, {"loss": 1.0})])
                    for i in range(10)
                ]
                response = post_batch(client, shifted if key_offset else records, first, stream)
                if response.status_code == 200:
                    pending.pop(0)
                else:
                    assert response.status_code == 409, response.text

    # Stream 0 is sent through both servers at once; streams 1 and 2 through one each.
    threads = [
        threading.Thread(target=sender, args=(two_servers[0], streams[0], 0)),
        threading.Thread(target=sender, args=(two_servers[1], streams[0], 0)),
        threading.Thread(target=sender, args=(two_servers[0], streams[1], 10_000)),
        threading.Thread(target=sender, args=(two_servers[1], streams[2], 20_000)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    with httpx.Client(base_url=two_servers[1].base_url) as client:
        keys = client.get("/api/v1/runs/team/proj/run00001/keys").json()["keys"]
        assert keys[0]["count"] == 600
        steps: list[int] = []
        start: int | None = 0
        while start is not None:
            page = client.get(
                "/api/v1/runs/team/proj/run00001/series/loss/points", params={"start": start}
            ).json()
            steps += page["steps"]
            start = page["next_start"]
    expected = sorted([*range(200), *range(10_000, 10_200), *range(20_000, 20_200)])
    assert steps == expected


def test_silent_runs_are_marked_crashed_and_revive(db_url: str, tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "data",
        db_url=db_url,
        extra_args=["--heartbeat-timeout", "1"],
        env={"CAIRN_SERVER_HOUSEKEEPING_INTERVAL_S": "0.2"},
    )
    try:
        client = httpx.Client(base_url=server.base_url)
        stream = new_stream()
        post_batch(client, _rows(0, 1), 0, stream)
        state = "running"
        deadline = time.monotonic() + 30
        while state == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
            state = client.get("/api/v1/runs/team/proj/run00001").json()["state"]
        assert state == "crashed"
        post_batch(client, [["heartbeat", {"time": time.time()}]], 1, stream)
        assert client.get("/api/v1/runs/team/proj/run00001").json()["state"] == "running"
    finally:
        server.stop()
