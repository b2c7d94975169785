"""SDK overhead: log() latency, durability after the loop, init+finish, RSS, import time.

Each figure comes from a fresh child process against one real local server (SQLite):

- ``log``: N steps x 10 scalars (20,000 and 100,000 by default): per-call log() latency
  (p50/p99), then the time from the loop's end until every point is on the server (polled every
  10 ms over a kept-alive connection), and the RSS the SDK added (after ``finish()`` minus before
  ``import cairn``);
- ``init_finish``: warm ``init()`` + ``finish()`` of an empty run (median of 50, after the first
  run in the process, reported apart), with capture on (git, environment, system metrics;
  console off) and with all capture off, in a git work tree;
- ``short_runs``: 200 runs of 100 steps each in one process: median of init + 100 logs + finish,
  and of finish alone;
- ``import cairn`` in a fresh interpreter (median of 7).

``--baseline DIR`` runs every child a second time with the ``cairn`` package in DIR (e.g.
``git archive <commit> cairn | tar -x -C DIR``) against a second server also run from DIR,
alternating with this tree, ``--repeat`` times, so that both columns come from the same minutes
of a noisy machine. Figures: median over the repeats, range in brackets.

Usage: python bench/bench_sdk.py [--steps 20000,100000] [--repeat 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serverproc import start_server

CHILD = r"""
import http.client, json, os, statistics, sys, time
import psutil
proc = psutil.Process()
rss0 = proc.memory_info().rss
t0 = time.perf_counter(); import cairn; import_s = time.perf_counter() - t0
url, mode, arg = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = {"base_url": url, "show_progress": False, "capture_console": False}
keys = [f"metric_{i}" for i in range(10)]
out = {}
if mode == "log":
    run = cairn.init(project="bench", settings=settings)
    lat = []
    pc = time.perf_counter_ns
    loop_start = time.perf_counter()
    for step in range(arg):
        row = {k: step * 0.001 + i for i, k in enumerate(keys)}
        a = pc(); run.log(row); lat.append(pc() - a)
    loop_end = time.perf_counter()
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    deadline = time.time() + 120
    while time.time() < deadline:
        conn.request("GET", f"/api/v1/runs/{run.path}/keys")
        answer = json.loads(conn.getresponse().read())
        if sum(k["count"] for k in answer.get("keys", [])) >= arg * len(keys):
            break
        time.sleep(0.01)
    durable_s = time.perf_counter() - loop_end
    run.finish()
    lat.sort()
    out = {"p50_us": lat[len(lat) // 2] / 1000, "p99_us": lat[int(len(lat) * 0.99)] / 1000,
           "loop_s": loop_end - loop_start, "durable_s": durable_s,
           "points_per_s": arg * len(keys) / (loop_end - loop_start + durable_s),
           "rss_added_mb": (proc.memory_info().rss - rss0) / 2**20}
elif mode == "init_finish":
    for capture in (True, False):
        s = dict(settings, capture_git=capture, capture_environment=capture,
                 capture_system=capture)
        t0 = time.perf_counter(); cairn.init(project="bench", settings=s).finish()
        first = time.perf_counter() - t0
        warm = []
        for _ in range(arg):
            t0 = time.perf_counter(); cairn.init(project="bench", settings=s).finish()
            warm.append(time.perf_counter() - t0)
        name = "capture_on" if capture else "capture_off"
        out[f"first_{name}_ms"] = first * 1000
        out[f"warm_{name}_ms"] = statistics.median(warm) * 1000
elif mode == "short_runs":
    whole, finish = [], []
    for _ in range(arg):
        t0 = time.perf_counter()
        run = cairn.init(project="bench", settings=settings)
        for step in range(100):
            run.log({k: step * 0.001 + i for i, k in enumerate(keys)})
        t1 = time.perf_counter(); run.finish(); t2 = time.perf_counter()
        whole.append(t2 - t0); finish.append(t2 - t1)
    out = {"run_ms": statistics.median(whole) * 1000, "finish_ms": statistics.median(finish) * 1000}
print(json.dumps(out))
"""

IMPORT = "import time; t=time.perf_counter(); import cairn; print(time.perf_counter()-t)"


def child(sdk: Path, work: Path, url: str, mode: str, arg: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter importing ``cairn`` from ``sdk``."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, mode, str(arg)],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CAIRN_ENTITY": "bench", "PYTHONPATH": str(sdk)},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def import_ms(sdk: Path, work: Path) -> float:
    """Median ``import cairn`` time of fresh interpreters."""
    times = []
    for _ in range(7):
        out = subprocess.run(
            [sys.executable, "-c", IMPORT],
            capture_output=True,
            text=True,
            check=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(sdk)},
        )
        times.append(float(out.stdout) * 1000)
    return statistics.median(times)


def git_work_tree(path: Path) -> Path:
    """A git work tree with one commit, as a training script's directory usually is."""
    path.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}  # fmt: skip
    (path / "train.py").write_text("print('train')\n")
    for args in (["init", "-q"], ["add", "train.py"], ["commit", "-q", "-m", "first"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True, capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="20000,100000", help="log loops to time")
    parser.add_argument("--repeat", type=int, default=3, help="children per figure and tree")
    parser.add_argument("--baseline", type=Path, help="a directory holding an older cairn")
    args = parser.parse_args()
    sdks = {"this tree": Path(__file__).resolve().parent.parent}
    if args.baseline:
        sdks["baseline"] = args.baseline.resolve()
    plan = [("log", int(s)) for s in args.steps.split(",")]
    plan += [("init_finish", 50), ("short_runs", 200)]
    tmp = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    servers = {
        label: start_server(tmp / f"data-{n}", env={"PYTHONPATH": str(sdk)}, cwd=tmp)
        for n, (label, sdk) in enumerate(sdks.items())
    }
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    try:
        work = git_work_tree(tmp / "work")
        for _ in range(args.repeat):
            for mode, arg in plan:
                for label, sdk in sdks.items():
                    figures = child(sdk, work, servers[label].base_url, mode, arg)
                    results.setdefault((label, mode, arg), []).append(figures)
        imports = {label: import_ms(sdk, work) for label, sdk in sdks.items()}
        server_rss = {
            label: psutil.Process(server.proc.pid).memory_info().rss / 2**20
            for label, server in servers.items()
        }
    finally:
        for server in servers.values():
            server.stop()
    labels = list(sdks)
    print(f"{'figure':<40}" + "".join(f"{label:>28}" for label in labels))
    for mode, arg in plan:
        names = list(results[(labels[0], mode, arg)][0])
        for name in names:
            row = f"{mode + ' ' + str(arg) + ' ' + name:<40}"
            for label in labels:
                values = [r[name] for r in results[(label, mode, arg)]]
                row += f"{statistics.median(values):>12.2f} ({min(values):.2f}-{max(values):.2f})"
            print(row)
    print(
        f"{'import cairn ms (median of 7)':<40}" + "".join(f"{imports[x]:>28.1f}" for x in labels)
    )
    print(
        f"{'server RSS MB after the runs':<40}" + "".join(f"{server_rss[x]:>28.0f}" for x in labels)
    )


if __name__ == "__main__":
    main()
