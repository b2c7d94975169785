"""A new table's first page comes from the first rows of its file while it is built."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_tables_api import RUN, log_table, preds
from tests.serverproc import ServerProcess, start_server


@pytest.fixture
def partial_server(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """No ingest-time builds; every table file is "large" enough for the partial first page."""
    env = {"CAIRN_SERVER_TABLE_PREBUILD_QUEUE": "0", "CAIRN_SERVER_TABLE_PARTIAL_MIN_BYTES": "0"}
    proc = start_server(tmp_path / "data", db_url=db_url, env=env)
    try:
        yield proc
    finally:
        proc.stop()


def query_until_full(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """Ask again until the answer is no longer partial (the background build finished)."""
    deadline = time.monotonic() + 60
    while True:
        page: dict[str, Any] = client.post(f"{RUN}/r1/tables/query", json=body).json()
        if not page["partial"] or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def test_first_page_is_partial_then_full(partial_server: ServerProcess) -> None:
    client = httpx.Client(base_url=partial_server.base_url, timeout=60)
    ref = log_table(client, "r1", "preds", 3, preds(200))
    body = {"key": "preds", "offset": 10, "limit": 5}
    first = client.post(f"{RUN}/r1/tables/query", json=body)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["partial"] is True
    assert page["total"] is None
    assert page["sha256"] == ref["sha256"]
    assert page["step"] == 3
    assert [row[0] for row in page["rows"]] == [10, 11, 12, 13, 14]
    full = query_until_full(client, body)
    assert full["partial"] is False, partial_server.log()
    assert full["total"] == 200
    # the same rows, types and media cells (with their url) as the partial answer
    assert full["rows"] == page["rows"]
    assert full["columns"] == page["columns"]
    cache = partial_server.data_dir / "cache" / "tables" / f"{ref['sha256']}.arrow"
    assert cache.exists()


def test_filtered_sorted_and_far_pages_wait_for_the_whole_table(
    partial_server: ServerProcess,
) -> None:
    client = httpx.Client(base_url=partial_server.base_url, timeout=60)
    log_table(client, "r1", "a", 0, preds(100))
    log_table(client, "r1", "b", 0, preds(100))
    log_table(client, "r1", "c", 0, preds(30))
    sort = {"key": "a", "sort": [{"column": "id", "order": "desc"}], "limit": 2}
    page = client.post(f"{RUN}/r1/tables/query", json=sort).json()
    assert page["partial"] is False
    assert page["total"] == 100
    far = client.post(f"{RUN}/r1/tables/query", json={"key": "b", "offset": 4990, "limit": 20})
    assert far.json()["partial"] is False
    assert far.json()["total"] == 100
    # a table shorter than the rows asked for is read whole: a full answer at once
    short = client.post(f"{RUN}/r1/tables/query", json={"key": "c", "limit": 100}).json()
    assert short["partial"] is False
    assert short["total"] == 30


def test_column_types_written_before_data_type_all_null_columns(
    partial_server: ServerProcess,
) -> None:
    client = httpx.Client(base_url=partial_server.base_url, timeout=60)
    rows = [[i, None if i < 50 else 0.5, None] for i in range(100)]
    doc = {
        "columns": ["id", "later", "never"],
        "column_types": {"id": "number", "later": "number", "never": "text"},
        "data": rows,
    }
    log_table(client, "r1", "hinted", 0, doc)
    body = {"key": "hinted", "limit": 10}
    page = client.post(f"{RUN}/r1/tables/query", json=body).json()
    assert page["partial"] is True
    types = {c["name"]: c["type"] for c in page["columns"]}
    assert types == {"id": "number", "later": "number", "never": "text"}
    full = query_until_full(client, body)
    assert full["partial"] is False, partial_server.log()
    # the full build infers from every row: "later" is a number there too
    assert {c["name"]: c["type"] for c in full["columns"]}["later"] == "number"
