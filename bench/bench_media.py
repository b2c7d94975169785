"""What logging an image costs: the training thread's share, and the writer thread's encode.

- ``log``: ``run.log({"img": cairn.Image(uint8 256x256x3)})`` N times (2,000 by default), each
  with a fresh random array made before the timer starts; per-call latency p50/p95 of building
  the ``Image`` plus ``log()`` (what the training loop pays: validation and one copy), then the
  time ``finish()`` takes to drain the encodes (offline run, or ``--online`` to a local server
  on loopback, which then also uploads every PNG);
- ``encode``: ``Image.encode`` alone (the PNG the writer thread makes), median per image.

The issue's budget is <= 200 us at p50 for the training thread; W&B's figure for the same loop
comes from ``bench/bench_peers.py wandb media`` (its own environment).

Usage: python bench/bench_media.py [--calls 2000] [--size 256] [--online]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cairn
from cairn.media.base import EncodeContext


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_log(calls: int, size: int, base_url: str | None) -> dict[str, float]:
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(16)]
    settings = {"base_url": base_url or "http://127.0.0.1:9", "show_progress": False}
    run = cairn.init(project="bench-media", mode="online" if base_url else "offline",
                     settings=settings)  # fmt: skip
    lat = []
    pc = time.perf_counter_ns
    start = time.perf_counter()
    for step in range(calls):
        pixels = arrays[step % len(arrays)]
        begin = pc()
        run.log({"img": cairn.Image(pixels)}, step=step)
        lat.append((pc() - begin) / 1000)
    loop_s = time.perf_counter() - start
    begin_finish = time.perf_counter()
    run.finish()
    return {
        "log_p50_us": _percentile(lat, 0.5),
        "log_p95_us": _percentile(lat, 0.95),
        "loop_s": loop_s,
        "finish_s": time.perf_counter() - begin_finish,
    }


def bench_encode(size: int, n: int = 100) -> dict[str, float]:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    smooth = np.repeat(np.linspace(0, 255, size, dtype=np.uint8)[None, :, None], size, 0)
    out = {}
    for name, array in (("noise", pixels), ("gradient", np.repeat(smooth, 3, 2))):
        times = []
        for step in range(n):
            image = cairn.Image(array)
            begin = time.perf_counter_ns()
            image.encode(EncodeContext("img", step))
            times.append((time.perf_counter_ns() - begin) / 1000)
        out[f"encode_{name}_p50_us"] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--online", action="store_true", help="log to a local server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        os.environ["CAIRN_DIR"] = tmp
        server = None
        if args.online:
            from tests.serverproc import start_server

            server = start_server(Path(tmp) / "server")
        try:
            figures = bench_log(args.calls, args.size, server.base_url if server else None)
        finally:
            if server is not None:
                server.stop()
        figures.update(bench_encode(args.size))
    print(json.dumps({"calls": args.calls, "size": args.size, "online": args.online,
                      **{k: round(v, 2) for k, v in figures.items()}}))  # fmt: skip


if __name__ == "__main__":
    main()
