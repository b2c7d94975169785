"""Many paced writers at once: does every run arrive, and how fast does the server answer?

Each writer is its own process running the real SDK: ``--steps-per-s`` steps of ``--keys``
scalars for ``--seconds`` seconds, then ``finish(timeout=...)``. Afterwards the server is asked
for every series of every run: a run is complete when each key has exactly the steps logged
(none lost, none duplicated). Ingest latency comes from the server's own /metrics histogram.

Usage:
    python bench/bench_load.py --writers 50 --seconds 60            # SQLite, default server
    python bench/bench_load.py --writers 50 --db postgresql+psycopg://127.0.0.1/test --servers 2
Loopback only; every loop is bounded by --seconds and the finish timeout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverproc import ServerProcess, start_server

WRITER = r"""
import json, sys, time
import cairn
url, run_id, steps_per_s, keys, seconds, timeout = sys.argv[1:7]
steps_per_s, keys, seconds, timeout = int(steps_per_s), int(keys), float(seconds), float(timeout)
settings = {"base_url": url, "show_progress": False, "capture_console": False}
run = cairn.init(project="load", id=run_id, settings=settings)
names = [f"k{i}" for i in range(keys)]
start = time.perf_counter()
step = 0
while time.perf_counter() - start < seconds:
    due = start + step / steps_per_s
    pause = due - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    run.log({n: step + i * 0.5 for i, n in enumerate(names)})
    step += 1
loop_s = time.perf_counter() - start
t0 = time.perf_counter()
run.finish(timeout_s=timeout)
finish_s = time.perf_counter() - t0
print(json.dumps({"path": run.path, "steps": step, "loop_s": loop_s, "finish_s": finish_s}))
"""


def histogram_quantiles(metrics: str, route: str) -> tuple[float, float, int]:
    """p50 and p99 (upper bucket bounds) and count of one route's request durations."""
    buckets: list[tuple[float, float]] = []
    for line in metrics.splitlines():
        if line.startswith("cairn_http_request_duration_seconds_bucket") and route in line:
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0.0

    def quantile(q: float) -> float:
        for bound, count in buckets:
            if count >= q * total:
                return bound
        return float("nan")

    return quantile(0.5), quantile(0.99), int(total)


def check_runs(client: httpx.Client, results: dict[str, dict[str, Any]], keys: int) -> list[str]:
    """Runs whose series on the server are not exactly the steps the writer logged."""
    bad = []
    for run_id, result in results.items():
        listed = client.get(f"/api/v1/runs/{result['path']}/keys")
        counts = {k["key"]: k["count"] for k in listed.json().get("keys", [])}
        expected = int(result["steps"])
        if any(counts.get(f"k{i}") != expected for i in range(keys)):
            bad.append(f"{run_id}: {expected} steps logged, server has {counts}")
    return bad


def main() -> None:
    """Parse arguments and run (on a throwaway PostgreSQL schema when asked)."""
    args = _parser().parse_args()
    if args.db == "postgres":
        from tests.dbhelp import pg_schema

        with pg_schema("load") as url:
            args.db = url
            run(args)
    else:
        run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--steps-per-s", type=int, default=100)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--finish-timeout", type=float, default=60)
    parser.add_argument(
        "--db",
        help="database URL (default: SQLite in a temp dir); 'postgres' = a fresh schema on the "
        "test database at 127.0.0.1:5432, dropped afterwards",
    )
    parser.add_argument("--servers", type=int, default=1, help="server processes on one database")
    parser.add_argument("--workers", type=int, help="workers per server (default: the server's)")
    return parser


def run(args: argparse.Namespace) -> None:
    """Start the servers and the writers, then check every run and print the figures."""

    tmp = Path(tempfile.mkdtemp(prefix="cairn-load-"))
    from cairn.server.settings import default_workers

    # the default server: as many workers as it would pick itself (tests' helper pins one)
    extra = ["--workers", str(args.workers or default_workers())]
    servers: list[ServerProcess] = []
    for i in range(args.servers):
        data = tmp / f"server{i}"
        blobs = ["--blobs", str(tmp / "blobs")]
        servers.append(start_server(data, db_url=args.db or f"sqlite:///{tmp}/cairn.db",
                                    extra_args=[*extra, *blobs]))  # fmt: skip
    try:
        procs = []
        t0 = time.perf_counter()
        for w in range(args.writers):
            url = servers[w % len(servers)].base_url
            command = [sys.executable, "-c", WRITER, url, f"w{w:07d}", str(args.steps_per_s),
                       str(args.keys), str(args.seconds), str(args.finish_timeout)]  # fmt: skip
            procs.append(
                (f"w{w:07d}", subprocess.Popen(command, stdout=subprocess.PIPE, cwd=tmp, text=True))
            )
        results: dict[str, dict[str, Any]] = {}
        for run_id, proc in procs:
            out, _ = proc.communicate(timeout=args.seconds + args.finish_timeout + 120)
            results[run_id] = json.loads(out.strip().splitlines()[-1])
        wall = time.perf_counter() - t0
        client = httpx.Client(base_url=servers[0].base_url, timeout=60)
        bad = check_runs(client, results, args.keys)
        finish = sorted(r["finish_s"] for r in results.values())
        points = sum(r["steps"] for r in results.values()) * args.keys
        db = "postgresql" if (args.db or "").startswith("postgresql") else "sqlite"
        print(f"{args.writers} writers x {args.steps_per_s} steps/s x {args.keys} keys for "
              f"{args.seconds:.0f} s on {args.servers} server(s), db={db}")  # fmt: skip
        print(f"points: {points:,} in {wall:.1f} s wall ({points / wall:,.0f} points/s offered)")
        print(f"runs complete (every step of every key, once): {len(results) - len(bad)} of "
              f"{len(results)}")  # fmt: skip
        print(f"finish(): median {statistics.median(finish):.2f} s, max {finish[-1]:.2f} s")
        for server in servers:
            metrics = httpx.get(f"{server.base_url}/metrics").text
            p50, p99, n = histogram_quantiles(metrics, 'route="/api/v1/ingest"')
            shed = sum(
                float(line.split()[-1])
                for line in metrics.splitlines()
                if line.startswith("cairn_http_requests_total")
                and "/api/v1/ingest" in line
                and 'status="4xx"' in line
            )
            print(f"{server.base_url}: ingest requests {n}, p50 <= {p50 * 1000:.0f} ms, "
                  f"p99 <= {p99 * 1000:.0f} ms, 4xx (incl. 429) {shed:.0f}")  # fmt: skip
        for line in bad[:10]:
            print("INCOMPLETE", line)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
