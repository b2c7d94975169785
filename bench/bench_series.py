"""Series store benchmark: append throughput and read times per chunk size, SQLite and PostgreSQL.

For each backend and chunk size (1k..16k points), in one process without HTTP:

* append: 10 keys x 100k steps, one transaction per batch of 10k rows (10 appends of 10k points);
* a 1M-point series appended in batches of 10k, then the warm median of 30 reads of
  - a 1,000-bucket ``read_window`` of the whole series,
  - an exact zoomed window of 10k points (``buckets`` = 10,000),
  each read on a fresh pooled connection as a request would;
* stored bytes per point (chunk data + block summaries).

Usage: python bench/bench_series.py [--backends sqlite,postgresql] [--chunks 1024,...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.schema import series, series_chunks
from cairn.server.store.sql.series import SqlSeriesStore
from tests.dbhelp import insert_run, pg_schema

BATCH = 10_000


def median_ms(fn: Callable[[], object], repeat: int = 30) -> float:
    """Warm median wall time of ``fn`` in milliseconds."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A URL of an empty database: a temp SQLite file or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/series.db"
        return
    with pg_schema("bench_series") as url:
        yield url


def append_rate(engine: Engine, store: SqlSeriesStore, run_pk: int) -> float:
    """Points per second for 10 keys x 100k steps in transactions of 10k rows."""
    rng = np.random.default_rng(1)
    keys = [f"train/metric_{k}" for k in range(10)]
    t0 = time.perf_counter()
    for start in range(0, 100_000, BATCH):
        steps = np.arange(start, start + BATCH, dtype=np.int64)
        times = 1.7e9 + steps * 0.01
        with engine.begin() as conn:
            for key in keys:
                store.append(conn, run_pk, key, "history", steps, times, rng.normal(size=BATCH))
    return 10 * 100_000 / (time.perf_counter() - t0)


def measure(url: str, chunk: int, n: int) -> tuple[float, float, float, float]:
    """(append points/s, 1k-bucket ms, 10k exact ms, bytes/point) for one chunk size."""
    engine = open_engine(url)
    upgrade(engine)
    try:
        run_pk = insert_run(engine, entity="b", run_id="r")
        store = SqlSeriesStore(chunk)
        rate = append_rate(engine, store, run_pk)
        values = np.cumsum(np.random.default_rng(0).normal(size=n))
        for start in range(0, n, BATCH):
            steps = np.arange(start, min(start + BATCH, n), dtype=np.int64)
            with engine.begin() as conn:
                store.append(
                    conn, run_pk, "y", "history", steps, 1.7e9 + steps * 0.01, values[steps]
                )

        def coarse() -> None:
            with engine.connect() as conn:
                window = store.read_window(conn, run_pk, "y", "step", None, None, 1000)
            assert window.total == n

        def zoom() -> None:
            with engine.connect() as conn:
                window = store.read_window(
                    conn, run_pk, "y", "step", n // 2, n // 2 + 9_999, 10_000
                )
            assert window.mode == "exact"

        with engine.connect() as conn:
            stored = conn.scalar(
                select(
                    func.sum(
                        func.length(series_chunks.c.data)
                        + func.coalesce(func.length(series_chunks.c.blocks), 0)
                    )
                )
                .join(series, series.c.pk == series_chunks.c.series_pk)
                .where(series.c.key == "y")
            )
        return rate, median_ms(coarse), median_ms(zoom), float(stored or 0) / n
    finally:
        engine.dispose()


def main() -> None:
    """Print one table row per backend and chunk size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--chunks", default="1024,2048,4096,8192,16384")
    args = parser.parse_args()
    print("| backend | chunk | append pts/s | 1k-bucket ms | 10k exact ms | bytes/pt |")
    print("|---|---:|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for chunk in [int(c) for c in args.chunks.split(",")]:
            with database(backend) as url:
                rate, coarse, zoom, size = measure(url, chunk, args.points)
            print(
                f"| {backend} | {chunk:,} | {rate:,.0f} | {coarse:.1f} | {zoom:.1f} | {size:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
