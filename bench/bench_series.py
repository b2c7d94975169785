"""Series store chunk-size study: in-process append and read times per chunk size.

For chunk sizes 1k..16k points, on SQLite and PostgreSQL: append a 1M-point series in batches
of 100k, then time a 1,000-bucket read of the whole series and an exact 10k-point window
(median of 30, warm), and report stored bytes per point.

Usage: python bench/bench_series.py [--backends sqlite,postgresql] [--points 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.migrate import upgrade
from cairn.server.store.sql.schema import entities, projects, runs, series_chunks
from cairn.server.store.sql.series import SqlSeriesStore

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def make_run(engine: object) -> int:
    now = time.time()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        ent = conn.execute(
            insert(entities).values(name="b", kind="team", created_at=now).returning(entities.c.pk)
        ).scalar_one()
        proj = conn.execute(
            insert(projects).values(entity_pk=ent, name="p", visibility="private", description="",
                                    created_at=now, updated_at=now).returning(projects.c.pk)
        ).scalar_one()  # fmt: skip
        return int(conn.execute(
            insert(runs).values(project_pk=proj, id="r", name="r", state="running", config={},
                                summary={}, tags=[], notes="", created_at=now, updated_at=now,
                                heartbeat_at=now, console_lines=0).returning(runs.c.pk)
        ).scalar_one())  # fmt: skip


def median_ms(fn: object, repeat: int = 30) -> float:
    fn()  # type: ignore[operator]
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def measure(url: str, chunk: int, n: int) -> tuple[float, float, float, float]:
    engine = open_engine(url)
    upgrade(engine)
    run_pk = make_run(engine)
    store = SqlSeriesStore(chunk)
    values = np.cumsum(np.random.default_rng(0).normal(size=n))
    t0 = time.perf_counter()
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        with engine.begin() as conn:
            steps = np.arange(start, stop)
            times = 1.7e9 + steps.astype(np.float64)
            store.append(conn, run_pk, "y", "history", steps, times, values[start:stop])
    append_s = time.perf_counter() - t0

    def coarse() -> None:
        with engine.connect() as conn:
            store.read_window(conn, run_pk, "y", "step", None, None, 1000)

    def zoom() -> None:
        with engine.connect() as conn:
            store.read_window(conn, run_pk, "y", "step", n // 2, n // 2 + 9_999, 10_000)

    with engine.connect() as conn:
        stored = conn.scalar(
            select(
                func.sum(func.length(series_chunks.c.data) + func.length(series_chunks.c.blocks))
            )
        )
    result = (n / append_s, median_ms(coarse), median_ms(zoom), float(stored or 0) / n)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--chunks", default="1024,2048,4096,8192,16384")
    args = parser.parse_args()
    print(f"{'backend':<11} {'chunk':>6} {'append pts/s':>13} {'1k-bucket ms':>13} "
          f"{'10k exact ms':>13} {'bytes/pt':>9}")  # fmt: skip
    for backend in args.backends.split(","):
        for chunk in [int(c) for c in args.chunks.split(",")]:
            if backend == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp()}/s.db"
                r = measure(url, chunk, args.points)
            else:
                schema = f"bs_{uuid.uuid4().hex[:8]}"
                admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                try:
                    r = measure(f"{PG_ADMIN}?options=-csearch_path%3D{schema}", chunk, args.points)
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            print(f"{backend:<11} {chunk:>6} {r[0]:>13,.0f} {r[1]:>13.1f} {r[2]:>13.1f} "
                  f"{r[3]:>9.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
