"""The observability parts on their own: request ids, formatters, counting, the ASGI middleware."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from cairn.errors import InvalidInputError
from cairn.server.observability.access import token_matches
from cairn.server.observability.exposition import RunStates
from cairn.server.observability.ingest import count_result, record_points
from cairn.server.observability.logging import FIELDS_ATTR, JsonFormatter, TextFormatter
from cairn.server.observability.metrics import REGISTRY
from cairn.server.observability.middleware import ObservabilityMiddleware, route_template
from cairn.server.observability.multiproc import prepare_dir, reap_dead_workers
from cairn.server.observability.scope import request_id_from
from cairn.server.settings import ServerSettings, settings_from_env
from cairn.server.store.records import IngestResult
from cairn.wire import Batch
from tests.wirehelp import history_record


@pytest.mark.parametrize("good", ["abc", "trace-1.2_3:4", "A" * 128])
def test_well_formed_request_ids_are_kept(good: str) -> None:
    assert request_id_from([(b"x-request-id", good.encode())]) == good


@pytest.mark.parametrize(
    "bad",
    [b"", b"a" * 129, b"a" * 10_000, b"abc\ndef", b"abc\r\nX-Evil: 1", b"a b", b'"x"', b"\xff"],
)
def test_malformed_request_ids_are_replaced(bad: bytes) -> None:
    made = request_id_from([(b"x-request-id", bad)])
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert made != bad.decode("latin-1")


def test_route_template_of_routes_mounts_and_nothing() -> None:
    class Route:
        path = "/api/v1/runs/{entity}"

    assert route_template({"route": Route()}) == "/api/v1/runs/{entity}"
    assert route_template({"route": Mount("/assets", app=FastAPI())}) == "/assets/{path:path}"
    assert route_template({}) == "unmatched"


def _record(**fields: Any) -> logging.LogRecord:
    record = logging.LogRecord(
        "cairn.test", logging.INFO, __file__, 1, "a\nb\u2028c %s", ("x",), None
    )
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def test_json_formatter_writes_one_ascii_line_with_the_extra_fields() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = _record(**{FIELDS_ATTR: {"request_id": "r1", "status": 200}})
    record.exc_info = exc_info
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert line.isascii()
    out = json.loads(line)
    assert out["message"] == "a\nb\u2028c x"
    assert out["request_id"] == "r1"
    assert out["status"] == 200
    assert out["level"] == "info"
    assert out["logger"] == "cairn.test"
    assert out["ts"].endswith("Z")
    assert "ValueError: boom" in out["exc_info"]


def test_text_formatter_escapes_control_characters() -> None:
    line = TextFormatter().format(_record())
    assert "\n" not in line
    assert "a\\x0ab" in line


def test_run_states_are_counted_once_per_ttl() -> None:
    calls: list[int] = []
    now = [100.0]

    def count() -> dict[str, int]:
        calls.append(1)
        return {"running": len(calls)}

    states = RunStates(count, ttl_s=5.0, clock=lambda: now[0])
    assert states.counts() == {"running": 1}
    now[0] += 4.9
    assert states.counts() == {"running": 1}
    now[0] += 0.2
    assert states.counts() == {"running": 2}


def test_run_states_skip_the_family_when_the_database_fails() -> None:
    def count() -> dict[str, int]:
        raise RuntimeError("database down")

    assert list(RunStates(count).collect()) == []


def test_token_comparison() -> None:
    assert token_matches("s" * 20, "s" * 20)
    assert not token_matches("s" * 19, "s" * 20)
    assert not token_matches("", "s" * 20)


def test_points_are_counted_from_applied_records_only() -> None:
    records = [
        history_record([(0, 0.0, {"a": 1.0, "b": 2.0})]),  # skipped (already applied)
        history_record([(1, 1.0, {"a": 1.0}), (2, 2.0, {"a": 2.0, "b": 3.0})]),  # 3 points
        history_record([(3, 3.0, {"a": 1.0})]),  # rejected
        ["summary", {"x": 1}],
    ]
    batch = Batch("e", "p", "r", b"s" * 16, 10, records)
    assert record_points(records[1]) == ("history", 3)
    assert record_points(["history", "not a map"]) == ("history", 0)
    assert record_points("junk") == (None, 0)
    result = IngestResult(
        next_offset=14,
        applied=2,
        skipped=1,
        rejected=[{"offset": 12, "kind": "history", "error": "bad"}],
    )

    def points() -> float:
        return REGISTRY.get_sample_value("cairn_ingest_points_total", {"kind": "history"}) or 0.0

    before = points()
    count_result(batch, result)
    assert points() - before == 3


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_metrics_directories_of_dead_servers_and_workers_go(tmp_path: Path) -> None:
    import os

    first = prepare_dir(tmp_path, pid=_dead_pid())
    (first / "counter_1.db").write_bytes(b"")
    live = prepare_dir(tmp_path)  # this process: alive
    assert not first.exists()
    assert live.parent == tmp_path / "metrics"
    dead = _dead_pid()
    (live / f"gauge_livesum_{dead}.db").write_bytes(b"")
    (live / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")
    (live / f"counter_{dead}.db").write_bytes(b"")  # counters of dead workers still count
    assert reap_dead_workers(live) == [dead]
    names = sorted(p.name for p in live.iterdir())
    assert names == sorted([f"counter_{dead}.db", f"gauge_livesum_{os.getpid()}.db"])
    assert prepare_dir(tmp_path) == live  # the same server starting again: emptied
    assert list(live.iterdir()) == []


def test_settings_check_log_format_and_token() -> None:
    with pytest.raises(InvalidInputError, match="log format"):
        ServerSettings(log_format="xml")
    with pytest.raises(InvalidInputError, match="at least 16"):
        ServerSettings(metrics_token="short")
    env = {"CAIRN_SERVER_LOG_FORMAT": "json", "CAIRN_SERVER_METRICS_TOKEN": "t" * 16}
    settings = settings_from_env(env)
    assert settings.log_format == "json"
    assert settings.metrics_token == "t" * 16
    assert "t" * 16 not in repr(settings)


T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own thread: the browser tests' Playwright leaves an
    event loop running in this one, where asyncio.run() refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_streamed_responses_pass_through_unbuffered() -> None:
    first_chunk_seen = asyncio.Event()

    async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"one", "more_body": True})
        await first_chunk_seen.wait()  # a buffering middleware would never let this through
        await send({"type": "http.response.body", "body": b"two", "more_body": False})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        if message.get("body") == b"one":
            first_chunk_seen.set()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"x-request-id", b"a\nb")]}
    app = ObservabilityMiddleware(streaming_app)
    _run(asyncio.wait_for(app(scope, receive, send), timeout=60))
    headers = dict(sent[0]["headers"])
    assert len(headers[b"x-request-id"]) == 32  # the newline id was replaced
    assert [m.get("body") for m in sent[1:]] == [b"one", b"two"]


def test_unhandled_errors_answer_500_with_the_request_id(tmp_path: Path) -> None:
    from cairn.server.app import create_app

    app = create_app(ServerSettings(data_dir=tmp_path))

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the web app's catch-all

    async def call() -> httpx.Response:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.get("/api/boom", headers={"X-Request-ID": "boom-1"})

    response = _run(call())
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "boom-1"
    assert response.json() == {
        "detail": "internal server error; see the server log",
        "request_id": "boom-1",
    }
