"""Exactly-once ingest against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import threading
from typing import Any

import httpx
import pytest

from cairn.wire import ColumnBlockBuilder
from tests.serverproc import ServerProcess
from tests.wirehelp import history_record, new_stream, post_batch

RUN = "/api/v1/runs/team/proj/run00001"


def _rows(start: int, n: int) -> list[Any]:
    return [
        history_record([(s, 1000.0 + s, {"loss": float(s), "acc": s / 10})])
        for s in range(start, start + n)
    ]


def _all_points(client: httpx.Client, key: str) -> list[int]:
    steps: list[int] = []
    start: int | None = 0
    while start is not None:
        page = client.get(
            f"{RUN}/series/{key}/points", params={"start": start, "limit": 1000}
        ).json()
        steps += page["steps"]
        start = page["next_start"]
    return steps


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=30)


def test_batch_creates_run_with_config_history_and_summary(client: httpx.Client) -> None:
    stream = new_stream()
    records = [
        ["run", {"name": "first", "config": {"lr": 0.1, "opt": {"name": "adam"}}, "tags": ["a"]}],
        history_record([(0, 1.0, {"loss": 2.0}), (1, 2.0, {"loss": 1.5, "acc": 0.5})]),
        ["summary", {"set": {"loss": 1.5, "acc": 0.5}}],
    ]
    response = post_batch(client, records, 0, stream)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "next_offset": 3,
        "applied": 3,
        "skipped": 0,
        "rejected": [],
        "public_url": None,
        "stop": False,
        "stop_reason": None,
        "artifacts": [],
    }
    run = client.get(RUN).json()
    assert run["name"] == "first"
    assert run["state"] == "running"
    assert run["config"] == {"lr": 0.1, "opt": {"name": "adam"}}
    assert run["summary"] == {"loss": 1.5, "acc": 0.5}
    assert run["tags"] == ["a"]
    assert run["last_step"] == 1
    keys = {k["key"]: k["count"] for k in client.get(f"{RUN}/keys").json()["keys"]}
    assert keys == {"loss": 2, "acc": 1}


def test_same_batch_twice_is_applied_once(client: httpx.Client) -> None:
    stream = new_stream()
    records = _rows(0, 10)
    assert post_batch(client, records, 0, stream).json()["applied"] == 10
    second = post_batch(client, records, 0, stream).json()
    assert second == {
        "next_offset": 10,
        "applied": 0,
        "skipped": 10,
        "rejected": [],
        "public_url": None,
        "stop": False,
        "stop_reason": None,
        "artifacts": [],
    }
    assert _all_points(client, "loss") == list(range(10))


def test_overlapping_batch_applies_only_its_new_suffix(client: httpx.Client) -> None:
    stream = new_stream()
    post_batch(client, _rows(0, 10), 0, stream)
    response = post_batch(client, _rows(5, 10), 5, stream).json()
    assert response["skipped"] == 5
    assert response["applied"] == 5
    assert _all_points(client, "loss") == list(range(15))


def test_gap_answers_409_with_the_offset_to_resume_from(client: httpx.Client) -> None:
    stream = new_stream()
    post_batch(client, _rows(0, 3), 0, stream)
    response = post_batch(client, _rows(10, 3), 10, stream)
    assert response.status_code == 409
    assert response.json()["expected_offset"] == 3
    assert "resend from 3" in response.json()["detail"]


def test_out_of_order_batches_end_exactly_once(client: httpx.Client) -> None:
    stream = new_stream()
    batches = [(first, _rows(first, 5)) for first in range(0, 25, 5)]
    for first, records in reversed(batches):
        post_batch(client, records, first, stream)  # all but the first answer 409
    for first, records in batches:
        assert post_batch(client, records, first, stream).status_code == 200
    for first, records in reversed(batches):
        assert post_batch(client, records, first, stream).json()["applied"] == 0
    assert _all_points(client, "loss") == list(range(25))


def test_concurrent_senders_of_the_same_batches_apply_each_once(server: ServerProcess) -> None:
    stream = new_stream()
    batches = [(first, _rows(first, 20)) for first in range(0, 400, 20)]

    def sender() -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as own:
            pending = list(batches)
            while pending:
                first, records = pending[0]
                response = post_batch(own, records, first, stream)
                if response.status_code == 200:
                    pending.pop(0)
                else:
                    assert response.status_code == 409, response.text

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with httpx.Client(base_url=server.base_url, timeout=30) as check:
        assert _all_points(check, "loss") == list(range(400))


def test_two_streams_write_one_run(client: httpx.Client) -> None:
    a, b = new_stream(), new_stream()
    post_batch(client, [history_record([(0, 1.0, {"rank0": 1.0})])], 0, a)
    post_batch(client, [history_record([(0, 1.0, {"rank1": 2.0})])], 0, b)
    post_batch(client, [history_record([(1, 2.0, {"rank1": 3.0})])], 1, b)
    keys = {k["key"]: k["count"] for k in client.get(f"{RUN}/keys").json()["keys"]}
    assert keys == {"rank0": 1, "rank1": 2}


def test_bad_record_is_reported_and_good_records_beside_it_applied(client: httpx.Client) -> None:
    stream = new_stream()
    records = [
        history_record([(0, 1.0, {"loss": 1.0})]),
        ["nonsense", {}],
        ["console", {"stream": "stdout", "lines": "not a list", "time": 1.0}],
        history_record([(1, 2.0, {"loss": 0.5})]),
    ]
    body = post_batch(client, records, 0, stream).json()
    assert body["next_offset"] == 4
    assert body["applied"] == 2
    assert [r["offset"] for r in body["rejected"]] == [1, 2]
    assert "unknown record kind" in body["rejected"][0]["error"]
    assert _all_points(client, "loss") == [0, 1]


def test_blocks_of_one_batch_keep_arrival_order_and_a_wrong_kind_rejects_its_record(
    client: httpx.Client,
) -> None:
    stream = new_stream()
    system_block = ColumnBlockBuilder()
    system_block.add_row(None, 5.0, {"loss": 9.0, "system/cpu": 10.0})
    records = [
        history_record([(s, 1.0, {"loss": float(s)}) for s in range(3)]),
        history_record([(1, 2.0, {"loss": 10.0}), (3, 2.0, {"loss": 3.0, "acc": 0.3})]),
        ["system", system_block.build(with_steps=False)],  # "loss" is a history key here
        history_record([(4, 3.0, {"loss": 4.0})]),
    ]
    body = post_batch(client, records, 0, stream).json()
    assert [r["offset"] for r in body["rejected"]] == [2]
    assert "already a history series" in body["rejected"][0]["error"]
    page = client.get(f"{RUN}/series/loss/points").json()
    assert page["steps"] == [0, 1, 1, 2, 3, 4]  # by step, then arrival
    assert page["values"] == [0.0, 1.0, 10.0, 2.0, 3.0, 4.0]
    keys = {k["key"]: k["count"] for k in client.get(f"{RUN}/keys").json()["keys"]}
    assert keys == {"loss": 6, "acc": 1}  # nothing of the rejected record, not even system/cpu


def test_nan_and_infinities_round_trip(client: httpx.Client) -> None:
    stream = new_stream()
    values = [math.nan, math.inf, -math.inf, 1.5]
    post_batch(
        client, [history_record([(i, 1.0, {"x": v}) for i, v in enumerate(values)])], 0, stream
    )
    page = client.get(f"{RUN}/series/x/points").json()
    assert page["values"] == ["NaN", "Infinity", "-Infinity", 1.5]


def test_non_finite_config_meta_and_summary_are_stored_by_name(client: httpx.Client) -> None:
    stream = new_stream()
    records = [
        ["run", {"config": {"lr": math.nan, "opt": {"clip": math.inf}}, "meta": {"x": -math.inf}}],
        ["summary", {"set": {"best": math.inf}}],
    ]
    body = post_batch(client, records, 0, stream).json()
    assert body["rejected"] == []
    run = client.get(RUN).json()
    assert run["config"] == {"lr": "NaN", "opt": {"clip": "Infinity"}}
    assert run["meta"] == {"x": "-Infinity"}
    assert run["summary"] == {"best": "Infinity"}
    # The runs index keeps the real numbers: +inf is above any bound, NaN matches none.
    runs = "/api/v1/projects/team/proj/runs"
    for filters, found in [('{"summary.best": {"$gt": 1e300}}', ["run00001"]),
                           ('{"config.opt.clip": {"$gt": 1e300}}', ["run00001"]),
                           ('{"config.lr": {"$gt": 0}}', [])]:  # fmt: skip
        page = client.get(runs, params={"filters": filters}).json()
        assert [r["id"] for r in page["runs"]] == found, filters


def test_a_run_record_with_a_value_it_cannot_store_changes_nothing(client: httpx.Client) -> None:
    stream = new_stream()
    records = [
        ["run", {"name": "kept", "config": {"a": 1}}],
        ["run", {"name": "lost", "config": {"a": 2, "raw": b"bytes"}}],
        ["summary", {"set": {"ok": 1, "raw": b"bytes"}}],
    ]
    body = post_batch(client, records, 0, stream).json()
    assert [r["offset"] for r in body["rejected"]] == [1, 2]
    run = client.get(RUN).json()
    assert (run["name"], run["config"], run["summary"]) == ("kept", {"a": 1}, {})


def test_finish_marks_the_run_finished_or_failed(client: httpx.Client) -> None:
    stream = new_stream()
    post_batch(client, [["finish", {"time": 5.0, "exit_code": 0}]], 0, stream)
    assert client.get(RUN).json()["state"] == "finished"
    post_batch(client, [["finish", {"time": 6.0, "exit_code": 3}]], 0, stream, run_id="run00002")
    failed = client.get("/api/v1/runs/team/proj/run00002").json()
    assert failed["state"] == "failed"
    assert failed["exit_code"] == 3


@pytest.mark.parametrize(
    ("body", "content_type", "status", "needle"),
    [
        (b"garbage", "application/vnd.cairn.batch", 400, "zstd"),
        (b"{}", "application/json", 400, "Content-Type"),
    ],
)
def test_malformed_requests_get_4xx_with_a_message(
    client: httpx.Client, body: bytes, content_type: str, status: int, needle: str
) -> None:
    response = client.post("/api/v1/ingest", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert needle in response.json()["detail"]


def test_wrong_wire_version_is_refused_clearly(client: httpx.Client) -> None:
    import msgpack
    import zstandard

    header = msgpack.packb(
        {"v": 99, "entity": "t", "project": "p", "run": "r", "stream": b"x" * 16, "first": 0}
    )
    body = zstandard.ZstdCompressor().compress(header + msgpack.packb([]))
    response = client.post(
        "/api/v1/ingest", content=body, headers={"Content-Type": "application/vnd.cairn.batch"}
    )
    assert response.status_code == 400
    assert "wire version 99" in response.json()["detail"]


def test_unknown_run_and_key_are_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/runs/team/proj/nope").status_code == 404
    post_batch(client, _rows(0, 1), 0, new_stream())
    response = client.get(f"{RUN}/series/missing/points")
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]


def test_text_values_are_kept_beside_the_float_series(client: httpx.Client) -> None:
    records = [
        ["values", {"step": 3, "time": 1.0, "values": {"sample": "a cat", "meta": {"k": [1]}}}],
        ["values", {"step": 1, "time": 2.0, "values": {"sample": "<script>x</script>"}}],
    ]
    post_batch(client, records, 0, new_stream())
    page = client.get(f"{RUN}/values", params={"key": "sample"}).json()
    assert [(v["step"], v["value"]) for v in page["values"]] == [
        (1, "<script>x</script>"),
        (3, "a cat"),
    ]
    assert client.get(f"{RUN}/values", params={"key": "meta"}).json()["values"][0]["value"] == {
        "k": [1]
    }
