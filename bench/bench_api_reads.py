"""``cairn.Api`` reads against a real server: from a fresh script, and with a reused Api.

A real ``cairn server`` on loopback (SQLite) holds one run with a 250,000-point series and two
projects of runs made like bench_runs_query.py's (500 and 10,000 runs). Timed:

- fresh process (``python -c``, median of ``--fresh`` interpreters): from before ``import cairn``
  to the answer, and the whole command's wall time minus that of ``python -c pass``, for
  (a) ``api.run(path).history(keys=["loss"], samples=500, pandas=False)`` of the 250k series,
  (b) ``list(api.runs("bench/p500", filters={"config.optimizer": "adam"}, order="-summary.acc"))``
  (167 of the 500 runs);
- warm process, 10,000 runs: the first page of 50 of the same query with a reused ``cairn.Api``
  and with a new ``cairn.Api()`` per call (median of ``--reps``);
- the server's share: the same request through a kept-alive ``http.client`` connection, and the
  query in process on the database (``RunsQuery.page``).

``--baseline DIR`` runs the measurements a second time with the ``cairn`` package in DIR (e.g.
``git archive <commit> cairn | tar -x -C DIR``), SDK and server alike (a second server, loaded
with the same data), interleaved, so both sets of figures come from the same minutes of this
noisy machine.

Usage: python bench/bench_api_reads.py [--fresh 15] [--reps 50] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_runs_query import populate
from cairn.server.query.runs import RunsQuery
from cairn.server.store.sql.engine import open_engine
from cairn.wire import CONTENT_TYPE, encode_batch, encode_records
from tests.serverproc import start_server

SERIES_POINTS = 250_000
FILTER = {"config.optimizer": "adam"}
ORDER = "-summary.acc"

FRESH = r"""
import sys, time
t0 = time.perf_counter()
import cairn
api = cairn.Api(sys.argv[1])
if sys.argv[2] == "history":
    answer = api.run("bench/series/r1").history(keys=["loss"], samples=500, pandas=False)
else:
    answer = list(api.runs("bench/p500", filters={"config.optimizer": "adam"},
                           order="-summary.acc"))
elapsed = time.perf_counter() - t0
print(len(answer), elapsed * 1000, sorted(m for m in ("httpx", "numpy", "pandas", "ssl")
                                          if m in sys.modules))
"""

WARM = r"""
import itertools, json, statistics, sys, time
import cairn
url, reps = sys.argv[1], int(sys.argv[2])
def first_page(api):
    runs = api.runs("bench/p10k", filters={"config.optimizer": "adam"}, order="-summary.acc",
                    per_page=50)
    page = list(itertools.islice(iter(runs), 50))
    assert len(page) == 50
api = cairn.Api(url)
for _ in range(5):
    first_page(api)
reused, fresh = [], []
for _ in range(reps):
    t0 = time.perf_counter(); first_page(api); reused.append(time.perf_counter() - t0)
    t0 = time.perf_counter(); first_page(cairn.Api(url)); fresh.append(time.perf_counter() - t0)
