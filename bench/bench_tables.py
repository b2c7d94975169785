"""Benchmark server-side tables: a 1,000,000-row table with an image column (design 0010).

The table: ``id`` (int), ``label`` (one of 10 words), ``score`` (float in [0, 1)), ``img`` (an
``image-file`` reference, ~1,000 distinct images shared by reference across the rows), W&B's
table-file JSON. Figures, each the median (p50) of ``--reps`` tries, with their range:

- first rows of a new table from the file's beginning (the server's fast path while the table is
  built: read the first rows only, type them, answer a partial page);
- first rows, cold: parse the file, build the typed Arrow table, write the cache file, answer
  the first page of 100 (a fresh cache directory each try);
- first rows, warm: the cache file exists (a fresh process would map it): open + first page;
- first rows, hot: the table is already open in the process;
- filter (``score > 0.5 and label = cat``), sort (``score`` desc), sort by text (``label``,
  then ``id`` desc), group by ``label``: each one page of 100 on the hot table.

In process, through the functions the route calls (cache, query, JSON cells); then over HTTP
against a real server (SQLite) where the table was uploaded as a run file plus its value.

Over HTTP twice: with the server's ingest-time build turned off and on (the default: the
value's ingest queues the build). Either way the first query, sent as soon as the ingest
returned, is answered partially from the file's first rows (``partial: true``) while the build
runs; with the worker off the bench then asks again every 0.1 s until the full answer.
``--first-page`` measures only the fast path (in process and over HTTP, worker off).

    python bench/bench_tables.py [--rows 1000000] [--reps 5] [--no-http] [--first-page]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cairn.server.tables.cache import TableCache
from cairn.server.tables.load import TypedTable, build_table, load_parts
from cairn.server.tables.output import json_rows
from cairn.server.tables.prefix import read_prefix
from cairn.server.tables.query import SortKey, TableRequest, run_query
from tests.serverproc import start_server
from tests.wirehelp import new_stream, post_batch

WANDB_ROW_LIMIT = 200_000  # W&B's documented limit on rows per logged table
LABELS = ["cat", "dog", "cow", "fox", "owl", "bee", "elk", "yak", "emu", "ant"]
QUERIES: dict[str, dict[str, Any]] = {
    "filter": {"expr": "score > 0.5 and label = cat"},
    "sort (number)": {"sort": [{"column": "score", "order": "desc"}]},
    "sort (text, then number)": {
        "sort": [{"column": "label", "order": "asc"}, {"column": "id", "order": "desc"}]
    },
    "group by label": {"group_by": "label"},
}


def make_table(rows: int) -> bytes:
    """The table file's bytes."""
    rng = random.Random(7)
    images = []
    for i in range(1000):
        sha = hashlib.sha256(f"image {i}".encode()).hexdigest()
        images.append(
            {"_type": "image-file", "path": f"media/images/img_{i}_{sha[:8]}.png",
             "sha256": sha, "size": 20_000 + i, "format": "png", "width": 64, "height": 64}
        )  # fmt: skip
    data = [[i, rng.choice(LABELS), rng.random(), images[i % 1000]] for i in range(rows)]
    return orjson.dumps({"columns": ["id", "label", "score", "img"], "data": data})


def timed(fn: Callable[[], Any], reps: int) -> list[float]:
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} ms  ({min(samples):.1f}-{max(samples):.1f})"


def request_of(query: dict[str, Any]) -> TableRequest:
    sort = tuple(SortKey(s["column"], s["order"]) for s in query.get("sort", []))
    return TableRequest(expr=query.get("expr"), sort=sort, group_by=query.get("group_by"))


def first_page(table: TypedTable, request: TableRequest) -> list[Any]:
    page = run_query(table, request)
    return json_rows(table, page.rows, "run", lambda run, sha: f"/media/{run}/{sha}")


def chunks(raw: bytes, size: int = 1 << 20) -> Any:
    """The file as the local blob store streams it (1 MiB chunks)."""
    return (raw[at : at + size] for at in range(0, len(raw), size))


def prefix_page(raw: bytes) -> None:
    """What the server's fast path does: the first rows only, typed, one page of them."""
    prefix = read_prefix(chunks(raw), 100)
    if prefix is None or prefix.complete:
        sys.exit("the prefix reader did not take the fast path")
    first_page(build_table([str(c) for c in prefix.columns], prefix.rows), TableRequest())


