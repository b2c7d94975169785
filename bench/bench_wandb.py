"""The unmodified ``wandb`` client logging to Cairn (issue 13's speed goals).

1. One client, 20,000 steps x 10 scalars: online to Cairn, against the same script offline
   plus ``wandb sync`` to Cairn (side by side, same server, same minute). Wall time of the
   script (and of the sync), and whether every point arrived.
2. Ten such clients at once, online: points/s the server stored, and the p50/p99 latency of
   the W&B requests it served (from its JSON access log: server time per request).

Usage: python bench/bench_wandb.py [--steps 20000] [--clients 10] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.compat.wandb_client import wandb_env
from tests.serverproc import ServerProcess, start_server

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCRIPT = """
    import sys, wandb
    steps = int(sys.argv[1])
    run = wandb.init(entity="bench", project="wb", id=sys.argv[2],
                     settings=wandb.Settings(x_disable_stats=True, console="off"))
    for i in range(steps):
        run.log({f"m{k}": i * 0.001 + k for k in range(10)})
    run.finish()
"""


def _run(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def _points(server: ServerProcess, run_id: str) -> int:
    keys = httpx.get(f"{server.base_url}/api/v1/runs/bench/wb/{run_id}/keys", timeout=60).json()
    return sum(k["count"] for k in keys["keys"] if k["key"].startswith("m"))


def one_client(server: ServerProcess, root: Path, steps: int) -> dict[str, float]:
    """Online vs offline + sync, one client."""
    root.mkdir(parents=True, exist_ok=True)
    script = root / "train.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = wandb_env(server.base_url, root)
    online = _run([sys.executable, str(script), str(steps), "online01"], env, root)
    offline_env = {**env, "WANDB_MODE": "offline"}
    offline = _run([sys.executable, str(script), str(steps), "offline1"], offline_env, root)
    (run_dir,) = root.glob("wandb/offline-run-*offline1")
    wandb_cli = str(Path(sys.executable).with_name("wandb"))
    sync = _run([wandb_cli, "sync", "--entity", "bench", str(run_dir)], env, root)
    expected = steps * 10
    for run_id in ("online01", "offline1"):
        stored = _points(server, run_id)
        if stored != expected:
            raise SystemExit(f"{run_id}: {stored} points stored, {expected} logged")
    return {"online": online, "offline": offline, "sync": sync}


def many_clients(server: ServerProcess, root: Path, steps: int, clients: int) -> dict[str, float]:
    """``clients`` online clients at once: stored points/s and request latency."""
    root.mkdir(parents=True, exist_ok=True)
    script = root / "train.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = wandb_env(server.base_url, root)
    log_mark = server.log_path.stat().st_size
    cpu_before = _server_cpu(server)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(
            pool.map(
                lambda i: _run(
                    [sys.executable, str(script), str(steps), f"many{i:04d}"], env, root
                ),
                range(clients),
            )
        )
    elapsed = time.perf_counter() - started
    server_cpu = _server_cpu(server) - cpu_before
    stored = sum(_points(server, f"many{i:04d}") for i in range(clients))
    if stored != clients * steps * 10:
        raise SystemExit(f"{stored} points stored, {clients * steps * 10} logged")
    latencies = _latencies(server.log_path, log_mark)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "elapsed": elapsed,
        "points_per_s": stored / elapsed,
        "requests": len(latencies),
        "p50_ms": quantiles[49],
        "p99_ms": quantiles[98],
        "server_cpu_s": server_cpu,
    }


def _server_cpu(server: ServerProcess) -> float:
    """CPU seconds the server's processes (the supervisor and its workers) have used."""
    root = psutil.Process(server.proc.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _latencies(log_path: Path, start: int) -> list[float]:
    """Server time (ms) of every W&B request logged since byte ``start`` of the access log."""
    out = []
    with log_path.open() as log:
        log.seek(start)
        for line in log:
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            route = str(entry.get("route", ""))
            if route == "/graphql" or route.endswith("/file_stream"):
                out.append(float(entry["duration_ms"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db_url = None if args.db == "sqlite" else PG
        server = start_server(
            root / "data", db_url=db_url, extra_args=["--log-format", "json", "--log-level", "info"]
        )
        try:
            single = one_client(server, root / "one", args.steps)
            print(f"one client, {args.steps} steps x 10 scalars ({args.db}):")
            print(f"  online to Cairn          {single['online']:7.1f} s")
            print(
                f"  offline + wandb sync     {single['offline'] + single['sync']:7.1f} s "
                f"({single['offline']:.1f} s run + {single['sync']:.1f} s sync)"
            )
            ratio = single["online"] / (single["offline"] + single["sync"])
            print(f"  online / (offline+sync)  {ratio:7.2f}")
            many = many_clients(server, root / "many", args.steps, args.clients)
            print(f"{args.clients} clients at once, online:")
            print(f"  wall time                {many['elapsed']:7.1f} s")
            print(f"  points stored per s      {many['points_per_s']:9,.0f}")
            print(
                f"  W&B requests             {many['requests']:7d}, server time p50 "
                f"{many['p50_ms']:.1f} ms, p99 {many['p99_ms']:.1f} ms"
            )
            print(
                f"  server CPU               {many['server_cpu_s']:7.1f} s "
                f"({many['server_cpu_s'] / many['elapsed']:.0%} of one core over the wall time)"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
