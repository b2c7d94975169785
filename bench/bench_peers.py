"""The peers' log() latency for side-by-side figures: wandb (offline) and trackio (local).

Runs in a bench-only environment, never the project's own (the peers are not dependencies):
    python -m venv /tmp/peers && /tmp/peers/bin/pip install -r bench/requirements-peers.txt
    /tmp/peers/bin/python bench/bench_peers.py wandb
    /tmp/peers/bin/python bench/bench_peers.py trackio
    /tmp/peers/bin/python bench/bench_peers.py wandb media
Same loop as bench_sdk.py: 20,000 steps x 10 scalars; per-call latency p50/p99.
``wandb media``: the loop of bench/bench_media.py instead: 2,000 calls of
``run.log({"img": wandb.Image(uint8 256x256x3)})`` (wandb encodes the PNG in this thread), the
per-call latency of building the image plus ``log()``, p50/p95.
"""

import json
import os
import sys
import time

which = sys.argv[1]
keys = [f"metric_{i}" for i in range(10)]
pc = time.perf_counter_ns
lat = []
t0 = time.perf_counter()
if which == "wandb" and sys.argv[2:] == ["media"]:
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    import numpy as np
    import wandb

    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(16)]
    run = wandb.init(project="bench")
    init_s = time.perf_counter() - t0
    for step in range(2000):
        pixels = arrays[step % len(arrays)]
        a = pc()
        run.log({"img": wandb.Image(pixels)}, step=step)
        lat.append(pc() - a)
    t1 = time.perf_counter()
    run.finish()
    fin = time.perf_counter() - t1
    lat.sort()
    print(json.dumps({"tool": "wandb", "mode": "media", "p50_us": lat[len(lat) // 2] / 1000,
                      "p95_us": lat[int(len(lat) * 0.95)] / 1000, "init_s": init_s,
                      "finish_s": fin}))  # fmt: skip
    sys.exit(0)
if which == "wandb":
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_SILENT"] = "true"
    import wandb

    run = wandb.init(project="bench")
    init_s = time.perf_counter() - t0
    for step in range(20000):
        row = {k: step * 0.001 + i for i, k in enumerate(keys)}
        a = pc()
        run.log(row)
        lat.append(pc() - a)
    t1 = time.perf_counter()
    run.finish()
    fin = time.perf_counter() - t1
else:
    import trackio

    run = trackio.init(project="bench")
    init_s = time.perf_counter() - t0
    for step in range(20000):
        row = {k: step * 0.001 + i for i, k in enumerate(keys)}
        a = pc()
        trackio.log(row)
        lat.append(pc() - a)
    t1 = time.perf_counter()
    trackio.finish()
    fin = time.perf_counter() - t1
lat.sort()
print(
    json.dumps(
        {
            "tool": which,
            "p50_us": lat[len(lat) // 2] / 1000,
            "p99_us": lat[int(len(lat) * 0.99)] / 1000,
            "init_s": init_s,
            "finish_s": fin,
        }
    )
)
