"""Benchmark the runs page query on SQLite and PostgreSQL at 1k, 10k and 100k runs.

Each run has 20 config keys (``optimizer`` one of three values) and 20 summary keys (``acc``;
2% of runs lack it). Timed, warm, median of repetitions, in one process against a local database:
filter ``config.optimizer == "adam"`` + sort ``-summary.acc``, first page of 50; the next page by
cursor; the offset-mode window (offset 0, 50 rows, with the total count); the count alone.

    python bench/bench_runs_query.py [--sizes 1000,10000,100000] [--backends sqlite,postgresql]
        [--reps 25] [--explain] [--write-results]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cairn.server.query.runs import RunsQuery
from cairn.server.store.sql import kv
from cairn.server.store.sql.engine import open_engine
from cairn.server.store.sql.schema import entities, metadata, projects, run_kv, runs

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FILTER = {"config.optimizer": "adam"}
ORDER = "-summary.acc"
BATCH = 2000


@contextmanager
def database(backend: str) -> Iterator[Engine]:
    """A fresh database with Cairn's schema: a temp SQLite file or a PostgreSQL schema."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_engine(f"sqlite:///{tmp}/bench.db")
            metadata.create_all(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = open_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_run(i: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Config, summary and tags of run ``i``."""
    config: dict[str, Any] = {
        "optimizer": rng.choice(["adam", "sgd", "rmsprop"]),
        "lr": 10 ** rng.uniform(-5, -1),
        "batch_size": rng.choice([16, 32, 64, 128]),
        "model": {"depth": rng.randint(2, 48), "width": rng.choice([256, 512, 1024])},
    }
    for j in range(len(config) + 1, 21):
        config[f"param_{j}"] = rng.random() if j % 2 else f"choice-{rng.randint(0, 9)}"
    summary: dict[str, Any] = {"loss": rng.random(), "_step": rng.randint(100, 100_000)}
    if rng.random() > 0.02:
        summary["acc"] = rng.random()
    for j in range(len(summary) + 1, 21):
        summary[f"metric_{j}"] = rng.gauss(0, 1)
    tags = rng.sample(["baseline", "ablation", "v1", "v2", "prod", "debug"], 2)
    return config, summary, tags


def populate(
    engine: Engine, n_runs: int, entity: str = "bench", project: str = "p", first_pk: int = 1
) -> int:
    """Insert one project with ``n_runs`` runs and their run_kv rows; return the project pk.

    Run pks start at ``first_pk`` (several projects in one database need disjoint ranges).
    """
    rng = random.Random(n_runs)
    now = time.time()
    with engine.begin() as conn:
        ent = conn.scalar(select(entities.c.pk).where(entities.c.name == entity))
        if ent is None:
            ent = conn.execute(
                entities.insert().values(name=entity, kind="team", created_at=now)
            ).inserted_primary_key[0]
        project_pk = conn.execute(
            projects.insert().values(
                entity_pk=ent,
                name=project,
                visibility="private",
                description="",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    for start in range(0, n_runs, BATCH):
        made = [make_run(i, rng) for i in range(start, min(n_runs, start + BATCH))]
        run_rows = [
            {
                "pk": first_pk + start + i,
                "project_pk": project_pk,
                "id": f"r{start + i:07d}",
                "name": f"run-{start + i}",
                "state": "finished",
                "config": config,
                "summary": summary,
                "tags": tags,
                "notes": "",
                "created_at": now - n_runs + start + i,
                "updated_at": now,
                "heartbeat_at": now,
                "console_lines": 0,
            }
            for i, (config, summary, tags) in enumerate(made)
        ]
        kv_rows: list[dict[str, Any]] = []
        for row in run_rows:
            pk = row["pk"]
            for prefix in ("config", "summary"):
                kv_rows += [
                    kv.kv_row(pk, project_pk, key, value)
                    for key, value in kv.flatten(prefix, row[prefix]).items()
                ]
            kv_rows += kv.tag_rows(pk, project_pk, row["tags"])
        with engine.begin() as conn:
            conn.execute(runs.insert(), run_rows)
            conn.execute(run_kv.insert(), kv_rows)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('runs', 'pk'), :n)"),
                {"n": first_pk + n_runs - 1},
            )
            conn.commit()
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return int(project_pk)


def median_ms(fn: Callable[[], object], reps: int) -> float:
    """Median wall time of ``fn`` in milliseconds, after three warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def explain(engine: Engine, project_pk: int, cursor: str | None) -> None:
    """Print the plan of each segment SELECT of the benchmark query."""
    query = RunsQuery(project_pk, FILTER, ORDER)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    for segment in [query._segment(0)]:
        stmt = query._ordered(segment).limit(51)
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as conn:
            for row in conn.exec_driver_sql(prefix + sql):
                print("   ", " | ".join(str(c) for c in row))
        print("    --")
    count_sql = select_count_sql(engine, query)
    with engine.connect() as conn:
        for row in conn.exec_driver_sql(prefix + count_sql):
            print("   ", " | ".join(str(c) for c in row))


def select_count_sql(engine: Engine, query: RunsQuery) -> str:
    """The count query's SQL with literals inlined (for EXPLAIN)."""
    from sqlalchemy import func

    from cairn.server.query.sqlfilter import compile_filter

    where = compile_filter(query.filter, query.project_pk, drive=True)
    stmt = select(func.count()).select_from(runs).where(runs.c.project_pk == query.project_pk)
    stmt = stmt.where(where)
    return str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))


