"""SDK overhead: log() latency, durability after the loop, init+finish, RSS, import time.

- 20,000 steps x 10 scalars: per-call log() latency (p50/p99), then the time until all 200k
  points are acknowledged by a local server (durable on it);
- init() + finish() of an empty run: the first in the process, then warm (median of 20);
- RSS added by the SDK: after finish() minus before ``import cairn`` (no helper processes);
- ``import cairn`` in a fresh interpreter (median of 5).

Usage: python bench/bench_sdk.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverproc import start_server

INNER = r"""
import os, sys, time, json, statistics, psutil
proc = psutil.Process()
rss0 = proc.memory_info().rss
t0 = time.perf_counter(); import cairn; import_s = time.perf_counter() - t0
import httpx
url = sys.argv[1]
settings = {"base_url": url, "show_progress": False, "capture_console": False}
t0 = time.perf_counter()
run = cairn.init(project="bench", settings=settings)
lat = []
keys = [f"metric_{i}" for i in range(10)]
pc = time.perf_counter_ns
for step in range(20000):
    row = {k: step * 0.001 + i for i, k in enumerate(keys)}
    a = pc(); run.log(row); lat.append(pc() - a)
loop_end = time.perf_counter()
# Durable on the server: poll until every point is acknowledged (200k points).
deadline = time.time() + 60
while time.time() < deadline:
    keys_json = httpx.get(f"{url}/api/v1/runs/{run.path}/keys").json().get("keys", [])
    if sum(k["count"] for k in keys_json) >= 200000:
        break
    time.sleep(0.005)
durable_s = time.perf_counter() - loop_end
run.finish()
first = []
t0 = time.perf_counter(); r = cairn.init(project="bench", settings=settings); r.finish()
first_init = time.perf_counter() - t0
warm = []
for _ in range(20):
    t0 = time.perf_counter(); r = cairn.init(project="bench", settings=settings); r.finish()
    warm.append(time.perf_counter() - t0)
lat.sort()
print(json.dumps({
    "p50_us": lat[len(lat)//2] / 1000, "p99_us": lat[int(len(lat)*0.99)] / 1000,
    "durable_s": durable_s, "init_finish_first_ms": first_init * 1000,
    "init_finish_warm_ms": statistics.median(warm) * 1000,
    "rss_added_mb": (proc.memory_info().rss - rss0) / 2**20, "import_ms": import_s * 1000,
}))
"""


def main() -> None:
    import json

    server = start_server(Path(tempfile.mkdtemp()) / "data")
    try:
        with tempfile.TemporaryDirectory() as work:
            out = subprocess.run(
                [sys.executable, "-c", INNER, server.base_url],
                cwd=work,
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "CAIRN_ENTITY": "bench"},
            )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        imports = []
        for _ in range(5):
            t = subprocess.run(
                [sys.executable, "-c",
                 "import time; t=time.perf_counter(); import cairn; print(time.perf_counter()-t)"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            imports.append(float(t.stdout) * 1000)
        result["import_ms_median"] = statistics.median(imports)
        for key, value in result.items():
            print(f"{key:>24}: {value:.2f}")
        server_rss = psutil.Process(server.proc.pid).memory_info().rss / 2**20
        print(f"{'server rss MB':>24}: {server_rss:.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
