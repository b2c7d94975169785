"""What the per-bucket std costs a coarse read: one 1M-point series, 1,000-bucket windows.

In one process without HTTP, on SQLite and PostgreSQL (chunk 4,096), times reads

* ``1M``: a 1,000-bucket ``read_window`` of a whole 1M-point series (from block summaries);
* ``60k``: a 1,000-bucket window of a 60k-point series (under the decode-all threshold, so
  bucketed from decoded points);
* ``fold``: ``block_partials`` + ``reduce_partials`` alone over the 1M series' 15,625 blocks;

each with std computed (``on``, what the store does) and with the two std steps replaced by
zeros (``off``, the work of a read before std), alternating on/off read by read, ``--rounds``
times, so that the noise of a shared machine falls on both alike. Prints medians.

Usage: python bench/bench_series_std.py [--backends sqlite,postgresql] [--rounds 200]
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
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cairn.server.series import codec, downsample
from cairn.server.series.downsample import block_partials, bucket_width, reduce_partials
from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.schema import series, series_chunks
from cairn.server.store.sql.series import SqlSeriesStore
from tests.dbhelp import insert_run, pg_schema

BATCH = 10_000
BUCKETS = 1000


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
        times = (1.7e9 + steps * 0.01).astype(np.float64)
        with engine.begin() as conn:
            store.append(conn, run_pk, key, "history", steps, times, values[steps])


def block_array(engine: Engine) -> npt.NDArray[Any]:
    """The decoded block summaries of the whole series ``y``."""
    c = series_chunks.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.blocks, c.codec, c.points)
            .join(series, series.c.pk == c.series_pk)
            .where(series.c.key == "y", c.sealed.is_(True))
            .order_by(c.seq)
        ).all()
    return codec.decode_many_blocks([(r[0], r[1], codec.blocks_in(r[2])) for r in rows])


@contextmanager
def std_switched(on: bool) -> Iterator[None]:
    """Reads as they are (on), or with the std steps answering zeros (off)."""
    if on:
        yield
        return
    real_std, real_m2 = downsample._std, downsample.block_m2
    downsample._std = lambda cat, starts, ends, mean, n_finite: np.zeros(len(starts))
    downsample.block_m2 = lambda blocks: np.zeros(len(blocks))
    try:
        yield
    finally:
        downsample._std, downsample.block_m2 = real_std, real_m2


def measure(url: str, n: int, rounds: int) -> dict[tuple[str, bool], float]:
    """Median ms of each (what, std on) over ``rounds`` alternating rounds."""
    engine = open_engine(url)
    upgrade(engine)
    try:
        run_pk = insert_run(engine, entity="b", run_id="r")
        store = SqlSeriesStore()
        fill(engine, store, run_pk, "y", n)
        fill(engine, store, run_pk, "small", 60_000)
        blocks = block_array(engine)
        width = bucket_width(0.0, n - 1.0, BUCKETS)
        order = np.arange(len(blocks), dtype=np.int64) * codec.BLOCK

        def read(key: str) -> None:
            with engine.connect() as conn:
                window = store.read_window(conn, run_pk, key, "step", None, None, BUCKETS)
            assert window.mode == "buckets"

        def fold() -> None:
            reduce_partials([block_partials(blocks, "step", order, 0.0, width, BUCKETS)])

        jobs: dict[str, Callable[[], None]] = {
            "1M": lambda: read("y"),
            "60k": lambda: read("small"),
            "fold": fold,
        }
        samples: dict[tuple[str, bool], list[float]] = {
            (what, on): [] for what in jobs for on in (False, True)
        }
        for _ in range(rounds + 1):  # the first round warms up and is dropped
            for on in (False, True):
                with std_switched(on):
                    for what, job in jobs.items():
                        t0 = time.perf_counter()
                        job()
                        samples[(what, on)].append(time.perf_counter() - t0)
        return {k: statistics.median(v[1:]) * 1000 for k, v in samples.items()}
    finally:
        engine.dispose()


def main() -> None:
    """Print one row per backend and read: median ms without and with std."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    print("| backend | read | std off ms | std on ms | cost ms |")
    print("|---|---|---:|---:|---:|")
    for backend in args.backends.split(","):
        with database(backend) as url:
            got = measure(url, args.points, args.rounds)
        for what in ("1M", "60k", "fold"):
            off, on = got[(what, False)], got[(what, True)]
            print(f"| {backend} | {what} | {off:.2f} | {on:.2f} | {on - off:+.2f} |", flush=True)


if __name__ == "__main__":
    main()
