"""Tables get their columnar copy built at ingest, in the background (design 0010, speed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_tables_api import RUN, log_table, preds
from tests.serverproc import ServerProcess, start_server
from tests.wirehelp import new_stream, post_batch


def cache_file(server: ServerProcess, sha: str) -> Path:
    return server.data_dir / "cache" / "tables" / f"{sha}.arrow"


def wait_for(path: Path, deadline_s: float = 60.0) -> bool:
    """Poll for ``path`` until a deadline (the build is asynchronous by design)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.02)
    return path.exists()


@pytest.fixture
def cold_server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose ingest builds no tables: the first query does."""
    proc = start_server(
        tmp_path / "data", db_url=db_url, env={"CAIRN_SERVER_TABLE_PREBUILD_QUEUE": "0"}
    )
    try:
        yield proc
    finally:
        proc.stop()


def test_ingest_builds_the_cache_file_without_a_query(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url, timeout=60)
    ref = log_table(client, "r1", "preds", 3, preds(50))
    assert wait_for(cache_file(server, ref["sha256"])), server.log()
    page = client.post(f"{RUN}/r1/tables/query", json={"key": "preds", "limit": 5}).json()
    assert page["total"] == 50
    assert page["sha256"] == ref["sha256"]
    assert [c["name"] for c in page["columns"]] == ["id", "label", "score", "img"]


def test_incremental_parts_are_built_as_one_table(server: ServerProcess) -> None:
    client = httpx.Client(base_url=server.base_url, timeout=60)
    first = log_table(client, "r1", "rows", 0, preds(4))
    log_table(client, "r1", "rows", 1, preds(6), previous=[first])
    cache = server.data_dir / "cache" / "tables"
    # the first value's file, then the second value's: one table of both parts (its cache
    # key is a digest of the parts), not the second part alone
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(cache.glob("*.arrow"))) < 2:
        time.sleep(0.02)
    assert len(list(cache.glob("*.arrow"))) == 2, server.log()
    page = client.post(f"{RUN}/r1/tables/query", json={"key": "rows"}).json()
    assert page["total"] == 10


def test_queries_work_with_the_worker_off(cold_server: ServerProcess) -> None:
    client = httpx.Client(base_url=cold_server.base_url, timeout=60)
    ref = log_table(client, "r1", "preds", 3, preds(20))
    # nothing builds it in the background: the query does, and answers the same
    path = cache_file(cold_server, ref["sha256"])
    assert not path.exists()
    query = {"key": "preds", "sort": [{"column": "id", "order": "desc"}], "limit": 3}
    page = client.post(f"{RUN}/r1/tables/query", json=query).json()
    assert page["total"] == 20
    assert [row[0] for row in page["rows"]] == [19, 18, 17]
    assert path.exists()


def test_a_table_value_whose_file_is_missing_does_not_break_ingest(
    server: ServerProcess,
) -> None:
    client = httpx.Client(base_url=server.base_url, timeout=60)
    value = {"_type": "table-file", "path": "media/table/t.table.json", "sha256": "0" * 64}
    records = [["values", {"step": 0, "time": 1.0, "values": {"t": value}}]]
    assert post_batch(client, records, 0, new_stream(), run_id="r2").json()["applied"] == 1
    # the build is skipped (logged); a later table on the same server still gets built
    ref = log_table(client, "r2", "ok", 1, preds(5))
    assert wait_for(cache_file(server, ref["sha256"])), server.log()
    answer = client.post(f"{RUN}/r2/tables/query", json={"key": "t"})
    assert answer.status_code == 404, answer.text
