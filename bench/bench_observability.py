"""What observability costs: the middleware per request, and a /metrics scrape.

Measures:
- the middleware's cost per request: a trivial ASGI app called directly, bare and wrapped
  (request id, metrics, one JSON log line to a discarded stream), in-memory metrics and
  multi-process (file-backed) metrics, the latter in a child with PROMETHEUS_MULTIPROC_DIR set;
- a scrape of /metrics on a real server on loopback after some traffic ("server time", median
  of 20), single worker and --workers 2.

Usage: python bench/bench_observability.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import logging.config
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverproc import start_server
from tests.wirehelp import history_record, new_stream, post_batch


async def _trivial(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def per_request_us(requests: int) -> dict[str, float]:
    """Microseconds per request, bare and wrapped (median of 5 rounds)."""
    from cairn.server.observability.logging import logging_config
    from cairn.server.observability.middleware import ObservabilityMiddleware

    config = logging_config("json", "info")
    logging.config.dictConfig(config)
    logging.getLogger().handlers[0].setStream(io.StringIO())  # type: ignore[attr-defined]
    wrapped = ObservabilityMiddleware(_trivial)
    scope = {"type": "http", "method": "GET", "path": "/api/health", "headers": [],
             "client": ("127.0.0.1", 1)}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_message: Any) -> None:
        return None

    async def run(app: Any) -> float:
        t0 = time.perf_counter()
        for _ in range(requests):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - t0) / requests * 1e6

    out = {}
    for name, app in (("bare", _trivial), ("wrapped", wrapped)):
        out[name] = statistics.median(asyncio.run(run(app)) for _ in range(5))
    logging.getLogger("cairn.access").setLevel(logging.WARNING)
    out["wrapped, access log off"] = statistics.median(asyncio.run(run(wrapped)) for _ in range(5))
    return out


def scrape_ms(workers: int) -> float:
    """Median wall time of GET /metrics on a real server after 200 requests and 20 batches."""
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", extra_args=["--workers", str(workers)])
        try:
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                stream = new_stream()
                for i in range(20):
                    rows = [(s, float(s), {"loss": 1.0}) for s in range(i * 10, i * 10 + 10)]
                    post_batch(client, [history_record(rows)], i, stream)
                for _ in range(180):
                    client.get("/api/v1/projects")
                samples = []
                for _ in range(20):
                    t0 = time.perf_counter()
                    client.get("/metrics").raise_for_status()
                    samples.append(time.perf_counter() - t0)
            return statistics.median(samples) * 1000
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(per_request_us(args.requests)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        modes = (("in-memory", {}), ("multi-process", {"PROMETHEUS_MULTIPROC_DIR": tmp}))
        for mode, extra in modes:
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--requests", str(args.requests)],
                env={**os.environ, **extra}, capture_output=True, text=True, check=True,
            )  # fmt: skip
            for name, us in json.loads(child.stdout).items():
                print(f"middleware, {mode} metrics, {name}: {us:.1f} µs/request")
    for workers in (1, 2):
        print(f"GET /metrics, --workers {workers}: {scrape_ms(workers):.1f} ms (median of 20)")


if __name__ == "__main__":
    main()
