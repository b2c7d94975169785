"""Ingest and history-read benchmark against a real server (SQLite and PostgreSQL).

Measures, per backend:
- ingest: 10 keys x 100,000 steps sent as column-block batches from one client (points/s);
- server RSS before/after ingesting (flat = no growth with series length);
- a 1,000-bucket read of a 1M-point series and an exact zoomed window of 10k points
  ("server time" = wall time of the HTTP request on loopback, body fully read; median of 20).

Usage: python bench/bench_ingest.py [--backends sqlite,postgresql] [--steps 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psutil
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cairn.wire import CONTENT_TYPE, ColumnBlockBuilder, encode_batch, encode_records
from tests.serverproc import start_server

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEYS = [f"train/metric_{i}" for i in range(10)]


def build_batches(steps: int, rows_per_batch: int) -> list[bytes]:
    """Pre-encoded batches so the client's encoding cost is not counted as server time."""
    rng = np.random.default_rng(0)
    columns = {key: rng.normal(size=steps).tolist() for key in KEYS}
    batches = []
    stream = os.urandom(16)
    for offset, start in enumerate(range(0, steps, rows_per_batch)):
        builder = ColumnBlockBuilder()
        for step in range(start, min(start + rows_per_batch, steps)):
            builder.add_row(step, 1.7e9 + step, {k: columns[k][step] for k in KEYS})
        records = encode_records([["history", builder.build()]])
        batches.append(encode_batch("bench", "ingest", "run1", stream, offset, records))
    return batches


def timed_get(client: httpx.Client, url: str, params: dict[str, object], repeat: int = 20) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url, params=params)
        response.read()
        samples.append(time.perf_counter() - t0)
        response.raise_for_status()
    return statistics.median(samples) * 1000


def run_backend(backend: str, steps: int, rows_per_batch: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    db_url = None
    schema = None
    if backend == "postgresql":
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db_url = f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    server = start_server(tmp / "data", db_url=db_url)
    proc = psutil.Process(server.proc.pid)
    try:
        batches = build_batches(steps, rows_per_batch)
        points = steps * len(KEYS)
        with httpx.Client(base_url=server.base_url, timeout=120) as client:
            rss_before = proc.memory_info().rss
            t0 = time.perf_counter()
            half_rss = 0
            for i, body in enumerate(batches):
                r = client.post(
                    "/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
                )
                r.raise_for_status()
                if i == len(batches) // 2:
                    half_rss = proc.memory_info().rss
            elapsed = time.perf_counter() - t0
            rss_after = proc.memory_info().rss
            run_url = "/api/v1/runs/bench/ingest/run1/history"
            # A 1M-point series: the 10 keys are 100k points each, so also log one long key.
            long_batches = build_long_series(1_000_000 if steps >= 100_000 else steps * 10)
            for body in long_batches:
                client.post(
                    "/api/v1/ingest", content=body, headers={"Content-Type": CONTENT_TYPE}
                ).raise_for_status()
            n_long = 1_000_000 if steps >= 100_000 else steps * 10
            coarse = timed_get(client, run_url, {"keys": "long", "buckets": 1000})
            mid = n_long // 2
            zoom = timed_get(
                client,
                run_url,
                {"keys": "long", "buckets": 10_000, "x_min": mid, "x_max": mid + 9_999},
            )
            check = client.get(run_url, params={"keys": "long", "buckets": 1000}).json()
            assert check["series"][0]["total"] == n_long, check["series"][0]["total"]
            zoom_check = client.get(
                run_url, params={"keys": "long", "buckets": 10_000, "x_min": mid,
                                 "x_max": mid + 9_999}
            ).json()["series"][0]  # fmt: skip
            assert zoom_check["mode"] == "exact"
            assert len(zoom_check["x"]) == 10_000
        return {
            "points": points,
            "seconds": elapsed,
            "points_per_s": points / elapsed,
            "rss_before_mb": rss_before / 2**20,
            "rss_half_mb": half_rss / 2**20,
            "rss_after_mb": rss_after / 2**20,
            "coarse_ms": coarse,
            "zoom_ms": zoom,
        }
    finally:
        server.stop()
        if schema:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def build_long_series(n: int, rows_per_batch: int = 100_000) -> list[bytes]:
    """One key with ``n`` points, in a stream of its own."""
    stream = os.urandom(16)
    values = np.cumsum(np.random.default_rng(1).normal(size=n))
    out = []
    for i, start in enumerate(range(0, n, rows_per_batch)):
        stop = min(start + rows_per_batch, n)
        body = {
            "n": stop - start,
            "steps": np.arange(start, stop, dtype="<i8").tobytes(),
            "times": (1.7e9 + np.arange(start, stop, dtype="<f8")).tobytes(),
            "cols": {"long": [None, values[start:stop].astype("<f8").tobytes()]},
        }
        out.append(encode_batch("bench", "ingest", "run1", stream, i,
                                encode_records([["history", body]])))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--rows-per-batch", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{'backend':<11} {'points':>9} {'s':>6} {'points/s':>11} "
          f"{'RSS MB before/half/after':>26} {'1k-bucket read of 1M ms':>24} "
          f"{'10k exact zoom ms':>18}")  # fmt: skip
    for backend in args.backends.split(","):
        r = run_backend(backend, args.steps, args.rows_per_batch)
        rss = f"{r['rss_before_mb']:.0f}/{r['rss_half_mb']:.0f}/{r['rss_after_mb']:.0f}"
        print(f"{backend:<11} {r['points']:>9.0f} {r['seconds']:>6.2f} {r['points_per_s']:>11,.0f}"
              f" {rss:>26} {r['coarse_ms']:>24.1f} {r['zoom_ms']:>18.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
