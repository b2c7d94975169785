"""What the per-bucket std costs a coarse read: one 1M-point series, 1,000-bucket windows.

Measures, in one process without HTTP, the warm median of ``--repeat`` reads of

* ``blocks``: a 1,000-bucket ``read_window`` of the whole 1M-point series (block summaries);
* ``points``: a 1,000-bucket window of 60k points (under the decode-all threshold, so bucketed
  from decoded points);
* ``fold``: ``reduce_partials`` alone over the 1M-point series' 15,625 block partials;

on SQLite and PostgreSQL (chunk 4,096). The store computes std on every bucketed read, so
before/after is this script run against two trees: ``PYTHONPATH`` picks which ``cairn`` is
measured. Runs ``--rounds`` rounds and prints each round's medians, then the median of rounds,
so that two trees can be run alternately on a shared machine.

Usage: PYTHONPATH=<tree> python bench/bench_series_std.py [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from sqlalchemy import Engine, select

import cairn
from cairn.server.series import codec
from cairn.server.series.downsample import block_partials, bucket_width, reduce_partials
from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.schema import series, series_chunks
from cairn.server.store.sql.series import SqlSeriesStore
from tests.dbhelp import insert_run, pg_schema

BATCH = 10_000
BUCKETS = 1000


def median_ms(fn: Callable[[], object], repeat: int) -> float:
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
    with pg_schema("bench_series_std") as url:
        yield url


def fill(engine: Engine, store: SqlSeriesStore, run_pk: int, key: str, n: int) -> None:
    """A random walk of ``n`` points in batches of 10k."""
    values = np.cumsum(np.random.default_rng(0).normal(size=n))
    for start in range(0, n, BATCH):
        steps = np.arange(start, min(start + BATCH, n), dtype=np.int64)
        with engine.begin() as conn:
            store.append(conn, run_pk, key, "history", steps, 1.7e9 + steps * 0.01, values[steps])


def fold_ms(engine: Engine, n: int, repeat: int) -> float:
    """``reduce_partials`` over the block partials of the whole series ``y``."""
    c = series_chunks.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.blocks, c.codec, c.points)
            .join(series, series.c.pk == c.series_pk)
            .where(series.c.key == "y", c.sealed.is_(True))
            .order_by(c.seq)
        ).all()
    blocks = codec.decode_many_blocks([(r[0], r[1], codec.blocks_in(r[2])) for r in rows])
    width = bucket_width(0.0, n - 1.0, BUCKETS)
    order = np.arange(len(blocks), dtype=np.int64) * codec.BLOCK
    return median_ms(
        lambda: reduce_partials([block_partials(blocks, "step", order, 0.0, width, BUCKETS)]),
        repeat,
    )


def measure(url: str, n: int, rounds: int, repeat: int) -> list[tuple[float, float, float]]:
    """(blocks ms, points ms, fold ms) per round."""
    engine = open_engine(url)
    upgrade(engine)
    try:
        run_pk = insert_run(engine, entity="b", run_id="r")
        store = SqlSeriesStore()
        fill(engine, store, run_pk, "y", n)
        fill(engine, store, run_pk, "small", 60_000)

        def read(key: str) -> Callable[[], None]:
            def go() -> None:
                with engine.connect() as conn:
                    window = store.read_window(conn, run_pk, key, "step", None, None, BUCKETS)
                assert window.mode == "buckets"

            return go

        return [
            (
                median_ms(read("y"), repeat),
                median_ms(read("small"), repeat),
                fold_ms(engine, n, repeat),
            )
            for _ in range(rounds)
        ]
    finally:
        engine.dispose()


def main() -> None:
    """Print one row per backend and round, then the medians of the rounds."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"cairn from {cairn.__file__}")
    print("| backend | round | 1M pts, 1k buckets ms | 60k pts, 1k buckets ms | fold ms |")
    print("|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        with database(backend) as url:
            rows = measure(url, args.points, args.rounds, args.repeat)
        for i, (blocks, points, fold) in enumerate(rows, 1):
            print(f"| {backend} | {i} | {blocks:.2f} | {points:.2f} | {fold:.3f} |", flush=True)
        med = [statistics.median(col) for col in zip(*rows, strict=True)]
        print(f"| {backend} | median | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
