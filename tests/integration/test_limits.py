"""Oversized bodies are refused with 413 before they are buffered."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.serverproc import start_server
from tests.wirehelp import history_record, new_stream, post_batch


def test_oversized_batch_gets_413_and_the_next_one_still_applies(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env={"CAIRN_SERVER_MAX_BODY_BYTES": "2000"})
    try:
        client = httpx.Client(base_url=server.base_url)
        stream = new_stream()
        big = history_record([(s, 1.0, {f"k{s}": float(s)}) for s in range(500)])
        response = post_batch(client, [big], 0, stream)
        assert response.status_code == 413
        assert "limit" in response.json()["detail"]
        ok = post_batch(client, [history_record([(0, 1.0, {"a": 1.0})])], 0, stream)
        assert ok.status_code == 200
        assert ok.json()["next_offset"] == 1
    finally:
        server.stop()