def bench(backend: str, n_runs: int, reps: int, show_plans: bool) -> dict[str, float]:
    """Load one database and time the four measurements."""
    with database(backend) as engine:
        t0 = time.perf_counter()
        project_pk = populate(engine, n_runs)
        load_s = time.perf_counter() - t0
        with engine.connect() as conn:
            first = RunsQuery(project_pk, FILTER, ORDER).page(conn, limit=50)
            assert first.next_cursor is not None
            assert len(first.rows) == 50
            cursor = first.next_cursor

            def first_page() -> object:
                return RunsQuery(project_pk, FILTER, ORDER).page(conn, limit=50)

            def next_page() -> object:
                return RunsQuery(project_pk, FILTER, ORDER).page(conn, limit=50, cursor=cursor)

            def window() -> object:
                return RunsQuery(project_pk, FILTER, ORDER).window(conn, offset=0, limit=50)

            def count() -> object:
                return RunsQuery(project_pk, FILTER, ORDER).count(conn)

            result = {
                "load_s": load_s,
                "first_page_ms": median_ms(first_page, reps),
                "next_page_ms": median_ms(next_page, reps),
                "window_ms": median_ms(window, reps),
                "count_ms": median_ms(count, reps),
            }
            conn.rollback()
        if show_plans:
            explain(engine, project_pk, cursor)
        return result


def main() -> None:
    """Run the benchmark and print (and optionally record) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reps", type=int, default=25)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()
    results: list[tuple[str, int, dict[str, float]]] = []
    for backend in args.backends.split(","):
        for n_runs in (int(s) for s in args.sizes.split(",")):
            figures = bench(backend, n_runs, args.reps, args.explain)
            results.append((backend, n_runs, figures))
            print(
                f"{backend:10} {n_runs:>7} runs  load {figures['load_s']:6.1f} s  "
                f"first {figures['first_page_ms']:6.2f} ms  "
                f"next {figures['next_page_ms']:6.2f} ms  "
                f"window+total {figures['window_ms']:6.2f} ms  count {figures['count_ms']:6.2f} ms",
                flush=True,
            )
    if args.write_results:
        write_results(results, " ".join(["python", *sys.argv]))


def write_results(results: list[tuple[str, int, dict[str, float]]], command: str) -> None:
    """Replace the "## Runs query" section of bench/RESULTS.md, leaving other sections alone."""
    lines = [
        "## Runs query",
        "",
        f'2026-11-23, `{command}`; filter `config.optimizer == "adam"`, sort `-summary.acc`,',
        "50 rows per page; warm median in ms, one process on the local database (no HTTP).",
        "",
        "| backend | runs | first page | next page (cursor) | offset window + total | count |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend, n_runs, f in results:
        lines.append(
            f"| {backend} | {n_runs:,} | {f['first_page_ms']:.2f} | {f['next_page_ms']:.2f} "
            f"| {f['window_ms']:.2f} | {f['count_ms']:.2f} |"
        )
    section = "\n".join(lines) + "\n"
    path = Path(__file__).with_name("RESULTS.md")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find("## Runs query")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + section + ("\n" + old[end + 1 :] if end >= 0 else "")
    path.write_text(new)


if __name__ == "__main__":
    main()