print(json.dumps({"reused": [t * 1000 for t in reused], "fresh": [t * 1000 for t in fresh]}))
"""


def load(server_url: str, db_path: Path) -> None:
    """A 250k-point series and the 500- and 10,000-run projects."""
    rng = np.random.default_rng(1)
    values = np.cumsum(rng.normal(size=SERIES_POINTS))
    stream = os.urandom(16)
    with httpx.Client(base_url=server_url, timeout=120) as client:
        for offset, start in enumerate(range(0, SERIES_POINTS, 50_000)):
            stop = min(start + 50_000, SERIES_POINTS)
            body = {
                "n": stop - start,
                "steps": np.arange(start, stop, dtype="<i8").tobytes(),
                "times": (1.7e9 + np.arange(start, stop, dtype="<f8")).tobytes(),
                "cols": {"loss": [None, values[start:stop].astype("<f8").tobytes()]},
            }
            batch = encode_batch(
                "bench", "series", "r1", stream, offset, encode_records([["history", body]])
            )
            client.post(
                "/api/v1/ingest", content=batch, headers={"Content-Type": CONTENT_TYPE}
            ).raise_for_status()
    engine = open_engine(f"sqlite:///{db_path}")
    try:
        populate(engine, 500, project="p500", first_pk=1_000_000)
        populate(engine, 10_000, project="p10k", first_pk=2_000_000)
    finally:
        engine.dispose()


def spread(samples: list[float]) -> str:
    """``median (min-max)`` in ms."""
    return f"{statistics.median(samples):7.1f} ({min(samples):.1f}-{max(samples):.1f})"


def child_env(sdk_dir: Path) -> dict[str, str]:
    """The environment for a child that imports ``cairn`` from ``sdk_dir``."""
    return {**os.environ, "PYTHONPATH": str(sdk_dir)}


def python_start_ms(n: int) -> list[float]:
    """Wall times of ``python -c pass``."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def fresh_read(url: str, what: str, sdk_dir: Path, cwd: Path) -> tuple[float, float, str]:
    """(ms from before ``import cairn`` to the answer, wall ms of the command, heavy modules)."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", FRESH, url, what],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(sdk_dir),
        cwd=cwd,
    )
    wall = (time.perf_counter() - t0) * 1000
    count, inner, modules = out.stdout.strip().split(" ", 2)
    expected = {"history": 500, "runs": 167}[what]
    assert abs(int(count) - expected) <= 20, (what, count)
    return float(inner), wall, modules


def warm_query(url: str, reps: int, sdk_dir: Path, cwd: Path) -> dict[str, list[float]]:
    """Reused-Api and new-Api first-page times from one warm child process."""
    out = subprocess.run(
        [sys.executable, "-c", WARM, url, str(reps)],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(sdk_dir),
        cwd=cwd,
    )
    result: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def server_share(url: str, db_path: Path, reps: int) -> dict[str, list[float]]:
    """The query over a raw kept-alive connection, and in process on the database."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    body = json.dumps({"filters": FILTER, "order": ORDER, "limit": 50}).encode()
    raw = []
    for i in range(reps + 5):
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/projects/bench/p10k/runs/query", body,
                     {"Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        data = response.read()
        if i >= 5:
            raw.append((time.perf_counter() - t0) * 1000)
        assert response.status == 200, data[:200]
    conn.close()
    engine = open_engine(f"sqlite:///{db_path}")
    inproc = []
    try:
        with engine.connect() as db:
            from sqlalchemy import text

            project_pk = db.scalar(text("SELECT pk FROM projects WHERE name = 'p10k'"))
            for i in range(reps + 5):
                t0 = time.perf_counter()
                page = RunsQuery(project_pk, FILTER, ORDER).page(db, limit=50)
                if i >= 5:
                    inproc.append((time.perf_counter() - t0) * 1000)
                assert len(page.rows) == 50
    finally:
        engine.dispose()
    return {"raw": raw, "inproc": inproc, "bytes": [float(len(data))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", type=int, default=15, help="fresh interpreters per figure")
    parser.add_argument("--reps", type=int, default=50, help="warm repetitions")
    parser.add_argument("--baseline", type=Path, help="a directory holding an older cairn")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    sdks: dict[str, Path] = {"this tree": here}
    if args.baseline:
        sdks["baseline"] = args.baseline.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    servers = {}
    try:
        for n, (label, sdk) in enumerate(sdks.items()):
            data = tmp / f"data-{n}"
            servers[label] = start_server(data, env={"PYTHONPATH": str(sdk)}, cwd=tmp)
            t0 = time.perf_counter()
            load(servers[label].base_url, data / "cairn.db")
            print(f"{label}: loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        work = tmp / "work"
        work.mkdir()
        fresh: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        starts: list[float] = []
        for _ in range(args.fresh):
            starts += python_start_ms(1)
            for label, sdk in sdks.items():
                for what in ("history", "runs"):
                    fresh.setdefault((label, what), []).append(
                        fresh_read(servers[label].base_url, what, sdk, work)
                    )
        start_ms = statistics.median(starts)
        print(f"python -c pass: {spread(starts)} ms (wall, subtracted below)")
        print(f"{'fresh process':<36} {'import→answer ms':>24} {'wall - start ms':>24}  modules")
        for (label, what), samples in fresh.items():
            inner = [s[0] for s in samples]
            wall = [s[1] - start_ms for s in samples]
            print(f"{label + ': ' + what:<36} {spread(inner):>24} {spread(wall):>24}  "
                  f"{samples[-1][2]}")  # fmt: skip
        warm = {label: warm_query(servers[label].base_url, args.reps, sdk, work)
                for label, sdk in sdks.items()}  # fmt: skip
        print(f"{'10k runs, first page of 50':<36} {'reused Api ms':>24} {'new Api ms':>24}")
        for label, figures in warm.items():
            print(f"{label:<36} {spread(figures['reused']):>24} {spread(figures['fresh']):>24}")
        for n, (label, server) in enumerate(servers.items()):
            share = server_share(server.base_url, tmp / f"data-{n}" / "cairn.db", args.reps)
            print(f"{label}: raw http.client, kept alive: {spread(share['raw'])} ms "
                  f"({share['bytes'][0] / 1024:.0f} KiB); in process RunsQuery.page: "
                  f"{spread(share['inproc'])} ms")  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