def in_process(raw: bytes, reps: int, only_first: bool = False) -> dict[str, list[float]]:
    sha = hashlib.sha256(raw).hexdigest()
    ref = {"path": "media/table/t.table.json", "sha256": sha}
    figures: dict[str, list[float]] = {}
    figures["first rows, new table, from the file's beginning"] = timed(
        lambda: prefix_page(raw), reps
    )
    if only_first:
        return figures
    with tempfile.TemporaryDirectory() as tmp:

        def cold() -> None:
            cache = TableCache(Path(tmp) / f"cold{time.perf_counter_ns()}", 1 << 40)
            first_page(cache.get(sha, lambda: load_parts([ref], lambda _: raw)), TableRequest())

        figures["first rows, cold (parse + build + cache write)"] = timed(cold, max(2, reps // 2))
        warm_dir = Path(tmp) / "warm"
        TableCache(warm_dir, 1 << 40).get(sha, lambda: load_parts([ref], lambda _: raw))

        def warm() -> None:
            cache = TableCache(warm_dir, 1 << 40)
            first_page(cache.get(sha, lambda: sys.exit("cache miss")), TableRequest())

        figures["first rows, warm (cache file mapped)"] = timed(warm, reps)
        cache = TableCache(warm_dir, 1 << 40)
        table = cache.get(sha, lambda: sys.exit("cache miss"))
        figures["first rows, hot (table open)"] = timed(
            lambda: first_page(cache.get(sha, lambda: table), TableRequest()), reps
        )
        for name, query in QUERIES.items():
            request = request_of(query)
            figures[name] = timed(lambda r=request: first_page(table, r), reps)  # type: ignore[misc]
    return figures


def log_table(client: httpx.Client, raw: bytes, run_id: str) -> float:
    """Upload a table file and ingest its value; the ingest request's time in ms."""
    sha = hashlib.sha256(raw).hexdigest()
    assert client.put(f"/api/v1/blobs/{sha}", content=raw).status_code == 200
    ref = {"path": "media/table/preds_0_abcd.table.json", "sha256": sha}
    value = {"_type": "table-file", **ref, "size": len(raw), "ncols": 4}
    records = [
        ["file", {**ref, "size": len(raw)}],
        ["values", {"step": 0, "time": 1.0, "values": {"preds": value}}],
    ]
    start = time.perf_counter()
    post_batch(client, records, 0, new_stream(), run_id=run_id)
    return (time.perf_counter() - start) * 1000


def over_http(raw: bytes, reps: int, prebuild: bool) -> dict[str, list[float]]:
    """The figures over HTTP; ``prebuild``: the server builds the table's copy at ingest (its
    default), else the first query does (``CAIRN_SERVER_TABLE_PREBUILD_QUEUE=0``).

    With prebuild, two tables (two runs, different bytes): the first is queried as soon as its
    ingest returned (the query waits for the build under way instead of starting one); the
    second once its cache file appeared (a person opening the table a few seconds later).
    """
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {} if prebuild else {"CAIRN_SERVER_TABLE_PREBUILD_QUEUE": "0"}
        server = start_server(Path(tmp) / "data", env=env)
        try:
            with httpx.Client(base_url=server.base_url, timeout=600) as client:
                answers: list[dict[str, Any]] = []

                def ask(run_id: str, body: dict[str, Any]) -> None:
                    url = f"/api/v1/runs/team/proj/{run_id}/tables/query"
                    response = client.post(url, json={"key": "preds", **body})
                    response.raise_for_status()
                    answers.append(response.json())

                figures["ingest of the value (response)"] = [log_table(client, raw, "bench1")]
                returned = time.perf_counter()
                figures["first rows, sent as soon as ingest returned"] = timed(
                    lambda: ask("bench1", {}), 1
                )
                print(
                    f"  (that answer: partial={answers[-1].get('partial')}, "
                    f"{len(answers[-1]['rows'])} rows, total={answers[-1]['total']})"
                )
                if not prebuild:
                    while answers[-1].get("partial"):
                        time.sleep(0.1)
                        ask("bench1", {})
                    figures["full answer (ingest returned -> 1st non-partial, asking/0.1 s)"] = [
                        (time.perf_counter() - returned) * 1000
                    ]
                    figures["first rows, hot"] = timed(lambda: ask("bench1", {}), reps)
                    # the server's first query paid for lazy imports (pyarrow compute...): a
                    # second new table (other bytes) shows what a new table costs a warm server
                    log_table(client, raw + b" ", "bench2")
                    figures["first rows of a 2nd new table, same server"] = timed(
                        lambda: ask("bench2", {}), 1
                    )
                    print(f"  (that answer: partial={answers[-1].get('partial')})")
                    return figures
                other = raw + b" "  # same table, other bytes: another sha256, another build
                cached = server.data_dir / "cache" / "tables"
                cached /= f"{hashlib.sha256(other).hexdigest()}.arrow"
                figures["ingest of the value (response)"].append(log_table(client, other, "b2"))
                start = time.perf_counter()
                while not cached.exists():
                    time.sleep(0.05)
                waited = (time.perf_counter() - start) * 1000
                figures["background build (ingest returned -> cache file)"] = [waited]
                figures["first rows, once the background build is done"] = timed(
                    lambda: ask("b2", {}), 1
                )
                figures["first rows, hot"] = timed(lambda: ask("b2", {}), reps)
                for name, query in QUERIES.items():
                    figures[name] = timed(lambda q=query: ask("b2", q), reps)  # type: ignore[misc]
        finally:
            server.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--first-page", action="store_true", help="only the new-table fast path")
    args = parser.parse_args()
    start = time.perf_counter()
    raw = make_table(args.rows)
    print(
        f"table: {args.rows:,} rows x 4 columns, {len(raw) / 2**20:.0f} MiB of JSON "
        f"(made in {time.perf_counter() - start:.1f} s); W&B's documented limit: "
        f"{WANDB_ROW_LIMIT:,} rows per table"
    )
    print("\nin process (cache + query + JSON cells), p50 (range):")
    for name, samples in in_process(raw, args.reps, args.first_page).items():
        print(f"  {name:<48} {spread(samples)}")
    if not args.no_http:
        for prebuild in (False,) if args.first_page else (False, True):
            how = "built at ingest" if prebuild else "ingest-time build off"
            print(f"\nover HTTP (real server, SQLite, one worker; {how}), p50 (range):")
            for name, samples in over_http(raw, args.reps, prebuild).items():
                print(f"  {name:<48} {spread(samples)}")


if __name__ == "__main__":
    main()
